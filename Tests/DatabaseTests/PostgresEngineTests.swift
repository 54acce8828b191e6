import Foundation
import PostgresStore
import Storage
import VectorIndex
import XCTest
@testable import Database

/// A PostgreSQL database of its own for one test (`IRIS_TEST_POSTGRES_URL`, which scripts/test.sh starts
/// from tests/pg_server.py), migrated; dropped when the test ends.
final class TestPostgres {
    let admin: PostgresStore
    let store: PostgresStore
    let name: String
    private var runners: [Task<Void, Never>] = []

    init() async throws {
        guard let url = ProcessInfo.processInfo.environment["IRIS_TEST_POSTGRES_URL"], let slash = url.lastIndex(of: "/") else {
            throw XCTSkip("IRIS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a PostgreSQL and sets it)")
        }
        name = "engine_\(UInt32.random(in: 0...UInt32.max))"
        admin = try PostgresStore(url: url)
        let admin = admin
        runners.append(Task { await admin.run() })
        let name = name
        try await admin.withBlockingConnection { c in try c.query("CREATE DATABASE \(name)") }
        self.url = url[..<slash] + "/" + name
        store = try PostgresStore(url: self.url)
        let store = store
        runners.append(Task { await store.run() })
        try await store.migrate()
    }

    /// The URL of this test's database.
    let url: String

    func drop() async {
        runners[1].cancel()
        _ = await runners[1].value
        let name = name
        _ = try? await admin.withBlockingConnection { c in try c.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        runners[0].cancel()
        _ = await runners[0].value
    }
}

/// The PostgreSQL `StorageEngine` through the seam's own calls, against a real PostgreSQL 18 + pgvector:
/// rows, tokens, filters in the PostgreSQL dialect, kNN with the dimension fixed by the first vector, and
/// the per-object serial order of concurrent read-modify-writes.
final class PostgresEngineTests: XCTestCase {
    var pg: TestPostgres!
    var engine: PostgresEngine!

    override func setUp() async throws {
        pg = try await TestPostgres()
        engine = PostgresEngine(store: pg.store, logger: .init(label: "test"))
    }

    override func tearDown() async throws {
        await pg?.drop()
        pg = nil
    }

    /// A class row with its tables, as a `ClassState` (its in-process index is unused by this engine).
    func makeClass(_ def: ClassDefinition) async throws -> ClassState {
        let json = try Database.encodeClass(def)
        let columns = ClassState.columns(of: def).values.sorted { $0.ordinal < $1.ordinal }.flatMap(\.storeColumns)
        let id = try await pg.store.withBlockingTransaction { c in
            try PostgresCatalog.createClass(c, name: def.className, definition: json, columns: columns, lanes: def.laneCount)
        }
        return ClassState(id: id, definition: def, dimensions: [], indexes: [try VectorIndexes.make(config: def.hnswConfig())],
                          shardStatus: "READY")
    }

    static func uuid(_ n: Int) -> String { String(format: "e0000000-0000-0000-0000-%012d", n) }

    /// What the write pipeline stores for `props`: the row, typed columns and token rows.
    func put(_ st: ClassState, _ n: Int, _ props: [String: JSONValue], vector: [Float]? = nil, in tx: any ObjectWriter) throws -> UInt64 {
        let row = ObjectRow(uuid: Self.uuid(n), created: Int64(n), updated: Int64(n), properties: JSONValue.object(props).jsonString(),
                            vector: vector.map(VectorCoding.encode), columns: Database.columnValues(props, of: st))
        let existing = try tx.docID(st, uuid: Self.uuid(n))
        let doc = try tx.put(st, row: row, replacing: existing, vectorChanges: [0: vector])
        try tx.setTokens(st, docID: doc, tokens: Database.tokenRows(props, of: st), replacing: existing != nil)
        return doc
    }

