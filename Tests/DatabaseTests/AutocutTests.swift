import XCTest
@testable import Database

final class AutocutTests: XCTestCase {
    func testCutsBeforeTheNthJump() {
        // Two plateaus of scores (descending) and of distances (ascending): one jump after four.
        XCTAssertEqual(Autocut.keep([2, 2, 2, 2, 1, 1, 1, 1], jumps: 1), 4)
        XCTAssertEqual(Autocut.keep([0.1, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5], jumps: 1), 4)
        // Three plateaus: the second jump is after six.
        XCTAssertEqual(Autocut.keep([0.1, 0.1, 0.1, 0.4, 0.4, 0.4, 0.9, 0.9, 0.9], jumps: 1), 3)
        XCTAssertEqual(Autocut.keep([0.1, 0.1, 0.1, 0.4, 0.4, 0.4, 0.9, 0.9, 0.9], jumps: 2), 6)
        XCTAssertEqual(Autocut.keep([0.1, 0.1, 0.1, 0.4, 0.4, 0.4, 0.9, 0.9, 0.9], jumps: 3), 9)
        // An even spread, equal values, one value, and autocut off: everything.
        XCTAssertEqual(Autocut.keep([0.1, 0.2, 0.3, 0.4], jumps: 1), 4)
        XCTAssertEqual(Autocut.keep([0.3, 0.3, 0.3], jumps: 1), 3)
        XCTAssertEqual(Autocut.keep([0.3], jumps: 1), 1)
        XCTAssertEqual(Autocut.keep([2, 2, 1, 1], jumps: 0), 4)
        // A jump at the very end is a jump too (compared with the two values before it).
        XCTAssertEqual(Autocut.keep([0.1, 0.1, 0.1, 0.1, 0.9], jumps: 1), 4)
    }

    func testGetWithAutocut() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(ClassDefinition(className: "P", properties: [PropertyDefinition(name: "t", dataType: ["text"])]))
        for (text, vector) in [("a", [Float](arrayLiteral: 1, 0)), ("a", [1, 0.01]), ("b", [0, 1]), ("b", [0.01, 1])] {
            _ = try await t.db.createObject(ObjectInput(className: "P", properties: ["t": .string(text)], vector: vector))
        }
        var r = GetRequest(className: "P", limit: 4, near: NearParameters(nearVector: NearVectorParameter(vector: [1, 0])))
        r.autocut = 1
        let hits = try await t.db.getQuery(r)
        XCTAssertEqual(hits.map { $0.object.properties["t"] }, ["a", "a"])
        r.autocut = nil
        await XCTAssertEqualAsync(try await t.db.getQuery(r).count, 4)
    }
}
