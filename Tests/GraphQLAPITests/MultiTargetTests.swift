import XCTest
@testable import Database
@testable import GraphQLAPI

/// Get's multi-target searches (Weaviate ≥ 1.26): `targets {targetVectors combinationMethod weights}` and
/// nearVector's `vectorPerTarget`, checked against brute-force joins of the two named vectors.
final class MultiTargetTests: XCTestCase {
    static let n = 40
    var f: Fixture!
    var title: [[Float]] = []  // cosine, 6-d
    var body: [[Float]] = []   // l2-squared, 4-d

    override func setUp() async throws {
        f = try Fixture()
        var def = ClassDefinition(className: "Doc", properties: [PropertyDefinition(name: "n", dataType: ["int"])],
                                  vectorName: "title")
        def.moreVectors = [NamedVector(name: "body", vectorizer: "none", vectorIndexConfig: ["distance": "l2-squared"])]
        _ = try await f.db.createClass(def)
        var rng = SplitMix(state: 11)
        title = (0..<Self.n).map { _ in rng.vector(6) }
        body = (0..<Self.n).map { _ in rng.vector(4) }
        let inputs = (0..<Self.n).map { i in
            ObjectInput(className: "Doc", id: uuid(i), properties: ["n": .int(Int64(i))],
                        namedVectors: ["title": title[i], "body": body[i]])
        }
        for r in try await f.db.batchObjects(inputs) { XCTAssertNil(r.error) }
    }

    /// The `n` of the hits and their distances.
    func search(_ arguments: String, limit: Int = n) async throws -> [(n: Int, distance: Double)] {
        let hits = try await f.get("Doc", "{Get{Doc(limit: \(limit) \(arguments)){n _additional{distance}}}}")
        return hits.map { (Int($0["n"]!.intValue!), $0["_additional"]!["distance"]!.doubleValue!) }
    }

    func expect(_ hits: [(n: Int, distance: Double)], _ joined: [Double], checkDistances: Bool = true,
                file: StaticString = #filePath, line: UInt = #line) {
        let order = joined.indices.sorted { (joined[$0], $0) < (joined[$1], $1) }
        XCTAssertEqual(hits.prefix(10).map(\.n), Array(order.prefix(10)), file: file, line: line)
        if checkDistances {
            for h in hits.prefix(10) { XCTAssertEqual(h.distance, joined[h.n], accuracy: 1e-4, file: file, line: line) }
        }
    }

    func distances(_ qt: [Float], _ qb: [Float]) -> (title: [Double], body: [Double]) {
        (title.map { bruteDistance("cosine", $0, qt) }, body.map { bruteDistance("l2-squared", $0, qb) })
    }

    func testEachCombinationMethodJoinsLikeBruteForce() async throws {
        var rng = SplitMix(state: 3)
        let qt = rng.vector(6), qb = rng.vector(4)
        let (dt, db) = distances(qt, qb)
        let perTarget = "vectorPerTarget: {title: \(vectorLiteral(qt)), body: \(vectorLiteral(qb))}"
        func targets(_ method: String, _ weights: String = "") -> String {
            "nearVector: {\(perTarget) targets: {targetVectors: [\"title\", \"body\"] combinationMethod: \(method) \(weights)}}"
        }
        expect(try await search(targets("minimum")), zip(dt, db).map { min($0, $1) })
        expect(try await search(targets("sum")), zip(dt, db).map { $0 + $1 })
        expect(try await search(targets("average")), zip(dt, db).map { ($0 + $1) / 2 })
        expect(try await search(targets("manualWeights", "weights: {title: 2, body: 0.5}")), zip(dt, db).map { 2 * $0 + 0.5 * $1 })
        let (lt, ht, lb, hb) = (dt.min()!, dt.max()!, db.min()!, db.max()!)
        expect(try await search(targets("relativeScore", "weights: {title: 1, body: 3}")),
               zip(dt, db).map { ($0 - lt) / (ht - lt) + 3 * ($1 - lb) / (hb - lb) }, checkDistances: false)
        // Without `targets`, the names of vectorPerTarget are the targets, joined by minimum.
        expect(try await search("nearVector: {\(perTarget)}"), zip(dt, db).map { min($0, $1) })
    }

    func testATargetSearchedWithTwoVectors() async throws {
        var rng = SplitMix(state: 5)
        let qb1 = rng.vector(4), qb2 = rng.vector(4), qt = rng.vector(6)
        let dt = title.map { bruteDistance("cosine", $0, qt) }
        let d1 = body.map { bruteDistance("l2-squared", $0, qb1) }, d2 = body.map { bruteDistance("l2-squared", $0, qb2) }
        let vectors = "vectorPerTarget: {body: [\(vectorLiteral(qb1)), \(vectorLiteral(qb2))], title: \(vectorLiteral(qt))}"
        // One weight per vector of `body`.
        let weighted = try await search("""
            nearVector: {\(vectors) targets: {targetVectors: ["body", "body", "title"] combinationMethod: manualWeights
                                             weights: {body: [1, 0.25], title: 2}}}
            """)
        expect(weighted, (0..<Self.n).map { d1[$0] + 0.25 * d2[$0] + 2 * dt[$0] })
        // Without targets: body twice, title once, by minimum.
        expect(try await search("nearVector: {\(vectors)}"), (0..<Self.n).map { min(d1[$0], d2[$0], dt[$0]) })
    }

