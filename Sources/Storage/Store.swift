@_exported import GRDB
import Foundation

/// The SQLite file that is Iris's source of truth: the schema, every object and the change log.
///
/// Opened as a GRDB `DatabasePool` in WAL mode with `synchronous=FULL`, so a transaction is on disk
/// when `write` returns: an acknowledged write survives SIGKILL and power loss.
public final class Store: @unchecked Sendable {
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) `<directory>/iris.sqlite` and runs the migrations.
    /// - Parameter prepare: called on every new connection, e.g. to register SQL functions.
    public init(directory: String, prepare: (@Sendable (GRDB.Database) throws -> Void)? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("iris.sqlite")
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.maximumReaderCount = 8
        config.prepareDatabase { db in
            // FULL: fsync the WAL on every commit; NORMAL could lose the last commits on power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try prepare?(db)
        }
        pool = try DatabasePool(path: path, configuration: config)
        try Store.migrator.migrate(pool)
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
        return m
    }

    /// Closes the pool (checkpointing the WAL).
    public func close() throws {
        try pool.close()
    }
}