    func testRowsTokensAndFiltersThroughTheSeam() async throws {
        let st = try await makeClass(ClassDefinition(className: "Doc", properties: [
            PropertyDefinition(name: "title", dataType: ["text"]),
            PropertyDefinition(name: "n", dataType: ["int"]),
        ]))
        let docs = try await engine.write { tx in
            [try self.put(st, 1, ["title": "Red apple", "n": 1], in: tx),
             try self.put(st, 2, ["title": "Green apple pie", "n": 2], in: tx),
             try self.put(st, 3, ["title": "Red car", "n": 3], in: tx)]
        }
        XCTAssertEqual(Set(docs).count, 3)
        // Overwriting keeps the doc id and replaces the tokens.
        let again = try await engine.write { tx in try self.put(st, 3, ["title": "Blue car", "n": 30], in: tx) }
        XCTAssertEqual(again, docs[2])

        let one = try await engine.read { rows in try rows.object(st, uuid: Self.uuid(2), withVector: false) }
        XCTAssertEqual(one?.docID, docs[1])
        XCTAssertEqual(try JSONValue.parse(Data(one!.properties.utf8)), ["title": "Green apple pie", "n": 2])
        let ordered = try await engine.read { rows in try rows.objects(st, docIDs: [docs[2], 999_999, docs[0]], withVector: false) }
        XCTAssertEqual(ordered.map(\.uuid), [Self.uuid(3), Self.uuid(1)])

        let red = try await engine.read { rows in try rows.postings(st, prop: 0, token: "red") }
        XCTAssertEqual(red.map(\.docID), [docs[0]])
        XCTAssertEqual(red.first?.propertyLength, 2)
        let totals = try await engine.read { rows in try rows.propertyLengthTotals(st, prop: 0) }
        XCTAssertEqual(totals.sum, 2 + 3 + 2)
        XCTAssertEqual(totals.count, 3)

        // A compiled `where` filter in the PostgreSQL dialect, over the typed columns and the token table.
        let db = try TempDatabase()
        func matching(_ f: WhereFilter) async throws -> [String] {
            let c = try FilterCompiler.compile(f, state: st, qualifier: PGShardTables.objects(st.id), in: db.db, dialect: engine.dialect)
            return try await engine.read { rows in try rows.ids(st, where: c, limit: nil).map(\.uuid) }
        }
        let apples = try await matching(WhereFilter(operator: .equal, path: ["title"], valueText: "apple"))
        XCTAssertEqual(apples, [Self.uuid(1), Self.uuid(2)])
        let big = try await matching(WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 2))
        XCTAssertEqual(big, [Self.uuid(3)])
        let like = try await matching(WhereFilter(operator: .like, path: ["title"], valueText: "c?r"))
        XCTAssertEqual(like, [Self.uuid(3)])

        try await engine.write { tx in try tx.delete(st, docID: docs[0]) }
        let left = try await engine.read { rows in try rows.count(st, where: nil) }
        XCTAssertEqual(left, 2)
        let gone = try await engine.read { rows in try rows.postings(st, prop: 0, token: "red") }
        XCTAssertEqual(gone, [])
    }

    func testAThrowingBodyRollsBack() async throws {
        let st = try await makeClass(ClassDefinition(className: "Doc", properties: [PropertyDefinition(name: "n", dataType: ["int"])]))
        do {
            _ = try await engine.write { tx -> Int in
                _ = try self.put(st, 1, ["n": 1], in: tx)
                throw IrisDatabaseError.unprocessable("no")
            }
            XCTFail("the body threw")
        } catch let e as IrisDatabaseError {
            XCTAssertEqual(e.message, "no")
        }
        let n = try await engine.read { rows in try rows.count(st, where: nil) }
        XCTAssertEqual(n, 0)
    }

