import Foundation
import PostgresNIO

/// The row reads and writes of the Database's PostgreSQL engine, on a `BlockingConnection` inside the
/// caller's transaction (design §2). Doc ids come from the `iris_doc_ids` sequence and stay with their
/// uuid across overwrites; token rows are keyed by uuid (the distribution column under Citus).
extension PGObjectRows {
    /// Serialises the writers of one object until the transaction ends, also while it does not exist
    /// yet (which `FOR UPDATE` cannot lock): two creates of one id run one after the other, and the
    /// second sees the first's row. The key is (shard, hash of the uuid); a collision only serialises two
    /// writers that did not need it. Reads after it run on a snapshot taken after the lock was granted.
    public static func lockObject(_ c: BlockingConnection, shard: Int64, uuid: String) throws {
        try c.query("SELECT pg_advisory_xact_lock(($1::bigint << 32) | (hashtext($2)::bigint & 4294967295))",
                    [.integer(shard), .text(uuid)])
    }

    /// `lockObject` for many objects in one statement, in key order (two transactions locking overlapping
    /// sets this way never wait on each other in a circle), then their rows `FOR UPDATE`: uuid → doc id of
    /// those that exist.
    public static func lockObjects(_ c: BlockingConnection, shard: Int64, uuids: [String]) throws -> [String: UInt64] {
        guard !uuids.isEmpty else { return [:] }
        var binds = PostgresBindings(capacity: 2)
        binds.append(shard); binds.append(uuids)
        // The locks are taken as the sorted rows are projected (a volatile call runs after ORDER BY).
        try c.query("""
            SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT ($1::bigint << 32) | (hashtext(u)::bigint & 4294967295) AS k
                                                  FROM unnest($2::text[]) u) s ORDER BY k
            """, bindings: binds)
        var found: [String: UInt64] = [:]
        for row in try c.query("SELECT uuid, doc_id FROM \(PGShardTables.objects(shard)) WHERE uuid = ANY($1) FOR UPDATE",
                               bindings: { var b = PostgresBindings(capacity: 1); b.append(uuids); return b }()) {
            let (uuid, doc) = try row.decode((String, Int64).self)
            found[uuid] = UInt64(bitPattern: doc)
        }
        return found
    }

    public static func fetch(_ c: BlockingConnection, shard: Int64, uuid: String, withVector: Bool,
                             forUpdate: Bool = false) throws -> PGObjectRow? {
        try c.query(fetchSQL(shard, withVector: withVector, forUpdate: forUpdate), [.text(uuid)])
            .first.map { try decode($0, withVector: withVector) }
    }

    public static func docID(_ c: BlockingConnection, shard: Int64, uuid: String) throws -> UInt64? {
        try c.query("SELECT doc_id FROM \(PGShardTables.objects(shard)) WHERE uuid = $1", [.text(uuid)])
            .first.map { UInt64(bitPattern: try $0.decode(Int64.self)) }
    }

    /// Rows in the order of `docIDs`; ids that no longer exist are skipped (`withProperties`: see `select`).
    public static func fetch(_ c: BlockingConnection, shard: Int64, docIDs: [UInt64], withVector: Bool,
                             withProperties: Bool = true) throws -> [PGObjectRow] {
        guard !docIDs.isEmpty else { return [] }
        let rows = try c.query(select(shard, withVector: withVector, withProperties: withProperties) + " WHERE doc_id = ANY($1)",
                               [.integers(docIDs.map { Int64(bitPattern: $0) })])
        var byID: [UInt64: PGObjectRow] = [:]
        for r in rows { let o = try decode(r, withVector: withVector); byID[o.docID] = o }
        return docIDs.compactMap { byID[$0] }
    }

    public static func fetch(_ c: BlockingConnection, shard: Int64, condition: String?, arguments: [PGValue],
                             orderBy: String?, limit: Int?, offset: Int?, withVector: Bool) throws -> [PGObjectRow] {
        try c.query(fetchSQL(shard, condition: condition, orderBy: orderBy, limit: limit, offset: offset, withVector: withVector),
                    arguments).map { try decode($0, withVector: withVector) }
    }

