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

/// Go's `%v` of floats, as explainScore, score and messages carry them (expected texts: Go's fmt.Sprint).
final class GoNumbersTests: XCTestCase {
    func testShortestDigitsInGoGForm() {
        let cases: [(Double, String)] = [
            (4, "4"), (-15, "-15"), (0.25, "0.25"), (0, "0"), (-0.0, "-0"), (123456, "123456"),
            (1e6, "1e+06"), (1234567, "1.234567e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"),
            (0.000123, "0.000123"), (1.5e-7, "1.5e-07"), (1e21, "1e+21"), (1e100, "1e+100"),
            (-2.5e-300, "-2.5e-300"), (0.1, "0.1"), (123.456, "123.456"),
            // Past Int64, where Int64(d) stopped the process: a hybrid query vector may hold 1e19.
            (1e19, "1e+19"), (-9.3e18, "-9.3e+18"),
        ]
        for (value, text) in cases { XCTAssertEqual(GoNumbers.float64(value), text, "\(value)") }
        XCTAssertEqual(GoNumbers.float32(0.1), "0.1")  // float32's own shortest digits, not 0.10000000149011612
        XCTAssertEqual(GoNumbers.float32(1e19), "1e+19")
        XCTAssertEqual(GoNumbers.float32(0.016393442), "0.016393442")
        XCTAssertEqual(GoNumbers.float32(.infinity), "+Inf")
        XCTAssertEqual(GoNumbers.float32(-.infinity), "-Inf")
        XCTAssertEqual(GoNumbers.float64(.nan), "NaN")
    }
}
