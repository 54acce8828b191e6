import Foundation
import XCTest
import Database
@testable import GraphQLAPI

/// Replays fuzz/corpus/graphql-vector (fuzz/README.md) through the harness's call and its invariant: the
/// blanked query keeps every offset of the query as sent.
final class QueryLiteralsFuzzCorpusTests: XCTestCase {
    func testSeedCorpusReplays() throws {
        let seeds = try corpus("graphql-vector")
        XCTAssertGreaterThan(seeds.count, 5)
        var found = 0
        for (name, data) in seeds {
            let query = String(decoding: data, as: UTF8.self)
            guard let literals = QueryLiterals(query: query) else { continue }
            found += 1
            XCTAssertEqual(literals.blankedQuery.utf8.count, query.utf8.count, name)
        }
        XCTAssertGreaterThan(found, seeds.count / 2, "most seeds hold a long vector list")
    }

    private func corpus(_ harness: String) throws -> [(String, Data)] {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/\(harness)")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }
}

/// Replays fuzz/corpus/graphql through GraphQLService.handle, as the `graphql` harness does, over the
/// harness's two classes: every seed answers 200 (or 422) with a JSON body, and most answer data.
final class GraphQLFuzzCorpusTests: XCTestCase {
    func testSeedCorpusReplays() async throws {
        let f = try Fixture()
        try await f.createClass("Person", properties: [("name", "text"), ("age", "int")])
        try await f.createClass("Article", properties: [("title", "text"), ("words", "int"), ("score", "number"),
                                                        ("ok", "boolean"), ("published", "date"), ("tags", "text[]"),
                                                        ("author", "Person")])
        try await f.insert("Article", (0..<3).map { i in
            (["title": .string("the quick fox \(i)"), "words": .int(Int64(i)), "ok": .bool(i == 0)], [1, Float(i), 0.5])
        })
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = repo.appendingPathComponent("fuzz/corpus/graphql")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertGreaterThan(seeds.count, 10)
        var answered = 0
        for name in seeds {
            let query = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let body = JSONValue.object(["query": .string(query)]).jsonString()
            let (status, data) = await f.service.handle(body: Data(body.utf8))
            XCTAssertEqual(status, 200, name)
            let json = try JSONValue.parse(data)
            if json["errors"] == nil { answered += 1 }
        }
        XCTAssertGreaterThan(answered, seeds.count / 2, "most seeds are valid queries")
    }
}
