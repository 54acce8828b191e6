import XCTest
import Storage
import VectorIndex
@testable import Database

/// Several named vectors per class: each lane (named vector) has its own table, change-log key and index
/// file, and survives snapshots, crashes and class drops as the single vector does.
final class NamedVectorTests: XCTestCase {
    /// `title` (cosine, 4-d, the class's own vector fields) and `body` (l2-squared, 3-d, lane 1).
    func makeClass(_ t: TempDatabase, _ name: String = "Doc") async throws {
        var def = ClassDefinition(className: name, vectorName: "title")
        def.moreVectors = [NamedVector(name: "body", vectorizer: "none", vectorIndexConfig: ["distance": "l2-squared"])]
        _ = try await t.db.createClass(def)
    }

    func add(_ t: TempDatabase, _ n: Int, className: String = "Doc") async throws -> [String: (title: [Float], body: [Float])] {
        var stored: [String: (title: [Float], body: [Float])] = [:]
        let inputs = (0..<n).map { _ in
            ObjectInput(className: className, namedVectors: ["title": VectorTests.randomVector(4), "body": VectorTests.randomVector(3)])
        }
        for r in try await t.db.batchObjects(inputs) {
            XCTAssertNil(r.error)
            stored[r.object.id] = (r.object.vector!, r.object.moreVectors["body"]!)
        }
        return stored
    }

    /// A synchronous read of the store (async tests would otherwise pick GRDB's async `read`).
    func sql<T>(_ t: TempDatabase, _ body: (GRDB.Database) throws -> T) throws -> T { try t.db.store.pool.read(body) }

    func nearest(_ t: TempDatabase, _ vector: [Float], lane: Int, k: Int = 1) async throws -> [(object: WeaviateObject, distance: Float)] {
        try await t.db.vectorSearch(className: "Doc", query: VectorQuery(parts: [LaneQuery(lane: lane, vector: vector, weight: 1)]), k: k)
    }

    /// Every object is its own nearest neighbour in both lanes, and each lane's index holds exactly them.
    func checkEveryObjectFound(_ t: TempDatabase, _ stored: [String: (title: [Float], body: [Float])], _ label: String) async throws {
        for (lane, pick) in [(0, { (v: (title: [Float], body: [Float])) in v.title }), (1, { v in v.body })] {
            let all = try await nearest(t, pick(stored.first!.value), lane: lane, k: 1000)
            XCTAssertEqual(Set(all.map(\.object.id)), Set(stored.keys), "\(label): lane \(lane)")
            for (id, v) in stored {
                let hit = try await nearest(t, pick(v), lane: lane).first
                XCTAssertEqual(hit?.object.id, id, "\(label): lane \(lane)")
                XCTAssertEqual(hit?.distance ?? 1, 0, accuracy: 1e-5, "\(label): lane \(lane)")
            }
        }
    }

    func testLaneKeysRoundTripForClassesAndTenants() {
        for shard: Int64 in [1, 7, 123_456, -1, -42] {
            for lane in 0..<5 {
                let key = VectorLanes.key(shard: shard, lane: lane)
                XCTAssertEqual(VectorLanes.split(key).shard, shard)
                XCTAssertEqual(VectorLanes.split(key).lane, lane)
                XCTAssertEqual(key == shard, lane == 0)
            }
        }
        XCTAssertEqual(Database.indexFileName(VectorLanes.key(shard: 3, lane: 2)), "class-3-v2.index")
        XCTAssertEqual(Database.indexFileName(VectorLanes.key(shard: -5, lane: 1)), "tenant-5-v1.index")
        XCTAssertEqual(Database.indexFileName(-5), "tenant-5.index")
    }

    func testEachLaneIsReadWrittenAndSearchedInItsOwnMetric() async throws {
        let t = try TempDatabase()
        try await makeClass(t)
        let stored = try await add(t, 40)
        let (id, v) = stored.first!
        let object = try await XCTUnwrapAsync(try await t.db.getObject(className: "Doc", id: id, includeVector: true))
        XCTAssertEqual(object.vectors["title"], v.title)
        XCTAssertEqual(object.vectors["body"], v.body)
        let q: [Float] = [0.5, -1, 2]
        let hits = try await nearest(t, q, lane: 1, k: 40)
        func l2(_ v: [Float]) -> Float {
            var sum: Float = 0
            for (a, b) in zip(v, q) { sum += (a - b) * (a - b) }
            return sum
        }
        let expected: [(id: String, distance: Float)] = stored.map { (id: $0.key, distance: l2($0.value.body)) }
            .sorted { $0.distance < $1.distance }
        XCTAssertEqual(hits.map(\.object.id), expected.map(\.id))
        for (h, e) in zip(hits, expected) { XCTAssertEqual(h.distance, e.distance, accuracy: 1e-4) }
        try await checkEveryObjectFound(t, stored, "fresh")
    }

