import GRDB

/// The change log: one row per vector-affecting write (sequence, class, doc id, op), written in the
/// same transaction as the object. After a restart each class's vector index replays the entries after
/// its snapshot's `coveredSequence`; a class's entries its durable snapshot covers are truncated.
public enum ChangeLog {
    public enum Op: Int, Sendable {
        /// The object's vector was set, changed or removed: re-read the row to know which.
        case upsert = 1
        case delete = 2
    }

    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var docID: UInt64
        public var op: Op
    }

    /// Appends an entry and returns its sequence number.
    @discardableResult
    public static func append(_ db: GRDB.Database, classID: Int64, docID: UInt64, op: Op) throws -> UInt64 {
        try db.cachedStatement(sql: "INSERT INTO changes(class_id, doc_id, op) VALUES (?, ?, ?)")
            .execute(arguments: [classID, Int64(bitPattern: docID), op.rawValue])
        return UInt64(db.lastInsertedRowID)
    }

    /// Entries of `classID` with sequence > `after`, oldest first.
    public static func entries(_ db: GRDB.Database, classID: Int64, after: UInt64) throws -> [Entry] {
        let rows = try Row.fetchAll(db, sql: "SELECT seq, doc_id, op FROM changes WHERE class_id = ? AND seq > ? ORDER BY seq",
                                    arguments: [classID, Int64(bitPattern: after)])
        return rows.map { r in
            Entry(sequence: UInt64(r[0] as Int64), docID: UInt64(bitPattern: r[1] as Int64), op: Op(rawValue: r[2]) ?? .upsert)
        }
    }

    /// The highest sequence number ever assigned (0 if none).
    public static func lastSequence(_ db: GRDB.Database) throws -> UInt64 {
        // sqlite_sequence keeps the AUTOINCREMENT high-water mark even after truncation.
        let v = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'changes'") ?? 0
        return UInt64(v)
    }

    /// Deletes the entries of `classID` with sequence <= `upTo`. Call it only once a durable snapshot of the
    /// class's index covers `upTo` (written, fsynced and renamed), under the store's writer so no entry of
    /// the class can commit in between. The highest deleted sequence is remembered (`truncatedThrough`):
    /// a snapshot file covering less (restored by hand, or a rename lost with the disk cache) misses
    /// changes the log no longer has, and must be rebuilt from the store instead of replayed.
    ///
    /// Truncation is per class, not up to the lowest `coveredSequence` of all classes: an idle class's
    /// `coveredSequence` stays at its last write, so a global bound would stop every busy class's log
    /// from ever shrinking. A dropped class's entries go with it (`dropClass`, same transaction).
    public static func truncate(_ db: GRDB.Database, classID: Int64, upTo: UInt64) throws {
        try db.inSavepoint {
            let highest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM changes WHERE class_id = ? AND seq <= ?",
                                             arguments: [classID, Int64(bitPattern: upTo)])
            guard let highest else { return .commit }
            try db.execute(sql: "DELETE FROM changes WHERE class_id = ? AND seq <= ?", arguments: [classID, highest])
            try db.execute(sql: """
                INSERT INTO changes_truncated(class_id, up_to) VALUES (?, ?)
                ON CONFLICT(class_id) DO UPDATE SET up_to = MAX(up_to, excluded.up_to)
                """, arguments: [classID, highest])
            return .commit
        }
    }

    /// The highest sequence of `classID` deleted by `truncate` (0 if none): a snapshot whose
    /// `coveredSequence` is lower is stale.
    public static func truncatedThrough(_ db: GRDB.Database, classID: Int64) throws -> UInt64 {
        let v = try Int64.fetchOne(db, sql: "SELECT up_to FROM changes_truncated WHERE class_id = ?", arguments: [classID]) ?? 0
        return UInt64(bitPattern: v)
    }

    /// The number of entries of `classID` still in the log.
    public static func count(_ db: GRDB.Database, classID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM changes WHERE class_id = ?", arguments: [classID]) ?? 0
    }

    /// Deletes every entry of a shard (all its vector lanes, `VectorLanes`) and its truncation marks
    /// (when the class or tenant is dropped).
    public static func dropClass(_ db: GRDB.Database, classID: Int64) throws {
        // A lane key has the shard id in its low 40 bits and the shard's sign.
        let sameShard = "(class_id = ?1 OR (abs(class_id) % \(VectorLanes.stride) = abs(?1) AND (class_id > 0) = (?1 > 0)))"
        try db.execute(sql: "DELETE FROM changes WHERE \(sameShard)", arguments: [classID])
        try db.execute(sql: "DELETE FROM changes_truncated WHERE \(sameShard)", arguments: [classID])
    }
}
