import XCTest
@testable import JSON

/// The streamed member (request bodies like `{"objects":[…]}`) and the value cap (issue #17).
final class StreamingTests: XCTestCase {
    private func stream(_ text: String, key: String = "objects") throws -> (JSONValue, [(Int, JSONValue)]) {
        var seen: [(Int, JSONValue)] = []
        let value = try JSONValue.parse(bytes: Array(text.utf8), streaming: key) { seen.append(($0, $1)) }
        return (value, seen)
    }

    func testElementsOfTheKeyAreHandedOverNotKept() throws {
        let (value, seen) = try stream(#"{"fields":["ALL"],"objects":[{"a":1},null,[2]],"x":{"objects":[3]}}"#)
        XCTAssertEqual(value, ["fields": ["ALL"], "objects": [], "x": ["objects": [3]]])
        XCTAssertEqual(seen.map(\.0), [0, 1, 2])
        XCTAssertEqual(seen.map(\.1), [["a": 1], .null, [2]])
    }

    func testOnlyArraysAtTheTopLevelAreStreamed() throws {
        let (value, seen) = try stream(#"{"objects":{"a":1}}"#)
        XCTAssertEqual(value, ["objects": ["a": 1]])
        XCTAssertTrue(seen.isEmpty)
        let (array, none) = try stream(#"[{"objects":[1]}]"#)
        XCTAssertEqual(array, [["objects": [1]]])
        XCTAssertTrue(none.isEmpty)
    }

    func testARepeatedKeyStartsAgain() throws {
        let (_, seen) = try stream(#"{"objects":[1,2],"objects":[3]}"#)
        XCTAssertEqual(seen.map(\.0), [0, 1, 0])
    }

    func testMalformedStreamedArraysAreParseErrors() {
        XCTAssertThrowsError(try stream(#"{"objects":[1,}"#)) { XCTAssertTrue($0 is JSONParseError) }
        XCTAssertThrowsError(try stream(#"{"objects":[1 2]}"#)) { XCTAssertTrue($0 is JSONParseError) }
        XCTAssertThrowsError(try stream(#"{"objects":[1]"#)) { XCTAssertTrue($0 is JSONParseError) }
    }

    func testValueCap() throws {
        let text = Array(#"{"a":[1,2,3],"b":"x"}"#.utf8)  // 6 values: object, array, 3 numbers, string
        XCTAssertNoThrow(try JSONValue.parse(bytes: text, maxValues: 6))
        XCTAssertThrowsError(try JSONValue.parse(bytes: text, maxValues: 5)) {
            XCTAssertEqual($0 as? JSONTooManyValuesError, JSONTooManyValuesError(limit: 5))
        }
        // Streamed elements count too.
        XCTAssertThrowsError(try JSONValue.parse(bytes: text, maxValues: 5, streaming: "a") { _, _ in }) {
            XCTAssertTrue($0 is JSONTooManyValuesError)
        }
        XCTAssertNoThrow(try JSONValue.parse(bytes: text, maxValues: 6, streaming: "a") { _, _ in })
    }
}
