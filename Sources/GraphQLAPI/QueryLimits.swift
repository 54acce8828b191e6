// Bounds on what one GraphQL query may ask of the server (issue #17). GraphQLSwift's lexer, parser and
// validator recurse once per nesting level, so a few kilobytes of `{{{{…` overflow the stack, and its
// printer (used by validation messages) prints nested list and object literals twice per level once a
// line passes 80 characters, so a deep literal never finishes printing. So the raw text is scanned once,
// before GraphQLSwift sees it, for its size and nesting. The number of searches is counted on the parsed
// document (safe once the depth is bounded) because fragments can repeat selections the text holds once.
import GraphQL
import JSON

public struct QueryLimits: Sendable, Equatable {
    /// Query text in UTF-8 bytes (GRAPHQL_MAX_QUERY_BYTES).
    public var maxQueryBytes: Int
    /// Nesting of `{}`, `[]` and `()` together (GRAPHQL_MAX_DEPTH).
    public var maxDepth: Int
    /// Nesting of `{}` and `[]` inside one argument value (GRAPHQL_MAX_VALUE_DEPTH). Kept well below
    /// maxDepth because GraphQLSwift's printer is exponential in it when a message prints the literal
    /// (2^depth once lines pass 80 characters). 12 still allows `where` operands nested 5 deep.
    public var maxValueDepth: Int
    /// Searches, i.e. fields under Get / Aggregate / Explore, fragments expanded (GRAPHQL_MAX_SEARCHES).
    public var maxSearches: Int
    /// Seconds one query may execute (GRAPHQL_MAX_QUERY_SECONDS); see QueryBudget.
    public var maxQuerySeconds: Int
    /// Values one query's results may hold: returned objects times the fields selected on them, plus
    /// vector components (GRAPHQL_MAX_RESULT_VALUES). GraphQLSwift spends ~4 KB and ~20 µs on each while
    /// it builds the answer (measured: 40,000 in 0.8 s and 163 MiB), so the default keeps one query well
    /// under 1 GiB; aliases of plain fields are bounded by this, not by maxSearches.
    public var maxResultValues: Int

    public init(maxQueryBytes: Int = 1 << 20, maxDepth: Int = 64, maxValueDepth: Int = 12, maxSearches: Int = 100,
                maxQuerySeconds: Int = 30, maxResultValues: Int = 100_000) {
        self.maxQueryBytes = maxQueryBytes
        self.maxDepth = maxDepth
        self.maxValueDepth = maxValueDepth
        self.maxSearches = maxSearches
        self.maxQuerySeconds = maxQuerySeconds
        self.maxResultValues = maxResultValues
    }

    /// A message naming the exceeded limit, or nil when the text is within the bytes and depth limits.
    func checkText(_ query: String) -> String? {
        let count = query.utf8.count
        if count > maxQueryBytes {
            return "query is \(count) bytes; the maximum is \(maxQueryBytes) (GRAPHQL_MAX_QUERY_BYTES)"
        }
        let nesting = query.utf8.withContiguousStorageIfAvailable { Self.nesting(of: $0) }
            ?? Self.nesting(of: Array(query.utf8))
        if nesting.depth > maxDepth {
            return "query is nested \(nesting.depth) levels deep; the maximum is \(maxDepth) (GRAPHQL_MAX_DEPTH)"
        }
        if nesting.valueDepth > maxValueDepth {
            return "an argument value is nested \(nesting.valueDepth) levels deep; the maximum is \(maxValueDepth) (GRAPHQL_MAX_VALUE_DEPTH)"
        }
        return nil
    }

    /// A message when the document asks for more than maxSearches searches.
    func checkSearches(_ document: Document) -> String? {
        var counter = SearchCounter(document: document)
        // Spreads nest like selection sets, and GraphQLSwift recurses along chains of them as well.
        if counter.spreadChain(longerThan: maxDepth) {
            return "fragment spreads are nested more than \(maxDepth) levels deep; the maximum is \(maxDepth) (GRAPHQL_MAX_DEPTH)"
        }
        let searches = counter.searches()
        guard searches > maxSearches else { return nil }
        return "query asks for \(searches) searches; the maximum is \(maxSearches) (GRAPHQL_MAX_SEARCHES)"
    }

