import Foundation
import XCTest
@testable import Database
@testable import GraphQLAPI

/// `bm25` / `hybrid` through GraphQL: argument parsing, `_additional { score explainScore }` as strings,
/// errors as GraphQL errors. The scoring itself is checked against a reference in DatabaseTests.
final class KeywordSearchGraphQLTests: XCTestCase {
    static let texts = ["red apple pie", "green apple", "red red wine", "blue sky", "apple apple apple tree"]

    func fixture(dimension: Int = 3, modules: [any VectorizerModule] = [], vectorizer: String? = nil) async throws -> Fixture {
        let f = try Fixture(modules: modules)
        try await f.createClass("Doc", vectorizer: vectorizer, properties: [("text", "text"), ("rank", "int")])
        var rng = SplitMix(state: 7)
        try await f.insert("Doc", Self.texts.enumerated().map {
            (["text": .string($0.element), "rank": .int(Int64($0.offset))], rng.vector(dimension))
        })
        return f
    }

    func testBM25ScoreIsTheFormulaAsAString() async throws {
        let f = try await fixture()
        let rows = try await f.get("Doc", #"{Get{Doc(bm25: {query: "wine", properties: ["text"]}){text _additional{id score explainScore}}}}"#)
        XCTAssertEqual(rows.count, 1)
        // One doc of five holds "wine" once; its length 3; mean length (3+2+3+2+4)/5 = 2.8.
        let idf = log(1 + (5 - 1 + 0.5) / (1 + 0.5))
        let expected = Float(idf * 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / 2.8)))
        XCTAssertEqual(rows[0]["_additional"]?["score"]?.stringValue, "\(expected)")
        XCTAssertEqual(rows[0]["_additional"]?["explainScore"]?.stringValue, ", BM25F_wine_frequency:1, BM25F_wine_propLength:3")
        XCTAssertEqual(rows[0]["text"]?.stringValue, "red red wine")

