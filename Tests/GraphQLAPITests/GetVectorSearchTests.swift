import XCTest
@testable import Database
@testable import GraphQLAPI

/// Get with nearVector / nearObject compared with a brute-force answer, for every metric.
final class GetVectorSearchTests: XCTestCase {
    /// Weaviate's acceptance case: 2-d cosine, query [0.7, 0.3].
    func testWeaviateCosineAcceptanceDistances() async throws {
        let f = try Fixture()
        try await f.createClass("Point")
        try await f.insert("Point", [([:], [0.7, 0.3]), ([:], [1.4, 0.6]), ([:], [1, 1]), ([:], [-0.7, -0.3])])
        let hits = try await f.get("Point", "{Get{Point(nearVector: {vector: [0.7, 0.3]} ){_additional{id distance certainty} }}}")
        let distances = hits.compactMap { $0["_additional"]?["distance"]?.doubleValue }
        XCTAssertEqual(distances.count, 4)
        for (got, want) in zip(distances, [0, 0, 0.0715, 2]) { XCTAssertEqual(got, want, accuracy: 1e-4) }
        XCTAssertEqual(Set(hits.prefix(2).compactMap { $0["_additional"]?["id"]?.stringValue }), [uuid(0), uuid(1)])
        let certainties = hits.compactMap { $0["_additional"]?["certainty"]?.doubleValue }
        for (got, want) in zip(certainties, [1, 1, 0.96424, 0]) { XCTAssertEqual(got, want, accuracy: 1e-4) }
    }

    func testEveryMetricMatchesBruteForce() async throws {
        for metric in ["cosine", "dot", "l2-squared", "manhattan", "hamming"] {
            let f = try Fixture()
            try await f.createClass("Item", metric: metric, properties: [("rank", "int")])
            var rng = SplitMix(state: 42)
            var vectors: [[Float]] = []
            for _ in 0..<120 {
                var v = rng.vector(6)
                if metric == "hamming" { v = v.map { $0 > 0 ? 1 : 0 } }
                vectors.append(v)
            }
            try await f.insert("Item", vectors.enumerated().map { (["rank": .int(Int64($0.offset))], $0.element) })
            for q in 0..<3 {
                var query = rng.vector(6)
                if metric == "hamming" { query = query.map { $0 > 0 ? 1 : 0 } }
                let truth = vectors.enumerated().map { (id: uuid($0.offset), rank: $0.offset, d: bruteDistance(metric, query, $0.element)) }
                    .sorted { $0.d < $1.d }

                // kNN with a limit.
                let hits = try await f.get("Item", """
                    {Get{Item(limit: 10 nearVector: {vector: \(vectorLiteral(query))} ){rank _additional{id distance} }}}
                    """)
                assertMatches(hits, truth.prefix(10).map(\.d), truth, "\(metric) query \(q)")

                // The same with a where filter: only even ranks (filtered search via the allow-list).
                let filtered = try await f.get("Item", """
                    {Get{Item(where: {path: ["rank"] operator: LessThan valueInt: 60} limit: 7 nearVector: {vector: \(vectorLiteral(query))} ){rank _additional{id distance} }}}
                    """)
                let truthFiltered = truth.filter { $0.rank < 60 }
                assertMatches(filtered, truthFiltered.prefix(7).map(\.d), truthFiltered, "\(metric) filtered \(q)")
                XCTAssertTrue(filtered.allSatisfy { ($0["rank"]?.intValue ?? 99) < 60 })

                // Offset skips the first hits of the kNN.
                let paged = try await f.get("Item", """
                    {Get{Item(limit: 5 offset: 3 nearVector: {vector: \(vectorLiteral(query))} ){_additional{id distance} }}}
                    """)
                assertMatches(paged, Array(truth.dropFirst(3).prefix(5).map(\.d)), truth, "\(metric) offset \(q)")

                // A distance threshold without a limit: everything within it.
                let threshold = truth[20].d
                let within = try await f.get("Item", """
                    {Get{Item(nearVector: {vector: \(vectorLiteral(query)) distance: \(threshold)} ){_additional{id distance} }}}
                    """)
                let truthWithin = truth.filter { $0.d <= threshold + 1e-6 }
                assertMatches(within, truthWithin.map(\.d), truth, "\(metric) threshold \(q)")
            }
        }
    }

    /// Distances equal the brute-force ones (ties may order ids differently, so compare per id).
    private func assertMatches(_ hits: [JSONValue], _ expected: [Double],
                               _ truth: [(id: String, rank: Int, d: Double)], _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(hits.count, expected.count, what, file: file, line: line)
        let byID = Dictionary(uniqueKeysWithValues: truth.map { ($0.id, $0.d) })
        for (hit, want) in zip(hits, expected) {
            let d = hit["_additional"]?["distance"]?.doubleValue ?? .nan
            XCTAssertEqual(d, want, accuracy: 1e-4 * max(1, abs(want)), what, file: file, line: line)
            let id = hit["_additional"]?["id"]?.stringValue ?? ""
            XCTAssertEqual(byID[id] ?? .nan, d, accuracy: 1e-4 * max(1, abs(d)), "\(what) id \(id)", file: file, line: line)
        }
    }

