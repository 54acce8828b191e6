// Frozen copy of the Database's parser before the JSON target (git show 746d2a9:Sources/Database/Model/JSONParser.swift),
// the baseline for bench-json. Not used by Iris.
import Foundation
import JSON

struct OldDatabaseParseError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The one JSON parser behind `JSONValue.parse`: strict, single pass, int vs float kept apart.
///
/// Why our own: it bounds nesting depth (a deeply nested body must not overflow the stack), it is
/// fast on the batch hot path (thousands of 512-d vectors per request), and its messages read like
/// Go's `encoding/json`, which is what Weaviate's go-swagger layer puts into its parse errors.
enum OldDatabaseParser {
    typealias Failure = OldDatabaseParseError

    static func parse(_ bytes: [UInt8], maxDepth: Int) throws -> JSONValue {
        var buffer = bytes
        buffer.append(0)  // sentinel: strtod stops at it and `peek` never reads past the end
        return try buffer.withUnsafeBufferPointer { ptr in
            var parser = Parser(bytes: ptr, count: bytes.count, maxDepth: maxDepth)
            parser.skipWhitespace()
            if parser.pos >= parser.count { throw Failure(message: "unexpected end of JSON input") }
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.pos < parser.count {
                throw Failure(message: "invalid character \(parser.describe(parser.bytes[parser.pos])) after top-level value")
            }
            return value
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let count: Int
        let maxDepth: Int
        var pos = 0

        init(bytes: UnsafeBufferPointer<UInt8>, count: Int, maxDepth: Int) {
            self.bytes = bytes
            self.count = count
            self.maxDepth = maxDepth
        }

        @inline(__always) mutating func skipWhitespace() {
            while pos < count {
                let c = bytes[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
            }
        }

        func describe(_ c: UInt8) -> String {
            if c == UInt8(ascii: "'") { return "'\\''" }
            if c >= 0x20 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
            return "'\\x\(String(c, radix: 16))'"
        }

        func unexpected(_ context: String) -> Failure {
            if pos >= count { return Failure(message: "unexpected end of JSON input") }
            return Failure(message: "invalid character \(describe(bytes[pos])) \(context)")
        }

        mutating func parseValue(depth: Int) throws -> JSONValue {
            guard pos < count else { throw Failure(message: "unexpected end of JSON input") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw unexpected("looking for beginning of value")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            let w = word.utf8Start
            for i in 0..<n {
                guard pos < count else { throw Failure(message: "unexpected end of JSON input") }
                if bytes[pos] != w[i] { throw unexpected("in literal \(word) (expecting '\(Character(UnicodeScalar(w[i])))')") }
                pos += 1
            }
        }

        mutating func parseObject(depth: Int) throws -> JSONValue {
            if depth > maxDepth { throw Failure(message: "exceeded max depth of \(maxDepth) nested objects or arrays") }
            pos += 1
            var object: [String: JSONValue] = [:]
            skipWhitespace()
            if pos < count && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
            while true {
                skipWhitespace()
                guard pos < count, bytes[pos] == UInt8(ascii: "\"") else {
                    throw unexpected("looking for beginning of object key string")
                }
                let key = try parseString()
                skipWhitespace()
                guard pos < count, bytes[pos] == UInt8(ascii: ":") else { throw unexpected("after object key") }
                pos += 1
                skipWhitespace()
                object[key] = try parseValue(depth: depth)
                skipWhitespace()
                guard pos < count else { throw Failure(message: "unexpected end of JSON input") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
                throw unexpected("after object key:value pair")
            }
        }

        mutating func parseArray(depth: Int) throws -> JSONValue {
            if depth > maxDepth { throw Failure(message: "exceeded max depth of \(maxDepth) nested objects or arrays") }
            pos += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if pos < count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard pos < count else { throw Failure(message: "unexpected end of JSON input") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
                throw unexpected("after array element")
            }
        }

        mutating func parseNumber() throws -> JSONValue {
            let start = pos
            var isInteger = true
            if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < count, isDigit(bytes[pos]) else { throw unexpected("in numeric literal") }
            if bytes[pos] == UInt8(ascii: "0") {
                pos += 1
            } else {
                while pos < count && isDigit(bytes[pos]) { pos += 1 }
            }
            if pos < count && bytes[pos] == UInt8(ascii: ".") {
                isInteger = false
                pos += 1
                guard pos < count, isDigit(bytes[pos]) else { throw unexpected("after decimal point in numeric literal") }
                while pos < count && isDigit(bytes[pos]) { pos += 1 }
            }
            if pos < count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
                isInteger = false
                pos += 1
                if pos < count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
                guard pos < count, isDigit(bytes[pos]) else { throw unexpected("in exponent of numeric literal") }
                while pos < count && isDigit(bytes[pos]) { pos += 1 }
            }
            if isInteger && pos - start <= 18 {
                var value: Int64 = 0
                var i = start
                let negative = bytes[i] == UInt8(ascii: "-")
                if negative { i += 1 }
                while i < pos { value = value * 10 + Int64(bytes[i] &- 48); i += 1 }
                return .int(negative ? -value : value)
            }
            // The buffer ends with a 0 sentinel, and the grammar check above guarantees strtod
            // consumes exactly [start, pos).
            let d = bytes.baseAddress!.advanced(by: start).withMemoryRebound(to: CChar.self, capacity: pos - start) {
                strtod($0, nil)
            }
            if isInteger, let exact = Int64(exactly: d), abs(d) < 9.2e18 { return .int(exact) }
            return .double(d)
        }

        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

        mutating func parseString() throws -> String {
            pos += 1  // opening quote
            let start = pos
            // Fast path: no escapes.
            while pos < count {
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                    pos += 1
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw unexpected("in string literal") }
                pos += 1
            }
            var out = Array(bytes[start..<pos])
            while pos < count {
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c < 0x20 { throw unexpected("in string literal") }
                if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
                pos += 1
                guard pos < count else { break }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), pos + 1 < count,
                       bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            pos = save
                        }
                    }
                    // Lone surrogates become U+FFFD, as Go does.
                    let u = UnicodeScalar(scalar) ?? UnicodeScalar(0xFFFD)!
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    pos -= 1
                    throw unexpected("in string escape code")
                }
            }
            throw Failure(message: "unexpected end of JSON input")
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard pos < count else { throw Failure(message: "unexpected end of JSON input") }
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: throw unexpected("in \\u hexadecimal character escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }
    }
}