    /// (doc id, uuid) of the matching rows in doc id order.
    public static func ids(_ c: BlockingConnection, shard: Int64, condition: String?, arguments: [PGValue],
                           limit: Int?) throws -> [(docID: UInt64, uuid: String)] {
        var sql = "SELECT doc_id, uuid FROM \(PGShardTables.objects(shard))"
        if let condition { sql += " WHERE \(condition)" }
        sql += " ORDER BY doc_id"
        if let limit { sql += " LIMIT \(limit)" }
        return try c.query(sql, arguments).map { r in
            let (doc, uuid) = try r.decode((Int64, String).self)
            return (UInt64(bitPattern: doc), uuid)
        }
    }

    public static func count(_ c: BlockingConnection, shard: Int64, condition: String?, arguments: [PGValue]) throws -> Int {
        var sql = "SELECT count(*) FROM \(PGShardTables.objects(shard))"
        if let condition { sql += " WHERE \(condition)" }
        return Int(try c.query(sql, arguments).first?.decode(Int64.self) ?? 0)
    }

    /// How many rows have a vector in the column of `lane`.
    public static func vectorCount(_ c: BlockingConnection, shard: Int64, lane: Int = 0) throws -> Int {
        try count(c, shard: shard, condition: "\(PGShardTables.vectorColumn(lane)) IS NOT NULL", arguments: [])
    }

    /// The vectors of the further named vectors (`lanes`, each ≥ 1) of `docIDs`: doc id → lane → vector
    /// (rows are read without them; only reads with vectors of classes with several need them).
    public static func laneVectors(_ c: BlockingConnection, shard: Int64, lanes: [Int], docIDs: [UInt64]) throws -> [UInt64: [Int: [Float]]] {
        guard !lanes.isEmpty, !docIDs.isEmpty else { return [:] }
        let columns = lanes.map { ", \(PGShardTables.vectorColumn($0))::text" }.joined()
        var out: [UInt64: [Int: [Float]]] = [:]
        for row in try c.query("SELECT doc_id\(columns) FROM \(PGShardTables.objects(shard)) WHERE doc_id = ANY($1)",
                               [.integers(docIDs.map { Int64(bitPattern: $0) })]) {
            let cells = row.makeRandomAccess()
            let doc = UInt64(bitPattern: try cells[0].decode(Int64.self))
            for (i, lane) in lanes.enumerated() {
                if let text = try cells[i + 1].decode(String?.self) { out[doc, default: [:]][lane] = parseVector(text) }
            }
        }
        return out
    }

    /// Sets (nil: clears) the vector of a further named vector of `docID`.
    public static func setLaneVector(_ c: BlockingConnection, shard: Int64, lane: Int, docID: UInt64, vector: [Float]?) throws {
        try c.query("UPDATE \(PGShardTables.objects(shard)) SET \(PGShardTables.vectorColumn(lane)) = $1::vector WHERE doc_id = $2",
                    [vector.map { .text(vectorText($0)) } ?? .null, .integer(Int64(bitPattern: docID))])
    }

    /// Inserts `row` or overwrites the row of its uuid (keeping its doc id); returns the doc id.
    /// New doc ids from the shared sequence, for rows written by `upsert(rows:)`.
    public static func newDocIDs(_ c: BlockingConnection, count: Int) throws -> [UInt64] {
        guard count > 0 else { return [] }
        return try c.query("SELECT nextval('iris_doc_ids') FROM generate_series(1, $1)", [.integer(Int64(count))])
            .map { UInt64(bitPattern: try $0.decode(Int64.self)) }
    }

