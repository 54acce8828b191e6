import Foundation
import PostgresNIO

/// One object as stored in `obj_<id>`: fixed columns plus the typed property columns.
public struct PGObjectRow: Sendable, Equatable {
    public var docID: UInt64
    public var uuid: String
    public var created: Int64
    public var updated: Int64
    /// The properties as JSON text (the authoritative copy).
    public var properties: String
    public var vector: [Float]?
    public var additional: String?
    /// Typed column values by column name; absent → NULL.
    public var columns: [String: PGValue]

    public init(docID: UInt64 = 0, uuid: String, created: Int64, updated: Int64, properties: String,
                vector: [Float]?, additional: String? = nil, columns: [String: PGValue] = [:]) {
        self.docID = docID; self.uuid = uuid; self.created = created; self.updated = updated
        self.properties = properties; self.vector = vector; self.additional = additional; self.columns = columns
    }
}

/// Row reads and writes on one connection, inside the caller's transaction.
public enum PGObjectRows {
    /// pgvector's text form, `[1,2,3]`, bound as text and cast with `::vector`.
    static func vectorText(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
    static func parseVector(_ s: String) -> [Float] {
        s.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) }
    }

    static let selectList = "doc_id, uuid, created, updated, props::text, additional::text"

    /// One row of `selectList` (then `vector::text` when `withVector`).
    static func decode(_ row: PostgresRow, withVector: Bool) throws -> PGObjectRow {
        if withVector {
            let (doc, uuid, created, updated, props, additional, vector)
                = try row.decode((Int64, String, Int64, Int64, String, String?, String?).self)
            return PGObjectRow(docID: UInt64(bitPattern: doc), uuid: uuid, created: created, updated: updated,
                               properties: props, vector: vector.map(parseVector), additional: additional)
        }
        let (doc, uuid, created, updated, props, additional) = try row.decode((Int64, String, Int64, Int64, String, String?).self)
        return PGObjectRow(docID: UInt64(bitPattern: doc), uuid: uuid, created: created, updated: updated,
                           properties: props, vector: nil, additional: additional)
    }

    static func rows(_ seq: PostgresRowSequence, withVector: Bool) async throws -> [PGObjectRow] {
        var out: [PGObjectRow] = []
        for try await row in seq { out.append(try decode(row, withVector: withVector)) }
        return out
    }

    /// Without `withProperties`: `{}` and NULL in place of the properties and `additional`, unread.
    static func select(_ shard: Int64, withVector: Bool, withProperties: Bool = true) -> String {
        let columns = withProperties ? selectList : "doc_id, uuid, created, updated, '{}'::text, NULL::text"
        return "SELECT \(columns)\(withVector ? ", vector::text" : "") FROM \(PGShardTables.objects(shard))"
    }

    static func fetchSQL(_ shard: Int64, withVector: Bool, forUpdate: Bool) -> String {
        select(shard, withVector: withVector) + " WHERE uuid = $1" + (forUpdate ? " FOR UPDATE" : "")
    }

    static func fetchSQL(_ shard: Int64, condition: String?, orderBy: String?, limit: Int?, offset: Int?, withVector: Bool) -> String {
        var sql = select(shard, withVector: withVector)
        if let condition { sql += " WHERE \(condition)" }
        if let orderBy { sql += " ORDER BY \(orderBy)" }
        if let limit { sql += " LIMIT \(limit)" }
        if let offset, offset > 0 { sql += " OFFSET \(offset)" }
        return sql
    }

    /// The statement and values of `upsert`.
    static func upsertSQL(_ shard: Int64, row: PGObjectRow, allColumns: [String]) -> (String, [PGValue]) {
        var cols = ["uuid", "doc_id", "created", "updated", "props", "vector", "additional"]
        var marks = ["$1", "nextval('iris_doc_ids')", "$2", "$3", "$4::jsonb", "$5::vector", "$6::jsonb"]
        var values: [PGValue] = [.text(row.uuid), .integer(row.created), .integer(row.updated), .text(row.properties),
                                 row.vector.map { .text(vectorText($0)) } ?? .null, row.additional.map { .text($0) } ?? .null]
        for name in allColumns {
            cols.append(name)
            values.append(row.columns[name] ?? .null)
            marks.append("$\(values.count)")
        }
        let updates = cols.filter { $0 != "uuid" && $0 != "doc_id" }.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(PGShardTables.objects(shard)) (\(cols.joined(separator: ", "))) VALUES (\(marks.joined(separator: ", ")))"
            + " ON CONFLICT (uuid) DO UPDATE SET \(updates) RETURNING doc_id"
        return (sql, values)
    }

    /// The object, its row locked until the transaction ends when `forUpdate` (read-modify-write: writers to
    /// one object serialise, writers to others run in parallel).
    public static func fetch(_ c: PostgresConnection, shard: Int64, uuid: String, withVector: Bool,
                             forUpdate: Bool = false) async throws -> PGObjectRow? {
        try await rows(c.exec(fetchSQL(shard, withVector: withVector, forUpdate: forUpdate), [.text(uuid)]), withVector: withVector).first
    }

    /// Rows matching a condition in the PostgreSQL dialect (bound values in placeholder order).
    public static func fetch(_ c: PostgresConnection, shard: Int64, condition: String?, arguments: [PGValue] = [],
                             orderBy: String?, limit: Int?, offset: Int?, withVector: Bool) async throws -> [PGObjectRow] {
        let sql = fetchSQL(shard, condition: condition, orderBy: orderBy, limit: limit, offset: offset, withVector: withVector)
        return try await rows(c.exec(sql, arguments), withVector: withVector)
    }

    /// Inserts `row` or, when its uuid exists, overwrites it (keeping its doc id); returns the doc id.
    /// `allColumns` lists every typed column so absent properties become NULL.
    public static func upsert(_ c: PostgresConnection, shard: Int64, row: PGObjectRow, allColumns: [String]) async throws -> UInt64 {
        let (sql, values) = upsertSQL(shard, row: row, allColumns: allColumns)
        for try await doc in try await c.exec(sql, values).decode(Int64.self) { return UInt64(bitPattern: doc) }
        throw PostgresStoreError("upsert returned no doc id")
    }

    /// Deletes the object and its token rows; whether it existed.
    @discardableResult
    public static func delete(_ c: PostgresConnection, shard: Int64, uuid: String) async throws -> Bool {
        try await c.exec("DELETE FROM \(PGShardTables.tokens(shard)) WHERE uuid = $1", [.text(uuid)])
        try await c.exec("DELETE FROM \(PGShardTables.lengths(shard)) WHERE uuid = $1", [.text(uuid)])
        var found = false
        for try await _ in try await c.exec("DELETE FROM \(PGShardTables.objects(shard)) WHERE uuid = $1 RETURNING 1", [.text(uuid)])
            .decode(Int32.self) { found = true }
        return found
    }

    public static func count(_ c: PostgresConnection, shard: Int64) async throws -> Int {
        for try await n in try await c.exec("SELECT count(*) FROM \(PGShardTables.objects(shard))").decode(Int64.self) { return Int(n) }
        return 0
    }
}