        // Default properties, limit, where; the order is the engine's.
        let q = #"{Get{Doc(limit: 2 bm25: {query: "apple red"} where: {path: ["rank"] operator: LessThan valueInt: 4}){text _additional{score}}}}"#
        let filtered = try await f.get("Doc", q)
        let filter = WhereFilter(operator: .lessThan, path: ["rank"], valueInt: 4)
        let direct = try await f.db.getQuery(GetRequest(className: "Doc", filter: filter, limit: 2, bm25: BM25Parameter(query: "apple red")))
        XCTAssertEqual(filtered.map { $0["text"]?.stringValue }, direct.map { $0.object.properties["text"]?.stringValue })
        XCTAssertEqual(filtered.map { $0["_additional"]?["score"]?.stringValue }, direct.map { $0.score.map { "\($0)" } })
        XCTAssertEqual(filtered.count, 2)
    }

    /// `maxVectorDistance` (Weaviate ≥ 1.26.3): only objects within the distance are results, the keyword
    /// half's included, in Get and in Aggregate's `hybrid`; checked against the distances computed here.
    func testHybridMaxVectorDistanceInGetAndAggregate() async throws {
        let f = try Fixture()
        try await f.createClass("Fruit", properties: [("name", "text")])
        let vectors: [[Float]] = [[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0, 0, 1]]
        try await f.insert("Fruit", vectors.enumerated().map { (["name": .string("banana \($0.offset)")], $0.element) })
        let q: [Float] = [1, 0, 0]
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            let dot = zip(a, b).map(*).reduce(0, +), na = a.map { $0 * $0 }.reduce(0, +), nb = b.map { $0 * $0 }.reduce(0, +)
            return 1 - dot / (na.squareRoot() * nb.squareRoot())
        }
        let within = Set(vectors.indices.filter { cosine(vectors[$0], q) <= 0.5 }.map { "banana \($0)" })
        XCTAssertEqual(within, ["banana 0", "banana 2"])
        for alpha in [0.0, 0.5, 1.0] {
            let rows = try await f.get("Fruit", """
                {Get{Fruit(hybrid: {query: "banana", alpha: \(alpha), vector: [1, 0, 0], maxVectorDistance: 0.5}){name}}}
                """)
            XCTAssertEqual(Set(rows.compactMap { $0["name"]?.stringValue }), within, "alpha \(alpha)")
        }
        let (_, body) = try await f.query("""
            {Aggregate{Fruit(hybrid: {query: "banana", vector: [1, 0, 0], maxVectorDistance: 0.5}){meta{count}}}}
            """)
        XCTAssertEqual(body["data"]?["Aggregate"]?["Fruit"]?[0]?["meta"]?["count"], 2, body.jsonString())
        let (_, all) = try await f.query(#"{Aggregate{Fruit(hybrid: {query: "banana", vector: [1, 0, 0]}){meta{count}}}}"#)
        XCTAssertEqual(all["data"]?["Aggregate"]?["Fruit"]?[0]?["meta"]?["count"], 4, all.jsonString())
    }

    func testHybridWithShortAndLongQueryLiterals() async throws {
        for dimension in [3, 12] {  // 12 goes through QueryLiterals' blanked-copy path
            let f = try await fixture(dimension: dimension)
            var rng = SplitMix(state: 99)
            let v = rng.vector(dimension)
            let rows = try await f.get("Doc", """
                {Get{Doc(hybrid: {query: "apple", alpha: 0.4, vector: \(vectorLiteral(v))}){text _additional{score explainScore}}}}
                """)
            let direct = try await f.db.getQuery(GetRequest(className: "Doc", hybrid: HybridParameter(query: "apple", alpha: 0.4, vector: v)))
            XCTAssertEqual(rows.count, Self.texts.count)
            XCTAssertEqual(rows.map { $0["text"]?.stringValue }, direct.map { $0.object.properties["text"]?.stringValue })
            XCTAssertEqual(rows.map { $0["_additional"]?["score"]?.stringValue }, direct.map { $0.score.map { "\($0)" } })
            // Both result sets name the document: bm25 first, then the vector set with the vector.
            let explain = try XCTUnwrap(rows.first?["_additional"]?["explainScore"]?.stringValue)
            XCTAssertTrue(explain.hasPrefix("(bm25)\n(hybrid) Document "), explain)
            let lastVector = rows.last?["_additional"]?["explainScore"]?.stringValue ?? ""
            XCTAssertTrue(lastVector.hasPrefix("(vector) [") || lastVector.hasPrefix("(bm25)"), lastVector)
            // Each score is the sum of its contributions.
            for row in rows {
                let text = row["_additional"]!["explainScore"]!.stringValue!
                let parts = text.split(separator: "\n").dropFirst().map { line in
                    Double(line.split(separator: " ")[4])!
                }
                XCTAssertEqual(Double(row["_additional"]!["score"]!.stringValue!)!, parts.reduce(0, +), accuracy: 1e-6)
            }
        }
    }

    func testHybridVectorisesTheQueryWithTheClassModule() async throws {
        let module = FakeTextModule()
        module.table["apple"] = [0.9, 0.1]
        let f = try await fixture(dimension: 2, modules: [module], vectorizer: "fake-clip")
        let rows = try await f.get("Doc", #"{Get{Doc(hybrid: {query: "apple"}){text _additional{score}}}}"#)
        XCTAssertTrue(module.texts.contains("apple"))
        let direct = try await f.db.getQuery(GetRequest(className: "Doc", hybrid: HybridParameter(query: "apple", alpha: 0.75, vector: [0.9, 0.1])))
        XCTAssertEqual(rows.map { $0["text"]?.stringValue }, direct.map { $0.object.properties["text"]?.stringValue })
        XCTAssertEqual(rows.map { $0["_additional"]?["score"]?.stringValue }, direct.map { $0.score.map { "\($0)" } })
    }

    func testErrors() async throws {
        let f = try await fixture()
        let alpha = try await f.errorMessage(#"{Get{Doc(hybrid: {query: "apple", alpha: 1.5, vector: [1, 0, 0]}){text}}}"#)
        XCTAssertEqual(alpha, "hybrid: alpha must be between 0 and 1 (inclusive), got 1.5")
        let conflict = try await f.errorMessage(#"{Get{Doc(bm25: {query: "apple"}, nearVector: {vector: [1, 0, 0]}){text}}}"#)
        XCTAssertEqual(conflict, "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one")
        let noVectorizer = try await f.errorMessage(#"{Get{Doc(hybrid: {query: "apple"}){text}}}"#)
        XCTAssertEqual(noVectorizer, "explorer: get class: hybrid: class 'Doc' has no vectorizer module that vectorizes text (vectorizer: none): give hybrid a vector, or set alpha: 0")
        // 1.19 has no fusionType: a validation error.
        let (_, body) = try await f.query(#"{Get{Doc(hybrid: {query: "apple", fusionType: rankedFusion}){text}}}"#)
        XCTAssertTrue(body["errors"]?[0]?["message"]?.stringValue?.contains("fusionType") == true, body.jsonString())
        // score is null outside bm25 / hybrid.
        let rows = try await f.get("Doc", #"{Get{Doc(nearVector: {vector: [1, 0, 0]}){_additional{score explainScore distance}}}}"#)
        XCTAssertEqual(rows.first?["_additional"]?["score"], .null)
        XCTAssertEqual(rows.first?["_additional"]?["explainScore"], .null)
    }
}
