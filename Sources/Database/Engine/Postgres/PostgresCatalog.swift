import Foundation
import PostgresStore
import Storage
import VectorIndex

/// The schema's rows and tables in PostgreSQL (design §2): `iris_classes` (definition as jsonb, the
/// dimension, the shard status), `iris_tenants`, and each shard's `obj_` / `tok_` / `tlen_` tables.
/// Every change also bumps `iris_schema_version` in the same transaction, so another node can tell its
/// cached schema is stale (design §4).
enum PostgresCatalog {
    /// The PostgreSQL form of the typed columns the Database derives from a class's properties.
    static func columns(_ columns: [StoreColumn]) -> [PGColumn] {
        columns.map { c in
            let type: PGColumn.SQLType
            switch c.type {
            case .text: type = .text
            case .integer: type = .integer
            case .real: type = .real
            }
            return PGColumn(name: c.name, type: type, indexed: c.indexed)
        }
    }

    /// Inserts a class's row and creates its tables; returns its id.
    static func createClass(_ c: BlockingConnection, name: String, definition: String, columns: [StoreColumn], lanes: Int) throws -> Int64 {
        guard let row = try c.query("INSERT INTO iris_classes (name, definition) VALUES ($1, $2::jsonb) RETURNING id",
                                    [.text(name), .text(definition)]).first else {
            throw PostgresStoreError("class insert returned no id")
        }
        let id = try row.decode(Int64.self)
        try PGShardTables.create(c, shard: id, columns: self.columns(columns), lanes: lanes)
        return id
    }

    /// Marks the schema changed and tells the other nodes (at commit); returns the new version.
    static func bumpVersion(_ c: BlockingConnection) throws -> Int64 {
        guard let row = try c.query("UPDATE iris_schema_version SET version = version + 1 RETURNING version").first else {
            throw PostgresStoreError("iris_schema_version has no row")
        }
        try c.query("NOTIFY iris_schema")
        return try row.decode(Int64.self)
    }

    /// The stored schema's version.
    static func version(_ c: BlockingConnection) throws -> Int64 {
        try c.query("SELECT version FROM iris_schema_version").first?.decode(Int64.self) ?? 0
    }
}

extension PostgresCatalog {
    /// The `ClassState.index` of a shard whose vectors live in pgvector: empty, in memory, never searched
    /// (the engine's `nearest` asks PostgreSQL). Made from the class's config so a config the embedded
    /// engine refuses is refused here too.
    static func unusedIndex(_ definition: ClassDefinition) throws -> any VectorIndex {
        do {
            return try VectorIndexes.make(config: definition.hnswConfig())
        } catch let e as VectorIndexError {
            throw DatabaseError.unprocessable(e.description)
        }
    }

    /// One `unusedIndex` per named vector (`ClassState.indexes`).
    static func unusedIndexes(_ definition: ClassDefinition) throws -> [any VectorIndex] {
        try (0..<definition.laneCount).map { try unusedIndex(definition.lane($0)) }
    }

    /// The stored schema: classes in creation order with their tenants.
    struct StoredClass {
        var id: Int64
        var name: String
        var definition: String
        var dimension: Int?
        var shardStatus: String
        var tenants: [(id: Int64, name: String, status: String)]
    }

    static func load(_ c: BlockingConnection) throws -> [StoredClass] {
        var classes = try c.query("SELECT id, name, definition::text, dimension, shard_status FROM iris_classes ORDER BY id").map { r in
            let (id, name, definition, dimension, status) = try r.decode((Int64, String, String, Int32?, String).self)
            return StoredClass(id: id, name: name, definition: definition, dimension: dimension.map(Int.init), shardStatus: status, tenants: [])
        }
        let tenants = try c.query("SELECT id, class_id, name, status FROM iris_tenants ORDER BY id").map { r in
            try r.decode((Int64, Int64, String, String).self)
        }
        for (id, classID, name, status) in tenants {
            if let k = classes.firstIndex(where: { $0.id == classID }) { classes[k].tenants.append((id, name, status)) }
        }
        return classes
    }
}
