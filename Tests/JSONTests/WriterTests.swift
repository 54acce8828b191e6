import Foundation
import XCTest
@testable import JSON

/// The escaper and number formatter shared by every writer, and the JSONValue serialiser built on them.
final class WriterTests: XCTestCase {
    func bytesQuoted(_ s: String) -> String {
        var out: [UInt8] = [0x41]  // appends after what is there
        JSONText.appendQuoted(s, to: &out)
        return String(decoding: out.dropFirst(), as: UTF8.self)
    }

    func testEscapes() {
        let cases: [(String, String)] = [
            ("", #""""#), ("plain", #""plain""#), ("a\"b\\c", #""a\"b\\c""#), ("\n\r\t", #""\n\r\t""#),
            ("\u{0}\u{1}\u{8}\u{c}\u{1f}", #""\u0000\u0001\u0008\u000c\u001f""#), ("/é😀\u{7f}", "\"/é😀\u{7f}\""),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(bytesQuoted(input), expected)
            XCTAssertEqual(JSONText.quoted(input), expected)
            var s = "x"
            JSONText.appendQuoted(input, to: &s)
            XCTAssertEqual(s, "x" + expected)
        }
    }

    /// Random strings (ASCII, controls, multi-byte scalars) survive escape → parse, in both output forms,
    /// and Foundation reads the escaped text to the same string.
    func testEscapeRoundTrips() throws {
        let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1b}", "\u{7f}",
                                          "é", "€", "😀", "\u{FEFF}", "\u{2028}"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) { s.append(alphabet.randomElement(using: &rng)!) }
            let string = String(s)
            var bytes: [UInt8] = []
            JSONText.appendQuoted(string, to: &bytes)
            XCTAssertEqual(try JSONValue.parse(bytes: bytes), .string(string))
            XCTAssertEqual(JSONText.quoted(string), String(decoding: bytes, as: UTF8.self))
            // corelibs-foundation drops U+FEFF inside strings, so it only checks the others.
            guard !string.unicodeScalars.contains("\u{FEFF}") else { continue }
            let foundation = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? String
            XCTAssertEqual(foundation, string)
        }
    }

    func testNumbers() {
        func int(_ v: Int64) -> String { var o: [UInt8] = []; JSONText.appendInt(v, to: &o); return String(decoding: o, as: UTF8.self) }
        for v: Int64 in [0, 7, 10, -1, -10, 1234567, .max, .min] { XCTAssertEqual(int(v), String(v)) }
        func double(_ d: Double) -> String {
            var o: [UInt8] = []; JSONText.appendDouble(d, to: &o)
            var s = ""; JSONText.appendDouble(d, to: &s)
            XCTAssertEqual(String(decoding: o, as: UTF8.self), s)
            return s
        }
        XCTAssertEqual(double(1), "1")
        XCTAssertEqual(double(-0.0), "0")
        XCTAssertEqual(double(2.5), "2.5")
        XCTAssertEqual(double(1e15), "1000000000000000.0", "Swift's text from 1e15 up, as before (Go writes 1e+15)")
        XCTAssertEqual(double(999_999_999_999_999), "999999999999999")
        XCTAssertEqual(double(.infinity), "null")
        XCTAssertEqual(double(.nan), "null")
    }

    func testSerialiser() throws {
        let v: JSONValue = ["b": [1, 2.5, "x\n", nil, true], "a": ["z": -0.5, "y": .object([:])], "c": 1e300]
        XCTAssertEqual(v.jsonString(), #"{"a":{"y":{},"z":-0.5},"b":[1,2.5,"x\n",null,true],"c":1e+300}"#)
        XCTAssertEqual(try JSONValue.parse(Data(v.jsonString().utf8)), v)
        var out = Array("prefix".utf8)
        JSONValue.array([1, "é"]).appendJSON(to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"prefix[1,"é"]"#)
    }
}