    /// 40 writers each read the object, add one to its counter and write it back, all at once: with the
    /// object's lock every increment survives (without it, reads of one snapshot would lose most of them).
    func testConcurrentReadModifyWritesOfOneObjectAreSerial() async throws {
        let st = try await makeClass(ClassDefinition(className: "Counter", properties: [PropertyDefinition(name: "n", dataType: ["int"])]))
        _ = try await engine.write { tx in try self.put(st, 1, ["n": 0], in: tx) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    _ = try await self.engine.write { tx in
                        let row = try XCTUnwrap(try tx.object(st, uuid: Self.uuid(1), withVector: false))
                        let n = try JSONValue.parse(Data(row.properties.utf8))["n"]?.intValue ?? -1
                        return try self.put(st, 1, ["n": .int(n + 1)], in: tx)
                    }
                }
            }
            try await group.waitForAll()
        }
        let row = try await engine.read { rows in try rows.object(st, uuid: Self.uuid(1), withVector: false) }
        XCTAssertEqual(try JSONValue.parse(Data(row!.properties.utf8))["n"]?.intValue, 40)
    }

    /// Creates of one id at once: exactly one finds no object (a `POST` that must fail when it exists).
    func testConcurrentCreatesOfOneIdSeeEachOther() async throws {
        let st = try await makeClass(ClassDefinition(className: "Doc", properties: [PropertyDefinition(name: "n", dataType: ["int"])]))
        let firsts = try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in 0..<12 {
                group.addTask {
                    try await self.engine.write { tx in
                        guard try tx.docID(st, uuid: Self.uuid(7)) == nil else { return false }
                        _ = try self.put(st, 7, ["n": .int(Int64(k))], in: tx)
                        return true
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(firsts, 1)
    }

    /// The first vector fixes the dimension, the builder builds the HNSW index; kNN then agrees with brute force in
    /// Weaviate's distance, also restricted to an allow-list and within a maximum distance.
    func testNearestAfterTheFirstVectorFixesTheDimension() async throws {
        let st = try await makeClass(ClassDefinition(className: "Vec", properties: [PropertyDefinition(name: "n", dataType: ["int"])],
                                                     vectorIndexConfig: ["distance": "l2-squared"]))
        var generator = SystemRandomNumberGenerator()
        let vectors = (0..<60).map { _ in (0..<8).map { _ in Float.random(in: -1...1, using: &generator) } }
        let docs = try await engine.write { tx in
            try tx.setDimension(st, 8)
            return try vectors.enumerated().map { try self.put(st, $0.offset, ["n": .int(Int64($0.offset))], vector: $0.element, in: tx) }
        }
        try await engine.indexBuilder.pass([st.id: st.definition], force: true)
        let indexes = try await pg.store.withBlockingConnection { c in
            try c.query("SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%hnsw%'", [.text(PGShardTables.objects(st.id))])
                .map { try $0.decode(String.self) }
        }
        XCTAssertEqual(indexes.count, 1)
        XCTAssertTrue(indexes[0].contains("vector_l2_ops"), indexes[0])

        let q = vectors[5].map { $0 + 0.01 }
        func l2(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        let exact = vectors.indices.sorted { l2(vectors[$0], q) < l2(vectors[$1], q) }
        let hits = try await engine.nearest(st, lane: 0, to: q, k: 5, maxDistance: nil, allowList: nil)
        XCTAssertEqual(hits.map(\.id), exact.prefix(5).map { docs[$0] })
        for h in hits { XCTAssertEqual(h.distance, l2(vectors[docs.firstIndex(of: h.id)!], q), accuracy: 1e-4) }

        let allowed = Set(exact.suffix(10).map { docs[$0] })
        let filtered = try await engine.nearest(st, lane: 0, to: q, k: 3, maxDistance: nil, allowList: AllowList(allowed))
        XCTAssertEqual(filtered.map(\.id), exact.suffix(10).prefix(3).map { docs[$0] })

        // Between the 4th and 5th distances: Swift's and pgvector's float sums may differ in the last bit.
        let radius = (l2(vectors[exact[3]], q) + l2(vectors[exact[4]], q)) / 2
        let within = try await engine.nearest(st, lane: 0, to: q, k: 50, maxDistance: radius, allowList: nil)
        XCTAssertEqual(within.map(\.id), exact.prefix(4).map { docs[$0] })
        let count = try await engine.vectorCount(st, lane: 0)
        XCTAssertEqual(count, 60)

        // Another length later is Weaviate's error (the class row holds the dimension).
        await assertAsyncThrows(.unprocessable, "new node has a vector with length 4. Existing nodes have vectors with length 8") {
            try await self.engine.write { tx in try tx.setDimension(st, 4) }
        }
    }

    func testHammingIsRefused() async throws {
        let st = try await makeClass(ClassDefinition(className: "Ham", vectorIndexConfig: ["distance": "hamming"]))
        await assertAsyncThrows(.unprocessable, "distance hamming is not supported by the PostgreSQL storage engine") {
            try await self.engine.write { tx in try tx.setDimension(st, 4) }
        }
    }
}
