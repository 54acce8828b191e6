import Foundation
import PostgresStore
import XCTest
@testable import Database

/// The PostgreSQL engine's vector indexes, built once writes pause (`PostgresIndexBuilder`): searches
/// before the build are exact, the shard reports its waiting vectors, writes made during a build are in
/// the index it makes, DDL cancels a build, and a cancelled build is made again.
final class PostgresIndexBuildTests: XCTestCase {
    var pg: TestPostgres!
    var databases: [Database] = []

    override func setUp() async throws { pg = try await TestPostgres() }

    override func tearDown() async throws {
        for d in databases { try? d.close() }
        databases = []
        await pg?.drop()
        pg = nil
    }

    func open(quietSeconds: Int) async throws -> Database {
        var c = DatabaseConfig(dataPath: NSTemporaryDirectory() + "iris-pg-unused-" + UUID().uuidString,
                               snapshotIntervalSeconds: nil, storageURL: pg.url)
        c.postgresIndexQuietSeconds = quietSeconds
        let db = try await Database.make(config: c)
        databases.append(db)
        return db
    }

    /// Valid HNSW indexes and all HNSW indexes (an invalid one is a build in progress or a leftover).
    func hnswIndexes() async throws -> (valid: [String], all: [String]) {
        let rows = try await pg.store.withBlockingConnection { c in
            try c.query("""
                SELECT x.relname, i.indisvalid FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                JOIN pg_am am ON am.oid = x.relam WHERE am.amname = 'hnsw' ORDER BY 1
                """).map { try $0.decode((String, Bool).self) }
        }
        return (rows.filter(\.1).map(\.0), rows.map(\.0))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let dot = zip(a, b).map(*).reduce(0, +)
        return 1 - dot / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
    }

    /// The ids of the `k` stored vectors nearest `q` by brute force.
    static func exact(_ stored: [String: [Float]], _ q: [Float], k: Int) -> [String] {
        stored.map { ($0.key, cosine($0.value, q)) }.sorted { $0.1 < $1.1 }.prefix(k).map(\.0)
    }

    func testTheIndexIsBuiltOnceWritesPauseAndSearchesAreExactUntilThen() async throws {
        let db = try await open(quietSeconds: 3)
        _ = try await db.createClass(ClassDefinition(className: "Bulk", vectorIndexConfig: ["distance": "cosine"]))
        var stored: [String: [Float]] = [:]
        for _ in 0..<3 {
            let results = try await db.batchObjects((0..<100).map { _ in ObjectInput(className: "Bulk", vector: VectorTests.randomVector(16)) })
            for r in results { XCTAssertNil(r.error); stored[r.object.id] = r.object.vector }
        }
        // Written and searchable, not yet indexed: the shard says how many wait.
        let waiting = try await db.shardCounts(ofClass: "Bulk")
        XCTAssertEqual(waiting.map(\.vectorQueue), [300])
        let before = try await hnswIndexes()
        XCTAssertEqual(before.all, [])
        let q = VectorTests.randomVector(16)
        let exactHits = try await db.vectorSearch(className: "Bulk", vector: q, k: 10)
        XCTAssertEqual(exactHits.map(\.object.id), Self.exact(stored, q, k: 10))

        // Three quiet seconds later the builder has made the index.
        var queue = 300
        for _ in 0..<600 where queue > 0 {
            try await Task.sleep(for: .milliseconds(100))
            queue = try await db.shardCounts(ofClass: "Bulk")[0].vectorQueue
        }
        XCTAssertEqual(queue, 0)
        let after = try await hnswIndexes()
        XCTAssertEqual(after.valid, ["obj_1_hnsw"])
        let hits = try await db.vectorSearch(className: "Bulk", vector: q, k: 10)
        XCTAssertEqual(hits.map(\.object.id), Self.exact(stored, q, k: 10))

        // A later write goes into the index with its own transaction.
        let v = VectorTests.randomVector(16)
        let one = try await db.createObject(ObjectInput(className: "Bulk", vector: v))
        let found = try await db.vectorSearch(className: "Bulk", vector: v, k: 1)
        XCTAssertEqual(found.map(\.object.id), [one.id])
        let still = try await db.shardCounts(ofClass: "Bulk")
        XCTAssertEqual(still.map(\.vectorQueue), [0])
    }

    /// Fills the class's table with `n` random rows of `d` dimensions straight in SQL, so a build has
    /// enough work to be caught running.
    func fill(shard: Int64, n: Int, d: Int) async throws {
        let table = PGShardTables.objects(shard)
        try await pg.store.withBlockingConnection { c in
            try c.query("""
                INSERT INTO \(table) (uuid, doc_id, created, updated, props, vector)
                SELECT 'e0000000-0000-0000-0000-' || lpad(g::text, 12, '0'), nextval('iris_doc_ids'), 0, 0, '{}',
                       (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, \(d)) WHERE g > 0)::vector
                FROM generate_series(1, \(n)) g
                """)
        }
    }