    /// The deepest nesting of brackets, and of brackets inside argument lists, outside strings and
    /// comments. Stops at an unterminated string: GraphQLSwift's lexer stops there too.
    static func nesting<C: Collection>(of bytes: C) -> (depth: Int, valueDepth: Int) where C.Element == UInt8, C.Index == Int {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), newline = UInt8(ascii: "\n"),
            ret = UInt8(ascii: "\r")
        var depth = 0, maxDepth = 0, maxValueDepth = 0
        // Depth at which the innermost open `(` sits; values nest above it. -1: not in arguments.
        // Values never contain `(`, so one marker suffices; a `)` closes the argument list.
        var argumentsAt = -1
        var i = bytes.startIndex
        let end = bytes.endIndex
        func at(_ k: Int) -> UInt8 { k < end ? bytes[k] : 0 }
        scan: while i < end {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "#"):
                while i < end, bytes[i] != newline, bytes[i] != ret { i += 1 }
                continue
            case quote where at(i + 1) == quote && at(i + 2) == quote:
                i += 3
                while true {
                    guard i < end else { break scan }
                    if bytes[i] == backslash, at(i + 1) == quote, at(i + 2) == quote, at(i + 3) == quote {
                        i += 4
                    } else if bytes[i] == quote, at(i + 1) == quote, at(i + 2) == quote {
                        i += 3
                        break
                    } else {
                        i += 1
                    }
                }
                continue
            case quote:
                i += 1
                while true {
                    // A base64 image is most of a nearImage query: past it eight bytes at a time.
                    if let skipped = bytes.withContiguousStorageIfAvailable({
                        PlainBytes.skip($0.baseAddress!, from: i - bytes.startIndex, end: $0.count).position + bytes.startIndex
                    }) { i = skipped }
                    guard i < end, bytes[i] != newline, bytes[i] != ret else { break scan }
                    if bytes[i] == backslash { i += 2; continue }
                    i += 1
                    if bytes[i - 1] == quote { break }
                }
                continue
            case UInt8(ascii: "("):
                depth += 1
                argumentsAt = depth
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if argumentsAt >= 0 { maxValueDepth = max(maxValueDepth, depth - argumentsAt) }
            case UInt8(ascii: ")"):
                depth = max(depth - 1, 0)
                argumentsAt = -1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(depth - 1, 0)
            default:
                break
            }
            maxDepth = max(maxDepth, depth)
            i += 1
        }
        return (maxDepth, maxValueDepth)
    }
}

/// Counts the fields selected under each Get / Aggregate / Explore of the document's operations,
/// expanding fragment spreads (memoised, so the count is linear in the document). A fragment spread
/// twice in one selection set is counted twice: an overestimate only for queries no client sends.
private struct SearchCounter {
    let fragments: [String: FragmentDefinition]
    let operations: [OperationDefinition]
    var fieldsMemo: [String: Int] = [:]
    var searchesMemo: [String: Int] = [:]

    init(document: Document) {
        var fragments: [String: FragmentDefinition] = [:]
        var operations: [OperationDefinition] = []
        for definition in document.definitions {
            if let f = definition as? FragmentDefinition { fragments[f.name.value] = f }
            if let o = definition as? OperationDefinition { operations.append(o) }
        }
        self.fragments = fragments
        self.operations = operations
    }

    /// Whether some fragment spreads a fragment that spreads … more than `limit` times in a row.
    /// The walk gives up past `limit`, so its own recursion stays shallow.
    func spreadChain(longerThan limit: Int) -> Bool {
        var spreads: [String: [String]] = [:]
        func collect(_ set: SelectionSet, into names: inout [String]) {
            for selection in set.selections {
                switch selection {
                case let field as Field: if let s = field.selectionSet { collect(s, into: &names) }
                case let spread as FragmentSpread: names.append(spread.name.value)
                case let inline as InlineFragment: collect(inline.selectionSet, into: &names)
                default: break
                }
            }
        }
        for (name, fragment) in fragments {
            var names: [String] = []
            collect(fragment.selectionSet, into: &names)
            spreads[name] = names
        }
        var longest: [String: Int] = [:]  // chain length from a fragment, once known
        var onPath: Set<String> = []
        func chain(_ name: String, _ depth: Int) -> Int {
            if let known = longest[name] { return known }
            guard depth <= limit, !onPath.contains(name), let next = spreads[name] else { return 0 }
            onPath.insert(name)
            defer { onPath.remove(name) }
            var deepest = 0
            for n in next {
                deepest = max(deepest, chain(n, depth + 1))
                if depth + deepest > limit { return deepest + 1 }
            }
            longest[name] = deepest + 1
            return deepest + 1
        }
        return fragments.keys.contains { chain($0, 1) > limit }
    }

    mutating func searches() -> Int {
        operations.reduce(0) { total, operation in total.addingSaturated(searches(in: operation.selectionSet)) }
    }

    /// Root level: the fields under each Get / Aggregate / Explore.
    private mutating func searches(in set: SelectionSet) -> Int {
        var total = 0
        for selection in set.selections {
            let n: Int
            switch selection {
            case let field as Field:
                let root = ["Get", "Aggregate", "Explore"].contains(field.name.value)
                n = root ? field.selectionSet.map { fields(in: $0) } ?? 0 : 0
            case let spread as FragmentSpread:
                n = memoised(spread.name.value, \.searchesMemo) { $0.searches(in: $1) }
            case let inline as InlineFragment:
                n = searches(in: inline.selectionSet)
            default:
                n = 0
            }
            total = total.addingSaturated(n)
        }
        return total
    }

    /// The fields of one selection set, fragments expanded.
    private mutating func fields(in set: SelectionSet) -> Int {
        var total = 0
        for selection in set.selections {
            let n: Int
            switch selection {
            case is Field: n = 1
            case let spread as FragmentSpread: n = memoised(spread.name.value, \.fieldsMemo) { $0.fields(in: $1) }
            case let inline as InlineFragment: n = fields(in: inline.selectionSet)
            default: n = 0
            }
            total = total.addingSaturated(n)
        }
        return total
    }

    /// A fragment's count, computed once; a cycle (rejected later by validation) counts 0.
    private mutating func memoised(_ name: String, _ memo: WritableKeyPath<SearchCounter, [String: Int]>,
                                   _ count: (inout SearchCounter, SelectionSet) -> Int) -> Int {
        if let known = self[keyPath: memo][name] { return known }
        guard let fragment = fragments[name] else { return 0 }
        self[keyPath: memo][name] = 0
        let n = count(&self, fragment.selectionSet)
        self[keyPath: memo][name] = n
        return n
    }
}

private extension Int {
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
