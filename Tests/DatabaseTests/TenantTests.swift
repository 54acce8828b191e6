import XCTest
import Storage
import VectorIndex
@testable import Database

/// Multi-tenancy: tenants are created, listed, (de)activated and deleted; each tenant's objects and
/// vector index are its own; requests are checked against the class's multi-tenancy as Weaviate does;
/// tenant data survives a restart; concurrent tenant changes and imports lose no acknowledged write.
final class TenantTests: XCTestCase {
    let mt = ClassDefinition(className: "Doc", properties: [PropertyDefinition(name: "title", dataType: ["text"]),
                                                            PropertyDefinition(name: "n", dataType: ["int"])],
                             vectorIndexConfig: ["distance": "l2-squared"],
                             multiTenancyConfig: ["enabled": true])

    func objects(_ tenant: String, count: Int, dim: Int = 4, seed: Int = 0) -> [ObjectInput] {
        (0..<count).map { i in
            ObjectInput(className: "Doc", properties: ["title": .string("\(tenant) doc \(i)"), "n": .int(Int64(seed + i))],
                        vector: VectorTests.randomVector(dim), tenant: tenant)
        }
    }

    func testTenantLifecycleAndValidation() async throws {
        let t = try TempDatabase()
        let created = try await t.db.createClass(mt)
        XCTAssertEqual(created.multiTenancyConfig, ["enabled": true, "autoTenantCreation": false, "autoTenantActivation": false])
        let added = try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "b", activityStatus: "COLD"),
                                                              TenantInfo(name: "c", activityStatus: "ACTIVE")])
        XCTAssertEqual(added.map(\.activityStatus), ["HOT", "COLD", "HOT"])
        XCTAssertEqual(try t.db.tenants(ofClass: "Doc"), [TenantInfo(name: "a", activityStatus: "HOT"),
                                                          TenantInfo(name: "b", activityStatus: "COLD"),
                                                          TenantInfo(name: "c", activityStatus: "HOT")])
        // Adding an existing tenant leaves it as it is.
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "b", activityStatus: "HOT")])
        XCTAssertEqual(try t.db.tenant(ofClass: "Doc", named: "b")?.activityStatus, "COLD")
        XCTAssertNil(try t.db.tenant(ofClass: "Doc", named: "zz"))

        await XCTAssertThrowsDatabaseError(try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "bad name")]), .unprocessable,
            "tenant name at index 0: tenant name should only contain alphanumeric characters (a-z, A-Z, 0-9), underscore (_), and hyphen (-), with a length between 1 and 64 characters")
        await XCTAssertThrowsDatabaseError(try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "x"), TenantInfo(name: "")]),
                                           .unprocessable, "tenant name at index 1: empty tenant name")
        await XCTAssertThrowsDatabaseError(try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "x"), TenantInfo(name: "x")]),
                                           .unprocessable, "tenant name x existed multiple times")
        await XCTAssertThrowsDatabaseError(try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "x", activityStatus: "WARM")]),
                                           .unprocessable, "invalid activity status 'WARM' for tenant \"x\"")
        await XCTAssertThrowsDatabaseError(try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "a", activityStatus: "FROZEN")]),
                                           .unprocessable, "can't offload tenants, because offload-s3 module is not enabled")
        await XCTAssertThrowsDatabaseError(try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "nope", activityStatus: "HOT")]),
                                           .unprocessable, "tenant not found: \"nope\"")
        _ = try await t.db.createClass(ClassDefinition(className: "Plain"))
        await XCTAssertThrowsDatabaseError(try t.db.tenants(ofClass: "Plain"), .unprocessable, "multi-tenancy is not enabled for class \"Plain\"")
        await XCTAssertThrowsDatabaseError(try t.db.tenants(ofClass: "Missing"), .unprocessable, "class \"Missing\": not found")
        XCTAssertEqual(try t.db.tenants(ofClass: "Doc").count, 3, "a failed request adds nothing")

        try await t.db.deleteTenants(ofClass: "Doc", names: ["c", "never-existed"])
        XCTAssertEqual(try t.db.tenants(ofClass: "Doc").map(\.name), ["a", "b"])
    }

    func testObjectsAndIndexesArePerTenant() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(mt)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "b")])
        let a = objects("a", count: 60), b = objects("b", count: 40, seed: 1000)
        let results = try await t.db.batchObjects(a + b)
        XCTAssertTrue(results.allSatisfy { $0.error == nil }, "\(results.compactMap(\.error))")
        XCTAssertEqual(results[0].object.tenant, "a")
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "a"), 60)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "b"), 40)

        // An id lives per tenant: the same id in two tenants is two objects.
        let id = results[0].object.id
        _ = try await t.db.batchObjects([ObjectInput(className: "Doc", id: id, properties: ["title": "in b"], vector: [0, 0, 0, 0], tenant: "b")])
        await XCTAssertEqualAsync(try await t.db.getObject(className: "Doc", id: id, tenant: "a")?.properties["title"], .string("a doc 0"))
        await XCTAssertEqualAsync(try await t.db.getObject(className: "Doc", id: id, tenant: "b")?.properties["title"], .string("in b"))

        // nearVector in one tenant equals brute force over that tenant's vectors only.
        let query = VectorTests.randomVector(4)
        for (tenant, inputs) in [("a", a), ("b", b + [ObjectInput(className: "Doc", id: id, vector: [0, 0, 0, 0])])] {
            var request = GetRequest(className: "Doc", limit: 5, near: NearParameters(nearVector: NearVectorParameter(vector: query)))
            request.tenant = tenant
            let hits = try await t.db.getQuery(request)
            let expected = inputs.map { o in zip(o.vector!, query).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.sorted().prefix(5)
            XCTAssertEqual(hits.count, 5)
            for (h, e) in zip(hits, expected) { XCTAssertEqual(h.distance!, e, accuracy: 1e-4) }
            XCTAssertTrue(hits.allSatisfy { $0.object.tenant == tenant })
        }
        // Filters and bm25 see only the tenant's objects.
        var filtered = GetRequest(className: "Doc", filter: WhereFilter(operator: .greaterThanEqual, path: ["n"], valueInt: 30), limit: 1000)
        filtered.tenant = "a"
        await XCTAssertEqualAsync(try await t.db.getQuery(filtered).count, 30)
        var bm25 = GetRequest(className: "Doc", limit: 100, bm25: BM25Parameter(query: "doc"))
        bm25.tenant = "b"
        let bm25Hits = try await t.db.getQuery(bm25)
        XCTAssertEqual(bm25Hits.count, 40, "tenant b's own 40 objects; the 41st has no \"doc\"")
        XCTAssertTrue(bm25Hits.allSatisfy { ($0.object.properties["title"]?.stringValue ?? "").hasPrefix("b doc") })

        // Batch delete in one tenant leaves the other untouched.
        let deleted = try await t.db.batchDelete(className: "Doc", filter: WhereFilter(operator: .lessThan, path: ["n"], valueInt: 10),
                                                 dryRun: false, verbose: false, tenant: "a")
        XCTAssertEqual(deleted.successful, 10)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "a"), 50)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "b"), 41)

        // Deleting a tenant drops its objects, tables and index file; a new tenant of the same name is empty.
        let shardID = try XCTUnwrap(t.db.state("Doc")?.tenantEntry("a")?.shardID)
        try t.db.persistIndexes()
        XCTAssertTrue(FileManager.default.fileExists(atPath: t.db.snapshotPath(classID: shardID)))
        try await t.db.deleteTenants(ofClass: "Doc", names: ["a"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: t.db.snapshotPath(classID: shardID)))
        let tableLeft = try await t.db.store.pool.read { db in try db.tableExists(ObjectTables.tableName(shardID)) }
        XCTAssertFalse(tableLeft)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a")])
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "a"), 0)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "b"), 41)
    }

    func testRequestsAreCheckedAgainstMultiTenancy() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(mt)
        _ = try await t.db.createClass(ClassDefinition(className: "Plain"))
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "cold", activityStatus: "COLD")])
        let noTenant = "class Doc has multi-tenancy enabled, but request was without tenant"
        await XCTAssertThrowsDatabaseError(try await t.db.createObject(ObjectInput(className: "Doc", properties: [:])), .unprocessable, noTenant)
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "Doc"), .unprocessable, noTenant)
        await XCTAssertThrowsDatabaseError(try await t.db.getQuery(GetRequest(className: "Doc")), .unprocessable, noTenant)
        await XCTAssertThrowsDatabaseError(try await t.db.createObject(ObjectInput(className: "Plain", properties: [:], tenant: "a")),
                                           .unprocessable, "class Plain has multi-tenancy disabled, but request was with tenant")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "Doc", tenant: "zz"), .unprocessable, "tenant not found: \"zz\"")
        await XCTAssertThrowsDatabaseError(try await t.db.count(className: "Doc", tenant: "cold"), .unprocessable, "tenant not active: 'cold'")
        let batch = try await t.db.batchObjects([ObjectInput(className: "Doc", properties: [:]),
                                                 ObjectInput(className: "Doc", properties: [:], tenant: "a"),
                                                 ObjectInput(className: "Doc", properties: [:], tenant: "cold")])
        XCTAssertEqual(batch.map(\.error), [noTenant, nil, "tenant not active: 'cold'"])
    }

    func testAutoTenantCreationAndActivation() async throws {
        let t = try TempDatabase()
        var def = mt
        def.multiTenancyConfig = ["enabled": true, "autoTenantCreation": true, "autoTenantActivation": true]
        _ = try await t.db.createClass(def)
        _ = try await t.db.batchObjects(objects("new1", count: 3))
        XCTAssertEqual(try t.db.tenant(ofClass: "Doc", named: "new1")?.activityStatus, "HOT")
        try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "new1", activityStatus: "INACTIVE")])
        XCTAssertEqual(try t.db.tenant(ofClass: "Doc", named: "new1")?.activityStatus, "COLD")
        // A read activates it again.
        let listed = try await t.db.listObjects(ListObjectsQuery(className: "Doc", limit: 100, tenant: "new1"))
        XCTAssertEqual(listed.count, 3)
        XCTAssertEqual(try t.db.tenant(ofClass: "Doc", named: "new1")?.activityStatus, "HOT")
    }

    func testTenantsSurviveRestartAndDeactivation() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(mt)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "b")])
        _ = try await t.db.batchObjects(objects("a", count: 30) + objects("b", count: 20))
        // b goes COLD with a snapshot, then takes no writes; a has un-snapshotted writes at the restart.
        try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "b", activityStatus: "COLD")])
        XCTAssertNil(t.db.state("Doc")?.tenantEntry("b")?.shard)
        _ = try await t.db.batchObjects(objects("a", count: 5, seed: 500))
        let config = t.db.config
        // A crash (no close): on open a's index is rebuilt from the store (it has no snapshot yet).
        t.db = nil
        t.db = try Database(config: config)
        XCTAssertEqual(try t.db.tenants(ofClass: "Doc"), [TenantInfo(name: "a", activityStatus: "HOT"), TenantInfo(name: "b", activityStatus: "COLD")])
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "a"), 35)
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("a")?.shard?.index.count, 35)
        try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "b", activityStatus: "HOT")])
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("b")?.shard?.index.count, 20)
        try t.reopen()
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("b")?.shard?.index.count, 20)
        XCTAssertEqual(Database.inspect(config: t.db.config, logger: .init(label: "test")).problems, [])
        // Deleting the class removes its tenants' tables and files.
        let ids = try XCTUnwrap(t.db.state("Doc")).tenants.values.map(\.shardID)
        try await t.db.deleteClass("Doc")
        for id in ids { XCTAssertFalse(FileManager.default.fileExists(atPath: t.db.snapshotPath(classID: id))) }
        let left = try await t.db.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tenants") }
        XCTAssertEqual(left, 0)
    }

    /// `iris store recover` keeps tenants: their rows and objects are copied, and the indexes and token
    /// tables (which recover does not copy) are rebuilt, also for a tenant that is COLD at the time.
    func testRecoverKeepsTenants() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(mt)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "a"), TenantInfo(name: "b")])
        _ = try await t.db.batchObjects(objects("a", count: 12) + objects("b", count: 7))
        try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "b", activityStatus: "COLD")])
        let config = t.db.config
        try t.db.close()
        t.db = nil
        let report = try Database.recover(config: config, logger: .init(label: "test"))
        XCTAssertEqual(report.tables.first { $0.table == "tenants" }?.rowsCopied, 2)
        t.db = try Database(config: config)
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("a")?.shard?.index.count, 12)
        try await t.db.updateTenants(ofClass: "Doc", [TenantInfo(name: "b", activityStatus: "HOT")])
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("b")?.shard?.index.count, 7)
        var bm25 = GetRequest(className: "Doc", limit: 100, bm25: BM25Parameter(query: "doc"))
        bm25.tenant = "b"
        await XCTAssertEqualAsync(try await t.db.getQuery(bm25).count, 7)
    }

    /// Tenants are created, deactivated and deleted while other clients import into them and into a
    /// tenant nobody touches: every acknowledged write to the untouched tenant is there, writes to a
    /// tenant that went away fail with Weaviate's error (never a storage error), and a restart finds
    /// store and indexes agreeing.
    func testTenantChangesDuringImportsLoseNoAcknowledgedWrite() async throws {
        let t = try TempDatabase()
        _ = try await t.db.createClass(mt)
        try await t.db.addTenants(toClass: "Doc", [TenantInfo(name: "steady"), TenantInfo(name: "churn")])
        let db = t.db!
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<3 {
                group.addTask {
                    var ids: [String] = []
                    for round in 0..<15 {
                        let steady = self.objects("steady", count: 10, seed: worker * 1000 + round * 10)
                        let churn = self.objects("churn", count: 10)
                        let results = try await db.batchObjects(steady + churn)
                        for r in results.prefix(10) {
                            XCTAssertNil(r.error)
                            if r.error == nil { ids.append(r.object.id) }
                        }
                        for r in results.suffix(10) {
                            if let e = r.error {
                                XCTAssertTrue(e == "tenant not found: \"churn\"" || e == "tenant not active: 'churn'", e)
                            }
                        }
                    }
                    return ids
                }
            }
            group.addTask {
                for _ in 0..<10 {
                    try await db.updateTenants(ofClass: "Doc", [TenantInfo(name: "churn", activityStatus: "COLD")])
                    try await db.updateTenants(ofClass: "Doc", [TenantInfo(name: "churn", activityStatus: "HOT")])
                    try await db.deleteTenants(ofClass: "Doc", names: ["churn"])
                    try await db.addTenants(toClass: "Doc", [TenantInfo(name: "churn")])
                }
                return []
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        XCTAssertEqual(acknowledged.count, 450)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "steady"), 450)
        for id in acknowledged.shuffled().prefix(50) {
            await XCTAssertNotNilAsync(try await t.db.getObject(className: "Doc", id: id, tenant: "steady"))
        }
        let churnCount = try await t.db.count(className: "Doc", tenant: "churn")
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("churn")?.shard?.index.count, churnCount)
        try t.reopen()
        XCTAssertEqual(Database.inspect(config: t.db.config, logger: .init(label: "test")).problems, [])
        XCTAssertEqual(t.db.state("Doc")?.tenantEntry("steady")?.shard?.index.count, 450)
        await XCTAssertEqualAsync(try await t.db.count(className: "Doc", tenant: "churn"), churnCount)
    }
}
