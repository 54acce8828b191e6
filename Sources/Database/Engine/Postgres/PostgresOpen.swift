import Foundation
import Logging
import PostgresStore

/// Opening a Database on PostgreSQL (`IRIS_STORAGE_URL`): the pool, the catalogue (`migrate`), the schema.
extension Database {
    static func openPostgres(url: String, config: DatabaseConfig, modules: ModuleRegistry, logger: Logger) async throws -> Database {
        let store: PostgresStore
        do { store = try PostgresStore(url: url, logger: logger) } catch {
            throw DatabaseError.internal("\(error)")
        }
        let runner = Task { await store.run() }
        do {
            try await store.migrate()
            let (schema, version) = try await store.withBlockingTransaction { c in
                (try PostgresCatalog.load(c), try PostgresCatalog.version(c))
            }
            let engine = PostgresEngine(store: store, logger: logger, indexQuiet: .seconds(config.postgresIndexQuietSeconds),
                                        maintenanceWorkMem: config.postgresMaintenanceWorkMem)
            engine.schemaVersion.set(version)
            let db = try Database(config: config, modules: modules, logger: logger, postgres: engine, runner: runner, schema: schema)
            // Other nodes' schema changes from now on (the first LISTEN reloads once, for changes since the load).
            db.schemaFollower = db.followPostgresSchema()
            db.indexBuilding = db.buildVectorIndexesWhenQuiet()
            return db
        } catch {
            runner.cancel()
            if let e = error as? DatabaseError { throw e }
            throw DatabaseError.internal("could not open the PostgreSQL store at \(PostgresOpenURL.redacted(url)): \(String(reflecting: error))")
        }
    }

    /// The classes and tenants stored in PostgreSQL, as the in-memory schema.
    func loadSchema(_ stored: [PostgresCatalog.StoredClass]) throws {
        for c in stored {
            let def: ClassDefinition
            do { def = try Database.decodeClass(c.definition) } catch {
                throw DatabaseError.internal("stored definition of class \(c.name) is unreadable: \(error)")
            }
            let st = ClassState(id: c.id, definition: def, dimensions: [c.dimension], indexes: try PostgresCatalog.unusedIndexes(def),
                                shardStatus: c.shardStatus)
            for t in c.tenants {
                var entry = TenantEntry(id: t.id, name: t.name, status: t.status, shard: nil)
                if t.status == "HOT" {
                    entry.shard = ClassState(tenantOf: st, name: t.name, shardID: entry.shardID, indexes: try PostgresCatalog.unusedIndexes(def))
                }
                st.setTenant(entry, named: t.name)
            }
            classes[def.className] = st
            classOrder.append(def.className)
        }
    }
}

enum PostgresOpenURL {
    /// The URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var u = URLComponents(string: url), u.password != nil else { return url }
        u.password = "***"
        return u.string ?? url
    }
}
