import Foundation
import GRDB

/// A typed column of a class table, holding one filterable property (or part of one, e.g. a longitude).
public struct StoreColumn: Sendable, Equatable {
    public enum SQLType: String, Sendable { case text = "TEXT", integer = "INTEGER", real = "REAL" }
    public var name: String
    public var type: SQLType
    /// Whether to create a B-tree index on it (filterable properties).
    public var indexed: Bool
    public init(name: String, type: SQLType, indexed: Bool) { self.name = name; self.type = type; self.indexed = indexed }
}

/// One object as stored: fixed columns plus the typed property columns.
public struct ObjectRow: Sendable {
    public var docID: UInt64
    public var uuid: String
    public var created: Int64
    public var updated: Int64
    /// The properties as JSON text (the authoritative copy, returned verbatim).
    public var properties: String
    /// Little-endian Float32; nil when the object has no vector.
    public var vector: Data?
    /// `additional` as JSON text, if any.
    public var additional: String?
    /// Values of the typed columns (column name → value); missing or NULL for absent properties.
    public var columns: [String: DatabaseValue]
    /// The vectors of the shard's further lanes (`VectorLanes`, lane n ≥ 1 → vector), when read with vectors.
    public var moreVectors: [Int: Data] = [:]

    public init(docID: UInt64 = 0, uuid: String, created: Int64, updated: Int64, properties: String,
                vector: Data?, additional: String? = nil, columns: [String: DatabaseValue] = [:]) {
        self.docID = docID
        self.uuid = uuid
        self.created = created
        self.updated = updated
        self.properties = properties
        self.vector = vector
        self.additional = additional
        self.columns = columns
    }
}

/// The per-class tables `obj_<classID>`: `doc_id` (the vector index label), `uuid` (unique), timestamps,
/// the properties as JSON, the vector blob, and one typed, indexed column per filterable primitive
/// property so `where` filters run as indexed SQL.
public enum ObjectTables {
    /// A table set is keyed by a shard id: a class's own id (> 0), or the negated id of one of its
    /// tenants (`Tenants`), whose tables are `obj_t<id>`, `tok_t<id>`, `tlen_t<id>`.
    public static func tableName(_ classID: Int64) -> String { "obj_" + suffix(classID) }

    static func suffix(_ shardID: Int64) -> String { shardID < 0 ? "t\(-shardID)" : "\(shardID)" }

    public static func create(_ db: GRDB.Database, classID: Int64, columns: [StoreColumn]) throws {
        let t = tableName(classID)
        var sql = """
            CREATE TABLE \(t) (
                doc_id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                created INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                props TEXT NOT NULL,
                vector BLOB,
                additional TEXT
            """
        for c in columns { sql += ",\n    \(c.name) \(c.type.rawValue)" }
        sql += ")"
        try db.execute(sql: sql)
        try db.execute(sql: "CREATE INDEX \(t)_created ON \(t)(created)")
        try db.execute(sql: "CREATE INDEX \(t)_updated ON \(t)(updated)")
        for c in columns where c.indexed { try createIndex(db, table: t, column: c.name) }
        try createVectorIndex(db, classID: classID)
        try createTokenTable(db, classID: classID)
    }

    /// A partial index of the doc ids that have a vector, so counting them (the start-up check compares
    /// the count with the vector index) reads megabytes, not every row with its vector. Tables made
    /// before it existed get it when they are opened (one scan, once).
    public static func createVectorIndex(_ db: GRDB.Database, classID: Int64) throws {
        let t = tableName(classID)
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(t)_vec ON \(t)(doc_id) WHERE vector IS NOT NULL")
    }

    /// `tok_<classID>`: the inverted index of tokenized text, one row per distinct token of a property of a
    /// document with its count `tf`, so text `Equal` / `Like` filters are index lookups and BM25 reads term
    /// frequencies. `tlen_<classID>` holds each (property, document)'s token count for BM25's length norm.
    public static func tokenTableName(_ classID: Int64) -> String { "tok_" + suffix(classID) }
    public static func lengthTableName(_ classID: Int64) -> String { "tlen_" + suffix(classID) }

