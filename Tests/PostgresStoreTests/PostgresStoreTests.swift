import Foundation
import XCTest
@testable import PostgresStore

/// PostgresStore against a real PostgreSQL 18 + pgvector 0.8 (`IRIS_TEST_POSTGRES_URL`, which
/// scripts/test.sh starts from tests/pg_server.py). Each test works in a database of its own.
final class PostgresStoreTests: XCTestCase {
    var admin: PostgresStore!
    var store: PostgresStore!
    var runners: [Task<Void, Never>] = []
    var database = ""

    func start(_ url: String) throws -> PostgresStore {
        let s = try PostgresStore(url: url)
        runners.append(Task { await s.run() })
        return s
    }

    override func setUp() async throws {
        guard let url = ProcessInfo.processInfo.environment["IRIS_TEST_POSTGRES_URL"],
              let slash = url.lastIndex(of: "/") else {
            throw XCTSkip("IRIS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL and sets it)")
        }
        database = "store_\(UInt32.random(in: 0...UInt32.max))"
        admin = try start(url)
        let name = database
        _ = try await admin.withConnection { c in try await c.exec("CREATE DATABASE \(name)") }
        store = try start(url[..<slash] + "/" + database)
        try await store.migrate()
    }

    override func tearDown() async throws {
        for r in runners.dropFirst() { r.cancel(); _ = await r.value }
        if let admin, !database.isEmpty {
            let name = database
            _ = try? await admin.withConnection { c in try await c.exec("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
        runners.first?.cancel()
        _ = await runners.first?.value
    }

    func makeShard(_ id: Int64, dimension: Int, distance: PGDistance) async throws {
        try await store.withBlockingTransaction { c in
            try PGShardTables.create(c, shard: id, columns: [PGColumn(name: "p0", type: .integer, indexed: true)])
            try PGShardTables.setVectorType(c, shard: id, dimension: dimension)
        }
        try await store.withBlockingConnection { c in
            try PGVectorIndexes.build(c, shard: id, lane: 0, distance: distance, maxConnections: 16, efConstruction: 64,
                                      maintenanceWorkMem: "64MB")
        }
    }

    static func uuid(_ n: Int) -> String { String(format: "00000000-0000-0000-0000-%012d", n) }

    /// Weaviate's distances, computed here from the vectors.
    static func distance(_ a: [Float], _ b: [Float], _ d: PGDistance) -> Float {
        switch d {
        case .cosine:
            let dot = zip(a, b).map(*).reduce(0, +)
            let na = a.map { $0 * $0 }.reduce(0, +).squareRoot(), nb = b.map { $0 * $0 }.reduce(0, +).squareRoot()
            return 1 - dot / (na * nb)
        case .dot: return -zip(a, b).map(*).reduce(0, +)
        case .l2Squared: return zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        case .manhattan: return zip(a, b).map { abs($0 - $1) }.reduce(0, +)
        }
    }

    func testRowsRoundTripAndUpsertKeepsTheDocID() async throws {
        try await makeShard(1, dimension: 3, distance: .cosine)
        let row = PGObjectRow(uuid: Self.uuid(1), created: 10, updated: 11, properties: #"{"a": 1}"#, vector: [1, 2, 3],
                              additional: nil, columns: ["p0": .integer(7)])
        let doc = try await store.withTransaction { c in try await PGObjectRows.upsert(c, shard: 1, row: row, allColumns: ["p0"]) }
        var changed = row
        changed.updated = 12
        changed.properties = #"{"a": 2}"#
        changed.columns = [:]
        let again = try await store.withTransaction { c in try await PGObjectRows.upsert(c, shard: 1, row: changed, allColumns: ["p0"]) }
        XCTAssertEqual(again, doc)
        let back = try await store.withConnection { c in
            try await PGObjectRows.fetch(c, shard: 1, uuid: Self.uuid(1), withVector: true)
        }
        XCTAssertEqual(back?.docID, doc)
        XCTAssertEqual(back?.updated, 12)
        XCTAssertEqual(back?.created, 10)
        XCTAssertEqual(back?.vector, [1, 2, 3])
        let props = try XCTUnwrap(back?.properties)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(props.utf8)) as? [String: Int], ["a": 2])
        // The typed column follows the properties: absent now, so NULL.
        let nulls = try await store.withConnection { c in
            try await PGObjectRows.fetch(c, shard: 1, condition: "p0 IS NULL", orderBy: nil, limit: nil, offset: nil, withVector: false)
        }
        XCTAssertEqual(nulls.map(\.uuid), [Self.uuid(1)])
        let deleted = try await store.withTransaction { c in try await PGObjectRows.delete(c, shard: 1, uuid: Self.uuid(1)) }
        XCTAssertTrue(deleted)
        let count = try await store.withConnection { c in try await PGObjectRows.count(c, shard: 1) }
        XCTAssertEqual(count, 0)
    }

    /// pgvector's HNSW index with a generous ef finds the exact neighbours of a small set, and the distances
    /// come back in Weaviate's terms for every supported metric.
    func testNearestMatchesBruteForceInWeaviatesDistances() async throws {
        var rng = SystemRandomNumberGenerator()
        let vectors = (0..<300).map { _ in (0..<8).map { _ in Float.random(in: -1...1, using: &rng) } }
        for (k, metric) in PGDistance.allCases.enumerated() {
            let shard = Int64(10 + k)
            try await makeShard(shard, dimension: 8, distance: metric)
            try await store.withTransaction { c in
                for (i, v) in vectors.enumerated() {
                    _ = try await PGObjectRows.upsert(c, shard: shard, row: PGObjectRow(
                        uuid: Self.uuid(i), created: 0, updated: 0, properties: "{}", vector: v,
                        columns: ["p0": .integer(Int64(i % 3))]), allColumns: ["p0"])
                }
            }
            var found = 0, total = 0
            for q in 0..<10 {
                let query = vectors[q * 7]
                let hits = try await PGVectorSearch.nearest(store, shard: shard, vector: query, k: 10, ef: 200, distance: metric)
                let exact = vectors.enumerated().map { ($0.offset, Self.distance(query, $0.element, metric)) }
                    .sorted { $0.1 < $1.1 }.prefix(10)
                found += Set(hits.map(\.uuid)).intersection(exact.map { Self.uuid($0.0) }).count
                total += 10
                for h in hits {
                    let i = Int(h.uuid.suffix(12))!
                    XCTAssertEqual(h.distance, Self.distance(query, vectors[i], metric), accuracy: 1e-4, "\(metric)")
                }
                XCTAssertEqual(hits.map(\.distance), hits.map(\.distance).sorted(), "\(metric)")
            }
            XCTAssertGreaterThanOrEqual(Double(found) / Double(total), 0.95, "recall@10 for \(metric)")

            // A filter in the same statement: only rows with p0 = 1, still the nearest of those.
            let query = vectors[1]
            let filtered = try await PGVectorSearch.nearest(store, shard: shard, vector: query, k: 5, ef: 200, distance: metric,
                                                            condition: "p0 = $1", arguments: [.integer(1)])
            let exact = vectors.enumerated().filter { $0.offset % 3 == 1 }
                .map { ($0.offset, Self.distance(query, $0.element, metric)) }.sorted { $0.1 < $1.1 }.prefix(5)
            XCTAssertEqual(filtered.count, 5, "\(metric)")
            XCTAssertTrue(filtered.allSatisfy { Int($0.uuid.suffix(12))! % 3 == 1 }, "\(metric)")
            XCTAssertGreaterThanOrEqual(Set(filtered.map(\.uuid)).intersection(exact.map { Self.uuid($0.0) }).count, 4, "\(metric)")
        }
    }

    /// Read-modify-writes with `SELECT … FOR UPDATE` on one object from many tasks lose nothing.
    func testConcurrentReadModifyWritesOnOneObjectLoseNothing() async throws {
        try await makeShard(2, dimension: 2, distance: .l2Squared)
        let id = Self.uuid(42)
        _ = try await store.withTransaction { c in
            try await PGObjectRows.upsert(c, shard: 2, row: PGObjectRow(uuid: id, created: 0, updated: 0, properties: #"{"n": 0}"#,
                                                                      vector: nil, columns: ["p0": .integer(0)]), allColumns: ["p0"])
        }
        let store = self.store!
        let tasks = 8, rounds = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    for _ in 0..<rounds {
                        try await store.withTransaction { c in
                            let row = try await PGObjectRows.fetch(c, shard: 2, uuid: id, withVector: false, forUpdate: true)!
                            let n = (try JSONSerialization.jsonObject(with: Data(row.properties.utf8)) as! [String: Int])["n"]!
                            var next = row
                            next.properties = #"{"n": \#(n + 1)}"#
                            next.columns = ["p0": .integer(Int64(n + 1))]
                            _ = try await PGObjectRows.upsert(c, shard: 2, row: next, allColumns: ["p0"])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await store.withConnection { c in try await PGObjectRows.fetch(c, shard: 2, uuid: id, withVector: false) }
        XCTAssertEqual(final?.properties, #"{"n": \#(tasks * rounds)}"#)
    }

    func testDimensionBeyondPgvectorsHNSWLimitIsRefused() async throws {
        do {
            try await store.withBlockingTransaction { c in
                try PGShardTables.create(c, shard: 3, columns: [])
                try PGShardTables.setVectorType(c, shard: 3, dimension: 2001)
            }
            XCTFail("expected a refusal")
        } catch let e as PostgresStoreError {
            XCTAssertEqual(e.description, "vector length 2001 exceeds the 2000 dimensions pgvector's HNSW index takes")
        }
    }

    /// Weaviate's maxConnections and efConstruction that pgvector refuses (efConstruction 100 beside the
    /// default maxConnections 64; maxConnections past 100) still build an index, with pgvector's nearest.
    func testIndexSettingsPgvectorRefusesAreBroughtIntoItsRange() async throws {
        XCTAssertTrue(PGVectorIndexes.pgvectorSettings(maxConnections: 64, efConstruction: 100) == (64, 128))
        XCTAssertTrue(PGVectorIndexes.pgvectorSettings(maxConnections: 2047, efConstruction: 128) == (100, 200))
        XCTAssertTrue(PGVectorIndexes.pgvectorSettings(maxConnections: 16, efConstruction: .max) == (16, 1000))
        XCTAssertTrue(PGVectorIndexes.pgvectorSettings(maxConnections: 64, efConstruction: 128) == (64, 128))
        for (shard, m, efc) in [(Int64(30), 64, 100), (31, 2047, 4), (32, 8, Int.max)] {
            try await store.withBlockingTransaction { c in
                try PGShardTables.create(c, shard: shard, columns: [])
                try PGShardTables.setVectorType(c, shard: shard, dimension: 4)
            }
            let built = try await store.withBlockingConnection { c in
                try PGVectorIndexes.build(c, shard: shard, lane: 0, distance: .cosine, maxConnections: m, efConstruction: efc,
                                          maintenanceWorkMem: "64MB")
            }
            XCTAssertTrue(built, "maxConnections \(m), efConstruction \(efc)")
        }
    }
}