    func testOneVectorForSeveralTargetsAndTargetsOnNearObject() async throws {
        // A plain `vector` goes to every target; both are 4-d here only for body, so search body twice.
        let q = body[7]
        let hits = try await search("nearVector: {vector: \(vectorLiteral(q)) targets: {targetVectors: [\"body\"] combinationMethod: sum}}")
        expect(hits, body.map { bruteDistance("l2-squared", $0, q) })
        // nearObject: the object's own vector of each target.
        let (dt, db) = distances(title[3], body[3])
        let near = try await search("nearObject: {id: \"\(uuid(3))\" targets: {targetVectors: [\"title\", \"body\"] combinationMethod: average}}")
        XCTAssertEqual(near.first?.n, 3)
        expect(near, zip(dt, db).map { ($0 + $1) / 2 })
    }

    /// A named vector called `vector` inside vectorPerTarget keeps its full list (QueryLiterals blanks
    /// every long list after `vector:`).
    func testANamedVectorCalledVector() async throws {
        var def = ClassDefinition(className: "Pic", properties: [PropertyDefinition(name: "n", dataType: ["int"])],
                                  vectorName: "vector")
        def.moreVectors = [NamedVector(name: "other", vectorizer: "none")]
        _ = try await f.db.createClass(def)
        var rng = SplitMix(state: 9)
        let stored = (0..<12).map { _ in rng.vector(16) }
        let inputs = stored.enumerated().map { i, v in
            ObjectInput(className: "Pic", id: uuid(100 + i), properties: ["n": .int(Int64(i))], namedVectors: ["vector": v, "other": v])
        }
        for r in try await f.db.batchObjects(inputs) { XCTAssertNil(r.error) }
        let hits = try await f.get("Pic", "{Get{Pic(limit: 3 nearVector: {vectorPerTarget: {vector: \(vectorLiteral(stored[5]))}}){n _additional{distance}}}}")
        XCTAssertEqual(hits.first?["n"]?.intValue, 5)
        XCTAssertEqual(hits.first?["_additional"]?["distance"]?.doubleValue ?? 1, 0, accuracy: 1e-5)
    }

    func testBadTargetsAreRefusedWithWeaviatesMessages() async throws {
        let v = vectorLiteral([1, 0, 0, 0])
        let cases: [(String, String)] = [
            ("nearVector: {certainty: 0.5}", "vector or vectorPerTarget is required field"),
            ("nearVector: {vector: \(v) vectorPerTarget: {body: \(v)}}", "vector or vectorPerTarget is required field"),
            ("nearVector: {vector: \(v) targets: {combinationMethod: sum}}", "targetVectors is required field"),
            ("nearVector: {vectorPerTarget: {body: \(v)} targets: {targetVectors: [\"title\", \"body\"]}}",
             "vectorPerTarget for target title is not provided"),
            ("nearVector: {vectorPerTarget: {body: [\(v), \(v)]} targets: {targetVectors: [\"body\"]}}",
             "vectorPerTarget gives 2 vectors for target body, but targetVectors names it 1 times"),
            ("nearVector: {vector: \(v) targets: {targetVectors: [\"title\", \"body\"] combinationMethod: manualWeights weights: {title: 1}}}",
             "weight for target body is not provided"),
            ("nearVector: {vector: \(v) targets: {targetVectors: [\"body\"] combinationMethod: manualWeights weights: {body: [1, 2]}}}",
             "target body is searched 1 times, but 2 weights were given for it"),
            ("nearVector: {vector: \(v) targets: {targetVectors: [\"nope\"]}}", "does not have named vector \"nope\""),
        ]
        for (arguments, message) in cases {
            let got = try await f.errorMessage("{Get{Doc(\(arguments)){n}}}")
            XCTAssertTrue(got?.contains(message) == true, "\(arguments): \(got ?? "no error")")
        }
        // The scalars check their shape while the query is validated.
        let bad = try await f.errorMessage("{Get{Doc(nearVector: {vectorPerTarget: {body: \"x\"}}){n}}}")
        XCTAssertTrue(bad?.contains("VectorPerTarget must be an object") == true, bad ?? "no error")
        let badWeights = try await f.errorMessage(
            "{Get{Doc(nearVector: {vector: \(v) targets: {targetVectors: [\"body\"] combinationMethod: manualWeights weights: [1]}}){n}}}")
        XCTAssertTrue(badWeights?.contains("Weights must be an object") == true, badWeights ?? "no error")
    }

    func testVectorPerTargetThroughAVariable() async throws {
        var rng = SplitMix(state: 4)
        let qt = rng.vector(6), qb = rng.vector(4)
        let (dt, db) = distances(qt, qb)
        let request = JSONValue.object([
            "query": .string("query($v: VectorPerTarget){Get{Doc(limit: 40 nearVector: {vectorPerTarget: $v targets: {targetVectors: [\"title\", \"body\"] combinationMethod: sum}}){n _additional{distance}}}}"),
            "variables": .object(["v": .object(["title": .array(qt.map { .double(Double($0)) }),
                                                "body": .array(qb.map { .double(Double($0)) })])]),
        ])
        let (status, data) = await f.service.handle(body: Data(request.jsonString().utf8))
        XCTAssertEqual(status, 200)
        let body = try JSONValue.parse(data)
        XCTAssertNil(body["errors"], body.jsonString())
        let hits = (body["data"]?["Get"]?["Doc"]?.arrayValue ?? []).map {
            (Int($0["n"]!.intValue!), $0["_additional"]!["distance"]!.doubleValue!)
        }
        expect(hits, zip(dt, db).map { $0 + $1 })
    }
}