    /// Inserts or overwrites many rows, each with its doc id set (an existing row keeps its own), in one
    /// statement: the rows travel as one JSON array (NULLs and every column type in one parameter) that
    /// `jsonb_to_recordset` turns back into typed columns. `columns` lists every typed column, so absent
    /// properties become NULL. The uuids must be distinct.
    public static func upsert(_ c: BlockingConnection, shard: Int64, rows: [PGObjectRow], columns: [PGColumn]) throws {
        guard !rows.isEmpty else { return }
        var json = "["
        json.reserveCapacity(rows.count * ((rows.first?.vector?.count ?? 0) * 12 + 200))
        for (k, r) in rows.enumerated() {
            if k > 0 { json += "," }
            json += "{\"u\":"; PGJSON.string(r.uuid, into: &json)
            json += ",\"d\":\(Int64(bitPattern: r.docID)),\"c\":\(r.created),\"m\":\(r.updated),\"p\":\(r.properties)"
            json += ",\"v\":"
            if let v = r.vector { json += vectorText(v) } else { json += "null" }
            json += ",\"a\":\(r.additional ?? "null")"
            for col in columns {
                json += ","; PGJSON.string(col.name, into: &json); json += ":"
                PGJSON.value(r.columns[col.name] ?? .null, into: &json)
            }
            json += "}"
        }
        json += "]"
        let names = ["uuid", "doc_id", "created", "updated", "props", "vector", "additional"] + columns.map(\.name)
        let typed = ["u text", "d int8", "c int8", "m int8", "p jsonb", "v text", "a jsonb"]
            + columns.map { "\($0.name) \($0.type.rawValue)" }
        let values = ["u", "d", "c", "m", "p", "v::vector", "a"] + columns.map(\.name)
        let updates = names.filter { $0 != "uuid" && $0 != "doc_id" }.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        try c.query("""
            INSERT INTO \(PGShardTables.objects(shard)) (\(names.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM jsonb_to_recordset($1::jsonb) AS x(\(typed.joined(separator: ", ")))
            ON CONFLICT (uuid) DO UPDATE SET \(updates)
            """, [.text(json)])
    }

    public static func upsert(_ c: BlockingConnection, shard: Int64, row: PGObjectRow, allColumns: [String]) throws -> UInt64 {
        let (sql, values) = upsertSQL(shard, row: row, allColumns: allColumns)
        guard let doc = try c.query(sql, values).first else { throw PostgresStoreError("upsert returned no doc id") }
        return UInt64(bitPattern: try doc.decode(Int64.self))
    }

    /// Deletes the object of `docID` and its token rows; its uuid, nil when it did not exist.
    @discardableResult
    public static func delete(_ c: BlockingConnection, shard: Int64, docID: UInt64) throws -> String? {
        guard let row = try c.query("DELETE FROM \(PGShardTables.objects(shard)) WHERE doc_id = $1 RETURNING uuid",
                                    [.integer(Int64(bitPattern: docID))]).first else { return nil }
        let uuid = try row.decode(String.self)
        try PGTokenRows.delete(c, shard: shard, uuids: [uuid])
        return uuid
    }

    /// The uuid of a doc id.
    public static func uuid(_ c: BlockingConnection, shard: Int64, docID: UInt64) throws -> String? {
        try c.query("SELECT uuid FROM \(PGShardTables.objects(shard)) WHERE doc_id = $1", [.integer(Int64(bitPattern: docID))])
            .first.map { try $0.decode(String.self) }
    }
}

/// `tok_<id>` (one row per distinct token of a property of an object, with its count) and `tlen_<id>`
/// (each property's token count), for bm25 and tokenized filters; the same shape as the SQLite tables.
public enum PGTokenRows {
    /// One document's statistics for a term: occurrences and the property's token count.
    public struct Posting: Sendable, Equatable {
        public var docID: UInt64
        public var frequency: Int
        public var propertyLength: Int
    }

    /// Deletes the token and length rows of these objects.
    public static func delete(_ c: BlockingConnection, shard: Int64, uuids: [String]) throws {
        for table in [PGShardTables.tokens(shard), PGShardTables.lengths(shard)] {
            var binds = PostgresBindings(capacity: 1)
            binds.append(uuids)
            try c.query("DELETE FROM \(table) WHERE uuid = ANY($1)", bindings: binds)
        }
    }

    /// Replaces the token rows of one object: `tokens[prop]` maps each distinct token of property ordinal
    /// `prop` to its count; the property's length is their sum.
    public static func set(_ c: BlockingConnection, shard: Int64, uuid: String, docID: UInt64, tokens: [Int: [String: Int]]) throws {
        try set(c, shard: shard, objects: [Entry(uuid: uuid, docID: docID, tokens: tokens)], replacing: [uuid])
    }

    /// One object's token rows for `set(objects:)`.
    public struct Entry: Sendable {
        public var uuid: String
        public var docID: UInt64
        public var tokens: [Int: [String: Int]]
        public init(uuid: String, docID: UInt64, tokens: [Int: [String: Int]]) { self.uuid = uuid; self.docID = docID; self.tokens = tokens }
    }

