import Foundation
import PostgresStore
import VectorIndex
import XCTest
@testable import Database

// Named here, where GRDB (re-exported by Storage) is not imported, for test files that import both.
typealias IrisDatabase = Database
typealias IrisDatabaseError = DatabaseError

/// A whole `Database` on the PostgreSQL engine (`DatabaseConfig.storageURL`), against a real PostgreSQL:
/// the schema, objects, filters, kNN and bm25 through the Database's own API, compared with the embedded
/// engine on the same input where both answer.
final class PostgresDatabaseTests: XCTestCase {
    var pg: TestPostgres!
    var databases: [Database] = []

    override func setUp() async throws { pg = try await TestPostgres() }

    override func tearDown() async throws {
        for d in databases { try? d.close() }
        databases = []
        await pg?.drop()
        pg = nil
    }

    /// A Database on this test's PostgreSQL database (a second call: another node on the same data).
    /// Its vector indexes are built when a test says so (`buildPendingVectorIndexes`), unless it configures
    /// a shorter quiet time.
    func open(_ configure: (inout DatabaseConfig) -> Void = { _ in }) async throws -> Database {
        var c = DatabaseConfig(dataPath: NSTemporaryDirectory() + "iris-pg-unused-" + UUID().uuidString,
                               snapshotIntervalSeconds: nil, storageURL: pg.url)
        c.postgresIndexQuietSeconds = 3600
        configure(&c)
        let db = try await Database.make(config: c)
        databases.append(db)
        return db
    }

    /// The filter corpus of `FilterDialectTests`, every case with its hand-worked answer, through the
    /// PostgreSQL engine end to end (the same filters run on the embedded engine there).
    func testEveryDialectFilterThroughThePostgresEngine() async throws {
        let db = try await open { $0.autoSchemaEnabled = false }
        _ = try await FilterDialectTests.load(into: db)
        for c in FilterDialectTests.cases {
            let got = try await db.findObjects(className: "D", filter: c.filter, limit: 100).map(\.id)
            XCTAssertEqual(got.sorted(), c.matches.map(FilterDialectTests.objectID).sorted(), c.name)
        }
        let n = try await db.count(className: "D", filter: FilterDialectTests.cases[0].filter)
        XCTAssertEqual(n, FilterDialectTests.cases[0].matches.count)
    }