    func testNearObjectByIdAndBeaconIncludesTheSourceObject() async throws {
        let f = try Fixture()
        try await f.createClass("Point")
        try await f.insert("Point", [([:], [1, 0]), ([:], [0.9, 0.1]), ([:], [0, 1])])
        for arg in ["id: \"\(uuid(0))\"", "beacon: \"weaviate://localhost/Point/\(uuid(0))\""] {
            let hits = try await f.get("Point", "{Get{Point(nearObject: {\(arg)} ){_additional{id distance} }}}")
            XCTAssertEqual(hits.compactMap { $0["_additional"]?["id"]?.stringValue }, [uuid(0), uuid(1), uuid(2)])
            XCTAssertEqual(hits[0]["_additional"]?["distance"]?.doubleValue ?? 1, 0, accuracy: 1e-6)
        }
        let missing = try await f.errorMessage("{Get{Point(nearObject: {id: \"\(uuid(77))\"} ){_additional{id} }}}")
        XCTAssertEqual(missing, "explorer: get class: vectorize params: nearObject params: vector not found")
        let empty = try await f.errorMessage("{Get{Point(nearObject: {distance: 0.3} ){_additional{id} }}}")
        XCTAssertEqual(empty, "explorer: get class: vectorize params: nearObject params: empty id and beacon")
    }

    func testLimitRules() async throws {
        let f = try Fixture { $0.queryMaximumResults = 130 }
        try await f.createClass("Many", properties: [("n", "int")])
        var rng = SplitMix(state: 7)
        try await f.insert("Many", (0..<120).map { (["n": .int(Int64($0))], rng.vector(4)) })
        let q = vectorLiteral(rng.vector(4))
        // No limit, no offset: 100 — also without a vector search.
        var hits = try await f.get("Many", "{Get{Many(nearVector: {vector: \(q)} ){n}}}")
        XCTAssertEqual(hits.count, 100)
        hits = try await f.get("Many", "{Get{Many{n}}}")
        XCTAssertEqual(hits.count, 100)
        // Offset without limit: QUERY_DEFAULTS_LIMIT (25).
        hits = try await f.get("Many", "{Get{Many(offset: 2 nearVector: {vector: \(q)} ){n}}}")
        XCTAssertEqual(hits.count, 25)
        hits = try await f.get("Many", "{Get{Many(offset: 2){n}}}")
        XCTAssertEqual(hits.count, 25)
        // A threshold without a limit: search by distance, not capped at 100.
        hits = try await f.get("Many", "{Get{Many(nearVector: {vector: \(q) distance: 2} ){n}}}")
        XCTAssertEqual(hits.count, 120)
        // A threshold with a limit: kNN then post-filter.
        hits = try await f.get("Many", "{Get{Many(limit: 3 nearVector: {vector: \(q) certainty: 0.0} ){n}}}")
        XCTAssertEqual(hits.count, 3)
        // offset + limit over QUERY_MAXIMUM_RESULTS.
        let exceeded = try await f.errorMessage("{Get{Many(limit: 100 offset: 31 nearVector: {vector: \(q)} ){n}}}")
        XCTAssertEqual(exceeded, "query maximum results exceeded")
        let exceededList = try await f.errorMessage("{Get{Many(limit: 100 offset: 31){n}}}")
        XCTAssertEqual(exceededList, "query maximum results exceeded")
    }

    func testCertaintyOnlyForCosineAndConflicts() async throws {
        let f = try Fixture()
        try await f.createClass("L2", metric: "l2-squared")
        try await f.insert("L2", [([:], [1, 2])])
        let m1 = try await f.errorMessage("{Get{L2(nearVector: {vector: [1, 2] certainty: 0.5} ){_additional{id}}}}")
        XCTAssertEqual(m1, "can't use certainty when vector index is configured with l2-squared distance")
        let m2 = try await f.errorMessage("{Get{L2(nearVector: {vector: [1, 2]} ){_additional{certainty}}}}")
        XCTAssertEqual(m2, "can't use certainty when vector index is configured with l2-squared distance")
        let m3 = try await f.errorMessage("{Get{L2(nearVector: {vector: [1, 2] certainty: 0.5 distance: 0.1} ){_additional{id}}}}")
        XCTAssertEqual(m3, "cannot provide distance and certainty")
        let m4 = try await f.errorMessage("{Get{L2(nearVector: {vector: [1, 2]} nearObject: {id: \"\(uuid(0))\"} ){_additional{id}}}}")
        XCTAssertEqual(m4, "explorer: get class: vectorize params: found both 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead")
        // Distance works with l2-squared and is the squared distance.
        let hits = try await f.get("L2", "{Get{L2(nearVector: {vector: [0, 0]} ){_additional{distance}}}}")
        XCTAssertEqual(hits.first?["_additional"]?["distance"]?.doubleValue ?? 0, 5, accuracy: 1e-5)
    }

    func testSortReordersVectorHitsAndPlainLists() async throws {
        let f = try Fixture()
        try await f.createClass("S", properties: [("name", "text"), ("n", "int")])
        try await f.insert("S", [(["name": "b", "n": 2], [1, 0]), (["name": "c", "n": 1], [1, 0.1]), (["name": "a", "n": 3], [0, 1])])
        let sorted = try await f.get("S", "{Get{S(limit: 2 nearVector: {vector: [1, 0]} sort: [{path: [\"name\"] order: desc}] ){name}}}")
        XCTAssertEqual(sorted.compactMap { $0["name"]?.stringValue }, ["c", "b"])
        let plain = try await f.get("S", "{Get{S(sort: [{path: [\"n\"] order: asc}] ){name n}}}")
        XCTAssertEqual(plain.compactMap { $0["n"]?.intValue }, [1, 2, 3])
    }
}
