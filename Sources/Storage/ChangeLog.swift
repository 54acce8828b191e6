import GRDB

/// The change log: one row per vector-affecting write (sequence, class, doc id, op), written in the
/// same transaction as the object. After a restart each class's vector index replays the entries after
/// its snapshot's `coveredSequence`; entries covered by every snapshot can be truncated.
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

    /// Deletes entries with sequence <= `upTo` (covered by every index snapshot).
    public static func truncate(_ db: GRDB.Database, upTo: UInt64) throws {
        try db.execute(sql: "DELETE FROM changes WHERE seq <= ?", arguments: [Int64(bitPattern: upTo)])
    }

    /// Deletes every entry of a class (when the class is dropped).
    public static func dropClass(_ db: GRDB.Database, classID: Int64) throws {
        try db.execute(sql: "DELETE FROM changes WHERE class_id = ?", arguments: [classID])
    }
}
