import Foundation
import PostgresNIO

/// The HNSW index of a vector column, built after its rows are in (design §3, "Building the index").
///
/// pgvector inserts a row into an HNSW index one at a time, through the buffer manager, re-pruning the
/// neighbour lists it touches: with Weaviate's default maxConnections (64 → m = 64) and 512 dimensions
/// that is about 23 ms a row on one core, while `CREATE INDEX` builds the same graph in memory about ten
/// times faster. So a column gets its index once writes to its table pause, with `CREATE INDEX
/// CONCURRENTLY` (reads and writes go on meanwhile). Until then its searches are exact scans.
public enum PGVectorIndexes {
    /// The index of a named vector's column.
    public static func name(shard: Int64, lane: Int) -> String {
        PGShardTables.objects(shard) + "_hnsw" + (lane == 0 ? "" : "_\(lane)")
    }

    /// A typed vector column without a usable (valid) HNSW index.
    public struct Pending: Sendable, Hashable {
        public var shard: Int64
        public var lane: Int
    }

    /// Every typed vector column of an object table in this database that has no valid HNSW index (none, or
    /// one left invalid by a build that was cancelled or died).
    public static func pending(_ c: BlockingConnection) throws -> [Pending] {
        let rows = try c.query("""
            SELECT t.relname, a.attname FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
            WHERE t.relkind = 'r' AND t.relname LIKE 'obj\\_%' AND pg_table_is_visible(t.oid) AND NOT a.attisdropped
              AND a.atttypid = 'vector'::regtype AND a.atttypmod > 0
              AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                              WHERE i.indrelid = t.oid AND i.indisvalid
                                AND x.relname = t.relname || '_hnsw' || CASE a.attname WHEN 'vector' THEN '' ELSE substr(a.attname, 7) END)
            """)
        return try rows.compactMap { row in
            let (table, column) = try row.decode((String, String).self)
            guard let shard = shard(ofTable: table), let lane = lane(ofColumn: column) else { return nil }
            return Pending(shard: shard, lane: lane)
        }
    }

    /// `obj_12` → 12, `obj_t3` → -3.
    static func shard(ofTable table: String) -> Int64? {
        guard table.hasPrefix("obj_") else { return nil }
        let rest = table.dropFirst(4)
        if rest.hasPrefix("t") { return Int64(rest.dropFirst()).map { -$0 } }
        return Int64(rest)
    }

    /// `vector` → 0, `vector_2` → 2.
    static func lane(ofColumn column: String) -> Int? {
        if column == "vector" { return 0 }
        guard column.hasPrefix("vector_") else { return nil }
        return Int(column.dropFirst(7))
    }

    /// What tells whether a table is still being written: the newest doc id (every new row takes a larger
    /// one), and whether a transaction other than this one holds it open for writing now.
    public struct Activity: Sendable, Equatable {
        public var newestDocID: Int64?
        public var writersNow: Int
    }

    public static func activity(_ c: BlockingConnection, shard: Int64) throws -> Activity {
        let t = PGShardTables.objects(shard)
        let row = try c.query("""
            SELECT (SELECT max(doc_id) FROM \(t)),
                   (SELECT count(*) FROM pg_locks WHERE relation = '\(t)'::regclass AND mode = 'RowExclusiveLock'
                      AND pid <> pg_backend_pid())::int8
            """).first
        guard let (newest, writers) = try row?.decode((Int64?, Int64).self) else { return Activity(newestDocID: nil, writersNow: 0) }
        return Activity(newestDocID: newest, writersNow: Int(writers))
    }

    /// How many rows of `lane`'s column wait for its index (all of them while it has none).
    public static func waiting(_ c: BlockingConnection, shard: Int64, lane: Int) throws -> Int {
        let valid = try c.query("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
                                [.text(name(shard: shard, lane: lane))]).first?.decode(Bool.self) ?? false
        return valid ? 0 : try PGObjectRows.vectorCount(c, shard: shard, lane: lane)
    }

    /// What a build's session sets, and how other sessions find it (`cancelBuilds`).
    static func applicationName(_ shard: Int64) -> String { "iris hnsw build \(PGShardTables.objects(shard))" }

    /// Builds the index of `lane`'s column unless it is valid already or another session (of any node) is
    /// building an index of the table. Runs on a connection outside a transaction: `CREATE INDEX CONCURRENTLY` cannot run in
    /// one. `maintenanceWorkMem` should hold the whole graph, else pgvector finishes the build row by row.
    /// Returns whether this call built it.
    @discardableResult
    public static func build(_ c: BlockingConnection, shard: Int64, lane: Int, distance: PGDistance, maxConnections: Int,
                             efConstruction: Int, maintenanceWorkMem: String) throws -> Bool {
        let index = name(shard: shard, lane: lane), t = PGShardTables.objects(shard)
        // A session lock: one build per table across nodes (two concurrent builds on one table wait for
        // each other's transactions: a deadlock). Released below, or when the session ends.
        let locked = try c.query("SELECT pg_try_advisory_lock(7041992, hashtext($1))", [.text(t)]).first?.decode(Bool.self) ?? false
        guard locked else { return false }
        defer { _ = try? c.query("SELECT pg_advisory_unlock(7041992, hashtext($1))", [.text(t)]) }
        // Under the lock an invalid index is a leftover, not a build in progress.
        switch try c.query("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)", [.text(index)]).first?.decode(Bool.self) {
        case true?: return false
        case false?: try c.query("DROP INDEX CONCURRENTLY IF EXISTS \(index)")
        case nil: break
        }
        try c.query("SELECT set_config('application_name', $1, false), set_config('maintenance_work_mem', $2, false)",
                    [.text(applicationName(shard)), .text(maintenanceWorkMem)])
        defer { for setting in ["application_name", "maintenance_work_mem"] { _ = try? c.query("RESET \(setting)") } }
        let (m, efc) = pgvectorSettings(maxConnections: maxConnections, efConstruction: efConstruction)
        try c.query("""
            CREATE INDEX CONCURRENTLY IF NOT EXISTS \(index) ON \(t) USING hnsw (\(PGShardTables.vectorColumn(lane)) \(distance.operatorClass))
                WITH (m = \(m), ef_construction = \(efc))
            """)
        // Statistics for the planner: autovacuum could not analyse the table while the build held it.
        try c.query("ANALYZE \(t)")
        return true
    }

    /// Weaviate's maxConnections and efConstruction as pgvector takes them: m in 2...100, ef_construction in
    /// 4...1000 and at least 2m. Weaviate allows more (efConstruction 100 beside the default maxConnections
    /// 64 is common), and pgvector refuses such an index outright, so it would never be built.
    public static func pgvectorSettings(maxConnections: Int, efConstruction: Int) -> (m: Int, efConstruction: Int) {
        let m = min(max(maxConnections, 2), 100)
        return (m, min(max(efConstruction, 2 * m, 4), 1000))
    }

    /// Cancels the index builds running on a shard table (any node's), so DDL on it (drop, new columns, a
    /// vector column's type) does not wait minutes for them; the builder starts again once writes pause.
    public static func cancelBuilds(_ c: BlockingConnection, shard: Int64) throws {
        try c.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
                    [.text(applicationName(shard))])
    }
}