    /// Creates the token tables if missing; returns true if the caller must (re)fill them from the objects:
    /// when they were created, or when a data folder from before term statistics had them without `tf`
    /// (such a table is emptied and upgraded here, so the refill writes full statistics).
    @discardableResult
    public static func createTokenTable(_ db: GRDB.Database, classID: Int64) throws -> Bool {
        let t = tokenTableName(classID), l = lengthTableName(classID)
        if try db.tableExists(t) {
            if try db.tableExists(l) { return false }
            if try !db.columns(in: t).contains(where: { $0.name == "tf" }) {
                try db.execute(sql: "ALTER TABLE \(t) ADD COLUMN tf INTEGER NOT NULL DEFAULT 1")
            }
            try db.execute(sql: "DELETE FROM \(t)")
        } else {
            try db.execute(sql: """
                CREATE TABLE \(t) (doc_id INTEGER NOT NULL, prop INTEGER NOT NULL, token TEXT NOT NULL,
                                    tf INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (prop, token, doc_id)) WITHOUT ROWID;
                CREATE INDEX \(t)_doc ON \(t)(doc_id);
                """)
        }
        // Lengths are refilled with the tokens (a lone tlen table, without its tokens, is rebuilt too).
        try db.execute(sql: """
            DROP TABLE IF EXISTS \(l);
            CREATE TABLE \(l) (prop INTEGER NOT NULL, doc_id INTEGER NOT NULL, len INTEGER NOT NULL,
                                PRIMARY KEY (prop, doc_id)) WITHOUT ROWID;
            CREATE INDEX \(l)_doc ON \(l)(doc_id);
            """)
        return true
    }

