// Two kinds of literal make most of a search query's text, and GraphQLSwift is slow on both: a 512-d
// `nearVector: {vector: [...]}` is 512 AST nodes, each parsed, validated and coerced, and nearImage's
// base64 `image: "..."` (hundreds of KB) is lexed one character at a time (a third of a nearImage query's
// time outside the model on the tiny fixture model). So a small scanner reads both itself, and
// GraphQLSwift gets a rewritten query:
// - every long `vector: [n, n, ...]` list of number literals is blanked to spaces after its first element.
//   Lines and columns stay the same. Resolvers take the full vectors from here, keyed by the UTF-8
//   offset of the list's `[` in the rewritten text.
// - every long `image: "..."` string of plain printable ASCII (no escapes: base64, a URL) loses its
//   content: `image: ""`. Resolvers take the string from here, keyed by the offset of its opening quote
//   in the rewritten text. The string sits on one line, so only columns after it on that line move;
//   `originalLocations` moves error locations back.
// The rewritten query is valid exactly when the original is: a list of number literals is as valid as its
// first element for a [Float], and every string is valid for a String. GraphQLService still falls back
// to the query as sent whenever the rewrite fails to parse or validate, so those errors are reported
// against the original text.
// Validation itself (GraphQLSwift's visitors) then still costs more than a search, and an application
// sends the same query shape again and again with other vectors. So `shape`, the rewritten query with its
// vector lists emptied, keys a cache of shapes that passed validation. That is sound because every input
// field named `vector` in the schema is a list of Float and every one named `image` a String
// (QueryLiteralShapeTests checks both): for such a field any list of number literals, the empty one
// included, is valid (any string for `image`), and for any other field none is. The one other place a
// `vector:` key can stand is inside nearVector's `vectorPerTarget` (a named vector called "vector"),
// whose scalar takes any list of numbers too.
import Foundation
import GraphQL
import JSON

struct QueryLiterals: Sendable {
    /// Shorter vector lists go through GraphQLSwift as they are.
    static let minimumLength = 8
    /// Shorter image strings too.
    static let minimumImageBytes = 256

    /// The query GraphQLSwift parses: long vector lists blanked after their first element, long image
    /// strings emptied.
    let blankedQuery: String
    /// The full vectors, by the UTF-8 offset of their opening `[` (GraphQLSwift's `Location.start`).
    let vectors: [Int: [Float]]
    /// The full image strings, by the UTF-8 offset of their opening quote.
    let images: [Int: String]
    /// The rewritten query with its vector lists emptied (`[]`): the same for every query that differs
    /// only in its vectors and images.
    let shape: String
    /// Where image strings were taken out: on `line`, after `column` of the rewritten text, `count`
    /// columns are missing.
    private let removals: [(line: Int, column: Int, count: Int)]

