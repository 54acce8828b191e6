@_exported import GRDB
import Foundation

/// The SQLite file that is Iris's source of truth: the schema, every object and the change log.
///
/// Layout (`<dataPath>/iris.sqlite`; vector index snapshots live beside it in `indexes/`):
/// - `classes(id, name, definition JSON, dimension, shard_status)`: the schema, defaults applied.
/// - `obj_<classID>`: one row per object — `doc_id` (AUTOINCREMENT; the vector index label), `uuid`
///   (UNIQUE, lower-case), `created`/`updated` (ms, indexed), `props` (the JSON returned verbatim),
///   `vector` (little-endian Float32 BLOB), and one typed column `p<ordinal>` per scalar primitive
///   property (int/boolean/date-as-ns INTEGER, number REAL, text/uuid TEXT, geo as `_lat`/`_lon` REAL),
///   B-tree indexed when filterable; added by ALTER TABLE when a property is added. Arrays are filtered
///   with `json_each` over `props`; blobs and phone numbers live only in `props`.
/// - `tok_<classID>(doc_id, prop, token, tf)`: the inverted index of tokenized text with each token's
///   count in the property, so text Equal/Like are index lookups and bm25 has its term frequencies.
/// - `tlen_<classID>(prop, doc_id, len)`: each searchable property's token count, for bm25's length norm.
/// - `tenants(id, class_id, name, status)`: the tenants of multi-tenant classes. Tenant `id`'s objects
///   live in `obj_t<id>`/`tok_t<id>`/`tlen_t<id>` and its change-log entries under `class_id = -id`.
/// - `changes(seq, class_id, doc_id, op)`: written in the same transaction as the object; a class's
///   vector index replays the entries after its snapshot's `coveredSequence` on open, and entries a
///   snapshot covers are deleted.
/// - `changes_truncated(class_id, up_to)`: the highest sequence of each class deleted from `changes`;
///   a snapshot covering less is stale (rebuilt from the class table on open).
///
/// Opened as a GRDB `DatabasePool` in WAL mode with `synchronous=FULL`, so a transaction is on disk
/// when `write` returns: an acknowledged write survives SIGKILL and power loss.
public final class Store: Sendable {
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) `<directory>/iris.sqlite` and runs the migrations.
    /// - Parameters:
    ///   - readOnly: open without writing anything (a read-only file system or a full disk); the file
    ///     must exist and be migrated already.
    ///   - prepare: called on every new connection, e.g. to register SQL functions.
    public init(directory: String, readOnly: Bool = false,
                prepare: (@Sendable (GRDB.Database) throws -> Void)? = nil) throws {
        if !readOnly { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        path = (directory as NSString).appendingPathComponent("iris.sqlite")
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(30)
        config.maximumReaderCount = 8
        config.prepareDatabase { db in
            // FULL: fsync the WAL on every commit; NORMAL could lose the last commits on power loss.
            if !readOnly { try db.execute(sql: "PRAGMA synchronous = FULL") }
            try prepare?(db)
        }
        pool = try DatabasePool(path: path, configuration: config)
        if readOnly {
            guard try pool.read({ try Store.migrator.hasCompletedMigrations($0) }) else {
                throw StoreError.notMigrated(path)
            }
        } else {
            try Store.migrator.migrate(pool)
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            // One row per class: its definition as JSON (defaults applied) and its table number.
            try db.execute(sql: """
                CREATE TABLE classes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    definition TEXT NOT NULL,
                    dimension INTEGER,
                    shard_status TEXT NOT NULL DEFAULT 'READY'
                );
                CREATE TABLE changes (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    class_id INTEGER NOT NULL,
                    doc_id INTEGER NOT NULL,
                    op INTEGER NOT NULL
                );
                CREATE INDEX changes_class ON changes(class_id, seq);
                """)
        }
        m.registerMigration("v2") { db in
            // Per class, the highest change-log sequence truncated: a snapshot covering less is stale.
            try db.execute(sql: "CREATE TABLE changes_truncated (class_id INTEGER PRIMARY KEY, up_to INTEGER NOT NULL)")
        }
        m.registerMigration("v3") { db in
            // The tenants of multi-tenant classes: each is its own shard with its own tables
            // (`obj_t<id>`, `tok_t<id>`, `tlen_t<id>`), change-log key (`-id`) and vector index file.
            // `status` is HOT or COLD (Weaviate's stored values; the APIs show ACTIVE / INACTIVE).
            try db.execute(sql: """
                CREATE TABLE tenants (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    class_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'HOT',
                    UNIQUE (class_id, name)
                )
                """)
        }
        return m
    }

    /// Checkpoints the WAL into the main file and truncates it, then closes the pool. GRDB closes the
    /// writer before its (read-only) readers, and SQLite checkpoints only when the last connection that
    /// may write closes, so without this a clean stop would leave every recent commit in the WAL alone:
    /// a file that is easy to lose or damage, and one SQLite silently drops frames of after a bad checksum.
    /// A read-only store closes as it is.
    public func close() throws {
        if !pool.configuration.readonly {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        try pool.close()
    }

    /// SQLite's `PRAGMA quick_check` on `db`: every page of the file is read and each b-tree's structure,
    /// record format and free list checked (not that indexes match their tables: that would be
    /// `integrity_check`, several times slower). Returns the problems found, empty when the file is sound.
    public static func quickCheck(_ db: GRDB.Database, maxProblems: Int = 20) throws -> [String] {
        let rows = try String.fetchAll(db, sql: "PRAGMA quick_check(\(maxProblems))")
        if rows == ["ok"] { return [] }
        // SQLite 3.40 reports "NULL value in T.C" for WITHOUT ROWID tables whose key columns are
        // declared in another order (older token tables) although no row holds a NULL: each such
        // line is kept only if a query finds the NULL.
        return try rows.filter { line in
            guard line.hasPrefix("NULL value in "), case let parts = line.dropFirst(14).split(separator: "."),
                  parts.count == 2 else { return true }
            let (table, column) = (String(parts[0]), String(parts[1]))
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table.quotedDatabaseIdentifier) WHERE \(column.quotedDatabaseIdentifier) IS NULL)") ?? true
        }
    }
}

public enum StoreError: Error, CustomStringConvertible {
    case notMigrated(String)
    public var description: String {
        switch self {
        case .notMigrated(let path): return "\(path) cannot be opened read-only: it was never opened for writing"
        }
    }
}
