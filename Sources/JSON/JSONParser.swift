#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A malformed JSON document. `message` reads like Go's `encoding/json` (what Weaviate reports, so REST
/// clients see it verbatim); `offset` is the byte where parsing stopped, for file diagnostics.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { message }

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}

/// More values (scalars, arrays and objects) than the caller allowed: the document is refused before
/// its tree outgrows memory (a 200 MB body of `1,1,1,…` is 100 M values, 16 bytes each as JSONValues).
public struct JSONTooManyValuesError: Error, Sendable, Hashable {
    public let limit: Int
}

/// The one JSON parser in Iris: strict RFC 8259 grammar, single pass, recursion bounded by `maxDepth`
/// (a deeply nested body must not overflow the stack), ints kept apart from doubles, Go-style messages.
///
/// Numbers are the hot path (a batch carries hundreds of thousands of vector components), so the common
/// shapes are converted without libc: integers exactly up to Int64's limits, and decimals with at most
/// 19 significant digits whose value is below 2^53 and whose power of ten is at most 22 (both operands
/// of the one multiplication or division are then exact, so the result is correctly rounded). The rest
/// goes to `strtod`.
enum JSONParser {
    /// `streamedKey`/`element`: see `JSONValue.parse(bytes:maxDepth:streaming:element:)`.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, strictUnicode: Bool, maxValues: Int = .max,
                      streamedKey: String? = nil, element: ((Int, JSONValue) throws -> Void)? = nil) throws -> JSONValue {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(message: "unexpected end of JSON input", offset: 0)
        }
        var parser = Parser(bytes: base, count: buffer.count, maxDepth: maxDepth, strictUnicode: strictUnicode)
        parser.streamedKey = streamedKey
        parser.maxValues = maxValues
        parser.valuesLeft = maxValues
        parser.element = element
        parser.skipWhitespace()
        if parser.pos >= parser.count { throw parser.endOfInput() }
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.pos < parser.count { throw parser.unexpected("after top-level value") }
        return value
    }

    /// 1e0...1e22: every one is exact in a Double.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private struct Parser {
        let bytes: UnsafePointer<UInt8>
        let count: Int
        let maxDepth: Int
        let strictUnicode: Bool
        var pos = 0
        /// A member of the top-level object whose array elements go to `element` instead of the result.
        var streamedKey: String?
        var element: ((Int, JSONValue) throws -> Void)?
        var maxValues = Int.max
        var valuesLeft = Int.max

        init(bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int, strictUnicode: Bool) {
            self.bytes = bytes
            self.count = count
            self.maxDepth = maxDepth
            self.strictUnicode = strictUnicode
        }

        @inline(__always) mutating func skipWhitespace() {
            while pos < count {
                let c = bytes[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
            }
        }

        // MARK: Errors (texts as Go's encoding/json words them)

        func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: pos) }

        func endOfInput() -> JSONParseError { fail("unexpected end of JSON input") }

        func describe(_ c: UInt8) -> String {
            if c == UInt8(ascii: "'") { return "'\\''" }
            if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
            return "'\\x\(String(c, radix: 16))'"
        }

        func unexpected(_ context: String) -> JSONParseError {
            if pos >= count { return endOfInput() }
            return fail("invalid character \(describe(bytes[pos])) \(context)")
        }

        func tooDeep() -> JSONParseError { fail("exceeded max depth of \(maxDepth) nested objects or arrays") }

        // MARK: Values

        mutating func parseValue(depth: Int) throws -> JSONValue {
            guard pos < count else { throw endOfInput() }
            valuesLeft -= 1
            if valuesLeft < 0 { throw JSONTooManyValuesError(limit: maxValues) }
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
            let w = word.utf8Start
            for i in 0..<word.utf8CodeUnitCount {
                guard pos < count else { throw endOfInput() }
                if bytes[pos] != w[i] { throw unexpected("in literal \(word) (expecting '\(Character(Unicode.Scalar(w[i])))')") }
                pos += 1
            }
        }

        mutating func parseObject(depth: Int) throws -> JSONValue {
            if depth > maxDepth { throw tooDeep() }
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
                if depth == 1, let streamedKey, key == streamedKey, pos < count, bytes[pos] == UInt8(ascii: "[") {
                    try streamArray(depth: depth + 1)
                    object[key] = .array([])
                } else {
                    object[key] = try parseValue(depth: depth)  // a repeated key keeps the last value, as Go does
                }
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
                throw unexpected("after object key:value pair")
            }
        }

        mutating func parseArray(depth: Int) throws -> JSONValue {
            if depth > maxDepth { throw tooDeep() }
            pos += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if pos < count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
                throw unexpected("after array element")
            }
        }

        /// An array whose elements are handed to `element` one by one (index from 0) and not kept.
        mutating func streamArray(depth: Int) throws {
            if depth > maxDepth { throw tooDeep() }
            valuesLeft -= 1  // the array itself, as parseValue counts it
            if valuesLeft < 0 { throw JSONTooManyValuesError(limit: maxValues) }
            pos += 1
            skipWhitespace()
            if pos < count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return }
            var index = 0
            while true {
                skipWhitespace()
                let value = try parseValue(depth: depth)
                try element?(index, value)
                index += 1
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return }
                throw unexpected("after array element")
            }
        }

        // MARK: Numbers

        @inline(__always) func digit(at i: Int) -> UInt64? {
            guard i < count else { return nil }
            let d = bytes[i] &- 48
            return d < 10 ? UInt64(d) : nil
        }

        mutating func parseNumber() throws -> JSONValue {
            let start = pos
            let negative = bytes[pos] == UInt8(ascii: "-")
            if negative { pos += 1 }
            guard let first = digit(at: pos) else { throw unexpected("in numeric literal") }
            // The first 19 significant digits go into `mantissa` (19 nines fit a UInt64); `exponent`
            // is the power of ten that scales it; `truncated` says digits were dropped.
            var mantissa: UInt64 = 0
            var significant = 0
            var exponent = 0
            var truncated = false
            var isInteger = true
            pos += 1
            if first != 0 {
                mantissa = first
                significant = 1
                while let d = digit(at: pos) {
                    if significant < 19 { mantissa = mantissa &* 10 &+ d; significant += 1 } else { exponent += 1; truncated = true }
                    pos += 1
                }
            }
            if pos < count && bytes[pos] == UInt8(ascii: ".") {
                isInteger = false
                pos += 1
                guard digit(at: pos) != nil else { throw unexpected("after decimal point in numeric literal") }
                while let d = digit(at: pos) {
                    if mantissa == 0 && d == 0 {
                        exponent -= 1  // leading zeros of 0.000x are not significant
                    } else if significant < 19 {
                        mantissa = mantissa &* 10 &+ d; significant += 1; exponent -= 1
                    } else {
                        truncated = true
                    }
                    pos += 1
                }
            }
            if pos < count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
                isInteger = false
                pos += 1
                var negativeExponent = false
                if pos < count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) {
                    negativeExponent = bytes[pos] == UInt8(ascii: "-")
                    pos += 1
                }
                guard digit(at: pos) != nil else { throw unexpected("in exponent of numeric literal") }
                var e = 0
                while let d = digit(at: pos) {
                    if e < 100_000 { e = e * 10 + Int(d) }  // far past any double; stops overflow
                    pos += 1
                }
                exponent += negativeExponent ? -e : e
            }
            if isInteger && !truncated {
                if !negative && mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
                if negative && mantissa <= Int64.max.magnitude + 1 { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
            }
            if !truncated && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
                var d = Double(mantissa)
                if exponent < 0 { d /= powersOfTen[-exponent] } else { d *= powersOfTen[exponent] }
                return .double(negative ? -d : d)
            }
            let d = slowDouble(start..<pos)
            // An integer literal past Int64 still reads as a number, as before: a double.
            return .double(d)
        }

        /// strtod over a grammar-checked literal. When a byte follows the literal, it cannot continue a
        /// number (the grammar above would have taken it), so strtod stops there without a terminator.
        func slowDouble(_ range: Range<Int>) -> Double {
            let begin = UnsafeRawPointer(bytes + range.lowerBound).assumingMemoryBound(to: CChar.self)
            if range.upperBound < count {
                var end: UnsafeMutablePointer<CChar>?
                let d = strtod(begin, &end)
                let stop = UnsafeRawPointer(bytes + range.upperBound)
                if let end, UnsafeRawPointer(end) == stop { return d }
            }
            // The literal ends the buffer (or strtod disagreed, e.g. under a foreign locale): the stdlib's
            // C-locale conversion over a copy.
            let text = String(decoding: UnsafeBufferPointer(start: bytes + range.lowerBound, count: range.count), as: UTF8.self)
            return Double(text) ?? .nan
        }

        // MARK: Strings

        mutating func parseString() throws -> String {
            pos += 1  // opening quote
            let start = pos
            var high = skipPlainBytes()  // OR of all bytes: below 0x80 means ASCII, nothing to validate
            while pos < count {
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(start: bytes + start, count: pos - start)
                    pos += 1
                    return try makeString(slice, ascii: high < 0x80)
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw unexpected("in string literal") }
                high |= c
                pos += 1
            }
            return try parseEscapedString(from: start)
        }

        /// Moves `pos` past the bytes that need no attention inside a string (PlainBytes) and returns
        /// their OR.
        mutating func skipPlainBytes() -> UInt8 {
            let (end, or) = PlainBytes.skip(bytes, from: pos, end: count)
            pos = end
            return or
        }

        func makeString(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool) throws -> String {
            if ascii || !strictUnicode { return String(decoding: utf8, as: UTF8.self) }
            guard let s = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8 in string literal") }
            return s
        }

        /// The slow path: the string has escapes, so it is rebuilt byte by byte from `start`.
        mutating func parseEscapedString(from start: Int) throws -> String {
            var out = [UInt8](UnsafeBufferPointer(start: bytes + start, count: pos - start))
            var high: UInt8 = 0
            for c in out { high |= c }
            while pos < count {
                let run = pos
                high |= skipPlainBytes()
                if pos > run { out.append(contentsOf: UnsafeBufferPointer(start: bytes + run, count: pos - run)) }
                guard pos < count else { break }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    return try out.withUnsafeBufferPointer { try makeString($0, ascii: high < 0x80) }
                }
                if c < 0x20 { throw unexpected("in string literal") }
                if c != UInt8(ascii: "\\") { out.append(c); high |= c; pos += 1; continue }
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
                            pos = save  // the second escape stands on its own
                        }
                    }
                    let u: Unicode.Scalar
                    if let valid = Unicode.Scalar(UInt32(scalar)) {
                        u = valid
                    } else {
                        // A lone surrogate: U+FFFD, as Go reads it, unless strict.
                        if strictUnicode { throw fail("lone surrogate in string escape") }
                        u = "\u{FFFD}"
                    }
                    for b in UTF8.encode(u)! { out.append(b) }
                    if u.value >= 0x80 { high = 0x80 }
                default:
                    pos -= 1
                    throw unexpected("in string escape code")
                }
            }
            throw endOfInput()
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard pos < count else { throw endOfInput() }
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