    /// One class's life on both engines, with the same calls and the same expectations: create, write
    /// with vectors, read, patch, nearVector, bm25, delete the object, delete the class.
    func testAClassLifeGivesTheSameAnswersOnBothEngines() async throws {
        let embedded = try TempDatabase()
        let postgres = try await open()
        var answers: [[String]] = []
        for db: Database in [embedded.db!, postgres] {
            var log: [String] = []
            _ = try await db.createClass(ClassDefinition(className: "Pet", properties: [
                PropertyDefinition(name: "name", dataType: ["text"]),
                PropertyDefinition(name: "age", dataType: ["int"]),
            ], vectorIndexConfig: ["distance": "cosine"]))
            let pets: [(String, Int, [Float])] = [("Rex the dog", 3, [1, 0, 0]), ("Tom the cat", 5, [0, 1, 0]),
                                                  ("Old dog Max", 12, [0.9, 0.1, 0]), ("Nemo fish", 1, [0, 0, 1])]
            let results = try await db.batchObjects(pets.enumerated().map { k, p in
                ObjectInput(className: "Pet", id: String(format: "f0000000-0000-0000-0000-%012d", k + 1),
                            properties: ["name": .string(p.0), "age": .int(Int64(p.1))], vector: p.2)
            })
            log.append("batch errors \(results.compactMap(\.error))")
            let rex = try await db.getObject(className: "Pet", id: "f0000000-0000-0000-0000-000000000001", includeVector: true)
            log.append("get \(rex?.properties["name"]?.stringValue ?? "-") \(rex?.vector ?? [])")
            let patched = try await db.mergeObject(className: "Pet", id: "f0000000-0000-0000-0000-000000000001",
                                                   ObjectInput(className: "Pet", properties: ["age": 4]))
            log.append("patch \(patched.properties["age"]?.intValue ?? -1) \(patched.properties["name"]?.stringValue ?? "-")")
            let near = try await db.vectorSearch(className: "Pet", vector: [1, 0.05, 0], k: 3)
            log.append("near " + near.map { "\($0.object.properties["name"]!.stringValue!) \(String(format: "%.4f", $0.distance))" }.joined(separator: ", "))
            // A search whose caller selected no property reads none; sorting still reads them.
            var bare = GetRequest(className: "Pet", limit: 3, near: NearParameters(nearVector: NearVectorParameter(vector: [1, 0.05, 0])),
                                  additional: AdditionalSelection(id: true, distance: true))
            bare.needsProperties = false
            let bareHits = try await db.getQuery(bare)
            log.append("bare " + bareHits.map { "\($0.object.id.suffix(1)) \($0.object.properties.count) \(String(format: "%.4f", $0.distance ?? -1))" }
                .joined(separator: ", "))
            bare.sort = [SortSpec(path: ["age"])]
            log.append("bare sorted " + (try await db.getQuery(bare)).map { $0.object.properties["name"]?.stringValue ?? "-" }
                .joined(separator: ", "))
            let old = try await db.findObjects(className: "Pet", filter: WhereFilter(operator: .greaterThan, path: ["age"], valueInt: 4), limit: 10)
            log.append("old " + old.map { $0.properties["name"]!.stringValue! }.sorted().joined(separator: ", "))
            let bm25 = try await db.keywordSearch(className: "Pet", query: "dog", properties: nil, limit: 10)
            let byDoc = try await db.objects(className: "Pet", docIDs: bm25.map(\.docID), includeVector: false)
            log.append("bm25 " + byDoc.map { $0.properties["name"]!.stringValue! }.joined(separator: ", ")
                       + " " + bm25.map { String(format: "%.4f", $0.score) }.joined(separator: ","))
            try await db.deleteObject(className: "Pet", id: "f0000000-0000-0000-0000-000000000002")
            log.append("count \(try await db.count(className: "Pet"))")
            await assertAsyncThrows(.unprocessable, "new node has a vector with length 2. Existing nodes have vectors with length 3") {
                _ = try await db.createObject(ObjectInput(className: "Pet", properties: ["name": "Bad"], vector: [1, 2]))
            }
            try await db.deleteClass("Pet")
            log.append("classes \(db.schema().map(\.className))")
            answers.append(log)
        }
        XCTAssertEqual(answers[0], answers[1])
        XCTAssertEqual(answers[1][3].hasPrefix("near Rex the dog"), true, answers[1][3])
        // The same hits and distances as `near`, without properties: Rex (1), Max (3), Tom (2).
        let distances = answers[1][3].split(separator: ",").map { $0.split(separator: " ").last! }
        XCTAssertEqual(answers[1][4], "bare 1 0 \(distances[0]), 3 0 \(distances[1]), 2 0 \(distances[2])")
        XCTAssertEqual(answers[1][5], "bare sorted Rex the dog, Tom the cat, Old dog Max")
    }

    /// What one node writes, a second node on the same database reads after the write returned: its
    /// schema on open, and objects at once.
    func testASecondNodeSeesTheSchemaAndObjects() async throws {
        let a = try await open()
        _ = try await a.createClass(ClassDefinition(className: "Note", properties: [PropertyDefinition(name: "text", dataType: ["text"])]))
        _ = try await a.createObject(ObjectInput(className: "Note", id: "a1000000-0000-0000-0000-000000000001",
                                                 properties: ["text": "hello"], vector: [0.1, 0.2]))
        let b = try await open()
        XCTAssertEqual(b.schema().map(\.className), ["Note"])
        let got = try await b.getObject(className: "Note", id: "a1000000-0000-0000-0000-000000000001", includeVector: true)
        XCTAssertEqual(got?.properties["text"], "hello")
        XCTAssertEqual(got?.vector, [0.1, 0.2])
        _ = try await a.createObject(ObjectInput(className: "Note", id: "a1000000-0000-0000-0000-000000000002", properties: ["text": "again"]))
        let n = try await b.count(className: "Note")
        XCTAssertEqual(n, 2)
        let near = try await b.vectorSearch(className: "Note", vector: [0.1, 0.2], k: 5)
        XCTAssertEqual(near.map(\.object.id), ["a1000000-0000-0000-0000-000000000001"])
    }

