import Foundation
import XCTest
@testable import JSON

/// The parser's contract: RFC 8259 grammar, ints apart from doubles, bounded depth, Go-style messages.
final class ParserTests: XCTestCase {
    func parse(_ text: String, maxDepth: Int = JSONValue.defaultMaxDepth, strict: Bool = false) throws -> JSONValue {
        try JSONValue.parse(Data(text.utf8), maxDepth: maxDepth, strictUnicode: strict)
    }

    func message(_ text: String, maxDepth: Int = JSONValue.defaultMaxDepth, strict: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) -> String? {
        do { _ = try parse(text, maxDepth: maxDepth, strict: strict) } catch let e as JSONParseError { return e.message } catch {
            XCTFail("not a JSONParseError: \(error)", file: file, line: line)
        }
        XCTFail("\(text) parsed", file: file, line: line)
        return nil
    }

    func testValues() throws {
        let v = try parse(#" {"a":1,"b":1.0,"c":-2e3,"d":"x\u00e9\n","e":[true,false,null],"f":{},"g":[]} "#)
        XCTAssertEqual(v, ["a": 1, "b": .double(1), "c": .double(-2000), "d": "xé\n", "e": [true, false, nil],
                           "f": .object([:]), "g": .array([])])
        XCTAssertEqual(try parse("\"\""), "")
        XCTAssertEqual(try parse("7"), 7)
        XCTAssertEqual(try parse(#"{"k":1,"k":2}"#), ["k": 2], "the last of a repeated key wins, as in Go")
    }

    func testIntegersAtInt64Limits() throws {
        XCTAssertEqual(try parse("9223372036854775807"), .int(.max))
        XCTAssertEqual(try parse("-9223372036854775808"), .int(.min))
        XCTAssertEqual(try parse("1234567890123456789"), .int(1_234_567_890_123_456_789), "19 digits stay exact")
        XCTAssertEqual(try parse("9223372036854775808"), .double(9_223_372_036_854_775_808))
        XCTAssertEqual(try parse("-9223372036854775809"), .double(-9_223_372_036_854_775_808.0))
        XCTAssertEqual(try parse("123456789012345678901234567890"), .double(1.2345678901234568e29))
        XCTAssertEqual(try parse("[18446744073709551616]"), [.double(18_446_744_073_709_551_616)])
    }

    func testDoubles() throws {
        XCTAssertEqual(try parse("-0"), .int(0), "an integer literal, even negative zero")
        let negativeZero = try XCTUnwrap(try parse("-0.0").doubleValue)
        XCTAssertEqual(negativeZero, 0)
        XCTAssertEqual(negativeZero.sign, .minus)
        XCTAssertEqual(try parse("1e400"), .double(.infinity), "out of range reads as infinity, as strtod gives it")
        XCTAssertEqual(try parse("[-1e400]"), [.double(-.infinity)])
        XCTAssertEqual(try parse("[1e-400]"), [.double(0)])
        XCTAssertEqual(try parse("0.1"), .double(0.1))
        XCTAssertEqual(try parse("[0.30000000000000004]"), [.double(0.30000000000000004)])
        XCTAssertEqual(try parse("[2.2250738585072014e-308]"), [.double(2.2250738585072014e-308)])
        XCTAssertEqual(try parse("[4.9406564584124654e-324]"), [.double(.leastNonzeroMagnitude)])
        XCTAssertEqual(try parse("[1.7976931348623157e308]"), [.double(1.7976931348623157e308)])
        XCTAssertEqual(try parse("[9007199254740993.0]"), [.double(9_007_199_254_740_992)], "past 2^53: strtod rounds")
        XCTAssertEqual(try parse("[0.000000000000000000000000000001]"), [.double(1e-30)])
        XCTAssertEqual(try parse("[1E+2,1e-2,12.5E1]"), [.double(100), .double(0.01), .double(125)])
        XCTAssertEqual(try parse("[1.00000000000000000000000000001]"), [.double(1)], "digits past the 19th")
    }

    /// Every float32's shortest text and its widened double's text read back exactly (the fast path's
    /// exactness argument, checked on the vector shapes the REST API receives).
    func testRandomFloatsRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            guard f.isFinite else { continue }
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            guard d.isFinite else { continue }
            let parsed = try parse("[\(f),\(Double(f)),\(d)]").arrayValue!.map { $0.doubleValue! }
            XCTAssertEqual(Float(parsed[0]), f, "\(f)")
            XCTAssertEqual(parsed[1], Double(f), "\(Double(f))")
            XCTAssertEqual(parsed[2], d, "\(d)")
        }
    }

    func testGoStyleMessages() {
        XCTAssertEqual(message(""), "unexpected end of JSON input")
        XCTAssertEqual(message("   "), "unexpected end of JSON input")
        XCTAssertEqual(message("{"), "unexpected end of JSON input")
        XCTAssertEqual(message("[1,"), "unexpected end of JSON input")
        XCTAssertEqual(message("True"), "invalid character 'T' looking for beginning of value")
        XCTAssertEqual(message(#"{"a":1}x"#), "invalid character 'x' after top-level value")
        XCTAssertEqual(message("[1,]"), "invalid character ']' looking for beginning of value")
        XCTAssertEqual(message(#"{"a" 1}"#), "invalid character '1' after object key")
        XCTAssertEqual(message(#"{"a":1 "b":2}"#), "invalid character '\"' after object key:value pair")
        XCTAssertEqual(message("{1:2}"), "invalid character '1' looking for beginning of object key string")
        XCTAssertEqual(message("[1 2]"), "invalid character '2' after array element")
        XCTAssertEqual(message("nul"), "unexpected end of JSON input")
        XCTAssertEqual(message("nulx"), "invalid character 'x' in literal null (expecting 'l')")
        XCTAssertEqual(message("01"), "invalid character '1' after top-level value")
        XCTAssertEqual(message("-"), "unexpected end of JSON input")
        XCTAssertEqual(message("-a"), "invalid character 'a' in numeric literal")
        XCTAssertEqual(message("1."), "unexpected end of JSON input")
        XCTAssertEqual(message("[1.]"), "invalid character ']' after decimal point in numeric literal")
        XCTAssertEqual(message("[1e]"), "invalid character ']' in exponent of numeric literal")
        XCTAssertEqual(message("\"a\nb\""), "invalid character '\\xa' in string literal")
        XCTAssertEqual(message(#""\x""#), "invalid character 'x' in string escape code")
        XCTAssertEqual(message(#""\u12g4""#), "invalid character 'g' in \\u hexadecimal character escape")
        XCTAssertEqual(message("\"abc"), "unexpected end of JSON input")
        XCTAssertEqual(message("'"), "invalid character '\\'' looking for beginning of value")
    }

    func testDepthBound() throws {
        func nested(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
        XCTAssertNoThrow(try parse(nested(128)))
        XCTAssertEqual(message(nested(129)), "exceeded max depth of 128 nested objects or arrays")
        XCTAssertEqual(message(#"{"a":{"b":1}}"#, maxDepth: 1), "exceeded max depth of 1 nested objects or arrays")
        XCTAssertNoThrow(try parse(#"{"a":[1]}"#, maxDepth: 2))
        // Far deeper than any stack could recurse: refused at the bound, without recursing further.
        XCTAssertEqual(message(String(repeating: "[", count: 1_000_000)), "exceeded max depth of 128 nested objects or arrays")
        XCTAssertEqual(message(String(repeating: #"{"a":"#, count: 10_000)), "exceeded max depth of 128 nested objects or arrays")
    }

    func testEscapesAndSurrogates() throws {
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{c}\n\r\t")
        XCTAssertEqual(try parse(#""\u0041\u00e9\u20AC""#), "Aé€")
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), "😀", "a surrogate pair is one scalar")
        XCTAssertEqual(try parse(#""a\u0000b""#), "a\u{0}b")
        // Lone surrogates read as U+FFFD (Go), and the escape after a bad high surrogate stands alone.
        XCTAssertEqual(try parse(#""\ud800""#), "\u{FFFD}")
        XCTAssertEqual(try parse(#""\udc00x""#), "\u{FFFD}x")
        XCTAssertEqual(try parse(#""\ud800\u0041""#), "\u{FFFD}A")
        XCTAssertEqual(try parse(#""\ud800\ud800\udc00""#), "\u{FFFD}\u{10000}")
        // Strict mode (model files) refuses them.
        XCTAssertEqual(message(#""\ud800""#, strict: true), "lone surrogate in string escape")
        XCTAssertEqual(message(#""\ud800\u0041""#, strict: true), "lone surrogate in string escape")
        XCTAssertEqual(try parse(#""\ud83d\ude00""#, strict: true), "😀")
    }

    func testInvalidUTF8() throws {
        let invalid: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF5, 0x80, 0x80, 0x80]]
        for bytes in invalid {
            let doc = [0x22] + bytes + [0x22]
            let lenient = try JSONValue.parse(bytes: doc).stringValue
            XCTAssertEqual(lenient?.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" }, true, "\(bytes): replaced, as Go does")
            XCTAssertThrowsError(try JSONValue.parse(bytes: doc, strictUnicode: true)) {
                XCTAssertEqual(($0 as? JSONParseError)?.message, "invalid UTF-8 in string literal")
            }
            // The same after an escape (the slow path).
            let escaped: [UInt8] = Array(#""\n"#.utf8) + bytes + [0x22]
            XCTAssertThrowsError(try JSONValue.parse(bytes: escaped, strictUnicode: true))
            XCTAssertNoThrow(try JSONValue.parse(bytes: escaped))
        }
        XCTAssertEqual(try JSONValue.parse(bytes: Array("\"é😀\"".utf8), strictUnicode: true), "é😀")
    }

    /// Strings are skipped eight bytes at a time: a quote, escape, control or non-ASCII byte is found at
    /// every offset of a word, before and after an escape, in strings of every length around a word.
    func testSpecialBytesAtEveryOffsetOfLongStrings() throws {
        for length in 0..<27 {
            for at in 0..<length {
                func doc(_ special: [UInt8], escapedFirst: Bool = false) -> [UInt8] {
                    var body = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    body.replaceSubrange(at..<(at + 1), with: special)
                    return [0x22] + (escapedFirst ? Array(#"\t"#.utf8) : []) + body + [0x22]
                }
                for escapedFirst in [false, true] {
                    let prefix = escapedFirst ? "\t" : ""
                    let plain = String(repeating: "a", count: length)
                    func expected(_ middle: String) -> String {
                        prefix + String(plain.prefix(at)) + middle + String(plain.dropFirst(at + 1))
                    }
                    let label = "length \(length), at \(at), escape first: \(escapedFirst)"
                    XCTAssertEqual(try JSONValue.parse(bytes: doc(Array(#"\""#.utf8), escapedFirst: escapedFirst)).stringValue,
                                   expected("\""), label)
                    XCTAssertEqual(try JSONValue.parse(bytes: doc(Array("é".utf8), escapedFirst: escapedFirst), strictUnicode: true).stringValue,
                                   expected("é"), label)
                    XCTAssertThrowsError(try JSONValue.parse(bytes: doc([0x01], escapedFirst: escapedFirst)), label) {
                        XCTAssertTrue("\($0)".contains("in string literal"), "\(label): \($0)")
                    }
                    XCTAssertThrowsError(try JSONValue.parse(bytes: doc([0xFF], escapedFirst: escapedFirst), strictUnicode: true), label)
                    // An unescaped quote ends the string early: the rest is trailing data.
                    if at + 1 < length {
                        XCTAssertThrowsError(try JSONValue.parse(bytes: doc([0x22], escapedFirst: escapedFirst)), label)
                    }
                }
            }
        }
    }

    func testTrailingDataAndOffsets() {
        for bad in ["1 2", "{} {}", "[]]", "\"a\"\"b\"", "null,", "true x", "{\"a\":1}}"] {
            XCTAssertThrowsError(try parse(bad), bad) { XCTAssertTrue("\($0)".hasSuffix("after top-level value"), "\(bad): \($0)") }
        }
        XCTAssertThrowsError(try parse("[1,\n  x]")) { XCTAssertEqual(($0 as? JSONParseError)?.offset, 6) }
    }

    func testInputKinds() throws {
        let text = #"{"v":[1,2.5]}"#
        let expected: JSONValue = ["v": [1, 2.5]]
        XCTAssertEqual(try JSONValue.parse(Data(text.utf8)), expected)
        XCTAssertEqual(try JSONValue.parse(bytes: Array(text.utf8)), expected)
        XCTAssertEqual(try JSONValue.parse(Array(text.utf8)[...]), expected, "a slice")
        XCTAssertEqual(try JSONValue.parse(text.utf8), expected, "a non-contiguous-API collection is copied")
    }

    func testCodableMatchesParse() throws {
        let v: JSONValue = ["a": 1, "b": 2.5, "c": "x", "d": [true, nil], "e": ["f": -3]]
        let data = try JSONEncoder().encode(v)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), v)
        XCTAssertEqual(try JSONValue.parse(data), v)
    }
}
