import Foundation
import Storage
import VectorIndex

// Bodies being implemented; the public API in Database.swift is final.
extension Database {
    enum ReferenceUpdate { case add([ReferenceInput]), replace([ReferenceInput]), delete(ReferenceInput) }
    func createObjectImpl(_ input: ObjectInput) async throws -> WeaviateObject { throw DatabaseError.internal("not implemented yet") }
    func getObjectImpl(className: String?, id: String, includeVector: Bool) throws -> WeaviateObject? { throw DatabaseError.internal("not implemented yet") }
    func listObjectsImpl(_ query: ListObjectsQuery) throws -> [WeaviateObject] { throw DatabaseError.internal("not implemented yet") }
    func replaceObjectImpl(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject { throw DatabaseError.internal("not implemented yet") }
    func mergeObjectImpl(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject { throw DatabaseError.internal("not implemented yet") }
    func deleteObjectImpl(className: String?, id: String) throws { throw DatabaseError.internal("not implemented yet") }
    func validateObjectImpl(_ input: ObjectInput) throws { throw DatabaseError.internal("not implemented yet") }
    func updateReferencesImpl(className: String?, id: String, property: String, mode: ReferenceUpdate) throws { throw DatabaseError.internal("not implemented yet") }
    func batchObjectsImpl(_ inputs: [ObjectInput]) async throws -> [BatchObjectResult] { throw DatabaseError.internal("not implemented yet") }
    func batchReferencesImpl(_ references: [BatchReferenceInput]) throws -> [BatchReferenceResult] { throw DatabaseError.internal("not implemented yet") }
    func batchDeleteImpl(className: String?, filter: WhereFilter?, dryRun: Bool, verbose: Bool) throws -> BatchDeleteResult { throw DatabaseError.internal("not implemented yet") }
    func filterDocIDsImpl(className: String, filter: WhereFilter?) throws -> [UInt64] { throw DatabaseError.internal("not implemented yet") }
    func countImpl(className: String, filter: WhereFilter?) throws -> Int { throw DatabaseError.internal("not implemented yet") }
    func objectsImpl(className: String, docIDs: [UInt64], includeVector: Bool) throws -> [WeaviateObject] { throw DatabaseError.internal("not implemented yet") }
    func findObjectsImpl(className: String, filter: WhereFilter?, sort: [SortSpec], limit: Int?, offset: Int?, after: String?, includeVector: Bool) throws -> [WeaviateObject] { throw DatabaseError.internal("not implemented yet") }
    func vectorSearchImpl(className: String, vector: [Float], k: Int, maxDistance: Float?, allowList: AllowList?, includeVector: Bool) throws -> [(object: WeaviateObject, distance: Float)] { throw DatabaseError.internal("not implemented yet") }
}
enum SQLFunctions {
    static func register(_ db: GRDB.Database) throws {}
}
