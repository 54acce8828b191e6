// A 512-d `nearVector: {vector: [...]}` literal is 512 AST nodes, and GraphQLSwift spends time on each of
// them while it parses, validates and coerces the arguments. Together that cost several times the vector
// search itself. So a small scanner reads every long `vector: [n, n, ...]` list of number literals
// itself, and GraphQLSwift gets a copy of the query where everything after each list's first element is
// blanked to spaces. Offsets, lines and columns stay the same, so error locations are those of the query
// as sent. Resolvers take the full vectors from here, keyed by the byte offset of the list's `[`.
// The blanked copy is valid exactly when the original is: only number tokens inside a [Float] list go,
// and each of them is checked alone. GraphQLService still falls back to the query as sent whenever the
// copy fails to parse or validate, so errors are reported against the original text.
// Validation itself (GraphQLSwift's visitors) then still costs more than a search, and an application
// sends the same query shape again and again with other vectors. So `shape`, the query with its vector
// lists emptied, keys a cache of shapes that passed validation. That is sound because every input field
// named `vector` in the schema is a list of Float (VectorLiteralsTests checks it): for such a field any list of
// number literals, the empty one included, is valid, and for any other field none is. The one other place
// a `vector:` key can stand is inside nearVector's `vectorPerTarget` (a named vector called "vector"),
// whose scalar takes any list of numbers too.
import Foundation
import GraphQL
import JSON

struct VectorLiterals: Sendable {
    /// Shorter lists go through GraphQLSwift as they are.
    static let minimumLength = 8

    /// The query with the long vector lists blanked after their first element.
    let blankedQuery: String
    /// The full vectors, by the UTF-8 offset of their opening `[` (GraphQLSwift's `Location.start`).
    let vectors: [Int: [Float]]
    /// The query with its vector lists emptied (`[]`): the same for every query that differs only in them.
    let shape: String

    /// nil when the query has no long `vector:` number list.
    init?(query: String) {
        var bytes = Array(query.utf8)
        bytes.append(0)  // strtod stops here at the latest
        var found: [Int: [Float]] = [:]
        var shape: [UInt8] = []
        var copied = 0
        var scanner = Scanner(bytes: bytes)
        while let list = scanner.nextVectorList() {
            found[list.open] = list.values
            shape += bytes[copied...list.open]
            copied = list.close
            for i in list.firstEnd..<list.close where bytes[i] != UInt8(ascii: "\n") && bytes[i] != UInt8(ascii: "\r") {
                bytes[i] = UInt8(ascii: " ")
            }
        }
        guard !found.isEmpty else { return nil }
        bytes.removeLast()
        shape += bytes[copied...]
        blankedQuery = String(decoding: bytes, as: UTF8.self)
        vectors = found
        self.shape = String(decoding: shape, as: UTF8.self)
    }

    /// The full vector of a blanked literal given as `argument: {vector: [...]}` on the field being
    /// resolved; nil when the argument is absent, came through a variable, or was not blanked.
    static func vector(argument: String, context: any Sendable, info: GraphQLResolveInfo) -> [Float]? {
        guard let literals = context as? VectorLiterals,
              let object = info.fieldASTs.first?.arguments.first(where: { $0.name.value == argument })?.value
                  as? ObjectValue,
              let list = object.fields.first(where: { $0.name.value == "vector" })?.value as? ListValue,
              let start = list.loc?.start else { return nil }
        return literals.vectors[start]
    }

    /// The same for `argument: {vectorPerTarget: {vector: [...]}}`, a named vector called `vector` (the
    /// only name the scanner blanks there): its full vector by that name, or nothing.
    static func vectorPerTarget(argument: String, context: any Sendable, info: GraphQLResolveInfo) -> [String: [Float]] {
        guard let literals = context as? VectorLiterals,
              let object = info.fieldASTs.first?.arguments.first(where: { $0.name.value == argument })?.value
                  as? ObjectValue,
              let perTarget = object.fields.first(where: { $0.name.value == "vectorPerTarget" })?.value as? ObjectValue,
              let list = perTarget.fields.first(where: { $0.name.value == "vector" })?.value as? ListValue,
              let start = list.loc?.start, let full = literals.vectors[start] else { return [:] }
        return ["vector": full]
    }
}

/// Walks GraphQL's lexical grammar far enough to skip strings and comments and to spot `vector : [`.
private struct Scanner {
    let bytes: [UInt8]  // NUL-terminated
    var i = 0
    var braceDepth = 0
    var inVariableDefinitions = false

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The next long number list that is the value of a `vector` field: the offsets of `[` and `]`, the
    /// end of its first element, and its values. nil at the end of the text (or at text it cannot read,
    /// which then goes to GraphQLSwift unchanged from there on).
    mutating func nextVectorList() -> (open: Int, close: Int, firstEnd: Int, values: [Float])? {
        var afterVectorName = false, afterVectorColon = false
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
                guard skipString() else { return nil }
                afterVectorName = false; afterVectorColon = false
            case _ where isNameStart(c):
                let start = i
                while i < end, isNameStart(bytes[i]) || isDigit(bytes[i]) { i += 1 }
                afterVectorName = bytes[start..<i].elementsEqual("vector".utf8)
                afterVectorColon = false
            case UInt8(ascii: ":"):
                afterVectorColon = afterVectorName
                afterVectorName = false
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
                afterVectorName = false; afterVectorColon = false
                i += 1
            case UInt8(ascii: "[") where afterVectorColon && !inVariableDefinitions:
                afterVectorName = false; afterVectorColon = false
                let open = i
                if let list = numberList(open: open) { return (open, list.close, list.firstEnd, list.values) }
                i = open + 1
            default:
                afterVectorName = false; afterVectorColon = false
                i += 1
            }
        }
        return nil
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
        guard values.count >= VectorLiterals.minimumLength else { return nil }
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
        while i < end {
            i = bytes.withUnsafeBufferPointer { PlainBytes.skip($0.baseAddress!, from: i, end: end).position }
            guard i < end else { break }
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): i += 1; return true
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): return false
            default: i += 1
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
