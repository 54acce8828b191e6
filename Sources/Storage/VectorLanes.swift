import Foundation
import GRDB

/// The vectors of a shard by lane. A class with several named vectors (Weaviate's `vectorConfig`) has
/// one lane per named vector: lane 0 is the object table's `vector` column (the first or only vector),
/// lane n ≥ 1 the table `vec_<shard>_<n>` (doc_id, vector).
///
/// A lane's key names it where a shard id names a one-vector class: in the change log and in the
/// vector-reading functions of `ObjectTables` (`forEachVector`, `sampleVectors`, `vector`). Lane 0's key
/// is the shard id itself, so classes with one vector are keyed exactly as before lanes existed; lane
/// n's key is the shard id moved away from zero by `n << 40` (shard ids stay far below 2^40).
public enum VectorLanes {
    static let stride: Int64 = 1 << 40

    public static func key(shard: Int64, lane: Int) -> Int64 {
        if lane == 0 { return shard }
        return shard > 0 ? shard + Int64(lane) * stride : shard - Int64(lane) * stride
    }

    public static func split(_ key: Int64) -> (shard: Int64, lane: Int) {
        let m = key.magnitude
        let shard = Int64(m & UInt64(stride - 1))
        return (key < 0 ? -shard : shard, Int(m >> 40))
    }

    public static func tableName(shard: Int64, lane: Int) -> String { "vec_\(ObjectTables.suffix(shard))_\(lane)" }

    /// The table holding the vectors of lane `key` (the object table for lane 0).
    static func vectorTable(_ key: Int64) -> String {
        let (shard, lane) = split(key)
        return lane == 0 ? ObjectTables.tableName(shard) : tableName(shard: shard, lane: lane)
    }

    /// Creates the tables of lanes 1..<lanes (idempotent).
    public static func create(_ db: GRDB.Database, shard: Int64, lanes: Int) throws {
        for lane in 1..<max(1, lanes) {
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(tableName(shard: shard, lane: lane)) "
                           + "(doc_id INTEGER PRIMARY KEY, vector BLOB NOT NULL)")
        }
    }

    /// Sets (or with nil removes) the vector of `docID` in lane `lane` ≥ 1.
    public static func put(_ db: GRDB.Database, shard: Int64, lane: Int, docID: UInt64, vector: Data?) throws {
        let t = tableName(shard: shard, lane: lane)
        if let vector {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(t)(doc_id, vector) VALUES (?, ?)")
                .execute(arguments: [Int64(bitPattern: docID), vector])
        } else {
            try db.cachedStatement(sql: "DELETE FROM \(t) WHERE doc_id = ?").execute(arguments: [Int64(bitPattern: docID)])
        }
    }

    /// The vectors of lane `lane` ≥ 1 of the given doc ids (ids without one are absent).
    public static func vectors(_ db: GRDB.Database, shard: Int64, lane: Int, docIDs: [UInt64]) throws -> [UInt64: Data] {
        var out: [UInt64: Data] = [:]
        var start = 0
        while start < docIDs.count {
            let chunk = docIDs[start..<min(start + 500, docIDs.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for r in try Row.fetchAll(db, sql: "SELECT doc_id, vector FROM \(tableName(shard: shard, lane: lane)) WHERE doc_id IN (\(marks))",
                                      arguments: StatementArguments(chunk.map { Int64(bitPattern: $0) })) {
                out[UInt64(bitPattern: r[0] as Int64)] = r[1] as Data
            }
            start += 500
        }
        return out
    }

    /// The length of lane `lane`'s vectors (nil while it has none).
    public static func dimension(_ db: GRDB.Database, shard: Int64, lane: Int) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT length(vector) / 4 FROM \(tableName(shard: shard, lane: lane)) LIMIT 1")
    }

    /// Drops every lane table of a shard.
    static func drop(_ db: GRDB.Database, shard: Int64) throws {
        let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?",
                                        arguments: ["vec_\(ObjectTables.suffix(shard))_*"])
        for n in names { try db.execute(sql: "DROP TABLE IF EXISTS \(n)") }
    }
}