    func testLanesSurviveSnapshotTruncationAndACrash() async throws {
        let t = try TempDatabase()
        try await makeClass(t)
        var stored = try await add(t, 30)
        let shard = try XCTUnwrap(t.db.state("Doc")).id
        try t.db.persistIndexes()
        let bodyKey = VectorLanes.key(shard: shard, lane: 1)
        XCTAssertEqual(try sql(t) { try ChangeLog.count($0, classID: bodyKey) }, 0, "lane 1's log truncated by its snapshot")
        for (k, v) in try await add(t, 25) { stored[k] = v }
        XCTAssertEqual(try sql(t) { try ChangeLog.count($0, classID: bodyKey) }, 25)
        // A crash: no close, no snapshot; both lanes replay their own change-log entries on open.
        let config = t.db.config
        t.db = nil
        t.db = try Database(config: config)
        try await checkEveryObjectFound(t, stored, "after crash")
        // Lane 1's length is known again from its table: a 4-d body is refused.
        await XCTAssertThrowsDatabaseError(
            try await t.db.createObject(ObjectInput(className: "Doc", namedVectors: ["title": [1, 2, 3, 4], "body": [1, 2, 3, 4]])),
            .unprocessable, "new node has a vector with length 4. Existing nodes have vectors with length 3")
    }

    func testDeleteAndDropRemoveEveryLane() async throws {
        let t = try TempDatabase()
        try await makeClass(t)
        var stored = try await add(t, 10)
        let victim = stored.keys.first!
        try await t.db.deleteObject(className: "Doc", id: victim)
        stored[victim] = nil
        let shard = try XCTUnwrap(t.db.state("Doc")).id
        let bodyRows = try sql(t) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(VectorLanes.tableName(shard: shard, lane: 1))") }
        XCTAssertEqual(bodyRows, 9)
        try await t.db.deleteClass("Doc")
        let tables = try sql(t) { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE name GLOB 'vec_*'") }
        XCTAssertEqual(tables, [])
        let entries = try sql(t) { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM changes") }
        XCTAssertEqual(entries, 0, "every lane's change-log entries go with the class")
        let files = try FileManager.default.contentsOfDirectory(atPath: t.db.indexDirectory).filter { $0.hasPrefix("class-\(shard)") }
        XCTAssertEqual(files, [])
    }

    func testTenantsKeepEachLaneAndItsLengthAcrossARestart() async throws {
        let t = try TempDatabase()
        var def = ClassDefinition(className: "Doc", vectorName: "title", multiTenancyConfig: ["enabled": true])
        def.moreVectors = [NamedVector(name: "body", vectorizer: "none")]
        _ = try await t.db.createClass(def)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "b")])
        let made = try await t.db.createObject(ObjectInput(className: "Doc", namedVectors: ["title": [1, 0, 0, 0], "body": [0, 1, 0]],
                                                           tenant: "a"))
        try t.reopen()
        let hit = try await t.db.vectorSearch(className: "Doc", query: VectorQuery(parts: [LaneQuery(lane: 1, vector: [0, 1, 0], weight: 1)]),
                                              k: 1, tenant: "a").first
        XCTAssertEqual(hit?.object.id, made.id)
        // Lane 1's length comes back from tenant a's table, so tenant b cannot start another one.
        await XCTAssertThrowsDatabaseError(
            try await t.db.createObject(ObjectInput(className: "Doc", namedVectors: ["body": [1, 2]], tenant: "b")),
            .unprocessable, "new node has a vector with length 2. Existing nodes have vectors with length 3")
    }

    /// Two clients PATCH different named vectors of the same objects at once: both land on every object.
    func testConcurrentPatchesOfDifferentLanesBothLand() async throws {
        let t = try TempDatabase()
        try await makeClass(t)
        let ids = Array(try await add(t, 30).keys)
        let db = t.db!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (k, id) in ids.enumerated() {
                group.addTask { try await db.mergeObject(className: "Doc", id: id, ObjectInput(namedVectors: ["title": [Float(k), 1, 0, 0]])) }
                group.addTask { try await db.mergeObject(className: "Doc", id: id, ObjectInput(namedVectors: ["body": [0, Float(k), 1]])) }
            }
            try await group.waitForAll()
        }
        for (k, id) in ids.enumerated() {
            let o = try await XCTUnwrapAsync(try await db.getObject(className: "Doc", id: id, includeVector: true))
            XCTAssertEqual(o.vectors["title"], [Float(k), 1, 0, 0])
            XCTAssertEqual(o.vectors["body"], [0, Float(k), 1])
            let hit = try await nearest(t, [0, Float(k), 1], lane: 1).first
            XCTAssertEqual(hit?.object.id, id, "lane 1's index follows the PATCH")
        }
    }

    func testSeveralVectorsWithoutTargetsAndUnknownNamesAreRefused() async throws {
        let t = try TempDatabase()
        try await makeClass(t)
        _ = try await add(t, 3)
        let doc = try XCTUnwrap(t.db.getClass("Doc"))
        await XCTAssertThrowsDatabaseError(try t.db.targetLanes(nil, doc), .unprocessable,
                                     "class Doc has multiple vectors, but no target vectors were provided")
        await XCTAssertThrowsDatabaseError(try t.db.targetLanes(TargetVectors(names: ["nope"]), doc), .unprocessable,
                                     "class Doc does not have named vector \"nope\" configured. Available named vectors: [\"title\", \"body\"]")
        await XCTAssertThrowsDatabaseError(
            try await t.db.createObject(ObjectInput(className: "Doc", namedVectors: ["nope": [1, 2]])),
            .unprocessable, "class 'Doc' has no named vector 'nope' (its vectors are 'title', 'body')")
    }
}