    /// Whether a build of `shard`'s table runs now (as `pg_stat_activity` shows it).
    func building(_ shard: Int64) async throws -> Bool {
        let name = "iris hnsw build \(PGShardTables.objects(shard))"
        return try await pg.store.withBlockingConnection { c in
            try c.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", [.text(name)])
                .first?.decode(Int64.self) ?? 0
        } > 0
    }

    func waitForBuild(_ shard: Int64) async throws {
        for _ in 0..<400 {
            if try await building(shard) { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTFail("no build of shard \(shard) seen")
    }

    func testDDLCancelsABuildAndWritesDuringTheNextBuildAreInItsIndex() async throws {
        let a = try await open(quietSeconds: 3600)
        let b = try await open(quietSeconds: 3600)
        _ = try await a.createClass(ClassDefinition(className: "Big", vectorIndexConfig: [
            "distance": "cosine", "maxConnections": 16, "efConstruction": 64,
        ]))
        _ = try await a.createObject(ObjectInput(className: "Big", vector: VectorTests.randomVector(32)))
        try await fill(shard: 1, n: 8000, d: 32)

        // A new property while the index is being built: the build is cancelled, not waited for.
        let cancelled = Task { try await a.buildPendingVectorIndexes() }
        try await waitForBuild(1)
        _ = try await b.addProperty(toClass: "Big", PropertyDefinition(name: "note", dataType: ["text"]))
        do {
            try await cancelled.value
            XCTFail("the build was not cancelled")
        } catch {
            XCTAssertTrue("\(error)".contains("57014"), "\(error)")  // query_canceled
        }
        let left = try await hnswIndexes()
        XCTAssertEqual(left.valid, [])

        // The next build replaces the invalid leftover; objects written through the other node while it
        // runs are in the index it makes.
        let build = Task { try await a.buildPendingVectorIndexes() }
        try await waitForBuild(1)
        var written: [String: [Float]] = [:]
        for _ in 0..<4 {
            let results = try await b.batchObjects((0..<50).map { _ in ObjectInput(className: "Big", vector: VectorTests.randomVector(32)) })
            for r in results { XCTAssertNil(r.error); written[r.object.id] = r.object.vector }
        }
        let stillBuilding = try await building(1)
        XCTAssertTrue(stillBuilding, "the writes were meant to land while the index was being built")
        try await build.value
        let done = try await hnswIndexes()
        XCTAssertEqual(done.all, ["obj_1_hnsw"])
        XCTAssertEqual(done.valid, ["obj_1_hnsw"])
        for (id, v) in written {
            let hit = try await b.vectorSearch(className: "Big", vector: v, k: 1)
            XCTAssertEqual(hit.first?.object.id, id)
        }
        let queue = try await a.shardCounts(ofClass: "Big")
        XCTAssertEqual(queue.map(\.vectorQueue), [0])
    }

    /// Two nodes building at once make one index: the other finds it taken and leaves it.
    func testTwoNodesBuildingAtOnceMakeOneIndex() async throws {
        let a = try await open(quietSeconds: 3600)
        let b = try await open(quietSeconds: 3600)
        var def = ClassDefinition(className: "Pair", vectorName: "one")
        def.moreVectors = [NamedVector(name: "two", vectorizer: "none", vectorIndexConfig: ["distance": "l2-squared"])]
        _ = try await a.createClass(def)
        for r in try await a.batchObjects((0..<200).map { _ in
            ObjectInput(className: "Pair", namedVectors: ["one": VectorTests.randomVector(8), "two": VectorTests.randomVector(4)])
        }) { XCTAssertNil(r.error) }
        try await eventually { b.getClass("Pair") != nil }
        async let x: Void = a.buildPendingVectorIndexes()
        async let y: Void = b.buildPendingVectorIndexes()
        _ = try await (x, y)
        let indexes = try await hnswIndexes()
        XCTAssertEqual(indexes.all, ["obj_1_hnsw", "obj_1_hnsw_1"])
        XCTAssertEqual(indexes.valid, indexes.all)
        let definition = try await pg.store.withBlockingConnection { c in
            try c.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'obj_1_hnsw_1'").first?.decode(String.self) ?? ""
        }
        XCTAssertTrue(definition.contains("vector_l2_ops"), definition)
    }

    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertTrue(condition())
    }
}
