import Foundation
import Logging
import Storage

/// What `iris store check` found: the store's classes with their counts, and every problem that would
/// make `iris serve` refuse to start or repair something.
public struct StoreInspection: Sendable {
    /// One line per class: objects, vectors, and how far its vector index got.
    public var classes: [String]
    /// Problems; empty when `iris serve` would start without refusing or repairing anything.
    public var problems: [String]
}

/// What `iris store recover` kept.
public struct StoreRecoveryReport: Sendable {
    /// Where the damaged files were set aside (nothing is deleted).
    public var setAside: String
    /// Per table: rows copied and the rowid ranges that could not be read.
    public var tables: [StoreSalvage.TableResult]
}

extension Database {
    /// Runs every start-up check without writing anything: the store opens read-only and each vector
    /// index from a copy of its files in a temporary folder, which needs room for those copies.
    public static func inspect(config: DatabaseConfig, logger: Logger) -> StoreInspection {
        var cfg = config
        cfg.startupQuickCheck = true
        let database: Database
        do {
            database = try Database(config: cfg, logger: logger, inspecting: true)
        } catch {
            // Opening reads more than the whole-file check (schema, index samples): a malformed page met
            // there is reported as the damage it is, with `iris store recover` as the way out.
            let problem = Database.isDamage(error) ? Database.damageFinding(error) : "\(error)"
            return StoreInspection(classes: [], problems: [problem])
        }
        defer { try? database.close() }
        var lines: [String] = []
        for cls in database.withSchemaLock({ database.classOrder.compactMap { database.classes[$0] } }) {
            // A multi-tenant class is listed per active tenant (COLD tenants' indexes are not opened).
            for st in cls.objectShards {
                let counts = try? database.store.pool.read { db in
                    (try ObjectTables.count(db, classID: st.id),
                     try ObjectTables.count(db, classID: st.id, condition: "vector IS NOT NULL"))
                }
                let objects = counts.map { "\($0.0) objects, \($0.1) vectors" } ?? "objects unreadable"
                let name = st.tenant.map { "\(st.name) (tenant \($0))" } ?? st.name
                lines.append("\(name): \(objects); vector index: \(st.index.count) vectors, change log covered to \(st.index.coveredSequence)")
            }
        }
        return StoreInspection(classes: lines, problems: database.findings ?? [])
    }

    /// Keeps every readable object of a damaged store: sets `iris.sqlite` (with its WAL) and the index
    /// folder aside under `<dataPath>/damaged-<time>/`, copies the schema and each readable object row
    /// into a new store (`StoreSalvage`), then opens it once, which rebuilds the vector indexes and token
    /// tables from what was kept, and closes it cleanly. The server must not be running.
    public static func recover(config: DatabaseConfig, logger: Logger) throws -> StoreRecoveryReport {
        let fm = FileManager.default
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let aside = (config.dataPath as NSString).appendingPathComponent("damaged-\(stamp)")
        try fm.createDirectory(atPath: aside, withIntermediateDirectories: true)
        for name in ["iris.sqlite", "iris.sqlite-wal", "iris.sqlite-shm", "indexes"] {
            let path = (config.dataPath as NSString).appendingPathComponent(name)
            if fm.fileExists(atPath: path) {
                try fm.moveItem(atPath: path, toPath: (aside as NSString).appendingPathComponent(name))
            }
        }
        let target = try Store(directory: config.dataPath)
        let tables: [StoreSalvage.TableResult]
        do {
            tables = try StoreSalvage.copyReadable(from: (aside as NSString).appendingPathComponent("iris.sqlite"), into: target)
            try target.close()
        } catch {
            try? target.close()
            throw DatabaseError.internal("nothing could be recovered from \(aside)/iris.sqlite: \(error)")
        }
        var cfg = config
        cfg.snapshotIntervalSeconds = nil
        let rebuilt = try Database(config: cfg, logger: logger)
        try rebuilt.close()
        return StoreRecoveryReport(setAside: aside, tables: tables)
    }
}