    /// The token rows of many objects: those of the uuids in `replacing` are deleted first, then all are
    /// inserted. Four statements at most, whatever the counts (`unnest`).
    public static func set(_ c: BlockingConnection, shard: Int64, objects: [Entry], replacing: [String]) throws {
        if !replacing.isEmpty { try delete(c, shard: shard, uuids: replacing) }
        var uuids: [String] = [], docs: [Int64] = [], props: [Int32] = [], words: [String] = [], counts: [Int32] = []
        var lengthUUIDs: [String] = [], lengthDocs: [Int64] = [], lengthProps: [Int32] = [], lengths: [Int32] = []
        for o in objects {
            for (prop, byToken) in o.tokens {
                var length = 0
                for (token, tf) in byToken {
                    uuids.append(o.uuid); docs.append(Int64(bitPattern: o.docID))
                    props.append(Int32(prop)); words.append(token); counts.append(Int32(tf))
                    length += tf
                }
                lengthUUIDs.append(o.uuid); lengthDocs.append(Int64(bitPattern: o.docID))
                lengthProps.append(Int32(prop)); lengths.append(Int32(length))
            }
        }
        guard !uuids.isEmpty || !lengthUUIDs.isEmpty else { return }
        var binds = PostgresBindings(capacity: 5)
        binds.append(uuids); binds.append(docs); binds.append(props); binds.append(words); binds.append(counts)
        try c.query("""
            INSERT INTO \(PGShardTables.tokens(shard)) (uuid, doc_id, prop, token, tf)
            SELECT * FROM unnest($1::text[], $2::int8[], $3::int[], $4::text[], $5::int[])
            """, bindings: binds)
        var lengthBinds = PostgresBindings(capacity: 4)
        lengthBinds.append(lengthUUIDs); lengthBinds.append(lengthDocs); lengthBinds.append(lengthProps); lengthBinds.append(lengths)
        try c.query("""
            INSERT INTO \(PGShardTables.lengths(shard)) (uuid, doc_id, prop, len)
            SELECT * FROM unnest($1::text[], $2::int8[], $3::int[], $4::int[])
            """, bindings: lengthBinds)
    }

    /// Every document whose property `prop` holds `token`, with its term frequency and property length.
    public static func postings(_ c: BlockingConnection, shard: Int64, prop: Int, token: String) throws -> [Posting] {
        try c.query("""
            SELECT t.doc_id, t.tf, COALESCE(l.len, t.tf) FROM \(PGShardTables.tokens(shard)) t
            LEFT JOIN \(PGShardTables.lengths(shard)) l ON l.uuid = t.uuid AND l.prop = t.prop
            WHERE t.prop = $1 AND t.token = $2
            """, [.integer(Int64(prop)), .text(token)]).map { r in
            let (doc, tf, len) = try r.decode((Int64, Int32, Int32).self)
            return Posting(docID: UInt64(bitPattern: doc), frequency: Int(tf), propertyLength: Int(len))
        }
    }

    /// The summed token count of property `prop` over the documents that have it, and their number.
    public static func lengthTotals(_ c: BlockingConnection, shard: Int64, prop: Int) throws -> (sum: Int, count: Int) {
        guard let r = try c.query("SELECT COALESCE(sum(len), 0)::bigint, count(*) FROM \(PGShardTables.lengths(shard)) WHERE prop = $1",
                                  [.integer(Int64(prop))]).first else { return (0, 0) }
        let (sum, n) = try r.decode((Int64, Int64).self)
        return (Int(sum), Int(n))
    }
}

/// JSON text for `PGObjectRows.upsert(rows:)`.
enum PGJSON {
    static func string(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    static func value(_ v: PGValue, into out: inout String) {
        switch v {
        case .null: out += "null"
        case .integer(let i): out += String(i)
        // Swift prints the shortest text that reads back as the same Double; JSON has no NaN or infinity.
        case .real(let d): out += d.isFinite ? "\(d)" : "null"
        case .text(let s): string(s, into: &out)
        case .integers(let a): out += "[" + a.map(String.init).joined(separator: ",") + "]"
        }
    }
}