    /// Replaces the tokens of a document: `tokens[prop]` maps each distinct token of property ordinal `prop`
    /// to its number of occurrences; the property's length is the sum of those counts.
    public static func setTokens(_ db: GRDB.Database, classID: Int64, docID: UInt64, tokens: [Int: [String: Int]], replacing: Bool) throws {
        let t = tokenTableName(classID), l = lengthTableName(classID)
        let id = Int64(bitPattern: docID)
        if replacing {
            try db.cachedStatement(sql: "DELETE FROM \(t) WHERE doc_id = ?").execute(arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM \(l) WHERE doc_id = ?").execute(arguments: [id])
        }
        if tokens.isEmpty { return }
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(t) (doc_id, prop, token, tf) VALUES (?, ?, ?, ?)")
        let insertLength = try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(l) (prop, doc_id, len) VALUES (?, ?, ?)")
        for (prop, counts) in tokens {
            var length = 0
            for (token, tf) in counts {
                try insert.execute(arguments: [id, prop, token, tf])
                length += tf
            }
            try insertLength.execute(arguments: [prop, id, length])
        }
    }

    /// One document's statistics for a term in a property: occurrences and the property's token count.
    public struct TermPosting: Sendable, Equatable {
        public var docID: UInt64
        public var frequency: Int
        public var propertyLength: Int
        public init(docID: UInt64, frequency: Int, propertyLength: Int) {
            self.docID = docID; self.frequency = frequency; self.propertyLength = propertyLength
        }
    }

    /// Every document whose property `prop` contains `token`, with its term frequency and property length.
    public static func postings(_ db: GRDB.Database, classID: Int64, prop: Int, token: String) throws -> [TermPosting] {
        let t = tokenTableName(classID), l = lengthTableName(classID)
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT t.doc_id, t.tf, COALESCE(l.len, t.tf) FROM \(t) t
            LEFT JOIN \(l) l ON l.prop = t.prop AND l.doc_id = t.doc_id
            WHERE t.prop = ? AND t.token = ?
            """), arguments: [prop, token])
        var out: [TermPosting] = []
        while let r = try rows.next() {
            out.append(TermPosting(docID: UInt64(bitPattern: r[0] as Int64), frequency: r[1], propertyLength: r[2]))
        }
        return out
    }

    /// The summed token count of property `prop` over the documents that have it, and their number.
    public static func propertyLengthTotals(_ db: GRDB.Database, classID: Int64, prop: Int) throws -> (sum: Int, count: Int) {
        let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(len), 0), COUNT(*) FROM \(lengthTableName(classID)) WHERE prop = ?"),
                                 arguments: [prop])
        return (r?[0] ?? 0, r?[1] ?? 0)
    }

    /// ALTER TABLE for a newly added property (existing rows get NULL: the property is absent).
    public static func addColumns(_ db: GRDB.Database, classID: Int64, columns: [StoreColumn]) throws {
        let t = tableName(classID)
        for c in columns {
            try db.execute(sql: "ALTER TABLE \(t) ADD COLUMN \(c.name) \(c.type.rawValue)")
            if c.indexed { try createIndex(db, table: t, column: c.name) }
        }
    }

    static func createIndex(_ db: GRDB.Database, table: String, column: String) throws {
        try db.execute(sql: "CREATE INDEX \(table)_\(column) ON \(table)(\(column))")
    }

    public static func drop(_ db: GRDB.Database, classID: Int64) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(tableName(classID))")
        try db.execute(sql: "DROP TABLE IF EXISTS \(tokenTableName(classID))")
        try db.execute(sql: "DROP TABLE IF EXISTS \(lengthTableName(classID))")
        try VectorLanes.drop(db, shard: classID)
    }

    /// Inserts a new row and returns its doc id.
    public static func insert(_ db: GRDB.Database, classID: Int64, row: ObjectRow) throws -> UInt64 {
        let names = row.columns.keys.sorted()
        var cols = ["uuid", "created", "updated", "props", "vector", "additional"]
        var args: [DatabaseValueConvertible?] = [row.uuid, row.created, row.updated, row.properties, row.vector, row.additional]
        for n in names { cols.append(n); args.append(row.columns[n]!) }
        let marks = Array(repeating: "?", count: cols.count).joined(separator: ",")
        try db.cachedStatement(sql: "INSERT INTO \(tableName(classID)) (\(cols.joined(separator: ","))) VALUES (\(marks))")
            .execute(arguments: StatementArguments(args))
        return UInt64(db.lastInsertedRowID)
    }

    /// Overwrites the row `row.docID`; `allColumns` lists every typed column so absent properties become NULL.
    public static func update(_ db: GRDB.Database, classID: Int64, row: ObjectRow, allColumns: [String]) throws {
        var sets = ["created = ?", "updated = ?", "props = ?", "vector = ?", "additional = ?"]
        var args: [DatabaseValueConvertible?] = [row.created, row.updated, row.properties, row.vector, row.additional]
        for n in allColumns { sets.append("\(n) = ?"); args.append(row.columns[n] ?? .null) }
        args.append(Int64(bitPattern: row.docID))
        try db.cachedStatement(sql: "UPDATE \(tableName(classID)) SET \(sets.joined(separator: ", ")) WHERE doc_id = ?")
            .execute(arguments: StatementArguments(args))
    }

    public static func delete(_ db: GRDB.Database, classID: Int64, docID: UInt64) throws {
        try db.cachedStatement(sql: "DELETE FROM \(tableName(classID)) WHERE doc_id = ?").execute(arguments: [Int64(bitPattern: docID)])
        try db.cachedStatement(sql: "DELETE FROM \(tokenTableName(classID)) WHERE doc_id = ?").execute(arguments: [Int64(bitPattern: docID)])
        try db.cachedStatement(sql: "DELETE FROM \(lengthTableName(classID)) WHERE doc_id = ?").execute(arguments: [Int64(bitPattern: docID)])
    }

    /// Every (doc id, properties JSON) of a class, for back-filling derived tables.
    public static func forEachProperties(_ db: GRDB.Database, classID: Int64, _ body: (UInt64, String) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT doc_id, props FROM \(tableName(classID))")
        while let r = try cursor.next() { try body(UInt64(bitPattern: r[0] as Int64), r[1]) }
    }

    static let baseColumns = "doc_id, uuid, created, updated, props, additional"

    /// By position in `selectList` (a lookup by name lowercases and searches the column names per value).
    static func decode(_ r: Row, withVector: Bool) -> ObjectRow {
        ObjectRow(docID: UInt64(bitPattern: r[0] as Int64), uuid: r[1], created: r[2],
                  updated: r[3], properties: r[4], vector: withVector ? r[6] : nil,
                  additional: r[5])
    }

    static func selectList(_ withVector: Bool) -> String { withVector ? baseColumns + ", vector" : baseColumns }

    /// `selectList` without the properties and `additional` (read as `{}` and NULL): their text is never
    /// read from the row's overflow pages.
    static func selectList(_ withVector: Bool, withProperties: Bool) -> String {
        if withProperties { return selectList(withVector) }
        return "doc_id, uuid, created, updated, '{}', NULL" + (withVector ? ", vector" : "")
    }

    public static func fetch(_ db: GRDB.Database, classID: Int64, uuid: String, withVector: Bool) throws -> ObjectRow? {
        try Row.fetchOne(db, sql: "SELECT \(selectList(withVector)) FROM \(tableName(classID)) WHERE uuid = ?",
                         arguments: [uuid]).map { decode($0, withVector: withVector) }
    }

    public static func docID(_ db: GRDB.Database, classID: Int64, uuid: String) throws -> UInt64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT doc_id FROM \(tableName(classID)) WHERE uuid = ?"), arguments: [uuid])
            .map { UInt64(bitPattern: $0) }
    }

    /// Rows for `docIDs`, in the order of `docIDs` (missing ids are skipped). Without `withProperties` the
    /// rows carry `{}` as properties and no `additional` (a search whose caller selected no property).
    ///
    /// Every search ends here, so the statement is prepared once per connection: the `IN` list has a
    /// power-of-two length (padded by repeating the last id), which keeps the cache at ten statements.
    public static func fetch(_ db: GRDB.Database, classID: Int64, docIDs: [UInt64], withVector: Bool,
                             withProperties: Bool = true) throws -> [ObjectRow] {
        var byID: [UInt64: ObjectRow] = [:]
        var start = 0
        while start < docIDs.count {
            let chunk = docIDs[start..<min(start + 512, docIDs.count)]
            var slots = 1
            while slots < chunk.count { slots *= 2 }
            let marks = Array(repeating: "?", count: slots).joined(separator: ",")
            let statement = try db.cachedStatement(
                sql: "SELECT \(selectList(withVector, withProperties: withProperties)) FROM \(tableName(classID)) WHERE doc_id IN (\(marks))")
            var ids = chunk.map { Int64(bitPattern: $0) }
            ids += repeatElement(ids[ids.count - 1], count: slots - ids.count)
            for r in try Row.fetchAll(statement, arguments: StatementArguments(ids)) {
                let o = decode(r, withVector: withVector)
                byID[o.docID] = o
            }
            start += 512
        }
        return docIDs.compactMap { byID[$0] }
    }

    /// Rows matching a SQL condition (over the typed columns, `uuid`, `created`, `updated`, `props`).
    public static func fetch(_ db: GRDB.Database, classID: Int64, condition: String?, arguments: StatementArguments = [],
                             orderBy: String?, limit: Int?, offset: Int?, withVector: Bool) throws -> [ObjectRow] {
        var sql = "SELECT \(selectList(withVector)) FROM \(tableName(classID))"
        if let c = condition { sql += " WHERE \(c)" }
        if let o = orderBy { sql += " ORDER BY \(o)" }
        if let l = limit { sql += " LIMIT \(l)" } else if offset != nil { sql += " LIMIT -1" }
        if let o = offset, o > 0 { sql += " OFFSET \(o)" }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { decode($0, withVector: withVector) }
    }

    /// (doc_id, uuid) pairs matching a condition, ordered by doc_id.
    public static func ids(_ db: GRDB.Database, classID: Int64, condition: String?, arguments: StatementArguments = [],
                           limit: Int? = nil) throws -> [(docID: UInt64, uuid: String)] {
        var sql = "SELECT doc_id, uuid FROM \(tableName(classID))"
        if let c = condition { sql += " WHERE \(c)" }
        sql += " ORDER BY doc_id"
        if let l = limit { sql += " LIMIT \(l)" }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { (UInt64(bitPattern: $0[0] as Int64), $0[1] as String) }
    }

    public static func count(_ db: GRDB.Database, classID: Int64, condition: String? = nil, arguments: StatementArguments = []) throws -> Int {
        var sql = "SELECT COUNT(*) FROM \(tableName(classID))"
        if let c = condition { sql += " WHERE \(c)" }
        return try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
    }

    // The vector readers below take a lane key (`VectorLanes`) as `classID`: a shard id reads the
    // object table's own vectors, a further lane's key its `vec_` table (both have doc_id and vector).

    /// Every (doc id, vector) of the lane with a vector, for rebuilding an index without a snapshot.
    public static func forEachVector(_ db: GRDB.Database, classID: Int64, _ body: (UInt64, Data) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT doc_id, vector FROM \(VectorLanes.vectorTable(classID)) WHERE vector IS NOT NULL ORDER BY doc_id")
        while let r = try cursor.next() {
            let id = UInt64(bitPattern: r[0] as Int64)
            let v: Data = r[1]
            try body(id, v)
        }
    }

    /// Up to `count` distinct (doc id, vector) rows spread at random over the doc id range: one rowid seek
    /// each, so sampling a million-row class costs no scan (a class whose doc ids span fewer: all of them).
    public static func sampleVectors(_ db: GRDB.Database, classID: Int64, count: Int) throws -> [(UInt64, Data)] {
        let table = VectorLanes.vectorTable(classID)
        guard let lo = try Int64.fetchOne(db, sql: "SELECT MIN(doc_id) FROM \(table)"),
              let hi = try Int64.fetchOne(db, sql: "SELECT MAX(doc_id) FROM \(table)") else { return [] }
        if hi - lo < Int64(count) {  // a small class: every row
            return try Row.fetchAll(db, sql: "SELECT doc_id, vector FROM \(table) WHERE vector IS NOT NULL ORDER BY doc_id")
                .map { (UInt64(bitPattern: $0[0] as Int64), $0[1] as Data) }
        }
        let seek = try db.makeStatement(sql: "SELECT doc_id, vector FROM \(table) WHERE doc_id >= ? AND vector IS NOT NULL ORDER BY doc_id LIMIT 1")
        var seen = Set<Int64>()
        var out: [(UInt64, Data)] = []
        for _ in 0..<count {
            guard let r = try Row.fetchOne(seek, arguments: [Int64.random(in: lo...hi)]) else { continue }
            let id: Int64 = r[0]
            if seen.insert(id).inserted { out.append((UInt64(bitPattern: id), r[1])) }
        }
        return out
    }

    /// How many rows of the lane have a vector.
    public static func vectorCount(_ db: GRDB.Database, classID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(VectorLanes.vectorTable(classID)) WHERE vector IS NOT NULL") ?? 0
    }

    /// The vector of one doc id (nil if the row is gone or has no vector).
    public static func vector(_ db: GRDB.Database, classID: Int64, docID: UInt64) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT vector FROM \(VectorLanes.vectorTable(classID)) WHERE doc_id = ?", arguments: [Int64(bitPattern: docID)])
    }
}
