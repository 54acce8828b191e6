import Foundation
import XCTest
@testable import JSON

/// Random documents, written out and read by both this parser and Foundation's JSONSerialization: the two
/// must agree on structure, strings, booleans and integers. Doubles are compared to 13 digits, since
/// corelibs-foundation's conversion is not correctly rounded (it reads -0.000000000000006 as
/// -6.000000000000001e-15); exactness is checked against the stdlib's `Double(String)` instead.
final class DifferentialTests: XCTestCase {
    struct Generator {
        var rng = SystemRandomNumberGenerator()

        mutating func string() -> String {
            let pool: [Unicode.Scalar] = ["a", "b", "K", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "中", "😀", "\u{FFFD}"]
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &rng) { s.append(pool.randomElement(using: &rng)!) }
            return String(s)
        }

        /// Number texts of every shape the grammar allows.
        mutating func number() -> String {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return String(Int64.random(in: .min ... .max, using: &rng))
            case 1: return String(Int.random(in: -1000...1000, using: &rng))
            case 2: return "\(Float(bitPattern: UInt32.random(in: 0...0x7F7F_FFFF, using: &rng)))"
            case 3: return "\(Double.random(in: -1...1, using: &rng))"
            case 4: return "\(Int.random(in: 0...999, using: &rng)).\(Int.random(in: 0...99999, using: &rng))e\(Int.random(in: -30...30, using: &rng))"
            case 5: return "-0.\(String(repeating: "0", count: Int.random(in: 0...25, using: &rng)))\(Int.random(in: 1...99, using: &rng))"
            case 6: return "\(Int.random(in: 1...9, using: &rng))\(String(repeating: "7", count: Int.random(in: 15...25, using: &rng)))"
            default:
                var d: Double
                repeat { d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)) } while !d.isFinite
                return "\(d)"
            }
        }

        mutating func document(depth: Int = 0) -> String {
            let kind = depth > 5 ? Int.random(in: 0..<4, using: &rng) : Int.random(in: 0..<6, using: &rng)
            switch kind {
            case 0: return number()
            case 1: return JSONText.quoted(string())
            case 2: return ["true", "false", "null"].randomElement(using: &rng)!
            case 3: return number()
            case 4:
                let items = (0..<Int.random(in: 0...6, using: &rng)).map { _ in document(depth: depth + 1) }
                return "[" + items.joined(separator: [",", " , ", ",\n"].randomElement(using: &rng)!) + "]"
            default:
                var seen = Set<String>()
                var members: [String] = []
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    let key = string()
                    guard seen.insert(key).inserted else { continue }  // Foundation and Go differ on repeats
                    members.append(JSONText.quoted(key) + " : " + document(depth: depth + 1))
                }
                return "{" + members.joined(separator: ",") + "}"
            }
        }
    }

    func same(_ v: JSONValue, _ any: Any, _ path: String) {
        switch v {
        case .null: XCTAssertTrue(any is NSNull, path)
        case .bool(let b):
            XCTAssertEqual((any as? NSNumber).map { String(cString: $0.objCType) }, "c", path)
            XCTAssertEqual((any as? NSNumber)?.boolValue, b, path)
        case .int(let i):
            guard let n = any as? NSNumber else { return XCTFail("\(path): \(any) is not a number") }
            XCTAssertEqual(n.int64Value, i, path)
        case .double(let d):
            guard let n = any as? NSNumber else { return XCTFail("\(path): \(any) is not a number") }
            XCTAssertEqual(n.doubleValue, d, accuracy: abs(d) * 1e-13, path)
        case .string(let s): XCTAssertEqual(any as? String, s, path)
        case .array(let a):
            guard let b = any as? [Any], b.count == a.count else { return XCTFail("\(path): \(any)") }
            for i in a.indices { same(a[i], b[i], path + "[\(i)]") }
        case .object(let o):
            guard let b = any as? [String: Any], b.count == o.count else { return XCTFail("\(path): \(any)") }
            for (k, value) in o {
                guard let other = b[k] else { XCTFail("\(path): no \(k)"); continue }
                same(value, other, path + "." + k)
            }
        }
    }

    func testAgreesWithJSONSerialization() throws {
        var g = Generator()
        for _ in 0..<3_000 {
            let text = g.document()
            let data = Data(text.utf8)
            let ours = try JSONValue.parse(data, maxDepth: 64)
            let theirs = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            same(ours, theirs, text)
            // And our own writer's text reads back to the same value.
            XCTAssertEqual(try JSONValue.parse(Data(ours.jsonString().utf8)).jsonString(), ours.jsonString())
        }
    }

    /// Every number text the generator makes reads as the correctly rounded double (or the exact int).
    func testNumbersAreCorrectlyRounded() throws {
        var g = Generator()
        for _ in 0..<50_000 {
            let text = g.number()
            let reference = try XCTUnwrap(Double(text), text)
            switch try JSONValue.parse(Data(text.utf8)) {
            case .int(let i): XCTAssertEqual(Int64(text), i, text)
            case .double(let d): XCTAssertEqual(d, reference, text)
            default: XCTFail(text)
            }
            // The same number inside an array takes strtod's in-place path rather than the copy at the end.
            let inArray = try JSONValue.parse(Data("[\(text)]".utf8)).arrayValue?.first?.doubleValue
            XCTAssertEqual(inArray, reference, text)
        }
    }

    /// Truncations and single-byte corruptions of valid documents: both parsers accept or both refuse.
    func testAgreesOnMalformedDocuments() throws {
        var g = Generator()
        let noise: [UInt8] = Array("{}[],:\"\\ -+.eE0a\u{1}".utf8) + [0xFF]
        var disagreements: [String] = []
        for _ in 0..<3_000 {
            var bytes = Array(g.document().utf8)
            if Bool.random(using: &g.rng), !bytes.isEmpty {
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &g.rng))
            } else if !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &g.rng)] = noise.randomElement(using: &g.rng)!
            }
            let ours = Result { try JSONValue.parse(bytes: bytes, maxDepth: 64, strictUnicode: true) }
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            switch ours {
            case .success(let v) where !theirs:
                // Out-of-range numbers: Foundation refuses them, Iris reads ±infinity (and so did both
                // parsers it replaced); the REST layer refuses non-finite vectors later.
                if !hasNonFinite(v) { disagreements.append("ours only: " + String(decoding: bytes, as: UTF8.self)) }
            case .failure(let e as JSONParseError) where theirs:
                // corelibs-foundation accepts a trailing comma ("[1,]", "{"a":1,}"); RFC 8259 and Go do not.
                let trailingComma = e.message == "invalid character ']' looking for beginning of value"
                    || e.message == "invalid character '}' looking for beginning of object key string"
                if !trailingComma { disagreements.append("Foundation only (\(e)): " + String(decoding: bytes, as: UTF8.self)) }
            default: break
            }
        }
        XCTAssertEqual(disagreements, [], "accepted by one parser only")
    }

    func hasNonFinite(_ v: JSONValue) -> Bool {
        switch v {
        case .double(let d): return !d.isFinite
        case .array(let a): return a.contains(where: hasNonFinite)
        case .object(let o): return o.values.contains(where: hasNonFinite)
        default: return false
        }
    }
}
