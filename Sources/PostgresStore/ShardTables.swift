import Foundation
import PostgresNIO

/// A typed column of a shard's object table (one filterable property or part of one), as in SQLite.
public struct PGColumn: Sendable, Equatable {
    public enum SQLType: String, Sendable { case text = "text", integer = "bigint", real = "double precision" }
    public var name: String
    public var type: SQLType
    public var indexed: Bool
    public init(name: String, type: SQLType, indexed: Bool) { self.name = name; self.type = type; self.indexed = indexed }
}

/// Weaviate's distances through pgvector's operators (design §2). Weaviate's hamming has no float-vector
/// operator class in pgvector; the engine refuses it at class creation.
public enum PGDistance: String, Sendable, CaseIterable {
    case cosine
    case dot
    case l2Squared = "l2-squared"
    case manhattan

    var operatorClass: String {
        switch self {
        case .cosine: return "vector_cosine_ops"
        case .dot: return "vector_ip_ops"
        case .l2Squared: return "vector_l2_ops"
        case .manhattan: return "vector_l1_ops"
        }
    }

    var sqlOperator: String {
        switch self {
        case .cosine: return "<=>"
        case .dot: return "<#>"
        case .l2Squared: return "<->"
        case .manhattan: return "<+>"
        }
    }

    /// Weaviate's distance from pgvector's: `<#>` is already the negated inner product (Weaviate's dot
    /// distance), `<->` is the Euclidean norm, whose square is Weaviate's l2-squared (same order).
    func weaviate(_ d: Double) -> Float {
        self == .l2Squared ? Float(d * d) : Float(d)
    }

    /// pgvector's distance for Weaviate's `d` (the inverse of `weaviate`), for `<=` conditions.
    func pgvector(_ d: Float) -> Double {
        self == .l2Squared ? Double(max(0, d)).squareRoot() : Double(d)
    }
}

/// pgvector's HNSW indexes `vector` columns of at most this many dimensions.
public let pgvectorMaxHNSWDimensions = 2000

/// The per-shard tables `obj_<id>`, `tok_<id>`, `tlen_<id>` (a tenant's shard: negative id → `obj_t<id>`).
public enum PGShardTables {
    public static func objects(_ shard: Int64) -> String { "obj_" + suffix(shard) }
    public static func tokens(_ shard: Int64) -> String { "tok_" + suffix(shard) }
    public static func lengths(_ shard: Int64) -> String { "tlen_" + suffix(shard) }
    static func suffix(_ shard: Int64) -> String { shard < 0 ? "t\(-shard)" : "\(shard)" }
    /// The column of a class's named vector `lane` (0: the first or only one).
    public static func vectorColumn(_ lane: Int) -> String { lane == 0 ? "vector" : "vector_\(lane)" }

    /// Creates a shard's tables (design §2). `uuid` is the primary key, the distribution column under Citus;
    /// the vector column gets its dimension and index with the first vector (`setVectorIndex`).
    /// `lanes`: one vector column per named vector of the class.
    public static func create(_ c: PostgresConnection, shard: Int64, columns: [PGColumn], lanes: Int = 1) async throws {
        for sql in createStatements(shard: shard, columns: columns, lanes: lanes) { try await c.exec(sql) }
    }

    public static func create(_ c: BlockingConnection, shard: Int64, columns: [PGColumn], lanes: Int = 1) throws {
        for sql in createStatements(shard: shard, columns: columns, lanes: lanes) { try c.query(sql) }
    }

    static func createStatements(shard: Int64, columns: [PGColumn], lanes: Int) -> [String] {
        let t = objects(shard)
        let typed = columns.map { ", \($0.name) \($0.type.rawValue)" }.joined()
        let moreVectors = (1..<max(lanes, 1)).map { ", \(vectorColumn($0)) vector" }.joined()
        var out = ["""
            CREATE TABLE \(t) (uuid text NOT NULL PRIMARY KEY, doc_id bigint NOT NULL, created bigint NOT NULL,
                updated bigint NOT NULL, props jsonb NOT NULL, vector vector, additional jsonb\(moreVectors)\(typed))
            """,
            "CREATE UNIQUE INDEX \(t)_doc ON \(t) (doc_id, uuid)"]
        for col in columns where col.indexed { out.append("CREATE INDEX \(t)_\(col.name) ON \(t) (\(col.name))") }
        out.append("""
            CREATE TABLE \(tokens(shard)) (uuid text NOT NULL, doc_id bigint NOT NULL, prop int NOT NULL, token text NOT NULL,
                tf int NOT NULL, PRIMARY KEY (uuid, prop, token))
            """)
        out.append("CREATE INDEX \(tokens(shard))_term ON \(tokens(shard)) (prop, token)")
        out.append("""
            CREATE TABLE \(lengths(shard)) (uuid text NOT NULL, doc_id bigint NOT NULL, prop int NOT NULL, len int NOT NULL,
                PRIMARY KEY (uuid, prop))
            """)
        return out
    }

    /// Adds the typed columns of a new property (existing rows get NULL: the property is absent).
    public static func addColumns(_ c: BlockingConnection, shard: Int64, columns: [PGColumn]) throws {
        let t = objects(shard)
        try PGVectorIndexes.cancelBuilds(c, shard: shard)
        for col in columns {
            try c.query("ALTER TABLE \(t) ADD COLUMN \(col.name) \(col.type.rawValue)")
            if col.indexed { try c.query("CREATE INDEX \(t)_\(col.name) ON \(t) (\(col.name))") }
        }
    }

    /// Fixes a vector column's dimension (pgvector's type modifier), in the first vector's transaction. The
    /// column's HNSW index comes later, once writes pause (`PGVectorIndexes`); the dimension is checked
    /// here against pgvector's HNSW limit so a class never holds vectors it cannot index.
    public static func setVectorType(_ c: BlockingConnection, shard: Int64, lane: Int = 0, dimension: Int) throws {
        guard dimension <= pgvectorMaxHNSWDimensions else {
            throw PostgresStoreError("vector length \(dimension) exceeds the \(pgvectorMaxHNSWDimensions) dimensions pgvector's HNSW index takes")
        }
        try PGVectorIndexes.cancelBuilds(c, shard: shard)
        try c.query("ALTER TABLE \(objects(shard)) ALTER COLUMN \(vectorColumn(lane)) TYPE vector(\(dimension))")
    }

    /// The dimension a vector column was typed with, nil while no vector has fixed it (pgvector keeps
    /// the dimension as the column's type modifier).
    public static func vectorDimension(_ c: BlockingConnection, shard: Int64, lane: Int) throws -> Int? {
        let typmod = try c.query("SELECT atttypmod FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
                                 [.text(objects(shard)), .text(vectorColumn(lane))]).first?.decode(Int32.self)
        return typmod.flatMap { $0 > 0 ? Int($0) : nil }
    }

    public static func drop(_ c: PostgresConnection, shard: Int64) async throws {
        for t in [objects(shard), tokens(shard), lengths(shard)] { try await c.exec("DROP TABLE IF EXISTS \(t)") }
    }

    public static func drop(_ c: BlockingConnection, shard: Int64) throws {
        try PGVectorIndexes.cancelBuilds(c, shard: shard)
        try c.query("DROP TABLE IF EXISTS \(objects(shard)), \(tokens(shard)), \(lengths(shard))")
    }
}
