import Foundation
import GraphQL
import XCTest
@testable import Database
@testable import GraphQLAPI

/// The bounds on one query (issue #17): each just under and just over, text the scanner must skip,
/// and the messages clients see.
final class QueryLimitsTests: XCTestCase {
    /// `{Get{Article{title}}}` with `extra` levels of `{` `}` around it, as an operation's selection.
    private func nested(_ depth: Int) -> String {
        String(repeating: "{", count: depth) + String(repeating: "}", count: depth)
    }

    private func message(_ service: GraphQLService, _ q: String) async throws -> String? {
        let body = JSONValue.object(["query": .string(q)]).jsonString()
        let (status, data) = await service.handle(body: Data(body.utf8))
        XCTAssertEqual(status, 200)
        let json = try JSONValue.parse(data)
        XCTAssertNil(json["data"] ?? nil)
        return json["errors"]?[0]?["message"]?.stringValue
    }

    private func article() async throws -> Fixture {
        let f = try Fixture()
        try await f.createClass("Article", properties: [("title", "text"), ("n", "int")])
        try await f.insert("Article", [(["title": "a {b} c", "n": 1], [1, 0]), (["title": "x", "n": 2], [0, 1])])
        return f
    }

    func testScannerCountsBracketsOutsideStringsAndComments() {
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:[{c:1}])}".utf8)).depth, 4)
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:[{c:1}])}".utf8)).valueDepth, 2)
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:\"{{{[[[(((\\\"{{\")}".utf8)).depth, 2)
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:\"\"\"{{{ \\\"\"\" {{{ \"\" {{\"\"\")}".utf8)).depth, 2)
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a # {{{{{{ \n b{c}}".utf8)).depth, 2)
        // Unbalanced or unterminated text is left to GraphQLSwift, which stops where the scan stops.
        XCTAssertEqual(QueryLimits.nesting(of: Array("}}}{{".utf8)).depth, 2)
        XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:\"{{{{\n{{{{".utf8)).depth, 2)
        // Variable types are bracketed too.
        XCTAssertEqual(QueryLimits.nesting(of: Array("query($v:[[Int]]){a}".utf8)).valueDepth, 2)
    }

    /// Strings are skipped eight bytes at a time (PlainBytes) up to the first byte that needs a look: an
    /// escaped quote, a line break or the closing quote at every offset of a long string lands the same.
    func testLongStringsEndWhereTheirBytesSayAtEveryOffset() {
        for length in 0..<40 {
            for k in 0..<max(length, 1) {
                var body = Array(repeating: UInt8(ascii: "{"), count: length)
                if k < length { body[k] = UInt8(ascii: "[") }
                let plain = Array("{a(b:\"".utf8) + body + Array("\"){c{d}}}".utf8)
                XCTAssertEqual(QueryLimits.nesting(of: plain).depth, 3, "length \(length)")
                var escaped = body
                if k < length { escaped.replaceSubrange(k...k, with: Array("\\\"".utf8)) }
                XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:\"".utf8) + escaped + Array("\"){c}}".utf8)).depth, 2,
                               "escaped quote at \(k) of \(length)")
                var broken = body
                if k < length { broken[k] = UInt8(ascii: "\n") }
                // Unterminated (at the line break, or at the end): the brackets after it are not counted.
                XCTAssertEqual(QueryLimits.nesting(of: Array("{a(b:\"".utf8) + broken + Array("{{{{{{".utf8)).depth, 2,
                               "line break at \(k) of \(length)")
                if let literals = QueryLiterals(query: "{a(b:\"" + String(decoding: escaped, as: UTF8.self)
                                                 + "\" nearVector: {vector: [1,2,3,4,5,6,7,8]}){c}}") {
                    XCTAssertEqual(literals.vectors.values.first?.count, 8, "vector after a string of \(length)")
                } else {
                    XCTFail("the vector after a string of \(length) with an escape at \(k) was not found")
                }
            }
        }
    }

    func testQueryBytes() async throws {
        let f = try await article()
        let q = "{Get{Article{title}}}"
        let exact = GraphQLService(database: f.db, limits: QueryLimits(maxQueryBytes: q.utf8.count))
        let hits = try await f.query(q).body["data"]?["Get"]?["Article"]?.arrayValue
        XCTAssertEqual(hits?.count, 2)
        let body = JSONValue.object(["query": .string(q)]).jsonString()
        let data = await exact.handle(body: Data(body.utf8)).body
        XCTAssertEqual(try JSONValue.parse(data)["data"]?["Get"]?["Article"]?.arrayValue?.count, 2)
        let small = GraphQLService(database: f.db, limits: QueryLimits(maxQueryBytes: q.utf8.count - 1))
        let m = try await message(small, q)
        XCTAssertEqual(m, "query is 21 bytes; the maximum is 20 (GRAPHQL_MAX_QUERY_BYTES)")
    }

    func testDepth() async throws {
        let f = try await article()
        // 64 levels reach GraphQLSwift (which rejects the empty selections), 65 do not.
        let under = try await message(f.service, nested(64))
        XCTAssertFalse(under?.contains("GRAPHQL_MAX_DEPTH") ?? true, under ?? "")
        let over = try await message(f.service, nested(65))
        XCTAssertEqual(over, "query is nested 65 levels deep; the maximum is 64 (GRAPHQL_MAX_DEPTH)")
        // The stack overflow of issue #17: 3,000 nested selections.
        let bomb = "{Get{Article" + String(repeating: "{s", count: 3000) + String(repeating: "}", count: 3002)
        let m = try await message(f.service, bomb)
        XCTAssertEqual(m, "query is nested 3002 levels deep; the maximum is 64 (GRAPHQL_MAX_DEPTH)")
    }

    func testBracesInStringsAndCommentsDoNotCount() async throws {
        let f = try await article()
        let braces = String(repeating: "{[(", count: 100)
        let hits = try await f.get("Article", """
            # \(braces)
            {Get{Article(where: {path: ["title"], operator: NotEqual, valueText: "\(braces)\\"\(braces)"}) {
              title  # \(braces)
            }}}
            """)
        XCTAssertEqual(hits.count, 2)
        let block = try await f.get("Article", "{Get{Article(bm25: {query: \"\"\"\(braces) \\\"\"\" x\"\"\"}) {title}}}")
        XCTAssertEqual(block.compactMap { $0["title"]?.stringValue }, ["x"])
    }

    func testNestedWhereOperandsStillWork() async throws {
        let f = try await article()
        // Five levels of operands: value depth 11.
        var w = "{path: [\"n\"], operator: Equal, valueInt: 1}"
        for _ in 0..<5 { w = "{operator: And, operands: [\(w)]}" }
        let hits = try await f.get("Article", "{Get{Article(where: \(w)) {n}}}")
        XCTAssertEqual(hits.map { $0["n"] }, [1])
    }

    func testValueDepthBoundsThePrinter() async throws {
        let f = try await article()
        func list(_ depth: Int) -> String {
            // A wide innermost list makes every level print on several lines: the printer's worst case.
            String(repeating: "[", count: depth) + Array(repeating: "1", count: 40).joined(separator: ", ")
                + String(repeating: "]", count: depth)
        }
        let started = Date()
        // nearVector's `{` plus 11 lists: value depth 12, the default maximum, is validated (and rejected).
        let under = try await message(f.service, "{Get{Article(nearVector: {vector: \(list(11))}) {title}}}")
        XCTAssertTrue(under?.hasPrefix("Float cannot represent non-numeric value: [") ?? false, under ?? "")
        XCTAssertLessThanOrEqual(under?.count ?? .max, GraphQLService.maxMessageCharacters + 20)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let over = try await message(f.service, "{Get{Article(nearVector: {vector: \(list(12))}) {title}}}")
        XCTAssertEqual(over, "an argument value is nested 13 levels deep; the maximum is 12 (GRAPHQL_MAX_VALUE_DEPTH)")
    }

    func testSearches() async throws {
        let f = try await article()
        func aliases(_ n: Int) -> String { (0..<n).map { "a\($0): Article{title}" }.joined(separator: " ") }
        let body = JSONValue.object(["query": .string("{Get{\(aliases(100))}}")]).jsonString()
        let ok = try JSONValue.parse(await f.service.handle(body: Data(body.utf8)).body)
        XCTAssertNil(ok["errors"])
        XCTAssertEqual(ok["data"]?["Get"]?["a99"]?.arrayValue?.count, 2)
        let over = try await message(f.service, "{Get{\(aliases(101))}}")
        XCTAssertEqual(over, "query asks for 101 searches; the maximum is 100 (GRAPHQL_MAX_SEARCHES)")
        // Across Get aliases, Aggregate and through fragments.
        let getAliases = (0..<50).map { "g\($0): Get{...F}" }.joined(separator: " ")
        let fragments = try await message(f.service, "{\(getAliases) Aggregate{Article{meta{count}}}} fragment F on GetObjectsObj {a: Article{title} b: Article{n}}")
        XCTAssertEqual(fragments, "query asks for 101 searches; the maximum is 100 (GRAPHQL_MAX_SEARCHES)")
        // Through the fast path for long vectors too.
        let vector = "[" + Array(repeating: "0.5", count: 8).joined(separator: ",") + "]"
        let near = (0..<101).map { "a\($0): Article(nearVector: {vector: \(vector)}){title}" }.joined(separator: " ")
        let m = try await message(f.service, "{Get{\(near)}}")
        XCTAssertEqual(m, "query asks for 101 searches; the maximum is 100 (GRAPHQL_MAX_SEARCHES)")
    }

    func testFragmentChains() async throws {
        let f = try await article()
        func chain(_ n: Int) -> String {
            "{Get{Article{...F0}}} " + (0..<n).map { "fragment F\($0) on Article {title ...F\($0 + 1)}" }.joined(separator: " ")
                + " fragment F\(n) on Article {n}"
        }
        let under = try await f.query(chain(63)).body
        XCTAssertNil(under["errors"], under.jsonString())
        let over = try await message(f.service, chain(10_000))
        XCTAssertEqual(over, "fragment spreads are nested more than 64 levels deep; the maximum is 64 (GRAPHQL_MAX_DEPTH)")
    }

    func testLongMessagesAreCut() {
        let long = String(repeating: "x", count: 5000)
        XCTAssertEqual(GraphQLService.capped(long).count, GraphQLService.maxMessageCharacters + "… (message cut)".count)
        XCTAssertEqual(GraphQLService.capped("short"), "short")
    }
}