    /// nil when the query has no long `vector:` number list and no long `image:` string.
    init?(query: String) {
        var bytes = Array(query.utf8)
        bytes.append(0)  // strtod stops here at the latest
        var scanner = Scanner(bytes: bytes)
        var out: [UInt8] = [], shape: [UInt8] = []
        var vectors: [Int: [Float]] = [:], images: [Int: String] = [:]
        var removals: [(line: Int, column: Int, count: Int)] = []
        var copied = 0
        while let literal = scanner.nextLiteral() {
            switch literal {
            case .vector(let open, let close, let firstEnd, let values):
                vectors[out.count + (open - copied)] = values
                out += bytes[copied..<firstEnd]
                shape += bytes[copied...open]
                for i in firstEnd..<close {
                    let c = bytes[i]
                    out.append(c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") ? c : UInt8(ascii: " "))
                }
                copied = close
            case .image(let open, let close):
                let quote = out.count + (open - copied)
                images[quote] = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
                out += bytes[copied...open]
                shape += bytes[copied...open]
                removals.append((Self.line(of: quote, in: out), Self.column(of: quote, in: out), close - open - 1))
                copied = close
            }
        }
        guard !vectors.isEmpty || !images.isEmpty else { return nil }
        out += bytes[copied..<(bytes.count - 1)]
        shape += bytes[copied..<(bytes.count - 1)]
        blankedQuery = String(decoding: out, as: UTF8.self)
        self.vectors = vectors
        self.images = images
        self.shape = String(decoding: shape, as: UTF8.self)
        self.removals = removals
    }

    /// The errors with their locations moved back to the query as sent.
    func originalLocations(_ errors: [GraphQLError]) -> [GraphQLError] {
        guard !removals.isEmpty else { return errors }
        return errors.map { e in
            let locations = e.locations.map { l in
                let moved = removals.reduce(0) { $0 + ($1.line == l.line && $1.column < l.column ? $1.count : 0) }
                return SourceLocation(line: l.line, column: l.column + moved)
            }
            return GraphQLError(message: e.message, locations: locations, path: e.path)
        }
    }

    /// GraphQLSwift's line of a UTF-8 offset: 1 + the line breaks before it (\r\n is one).
    private static func line(of offset: Int, in text: [UInt8]) -> Int {
        var line = 1, i = 0
        while i < offset {
            if text[i] == UInt8(ascii: "\n") || (text[i] == UInt8(ascii: "\r") && !(i + 1 < offset && text[i + 1] == UInt8(ascii: "\n"))) {
                line += 1
            }
            i += 1
        }
        return line
    }

    /// GraphQLSwift's column of a UTF-8 offset: the offset + 1 less the UTF-16 offset where its line
    /// starts (what its getLocation computes).
    private static func column(of offset: Int, in text: [UInt8]) -> Int {
        var lineStart = 0
        for i in stride(from: offset - 1, through: 0, by: -1) where text[i] == UInt8(ascii: "\n") || text[i] == UInt8(ascii: "\r") {
            lineStart = i + 1
            break
        }
        let utf16Start = text[..<lineStart].reduce(0) { n, byte in
            n + (byte & 0xC0 == 0x80 ? 0 : 1) + (byte >= 0xF0 ? 1 : 0)
        }
        return offset + 1 - utf16Start
    }

    /// The full vector of a blanked literal given as `argument: {vector: [...]}` on the field being
    /// resolved; nil when the argument is absent, came through a variable, or was not blanked.
    static func vector(argument: String, context: any Sendable, info: GraphQLResolveInfo) -> [Float]? {
        guard let literals = context as? QueryLiterals,
              let list = field("vector", of: argument, info: info) as? ListValue,
              let start = list.loc?.start else { return nil }
        return literals.vectors[start]
    }

    /// The full string of an emptied `argument: {image: "..."}` (nearImage's); nil as for `vector`.
    static func image(argument: String, context: any Sendable, info: GraphQLResolveInfo) -> String? {
        guard let literals = context as? QueryLiterals,
              let string = field("image", of: argument, info: info) as? StringValue,
              let start = string.loc?.start else { return nil }
        return literals.images[start]
    }

    /// The same for `argument: {vectorPerTarget: {vector: [...]}}`, a named vector called `vector` (the
    /// only name the scanner blanks there): its full vector by that name, or nothing.
    static func vectorPerTarget(argument: String, context: any Sendable, info: GraphQLResolveInfo) -> [String: [Float]] {
        guard let literals = context as? QueryLiterals,
              let perTarget = field("vectorPerTarget", of: argument, info: info) as? ObjectValue,
              let list = perTarget.fields.first(where: { $0.name.value == "vector" })?.value as? ListValue,
              let start = list.loc?.start, let full = literals.vectors[start] else { return [:] }
        return ["vector": full]
    }

    /// The literal value of `argument: {name: ...}` on the field being resolved.
    private static func field(_ name: String, of argument: String, info: GraphQLResolveInfo) -> (any Value)? {
        let object = info.fieldASTs.first?.arguments.first(where: { $0.name.value == argument })?.value as? ObjectValue
        return object?.fields.first(where: { $0.name.value == name })?.value
    }
}

private enum Literal {
    /// Offsets of `[` and `]`, the end of the first element, the values.
    case vector(open: Int, close: Int, firstEnd: Int, values: [Float])
    /// Offsets of the opening and closing quotes.
    case image(open: Int, close: Int)
}

/// Walks GraphQL's lexical grammar far enough to skip strings and comments and to spot `vector : [` and
/// `image : "`.
private struct Scanner {
    let bytes: [UInt8]  // NUL-terminated
    var i = 0
    var braceDepth = 0
    var inVariableDefinitions = false
    /// Whether the string skipString last passed was a "string" of printable ASCII only (no escapes).
    var lastStringPlain = false

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The next long number list that is the value of a `vector` field or long plain string that is the
    /// value of an `image` field. nil at the end of the text (or at text it cannot read, which then goes
    /// to GraphQLSwift unchanged from there on).
    mutating func nextLiteral() -> Literal? {
        enum Key { case none, vector, image }
        var name = Key.none, afterColon = Key.none
        let end = bytes.count - 1
        while i < end {
            let c = bytes[i]
            switch c {
            case _ where isSeparator(c):
                i += 1
                continue
            case UInt8(ascii: "#"):
                while i < end, bytes[i] != UInt8(ascii: "\n"), bytes[i] != UInt8(ascii: "\r") { i += 1 }
                continue
            case UInt8(ascii: "\""):
                let open = i
                guard skipString() else { return nil }
                if afterColon == .image && !inVariableDefinitions, let close = plainString(open: open) {
                    return .image(open: open, close: close)
                }
                name = .none; afterColon = .none
            case _ where isNameStart(c):
                let start = i
                while i < end, isNameStart(bytes[i]) || isDigit(bytes[i]) { i += 1 }
                let word = bytes[start..<i]
                name = word.elementsEqual("vector".utf8) ? .vector : word.elementsEqual("image".utf8) ? .image : .none
                afterColon = .none
            case UInt8(ascii: ":"):
                afterColon = name
                name = .none
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"):
                // Parentheses outside any braces hold variable definitions (or directive arguments of an
                // operation); default values there reach resolvers as variables, so they stay as sent.
                switch c {
                case UInt8(ascii: "{"): braceDepth += 1
                case UInt8(ascii: "}"): braceDepth -= 1
                case UInt8(ascii: "("): if braceDepth == 0 { inVariableDefinitions = true }
                default: inVariableDefinitions = false
                }
                name = .none; afterColon = .none
                i += 1
            case UInt8(ascii: "[") where afterColon == .vector && !inVariableDefinitions:
                name = .none; afterColon = .none
                let open = i
                if let list = numberList(open: open) {
                    return .vector(open: open, close: list.close, firstEnd: list.firstEnd, values: list.values)
                }
                i = open + 1
            default:
                name = .none; afterColon = .none
                i += 1
            }
        }
        return nil
    }