    /// Waits (up to 10 s) until `condition` holds: another node hears of a schema change by notification.
    func eventually(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("never: \(what)")
    }

    /// Schema changes made through node A reach node B without a restart (`LISTEN iris_schema`): a new
    /// class (then written through B), a new property, tenants, and the class's deletion.
    func testSchemaChangesOnOneNodeReachTheOther() async throws {
        let a = try await open()
        let b = try await open()
        _ = try await a.createClass(ClassDefinition(className: "Live", properties: [PropertyDefinition(name: "a", dataType: ["text"])]))
        try await eventually("B knows class Live") { b.getClass("Live") != nil }
        _ = try await b.createObject(ObjectInput(className: "Live", id: "d1000000-0000-0000-0000-000000000001",
                                                 properties: ["a": "from b"], vector: [1, 0]))
        let seen = try await a.getObject(className: "Live", id: "d1000000-0000-0000-0000-000000000001")
        XCTAssertEqual(seen?.properties["a"], "from b")
        _ = try await a.addProperty(toClass: "Live", PropertyDefinition(name: "n", dataType: ["int"]))
        try await eventually("B knows property n") { b.getClass("Live")?.property(named: "n") != nil }
        // B filters on the new property (an unknown one would be a 422) and writes it.
        let filtered = try await b.findObjects(className: "Live", filter: WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 0), limit: 5)
        XCTAssertEqual(filtered.count, 0)
        _ = try await b.mergeObject(className: "Live", id: "d1000000-0000-0000-0000-000000000001", ObjectInput(className: "Live", properties: ["n": 3]))
        let three = try await a.count(className: "Live", filter: WhereFilter(operator: .equal, path: ["n"], valueInt: 3))
        XCTAssertEqual(three, 1)

        _ = try await a.createClass(ClassDefinition(className: "Mt", multiTenancyConfig: ["enabled": true]))
        try await a.addTenants(toClass: "Mt", [TenantInfo(name: "t1")])
        try await eventually("B knows tenant t1") { (try? b.tenants(ofClass: "Mt").map(\.name)) == ["t1"] }
        _ = try await b.createObject(ObjectInput(className: "Mt", properties: [:], tenant: "t1"))
        let inT1 = try await a.count(className: "Mt", tenant: "t1")
        XCTAssertEqual(inT1, 1)

