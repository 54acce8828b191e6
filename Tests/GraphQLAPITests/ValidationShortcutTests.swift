import GraphQL
import XCTest
@testable import GraphQLAPI

final class ValidationShortcutTests: XCTestCase {
    func testLongNumberListsAreCutToTheirFirstElement() throws {
        let floats = (0..<12).map { "0.\($0 + 1)" }.joined(separator: ", ")
        let query = "{Get{V(limit: 2 nearVector: {vector: [\(floats)]} where: {path: [\"a\"] operator: Equal valueInt: 1}){x}}}"
        let document = try parse(source: Source(body: query))
        XCTAssertEqual(ValidationShortcut.shortened(document: document, source: query),
                       "{Get{V(limit: 2 nearVector: {vector: [0.1]} where: {path: [\"a\"] operator: Equal valueInt: 1}){x}}}")
        let short = "{Get{V(nearVector: {vector: [1, 2, 3]}){x}}}"
        XCTAssertNil(ValidationShortcut.shortened(document: try parse(source: Source(body: short)), source: short))
        let mixed = "{Get{V(nearVector: {vector: [1, 2, 3, 4, 5, 6, 7, 8.5]}){x}}}"
        XCTAssertNil(ValidationShortcut.shortened(document: try parse(source: Source(body: mixed)), source: mixed))
    }
}

