import Foundation
import Storage
import VectorIndex

/// Schema changes in the store's writer (SQLite rows, the per-shard tables) and the in-process vector
/// indexes with their files and change log.
final class EmbeddedSchemaWriter: SchemaWriter {
    let db: GRDB.Database
    unowned let database: Database

    init(db: GRDB.Database, database: Database) {
        self.db = db
        self.database = database
    }

    func atomically(_ body: () throws -> Void) throws {
        try db.inTransaction {
            try body()
            return .commit
        }
    }

    func insertClass(name: String, definition: String, columns: [StoreColumn], lanes: Int) throws -> Int64 {
        try db.execute(sql: "INSERT INTO classes(name, definition) VALUES (?, ?)", arguments: [name, definition])
        let id = db.lastInsertedRowID
        try ObjectTables.create(db, classID: id, columns: columns)
        try VectorLanes.create(db, shard: id, lanes: lanes)
        return id
    }

    func setDefinition(classID: Int64, definition: String) throws {
        try db.execute(sql: "UPDATE classes SET definition = ? WHERE id = ?", arguments: [definition, classID])
    }

    func setShardStatus(classID: Int64, status: String) throws {
        try db.execute(sql: "UPDATE classes SET shard_status = ? WHERE id = ?", arguments: [status, classID])
    }

    func deleteClass(classID: Int64, shardIDs: [Int64]) throws {
        try db.execute(sql: "DELETE FROM classes WHERE id = ?", arguments: [classID])
        try db.execute(sql: "DELETE FROM tenants WHERE class_id = ?", arguments: [classID])
        for id in shardIDs {
            try ObjectTables.drop(db, classID: id)
            try ChangeLog.dropClass(db, classID: id)
        }
    }

    func addColumns(shardIDs: [Int64], columns: [StoreColumn]) throws {
        for id in shardIDs { try ObjectTables.addColumns(db, classID: id, columns: columns) }
    }

    func insertTenant(classID: Int64, name: String, status: String, columns: [StoreColumn], of cls: ClassState) throws -> Int64 {
        try db.execute(sql: "INSERT INTO tenants(class_id, name, status) VALUES (?, ?, ?)", arguments: [classID, name, status])
        let id = db.lastInsertedRowID
        try ObjectTables.create(db, classID: -id, columns: columns)
        try VectorLanes.create(db, shard: -id, lanes: cls.definition.laneCount)
        return id
    }

    func setTenantStatus(tenantID: Int64, status: String) throws {
        try db.execute(sql: "UPDATE tenants SET status = ? WHERE id = ?", arguments: [status, tenantID])
    }

    func deleteTenant(tenantID: Int64) throws {
        try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [tenantID])
        try ObjectTables.drop(db, classID: -tenantID)
        try ChangeLog.dropClass(db, classID: -tenantID)
    }

    /// Made inside the transaction: if an index refuses the config (its own limits, such as
    /// maxConnections <= 2047), the shard rolls back instead of existing without an index. Files left by
    /// an earlier store with the same shard id must not be mistaken for these indexes'.
    func newIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        database.removeIndexFiles(shardID: shardID, lanes: definition.laneCount)
        return try database.makeIndexes(shardID: shardID, definition: definition)
    }

    func openIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        try database.openIndexes(shardID: shardID, definition: definition)
    }

    /// Nothing of the shard is half-applied (this is the writer): its snapshots then cover every change of
    /// its log, which may go; the next activation loads the snapshots and replays nothing.
    func retireIndexes(_ shard: ClassState) throws {
        try Database.persist(shard, db)
    }

    func dropIndexes(shardIDs: [Int64], lanes: Int) {
        for id in shardIDs { database.removeIndexFiles(shardID: id, lanes: lanes) }
    }
}