        try await a.deleteClass("Live")
        try await eventually("B forgot class Live") { b.getClass("Live") == nil }
        XCTAssertEqual(b.schema().map(\.className), ["Mt"])
    }

    /// A request can reach node B right after node A acknowledged a schema change and before B hears of
    /// it. Here B never hears (its listener is stopped), so only the check each API request starts with
    /// (`catchUpWithSharedSchema`) brings the new class, property and deletion.
    func testARequestOnAnotherNodeFindsASchemaChangeBeforeItsNotification() async throws {
        let a = try await open()
        let b = try await open()
        b.schemaFollower?.cancel()
        await b.schemaFollower?.value
        _ = try await a.createClass(ClassDefinition(className: "Late", properties: [PropertyDefinition(name: "a", dataType: ["text"])]))
        XCTAssertNil(b.getClass("Late"), "B has no notification and has not checked yet")
        await b.catchUpWithSharedSchema()
        XCTAssertNotNil(b.getClass("Late"))
        _ = try await b.createObject(ObjectInput(className: "Late", properties: ["a": "from b"], vector: [1, 0]))

        _ = try await a.addProperty(toClass: "Late", PropertyDefinition(name: "n", dataType: ["int"]))
        await b.catchUpWithSharedSchema()
        XCTAssertNotNil(b.getClass("Late")?.property(named: "n"))
        let none = try await b.count(className: "Late", filter: WhereFilter(operator: .greaterThan, path: ["n"], valueInt: 0))
        XCTAssertEqual(none, 0)

        try await a.deleteClass("Late")
        await b.catchUpWithSharedSchema()
        XCTAssertNil(b.getClass("Late"))
        // Nothing changed since: the check reads one row and leaves the schema alone.
        await b.catchUpWithSharedSchema()
        XCTAssertEqual(b.schema().count, 0)
    }

    /// Tenants: each its own tables, a tenant made after the dimension was fixed gets its vector index,
    /// deactivation keeps the rows, deletion drops them.
    func testTenantsKeepTheirObjectsApart() async throws {
        let db = try await open()
        _ = try await db.createClass(ClassDefinition(className: "Shop", properties: [PropertyDefinition(name: "item", dataType: ["text"])],
                                                     multiTenancyConfig: ["enabled": true]))
        try await db.addTenants(toClass: "Shop", [TenantInfo(name: "a"), TenantInfo(name: "b")])
        _ = try await db.createObject(ObjectInput(className: "Shop", properties: ["item": "apple"], vector: [1, 0], tenant: "a"))
        try await db.addTenants(toClass: "Shop", [TenantInfo(name: "c")])
        _ = try await db.createObject(ObjectInput(className: "Shop", properties: ["item": "cherry"], vector: [0, 1], tenant: "c"))
        let inA = try await db.count(className: "Shop", tenant: "a")
        let inB = try await db.count(className: "Shop", tenant: "b")
        XCTAssertEqual([inA, inB], [1, 0])
        let near = try await db.vectorSearch(className: "Shop", vector: [0, 1], k: 5, tenant: "c")
        XCTAssertEqual(near.map { $0.object.properties["item"] }, ["cherry"])
        try await db.updateTenants(ofClass: "Shop", [TenantInfo(name: "a", activityStatus: "COLD")])
        try await db.updateTenants(ofClass: "Shop", [TenantInfo(name: "a", activityStatus: "HOT")])
        let again = try await db.count(className: "Shop", tenant: "a")
        XCTAssertEqual(again, 1)
        try await db.deleteTenants(ofClass: "Shop", names: ["a"])
        let tables = try await pg.store.withBlockingConnection { c in
            try c.query("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'obj_t%'").first!.decode(Int64.self)
        }
        XCTAssertEqual(tables, 2)
        let reopened = try await open()
        XCTAssertEqual(try reopened.tenants(ofClass: "Shop").map(\.name), ["b", "c"])
    }

    /// Six clients PATCH one object at once, each adding a reference: every one is kept (the object's
    /// lock makes the read-modify-writes serial, as the embedded engine's single writer does).
    /// Two named vectors in two pgvector columns, each with its own distance and dimension: each lane's kNN
    /// equals brute force in its metric, a PATCH of one keeps the other, a wrong length is refused per
    /// lane, a tenant made after the dimensions were fixed gets both indexes, and a second node reads it all.
    func testNamedVectorsEachHaveTheirOwnColumnAndIndex() async throws {
        let db = try await open()
        let b = try await open()  // learns the class from the notification
        var def = ClassDefinition(className: "Doc", vectorName: "title")
        def.moreVectors = [NamedVector(name: "body", vectorizer: "none", vectorIndexConfig: ["distance": "l2-squared"])]
        _ = try await db.createClass(def)
        var stored: [String: (title: [Float], body: [Float])] = [:]
        let inputs = (0..<40).map { _ in
            ObjectInput(className: "Doc", namedVectors: ["title": VectorTests.randomVector(4), "body": VectorTests.randomVector(3)])
        }
        for r in try await db.batchObjects(inputs) {
            XCTAssertNil(r.error)
            stored[r.object.id] = (r.object.vector!, r.object.moreVectors["body"]!)
        }
        func check(_ db: Database, _ label: String) async throws {
            let q = (title: VectorTests.randomVector(4), body: VectorTests.randomVector(3))
            for lane in 0...1 {
                let query = lane == 0 ? q.title : q.body
                let hits = try await db.vectorSearch(className: "Doc", query: VectorQuery(parts: [LaneQuery(lane: lane, vector: query, weight: 1)]), k: 5)
                let brute = stored.map { id, v -> (String, Float) in
                    if lane == 0 { return (id, 1 - zip(v.title, query).map(*).reduce(0, +) / (norm(v.title) * norm(query))) }
                    return (id, zip(v.body, query).map { ($0 - $1) * ($0 - $1) }.reduce(0, +))
                }.sorted { $0.1 < $1.1 }.prefix(5)
                XCTAssertEqual(hits.map(\.object.id), brute.map(\.0), "\(label) lane \(lane)")
                for (h, b) in zip(hits, brute) { XCTAssertEqual(h.distance, b.1, accuracy: 1e-4) }
            }
            let one = try await db.getObject(className: "Doc", id: stored.keys.sorted()[0], includeVector: true)
            XCTAssertEqual(one?.moreVectors["body"], stored[stored.keys.sorted()[0]]!.body, label)
        }
        func norm(_ v: [Float]) -> Float { v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        try await check(db, "node A, exact scans")
        try await db.buildPendingVectorIndexes()
        try await check(db, "node A")

        let id = stored.keys.sorted()[1]
        let newBody: [Float] = [9, 9, 9]
        _ = try await db.mergeObject(className: "Doc", id: id, ObjectInput(className: "Doc", namedVectors: ["body": newBody]))
        let patched = try await db.getObject(className: "Doc", id: id, includeVector: true)
        XCTAssertEqual(patched?.vector, stored[id]!.title)
        XCTAssertEqual(patched?.moreVectors["body"], newBody)
        stored[id]!.body = newBody
        do {
            _ = try await db.createObject(ObjectInput(className: "Doc", namedVectors: ["title": [1, 0, 0, 0], "body": [1, 2]]))
            XCTFail("a 2-d body vector was accepted")
        } catch let e as DatabaseError {
            XCTAssertTrue("\(e)".contains("length"), "\(e)")
        }

        try await eventually("B knows class Doc") { b.getClass("Doc") != nil }
        try await check(b, "node B")
        let all = try await b.vectorSearch(className: "Doc", query: VectorQuery(parts: [LaneQuery(lane: 1, vector: newBody, weight: 1)]), k: 100)
        XCTAssertEqual(all.count, 40)
        XCTAssertEqual(all.first?.object.id, id)

        // A tenant made after both dimensions were fixed gets both vector columns, so both HNSW indexes.
        var mt = def
        mt.className = "MtDoc"
        mt.multiTenancyConfig = ["enabled": true]
        _ = try await db.createClass(mt)
        try await db.addTenants(toClass: "MtDoc", [TenantInfo(name: "t1")])
        _ = try await db.createObject(ObjectInput(className: "MtDoc", namedVectors: ["title": [1, 0, 0, 0], "body": [1, 2, 3]], tenant: "t1"))
        try await db.addTenants(toClass: "MtDoc", [TenantInfo(name: "t2")])
        try await db.buildPendingVectorIndexes()
        let indexes = try await pg.store.withBlockingConnection { c in
            try c.query("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%hnsw%' ORDER BY indexname").map { try $0.decode(String.self) }
        }
        // Each shard table of each class (the class's own too) has one index per named vector.
        XCTAssertEqual(indexes, ["obj_1_hnsw", "obj_1_hnsw_1", "obj_2_hnsw", "obj_2_hnsw_1",
                                 "obj_t1_hnsw", "obj_t1_hnsw_1", "obj_t2_hnsw", "obj_t2_hnsw_1"])
    }

    /// Concurrent writers on PostgreSQL's named vectors: many first vectors of a lane at once fix its
    /// column once (the class row lock serialises the ALTER), and two clients PATCHing different named
    /// vectors of the same objects at once both land (the object's lock serialises them).
    func testConcurrentNamedVectorWritesAllLand() async throws {
        let db = try await open()
        var def = ClassDefinition(className: "Pair", vectorName: "a")
        def.moreVectors = [NamedVector(name: "b", vectorizer: "none")]
        _ = try await db.createClass(def)
        let ids = (0..<20).map { String(format: "a2000000-0000-0000-0000-%012d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    _ = try await db.createObject(ObjectInput(className: "Pair", id: id, namedVectors: ["a": [1, 0], "b": [0, 1, 0]]))
                }
            }
            try await group.waitForAll()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                for (name, v) in [("a", [Float](arrayLiteral: 0, 1)), ("b", [Float](arrayLiteral: 1, 0, 0))] {
                    group.addTask {
                        _ = try await db.mergeObject(className: "Pair", id: id, ObjectInput(className: "Pair", namedVectors: [name: v]))
                    }
                }
            }
            try await group.waitForAll()
        }
        for id in ids {
            let o = try await db.getObject(className: "Pair", id: id, includeVector: true)
            XCTAssertEqual(o?.vector, [0, 1], id)
            XCTAssertEqual(o?.moreVectors["b"], [1, 0, 0], id)
        }
    }

    /// A beacon without a class name is resolved by a blocking read (value validation is synchronous).
    /// The read's body once outlived the call on the thread that ran it, which killed the server
    /// ("non-escaping closure has escaped") on a v4 client's `data.update(references=)`.
    func testLegacyBeaconsResolveThroughTheBlockingReadEveryTime() async throws {
        let db = try await open()
        _ = try await db.createClass(ClassDefinition(className: "Target"))
        _ = try await db.createClass(ClassDefinition(className: "Source", properties: [PropertyDefinition(name: "ref", dataType: ["Target"])]))
        let target = "c1000000-0000-0000-0000-000000000001", source = "b1000000-0000-0000-0000-000000000001"
        _ = try await db.createObject(ObjectInput(className: "Target", id: target, properties: [:]))
        _ = try await db.createObject(ObjectInput(className: "Source", id: source, properties: [:]))
        for _ in 0..<200 {
            _ = try await db.mergeObject(className: "Source", id: source, ObjectInput(
                className: "Source", properties: ["ref": [["beacon": .string("weaviate://localhost/\(target)")]]]))
        }
        let got = try await db.getObject(className: "Source", id: source)
        XCTAssertEqual(got?.properties["ref"]?.arrayValue?.first?["beacon"]?.stringValue, "weaviate://localhost/Target/\(target)")
    }

    /// Beacons without a class name need a lookup of their object's class. It was a synchronous read inside
    /// validation, on Swift's cooperative pool: when concurrent writes held every thread of that pool
    /// waiting, the reads (and the writes' own continuations) had none left and the server hung (the v4
    /// client's concurrent reference batches on PostgreSQL). The lookup now runs before validation,
    /// awaited. 16 writers, more than the pool's threads and as many as the connection pool has.
    func testConcurrentLegacyBeaconsDoNotStarveTheCooperativePool() async throws {
        let db = try await open()
        _ = try await db.createClass(ClassDefinition(className: "Target"))
        _ = try await db.createClass(ClassDefinition(className: "Source", properties: [PropertyDefinition(name: "ref", dataType: ["Target"])]))
        let target = "c2000000-0000-0000-0000-000000000001"
        _ = try await db.createObject(ObjectInput(className: "Target", id: target, properties: [:]))
        let sources = (1...16).map { String(format: "b2000000-0000-0000-0000-%012d", $0) }
        for s in sources { _ = try await db.createObject(ObjectInput(className: "Source", id: s, properties: [:])) }
        // A hang would stop every async test after this one, so a plain thread ends the run instead.
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            if finished.wait(timeout: .now() + 120) == .timedOut {
                FileHandle.standardError.write(Data("testConcurrentLegacyBeacons...: no progress in 120 s, the pool starved\n".utf8))
                abort()
            }
        }
        let legacy: JSONValue = [["beacon": .string("weaviate://localhost/\(target)")]]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (k, s) in sources.enumerated() {
                group.addTask {
                    for _ in 0..<10 {
                        // Every path that resolves a class-less beacon: PATCH, PUT-style replace, batches.
                        switch k % 3 {
                        case 0:
                            _ = try await db.mergeObject(className: "Source", id: s, ObjectInput(className: "Source", properties: ["ref": legacy]))
                        case 1:
                            try await db.replaceReferences(className: "Source", id: s, property: "ref",
                                                           [ReferenceInput(beacon: "weaviate://localhost/\(target)")])
                        default:
                            let r = try await db.batchObjects([ObjectInput(className: "Source", id: s, properties: ["ref": legacy])])
                            XCTAssertNil(r[0].error)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        finished.signal()
        for (k, s) in sources.enumerated() {
            let got = try await db.getObject(className: "Source", id: s)
            // A PATCH adds its references to the list (Weaviate's merge); the others set it.
            let beacons = got?.properties["ref"]?.arrayValue?.map { $0["beacon"]?.stringValue } ?? []
            XCTAssertEqual(beacons, Array(repeating: "weaviate://localhost/Target/\(target)", count: k % 3 == 0 ? 10 : 1))
        }
    }

    func testConcurrentReferenceAddsAllLand() async throws {
        let db = try await open()
        _ = try await db.createClass(ClassDefinition(className: "Target"))
        _ = try await db.createClass(ClassDefinition(className: "Source", properties: [PropertyDefinition(name: "refs", dataType: ["Target"])]))
        let source = "b0000000-0000-0000-0000-000000000001"
        _ = try await db.createObject(ObjectInput(className: "Source", id: source, properties: [:]))
        let targets = (1...6).map { String(format: "c0000000-0000-0000-0000-%012d", $0) }
        for t in targets { _ = try await db.createObject(ObjectInput(className: "Target", id: t, properties: [:])) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in targets {
                group.addTask {
                    try await db.addReference(className: "Source", id: source, property: "refs",
                                              ReferenceInput(beacon: "weaviate://localhost/Target/\(t)"))
                }
            }
            try await group.waitForAll()
        }
        let got = try await db.getObject(className: "Source", id: source)
        XCTAssertEqual(got?.properties["refs"]?.arrayValue?.count, 6)
    }

    /// A batch locks and looks up its objects together (`PostgresWriter.willWrite`) and writes no token
    /// deletes for the objects it inserts. Overlapping batches through two nodes, in different orders and
    /// with a uuid twice in one batch, all commit (no deadlock), leave one row per uuid with the last
    /// text its writer gave it, and token rows that match that text (a skipped delete of existing rows
    /// would hit the token table's primary key instead).
    func testOverlappingBatchesThroughTwoNodesLeaveOneRowAndItsTokensPerObject() async throws {
        let a = try await open()
        let b = try await open()
        _ = try await a.createClass(ClassDefinition(className: "Word", properties: [PropertyDefinition(name: "text", dataType: ["text"])]))
        let ids = (0..<60).map { String(format: "d0000000-0000-0000-0000-%012d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (w, node) in [a, b, a, b].enumerated() {
                group.addTask {
                    for round in 0..<5 {
                        var order = ids.shuffled()
                        order.append(order[0])  // one uuid twice: the later item wins
                        let results = try await node.batchObjects(order.enumerated().map { k, id in
                            ObjectInput(className: "Word", id: id, properties: ["text": .string("w\(w) r\(round) k\(k) common")],
                                        vector: [Float(w), Float(round), 1])
                        })
                        for r in results where r.error != nil { XCTFail("\(r.error!)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let n = try await a.count(className: "Word")
        XCTAssertEqual(n, ids.count)
        let common = try await b.keywordSearch(className: "Word", query: "common", properties: nil, limit: 1000)
        XCTAssertEqual(common.count, ids.count)
        for id in ids {
            let o = try await b.getObject(className: "Word", id: id)
            let text = try XCTUnwrap(o?.properties["text"]?.stringValue)
            // Its own text's rare tokens find exactly it.
            let own = text.split(separator: " ").prefix(3).joined(separator: " ")
            let hits = try await a.keywordSearch(className: "Word", query: own, properties: nil, limit: 1000)
            let objects = try await a.objects(className: "Word", docIDs: hits.map(\.docID), includeVector: false)
            XCTAssertTrue(objects.map(\.id).contains(id), "\(id): \(text)")
        }
        let tokenRows = try await pg.store.withBlockingConnection { c in
            try c.query("SELECT count(*) FROM tok_1").first?.decode(Int64.self) ?? 0
        }
        XCTAssertEqual(tokenRows, Int64(ids.count * 4))  // w…, r…, k…, common: one row per distinct token
    }
}
