import Foundation
import Logging
import PostgresStore

/// Several nodes on one PostgreSQL database (design §4): a schema change made through another node
/// reaches this one's in-memory schema. Every schema transaction ends with `NOTIFY iris_schema`; each
/// node keeps one pooled connection in `LISTEN iris_schema` and, on a notification, reloads the catalogue
/// and brings its `ClassState`s in line with it.
extension Database {
    /// Follows `iris_schema` until the database closes (the task is cancelled). Each time the LISTEN is in
    /// place (at start, and after a lost connection is listened on again) the catalogue is reloaded once,
    /// for the changes made while nobody listened.
    func followPostgresSchema() -> Task<Void, Never> {
        // Holds the Database until `close()` cancels it.
        Task { [self] in
            guard let store = postgres?.store else { return }
            while !Task.isCancelled {
                do {
                    try await store.listen("iris_schema", whenListening: {
                        await self.reloadPostgresSchema()
                    }, onNotification: {
                        await self.reloadPostgresSchema()
                    })
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("schema notifications lost, listening again", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Called before each API request. A client may send it here right after another node acknowledged a
    /// schema change, before that change's notification has arrived; one single-row read tells whether the
    /// stored schema moved on, and if so this node catches up first, so a class created on node A can be
    /// used on node B at once. Nothing to do on the embedded engine. If the read fails the request goes on
    /// with the schema this node has (it meets the same failure if it needs the database).
    public func catchUpWithSharedSchema() async {
        guard let engine = postgres, let version = try? await engine.store.schemaVersion(),
              version != engine.schemaVersion.value else { return }
        // Not forced: of many requests that saw the same change, the first reloads and the rest find it done.
        await reloadPostgresSchema(force: false)
    }

    /// Reads the catalogue under the schema lock (so no local schema change is half-way: its in-memory
    /// update and its commit both happen under that lock) and applies it to the in-memory schema.
    func reloadPostgresSchema(force: Bool = true) async {
        guard let store = postgres?.store else { return }
        do {
            try await store.withBlockingTransaction(attempts: 1) { c in
                try c.query("SELECT pg_advisory_xact_lock(7041991)")
                try self.catchUpWithStoredSchema(c, force: force)
            }
        } catch where !Task.isCancelled {
            logger.error("schema reload failed", metadata: ["error": "\(error)"])
        } catch {
            // closing
        }
    }

    /// Under the schema lock: reloads the catalogue when its version is not the one this node last saw
    /// (another node changed the schema and its notification has not been handled yet), so a schema change
    /// here starts from the stored schema, not a stale copy.
    func catchUpWithStoredSchema(_ c: BlockingConnection, force: Bool = false) throws {
        guard let engine = postgres else { return }
        let version = try PostgresCatalog.version(c)
        guard force || version != engine.schemaVersion.value else { return }
        try reconcile(with: PostgresCatalog.load(c))
        engine.schemaVersion.set(version)
    }

    /// Makes the in-memory schema what `stored` says: new classes and tenants appear, changed definitions,
    /// dimensions, shard and tenant statuses follow, deleted ones go. A class stays the same `ClassState`
    /// while its row id is the same, so writes holding it keep working.
    func reconcile(with stored: [PostgresCatalog.StoredClass]) throws {
        var names = Set<String>()
        for c in stored {
            let def = try Database.decodeClass(c.definition)
            names.insert(def.className)
            if let st = state(def.className), st.id == c.id {
                if st.definition != def { st.definition = def }
                if st.dimension == nil, let d = c.dimension { st.dimension = d }
                if st.shardStatus != c.shardStatus { st.shardStatus = c.shardStatus }
                try reconcileTenants(of: st, with: c.tenants)
            } else {
                let st = ClassState(id: c.id, definition: def, dimensions: [c.dimension],
                                    indexes: try PostgresCatalog.unusedIndexes(def), shardStatus: c.shardStatus)
                try reconcileTenants(of: st, with: c.tenants)
                withSchemaLock {
                    if classes[def.className] == nil { classOrder.append(def.className) }
                    classes[def.className] = st
                }
            }
        }
        withSchemaLock {
            for name in classOrder where !names.contains(name) { classes[name] = nil }
            classOrder.removeAll { !names.contains($0) }
        }
    }

    private func reconcileTenants(of st: ClassState, with stored: [(id: Int64, name: String, status: String)]) throws {
        let byName = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, entry) in st.tenants where byName[name]?.id != entry.id { st.setTenant(nil, named: name) }
        for t in stored {
            var entry = st.tenantEntry(t.name) ?? TenantEntry(id: t.id, name: t.name, status: "", shard: nil)
            guard entry.status != t.status else { continue }
            entry.status = t.status
            entry.shard = t.status == "HOT"
                ? ClassState(tenantOf: st, name: t.name, shardID: entry.shardID, indexes: try PostgresCatalog.unusedIndexes(st.definition))
                : nil
            st.setTenant(entry, named: t.name)
        }
    }
}
