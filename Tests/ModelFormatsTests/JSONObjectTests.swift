import Foundation
import XCTest
import ModelFormats

/// Config JSON: strict accessors name the file and key path; the lenient view reads odd values as unknown.
final class JSONObjectTests: XCTestCase {
    func object(_ json: String, context: String = "cfg.json") throws -> JSONObject {
        JSONObject(raw: try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]), context: context)
    }

    func testZeroAndOneAreNumbersAndTrueIsNot() throws {
        // JSONSerialization's 0 and 1 also bridge to Bool; only true/false may read as booleans.
        let c = try object(#"{"zero": 0, "one": 1, "yes": true, "list": [0, 1, 2.5]}"#)
        XCTAssertEqual(try c.int("zero"), 0)
        XCTAssertEqual(try c.int("one"), 1)
        XCTAssertEqual(c.lenient.int("one"), 1)
        XCTAssertEqual(try c.doubles("list"), [0, 1, 2.5])
        XCTAssertThrowsError(try c.int("yes")) { XCTAssertEqual("\($0)", #"cfg.json: "yes" must be an integer"#) }
        XCTAssertNil(c.lenient.int("yes"))
        XCTAssertEqual(try c.bool("yes"), true)
        XCTAssertEqual(try c.bool("one"), true)
    }

    func testStrictErrorsNameTheFileAndKeyPath() throws {
        let c = try object(#"{"text_config": {"hidden_size": "big", "eps": 1.5}, "n": null}"#)
        let text = try XCTUnwrap(try c.object("text_config"))
        XCTAssertThrowsError(try text.int("hidden_size")) {
            XCTAssertEqual("\($0)", #"cfg.json → text_config: "hidden_size" must be an integer"#)
        }
        XCTAssertThrowsError(try text.int("eps")) { XCTAssertTrue("\($0)".contains("must be an integer, got 1.5"), "\($0)") }
        XCTAssertNil(try c.int("n"), "null is absent")
        XCTAssertEqual(try c.int("n", default: 7), 7)
        XCTAssertThrowsError(try c.require("missing")) { XCTAssertEqual("\($0)", #"cfg.json: missing "missing""#) }
        XCTAssertNil(text.lenient.int("hidden_size"))
        XCTAssertEqual(text.lenient.int("eps"), 1, "a description truncates")
    }

    func testOverlaySkipsNulls() throws {
        let base = try object(#"{"a": 1, "b": 2}"#)
        let top = try object(#"{"b": 3, "a": null, "c": 4}"#)
        let merged = base.overlaid(with: top)
        XCTAssertEqual(try merged.int("a"), 1)
        XCTAssertEqual(try merged.int("b"), 3)
        XCTAssertEqual(try merged.int("c"), 4)
        XCTAssertEqual(merged.context, "cfg.json")
    }

    func testFileErrors() throws {
        let dir = try temporaryFolder(self)
        let bad = dir.appendingPathComponent("bad.json")
        try Data("{nope".utf8).write(to: bad)
        XCTAssertThrowsError(try JSONObject(file: bad)) { XCTAssertTrue("\($0)".hasPrefix(bad.path + ": not valid JSON"), "\($0)") }
        let list = dir.appendingPathComponent("list.json")
        try Data("[1]".utf8).write(to: list)
        XCTAssertThrowsError(try JSONObject(file: list)) { XCTAssertEqual("\($0)", list.path + ": expected a JSON object") }
        XCTAssertNil(try JSONObject.fileIfPresent(dir.appendingPathComponent("absent.json")))
    }
}

func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelformats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