    /// The offset of the closing quote of the "string" at `open` (just skipped) when it is a long one of
    /// printable ASCII without escapes (a block string or anything else: nil).
    private func plainString(open: Int) -> Int? {
        let close = i - 1
        guard lastStringPlain, close - open - 1 >= QueryLiterals.minimumImageBytes else { return nil }
        return close
    }

    /// Reads `[` number (separator number)* `]` from `open`; nil unless every item is a well-formed
    /// finite Int or Float literal and there are at least `minimumLength` of them.
    private mutating func numberList(open: Int) -> (close: Int, firstEnd: Int, values: [Float])? {
        var j = open + 1
        var values: [Float] = []
        var firstEnd = 0
        while true {
            while j < bytes.count - 1, isSeparator(bytes[j]) { j += 1 }
            guard j < bytes.count - 1 else { return nil }
            if bytes[j] == UInt8(ascii: "]") { break }
            guard let tokenEnd = numberEnd(from: j) else { return nil }
            let value = bytes.withUnsafeBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { strtod($0 + j, nil) }
            }
            guard value.isFinite else { return nil }
            values.append(Float(value))
            if values.count == 1 { firstEnd = tokenEnd }
            j = tokenEnd
        }
        guard values.count >= QueryLiterals.minimumLength else { return nil }
        i = j + 1
        return (j, firstEnd, values)
    }

    /// The end of a GraphQL IntValue / FloatValue starting at `start`; nil when it is malformed or runs
    /// into a name or another number (which GraphQL rejects).
    private func numberEnd(from start: Int) -> Int? {
        var j = start
        if bytes[j] == UInt8(ascii: "-") { j += 1 }
        guard isDigit(bytes[j]) else { return nil }
        if bytes[j] == UInt8(ascii: "0") {
            j += 1
            if isDigit(bytes[j]) { return nil }
        } else {
            while isDigit(bytes[j]) { j += 1 }
        }
        if bytes[j] == UInt8(ascii: ".") {
            j += 1
            guard isDigit(bytes[j]) else { return nil }
            while isDigit(bytes[j]) { j += 1 }
        }
        if bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
            j += 1
            if bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            guard isDigit(bytes[j]) else { return nil }
            while isDigit(bytes[j]) { j += 1 }
        }
        if isNameStart(bytes[j]) || bytes[j] == UInt8(ascii: ".") { return nil }
        return j
    }

    /// Skips a "string" or a """block string"""; false when it does not end.
    private mutating func skipString() -> Bool {
        let end = bytes.count - 1
        lastStringPlain = false
        if i + 2 < end, bytes[i + 1] == UInt8(ascii: "\""), bytes[i + 2] == UInt8(ascii: "\"") {
            i += 3
            while i + 2 < end {
                if bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "\""),
                   bytes[i + 2] == UInt8(ascii: "\""), i + 3 < end, bytes[i + 3] == UInt8(ascii: "\"") {
                    i += 4
                } else if bytes[i] == UInt8(ascii: "\""), bytes[i + 1] == UInt8(ascii: "\""),
                          bytes[i + 2] == UInt8(ascii: "\"") {
                    i += 3
                    return true
                } else {
                    i += 1
                }
            }
            return false
        }
        i += 1
        var plain = true
        while i < end {
            let skipped = bytes.withUnsafeBufferPointer { PlainBytes.skip($0.baseAddress!, from: i, end: end) }
            i = skipped.position
            if skipped.or >= 0x80 { plain = false }
            guard i < end else { break }
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2; plain = false
            case UInt8(ascii: "\""): i += 1; lastStringPlain = plain; return true
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return false
            case let c: i += 1; if c < 0x20 || c > 0x7E { plain = false }
            }
        }
        return false
    }

    /// White space and commas, which GraphQL ignores between tokens.
    private func isSeparator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: ",") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t")
            || c == UInt8(ascii: "\r")
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private func isNameStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }
}
