import Foundation
import Storage
import VectorIndex

/// One tenant as the APIs show it: its name and activity status (`HOT` or `COLD`, the values Weaviate
/// 1.27 stores and reports; ACTIVE/INACTIVE are accepted as input for them).
public struct TenantInfo: Sendable, Equatable {
    public var name: String
    public var activityStatus: String
    public init(name: String, activityStatus: String = "") { self.name = name; self.activityStatus = activityStatus }
}

// Multi-tenancy as Weaviate 1.27 has it: a class with `multiTenancyConfig.enabled` keeps every object in
// one of its tenants, and each tenant is its own shard. Here a shard is a `ClassState` view
// (`ClassState(tenantOf:)`) with its own tables (`obj_t<id>`, …), change-log key (`-id`) and vector index
// file (`tenant-<id>.index`), so every object read, write and search runs on it unchanged, and the
// change log, snapshots and start-up checks hold for tenants as they do for classes.
//
// Tenants are created, (de)activated and deleted in the store's writer, like every schema change, so
// a write that resolved a tenant's shard earlier is checked again in the writer (`isLive`) and fails
// cleanly if the tenant went away or was deactivated meanwhile; it never reaches a dropped table.
extension Database {
    /// Weaviate's tenant name rule: 1–64 of `A-Z a-z 0-9 _ -`.
    static func isValidTenantName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
    }

    /// Maps an input activity status to the stored one (`HOT`/`COLD`); "" is HOT when `allowEmpty`.
    static func storedStatus(_ status: String, tenant: String, allowEmpty: Bool) throws -> String {
        switch status {
        case "HOT", "ACTIVE": return "HOT"
        case "COLD", "INACTIVE": return "COLD"
        case "FROZEN", "OFFLOADED":
            throw DatabaseError.unprocessable("can't offload tenants, because offload-s3 module is not enabled")
        case "" where allowEmpty: return "HOT"
        default:
            throw DatabaseError.unprocessable("invalid activity status '\(status)' for tenant \"\(tenant)\"")
        }
    }

    /// Validates names (format, duplicates) as Weaviate does before any tenant operation.
    static func validateTenantNames(_ names: [String]) throws {
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            guard isValidTenantName(name) else {
                let why = name.isEmpty ? "empty tenant name"
                    : "tenant name should only contain alphanumeric characters (a-z, A-Z, 0-9), underscore (_), and hyphen (-), with a length between 1 and 64 characters"
                throw DatabaseError.unprocessable("tenant name at index \(i): \(why)")
            }
            guard seen.insert(name).inserted else {
                throw DatabaseError.unprocessable("tenant name \(name) existed multiple times")
            }
        }
    }

    /// The class of a tenant operation: it must exist and be multi-tenant (422 otherwise, as Weaviate).
    func multiTenantClass(_ name: String) throws -> ClassState {
        guard let st = state(name) else { throw DatabaseError.unprocessable("class \"\(name)\": not found") }
        guard st.definition.multiTenancyEnabled else {
            throw DatabaseError.unprocessable("multi-tenancy is not enabled for class \"\(name)\"")
        }
        return st
    }

    /// The tenants of a class, by name (`GET /v1/schema/{class}/tenants`, gRPC TenantsGet).
    public func tenants(ofClass name: String) throws -> [TenantInfo] {
        let st = try multiTenantClass(name)
        return st.tenants.values.map { TenantInfo(name: $0.name, activityStatus: $0.status) }.sorted { $0.name < $1.name }
    }

    /// One tenant, or nil (`GET|HEAD /v1/schema/{class}/tenants/{name}`).
    public func tenant(ofClass name: String, named tenant: String) throws -> TenantInfo? {
        try multiTenantClass(name).tenantEntry(tenant).map { TenantInfo(name: $0.name, activityStatus: $0.status) }
    }

    /// Adds tenants (`POST /v1/schema/{class}/tenants`): each gets its own tables and, if HOT, its own
    /// empty vector index. Tenants that exist already are left as they are. Returns the request's tenants
    /// with their stored status. Names and statuses are all checked first; the tenants are then made in
    /// transactions of `tenantsPerTransaction` (a tenant's new tables hold PostgreSQL locks until the end
    /// of theirs, and 1,001 tenants in one exhausted its lock table). A storage failure keeps the
    /// transactions before it; repeating the request makes the rest.
    @discardableResult
    public func addTenants(toClass name: String, _ input: [TenantInfo]) async throws -> [TenantInfo] {
        try Database.validateTenantNames(input.map(\.name))
        let wanted = try input.map { TenantInfo(name: $0.name, activityStatus: try Database.storedStatus($0.activityStatus, tenant: $0.name, allowEmpty: true)) }
        _ = try multiTenantClass(name)
        for chunk in wanted.chunks(of: Self.tenantsPerTransaction) {
            try await makeTenants(ofClass: name, Array(chunk))
        }
        let st = try multiTenantClass(name)
        return wanted.map { TenantInfo(name: $0.name, activityStatus: st.tenantEntry($0.name)?.status ?? $0.activityStatus) }
    }

    /// Tenants made or removed per schema transaction (see `addTenants`).
    static let tenantsPerTransaction = 100

    private func makeTenants(ofClass name: String, _ wanted: [TenantInfo]) async throws {
        try await schemaWrite { tx in
            let st = try self.multiTenantClass(name)
            let fresh = wanted.filter { st.tenantEntry($0.name) == nil }
            var made: [TenantEntry] = []
            try tx.atomically {
                made = []
                let columns = st.columns.values.flatMap(\.storeColumns)
                for t in fresh {
                    let id = try tx.insertTenant(classID: st.id, name: t.name, status: t.activityStatus, columns: columns, of: st)
                    var entry = TenantEntry(id: id, name: t.name, status: t.activityStatus, shard: nil)
                    if entry.status == "HOT" {
                        let indexes = try tx.newIndexes(shardID: entry.shardID, definition: st.definition)
                        entry.shard = ClassState(tenantOf: st, name: entry.name, shardID: entry.shardID, indexes: indexes)
                    } else {
                        // Files of an earlier store with the same tenant id must not pass for this one's.
                        tx.dropIndexes(shardIDs: [entry.shardID], lanes: st.definition.laneCount)
                    }
                    made.append(entry)
                }
            }
            for entry in made { st.setTenant(entry, named: entry.name) }
        }
    }

    /// Sets tenants' activity status (`PUT /v1/schema/{class}/tenants`). Deactivating (COLD) persists the
    /// tenant's vector index, truncates its change log and unloads it; activating (HOT) opens it again
    /// with the same checks as at start-up. 422 for an unknown tenant or more than 100 tenants.
    @discardableResult
    public func updateTenants(ofClass name: String, _ input: [TenantInfo]) async throws -> [TenantInfo] {
        if input.count > 100 {
            throw DatabaseError.unprocessable("maximum number of tenants allowed to be updated simultaneously is 100. Please reduce the number of tenants in your request and try again")
        }
        try Database.validateTenantNames(input.map(\.name))
        let wanted = try input.map { TenantInfo(name: $0.name, activityStatus: try Database.storedStatus($0.activityStatus, tenant: $0.name, allowEmpty: false)) }
        _ = try multiTenantClass(name)
        return try await schemaWrite { tx in
            let st = try self.multiTenantClass(name)
            for t in wanted where st.tenantEntry(t.name) == nil {
                throw DatabaseError.unprocessable("tenant not found: \"\(t.name)\"")
            }
            for t in wanted { try self.setTenantStatus(st, t.name, t.activityStatus, tx) }
            return wanted
        }
    }

    /// Moves one tenant to `status`, in the schema transaction `tx`.
    func setTenantStatus(_ st: ClassState, _ tenant: String, _ status: String, _ tx: any SchemaWriter) throws {
        guard var entry = st.tenantEntry(tenant), entry.status != status else { return }
        if status == "COLD", let shard = entry.shard {
            try tx.retireIndexes(shard)
            try tx.setTenantStatus(tenantID: entry.id, status: "COLD")
            entry.status = "COLD"
            entry.shard = nil
        } else if status == "HOT" {
            let indexes = try tx.openIndexes(shardID: entry.shardID, definition: st.definition)
            try tx.setTenantStatus(tenantID: entry.id, status: "HOT")
            entry.status = "HOT"
            entry.shard = ClassState(tenantOf: st, name: entry.name, shardID: entry.shardID, indexes: indexes)
        }
        st.setTenant(entry, named: tenant)
    }

    /// Deletes tenants with their objects, change log and vector index (`DELETE /v1/schema/{class}/tenants`).
    /// Unknown names are ignored, as in Weaviate.
    public func deleteTenants(ofClass name: String, names: [String]) async throws {
        for (i, n) in names.enumerated() where n.isEmpty {
            throw DatabaseError.unprocessable("empty tenant name at index \(i)")
        }
        _ = try multiTenantClass(name)
        try await removeTenants(names, ofClass: name)
    }

    /// Removes tenants (rows, tables, indexes), `tenantsPerTransaction` per schema transaction: dropping a
    /// tenant's tables locks them until the end of the transaction, as making them does.
    func removeTenants(_ names: [String], ofClass name: String) async throws {
        for chunk in names.chunks(of: Self.tenantsPerTransaction) {
            try await schemaWrite { tx in
                let st = try self.multiTenantClass(name)
                let gone = chunk.compactMap { st.tenantEntry($0) }
                try tx.atomically {
                    for e in gone { try tx.deleteTenant(tenantID: e.id) }
                }
                for e in gone { st.setTenant(nil, named: e.name) }
                tx.dropIndexes(shardIDs: gone.map(\.shardID), lanes: st.definition.laneCount)
            }
        }
    }

    /// The tenant ids of a class, from the store.
    private func tenantRows(of st: ClassState) throws -> [Row] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, status FROM tenants WHERE class_id = ? ORDER BY id", arguments: [st.id])
        }
    }

    /// At open, before `loadTenants`: the derived tables of every tenant (the partial vector index, the
    /// token tables) exist and are filled, as for classes.
    func prepareTenantTables(of st: ClassState) throws {
        for r in try tenantRows(of: st) {
            let shardID = -(r[0] as Int64)
            try store.pool.write { db in
                try ObjectTables.createVectorIndex(db, classID: shardID)
                try VectorLanes.create(db, shard: shardID, lanes: st.definition.laneCount)
            }
            try backfillTokens(st, shardID: shardID)
        }
    }

    /// Loads a class's tenants at open: HOT tenants open their vector index with the start-up checks.
    func loadTenants(of st: ClassState) throws {
        for r in try tenantRows(of: st) {
            var entry = TenantEntry(id: r[0], name: r[1], status: r[2], shard: nil)
            if entry.status == "HOT" {
                let indexes = try openIndexes(shardID: entry.shardID, definition: st.definition)
                entry.shard = ClassState(tenantOf: st, name: entry.name, shardID: entry.shardID, indexes: indexes)
            }
            st.setTenant(entry, named: entry.name)
        }
    }

    // MARK: Resolving a request's tenant

    /// The shard a request on class `st` with `tenant` reads or writes, with Weaviate's 422 errors: a
    /// multi-tenant class needs a tenant, a single-tenant class takes none, and the tenant must exist
    /// and be active.
    func shard(_ st: ClassState, tenant: String?) throws -> ClassState {
        let cls = st.classState
        let tenant = tenant ?? ""
        guard cls.definition.multiTenancyEnabled else {
            if !tenant.isEmpty {
                throw DatabaseError.unprocessable("class \(cls.name) has multi-tenancy disabled, but request was with tenant")
            }
            return cls
        }
        if tenant.isEmpty {
            throw DatabaseError.unprocessable("class \(cls.name) has multi-tenancy enabled, but request was without tenant")
        }
        guard let entry = cls.tenantEntry(tenant) else { throw DatabaseError.unprocessable("tenant not found: \"\(tenant)\"") }
        guard let shard = entry.shard else { throw DatabaseError.unprocessable("tenant not active: '\(tenant)'") }
        return shard
    }

    /// `shard(_:tenant:)`, first creating a missing tenant (`autoTenantCreation`) or activating a COLD one
    /// (`autoTenantActivation`) when the class says so.
    func shardCreatingTenant(_ st: ClassState, tenant: String?) async throws -> ClassState {
        let def = st.classState.definition
        if let tenant, !tenant.isEmpty, def.multiTenancyEnabled {
            let entry = st.classState.tenantEntry(tenant)
            if entry == nil, def.autoTenantCreation {
                try await addTenants(toClass: st.classState.name, [TenantInfo(name: tenant, activityStatus: "HOT")])
            } else if entry?.status == "COLD", def.autoTenantActivation {
                try await updateTenants(ofClass: st.classState.name, [TenantInfo(name: tenant, activityStatus: "HOT")])
            }
        }
        return try shard(st, tenant: tenant)
    }

    /// The shard of class `name` for `tenant`, or nil for an unknown class.
    func shard(named name: String, tenant: String?) throws -> ClassState? {
        guard let st = state(name) else { return nil }
        return try shard(st, tenant: tenant)
    }

    /// `shard(named:tenant:)` with `autoTenantActivation` (reads activate a COLD tenant when the class says so).
    func shardOf(named name: String, tenant: String?) async throws -> ClassState? {
        guard let st = state(name) else { return nil }
        if let tenant, !tenant.isEmpty, st.definition.autoTenantActivation, st.tenantEntry(tenant)?.status == "COLD" {
            try await updateTenants(ofClass: name, [TenantInfo(name: tenant, activityStatus: "HOT")])
        }
        return try shard(st, tenant: tenant)
    }

    /// Like `requireState`, resolved to the tenant's shard.
    func requireShard(_ name: String, tenant: String?) throws -> ClassState {
        try shard(try requireState(name), tenant: tenant)
    }

    /// Whether a shard is still the one its class and tenant name resolve to (checked in the writer before
    /// a write uses it): the class was not dropped and, for a tenant, it was neither deleted nor deactivated.
    func isLive(_ st: ClassState) -> Bool {
        guard let parent = st.parent else { return state(st.name) === st }
        return state(parent.name) === parent && parent.tenantEntry(st.tenant ?? "")?.shard === st
    }

    /// Why a shard that is not live can no longer be written.
    func notLiveError(_ st: ClassState) -> DatabaseError {
        guard let parent = st.parent, let tenant = st.tenant, state(parent.name) === parent else {
            return .notFound("class '\(st.name)' not found")
        }
        return parent.tenantEntry(tenant) == nil ? .unprocessable("tenant not found: \"\(tenant)\"")
            : .unprocessable("tenant not active: '\(tenant)'")
    }
}
