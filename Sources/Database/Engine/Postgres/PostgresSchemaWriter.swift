import Foundation
import PostgresStore
import Storage
import VectorIndex

/// Schema changes in one PostgreSQL transaction (`Database.schemaWrite` with the PostgreSQL engine): rows
/// in `iris_classes` / `iris_tenants`, shard tables, and a bump of `iris_schema_version` (design §4).
///
/// pgvector holds the vectors, inside the shard tables: a shard's in-process index is never searched or
/// written by this engine, so `ClassState.index` is an empty in-memory one (no file), and retiring or
/// dropping an index has nothing to do beyond the tables.
final class PostgresSchemaWriter: SchemaWriter {
    let c: BlockingConnection
    unowned let database: Database

    init(c: BlockingConnection, database: Database) throws {
        self.c = c
        self.database = database
        // One schema change at a time, across every node on this database; it starts from the stored
        // schema (another node's change may not have been heard of yet).
        try c.query("SELECT pg_advisory_xact_lock(7041991)")
        try database.catchUpWithStoredSchema(c)
    }

    /// Bumps the stored version (other nodes reload) and remembers it (this node has the change already).
    private func changed() throws {
        database.postgres?.schemaVersion.set(try PostgresCatalog.bumpVersion(c))
    }

    /// The whole schema change is already one transaction.
    func atomically(_ body: () throws -> Void) throws { try body() }

    func insertClass(name: String, definition: String, columns: [StoreColumn], lanes: Int) throws -> Int64 {
        let id = try PostgresCatalog.createClass(c, name: name, definition: definition, columns: columns, lanes: lanes)
        try changed()
        return id
    }

    func setDefinition(classID: Int64, definition: String) throws {
        try c.query("UPDATE iris_classes SET definition = $1::jsonb WHERE id = $2", [.text(definition), .integer(classID)])
        try changed()
    }

    func setShardStatus(classID: Int64, status: String) throws {
        try c.query("UPDATE iris_classes SET shard_status = $1 WHERE id = $2", [.text(status), .integer(classID)])
        try changed()
    }

    func deleteClass(classID: Int64, shardIDs: [Int64]) throws {
        try c.query("DELETE FROM iris_tenants WHERE class_id = $1", [.integer(classID)])
        try c.query("DELETE FROM iris_classes WHERE id = $1", [.integer(classID)])
        for id in shardIDs { try PGShardTables.drop(c, shard: id) }
        try changed()
    }

    func addColumns(shardIDs: [Int64], columns: [StoreColumn]) throws {
        for id in shardIDs { try PGShardTables.addColumns(c, shard: id, columns: PostgresCatalog.columns(columns)) }
        try changed()
    }

    /// A tenant made after its class's dimensions were fixed gets its typed vector columns at once.
    func insertTenant(classID: Int64, name: String, status: String, columns: [StoreColumn], of cls: ClassState) throws -> Int64 {
        guard let row = try c.query("INSERT INTO iris_tenants (class_id, name, status) VALUES ($1, $2, $3) RETURNING id",
                                    [.integer(classID), .text(name), .text(status)]).first else {
            throw PostgresStoreError("tenant insert returned no id")
        }
        let id = try row.decode(Int64.self)
        try PGShardTables.create(c, shard: -id, columns: PostgresCatalog.columns(columns), lanes: cls.definition.laneCount)
        try PostgresVectors.typeKnownLanes(c, shard: -id, of: cls)
        try changed()
        return id
    }

    func setTenantStatus(tenantID: Int64, status: String) throws {
        try c.query("UPDATE iris_tenants SET status = $1 WHERE id = $2", [.text(status), .integer(tenantID)])
        try changed()
    }

    func deleteTenant(tenantID: Int64) throws {
        try c.query("DELETE FROM iris_tenants WHERE id = $1", [.integer(tenantID)])
        try PGShardTables.drop(c, shard: -tenantID)
        try changed()
    }

    func newIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        try PostgresCatalog.unusedIndexes(definition)
    }

    func openIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        try newIndexes(shardID: shardID, definition: definition)
    }

    func retireIndexes(_ shard: ClassState) throws {}

    func dropIndexes(shardIDs: [Int64], lanes: Int) {}
}
