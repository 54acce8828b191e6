import Foundation
import Storage
import VectorIndex

/// Schema changes inside one engine transaction (`Database.schemaWrite`): the rows of classes and tenants,
/// their shard tables, and each shard's vector index life cycle. The schema's rules (validation, defaults,
/// Weaviate's errors, the in-memory `ClassState`s) stay in Schema/; only where things are stored differs:
/// the embedded engine keeps SQLite rows, in-process indexes and their files
/// (Engine/Embedded/EmbeddedSchemaWriter.swift), the PostgreSQL engine keeps rows and pgvector columns
/// (Engine/Postgres/PostgresSchemaWriter.swift).
protocol SchemaWriter: AnyObject {
    /// Runs `body` atomically: all of its changes or none.
    func atomically(_ body: () throws -> Void) throws

    /// Inserts a class row and creates its shard tables (one vector lane per named vector); returns the class id.
    func insertClass(name: String, definition: String, columns: [StoreColumn], lanes: Int) throws -> Int64
    func setDefinition(classID: Int64, definition: String) throws
    func setShardStatus(classID: Int64, status: String) throws
    /// Deletes the class row, its tenants' rows and every shard table (`shardIDs`).
    func deleteClass(classID: Int64, shardIDs: [Int64]) throws
    /// The typed columns of a new property, on every shard table of the class.
    func addColumns(shardIDs: [Int64], columns: [StoreColumn]) throws

    /// Inserts a tenant row and creates its shard tables; returns the tenant id (its shard id is `-id`).
    func insertTenant(classID: Int64, name: String, status: String, columns: [StoreColumn], of cls: ClassState) throws -> Int64
    func setTenantStatus(tenantID: Int64, status: String) throws
    func deleteTenant(tenantID: Int64) throws

    /// The vector indexes of a new shard (a class, or a HOT tenant), one per named vector, empty.
    func newIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex]
    /// The vector indexes of a shard being activated, with what they hold.
    func openIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex]
    /// A shard being deactivated: what its indexes hold must survive it being unloaded.
    func retireIndexes(_ shard: ClassState) throws
    /// After the shards are deleted: whatever their indexes (`lanes` per shard) kept beside the rows.
    func dropIndexes(shardIDs: [Int64], lanes: Int)
}
