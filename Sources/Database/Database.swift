import Foundation
import Logging
import Storage
import VectorIndex

/// The Iris database: schema, objects, validation, `where` filters and the per-class vector indexes,
/// over the SQLite store (the source of truth). Thread-safe; share one instance per data path.
///
/// Errors are `DatabaseError` (kind → HTTP status, Weaviate's message text).
public final class Database: @unchecked Sendable {
    public let config: DatabaseConfig
    public let modules: ModuleRegistry
    let store: Store
    let logger: Logger

    /// Guards `classes` (the schema cache) and each ClassState's mutable fields.
    let lock = NSRecursiveLock()
    var classes: [String: ClassState] = [:]
    /// Class names in creation order (Weaviate lists classes in creation order).
    var classOrder: [String] = []
    var snapshotTask: Task<Void, Never>?
    var closed = false

    /// Opens the database at `config.dataPath`: loads the schema, opens each class's vector index from
    /// its snapshot and replays the change log after the snapshot (`coveredSequence`).
    public init(config: DatabaseConfig, modules: ModuleRegistry = ModuleRegistry(), logger: Logger = Logger(label: "iris.database")) throws {
        self.config = config
        self.modules = modules
        self.logger = logger
        do {
            store = try Store(directory: config.dataPath, prepare: { db in try SQLFunctions.register(db) })
        } catch {
            throw DatabaseError.internal("could not open the store at \(config.dataPath): \(error)")
        }
        try loadSchema()
        startSnapshotTimer()
    }

    /// Persists every vector index snapshot, truncates the covered change log, and closes the store
    /// (also when a snapshot fails: its class keeps its change log and catches up on the next open).
    public func close() throws {
        lock.lock()
        if closed { lock.unlock(); return }
        closed = true
        lock.unlock()
        snapshotTask?.cancel()
        var snapshotError: Error?
        do { try persistIndexes() } catch { snapshotError = error }
        try store.close()
        if let snapshotError { throw snapshotError }
    }

    deinit { snapshotTask?.cancel() }

    // MARK: Schema (implemented in Schema/)

    /// All classes, in creation order (`GET /v1/schema`).
    public func schema() -> [ClassDefinition] {
        lock.lock(); defer { lock.unlock() }
        return classOrder.compactMap { classes[$0]?.definition }
    }

    /// One class by exact name, or nil (`GET /v1/schema/{class}` → 404).
    public func getClass(_ name: String) -> ClassDefinition? {
        lock.lock(); defer { lock.unlock() }
        return classes[name]?.definition
    }

    /// Creates a class (`POST /v1/schema`): validates, applies defaults, persists; returns the echoed class.
    /// Errors: 422 with Weaviate's messages (invalid names, already exists, module config, hnsw config).
    public func createClass(_ definition: ClassDefinition) throws -> ClassDefinition {
        try createClassImpl(definition)
    }

    /// Updates a class (`PUT /v1/schema/{class}`): only the mutable settings may change (reference 5.2).
    /// Errors: 404 unknown class, 422 immutable field changed.
    public func updateClass(_ name: String, _ definition: ClassDefinition) throws -> ClassDefinition {
        try updateClassImpl(name, definition)
    }

    /// Deletes a class and all its objects (`DELETE /v1/schema/{class}`). Unknown class: 400 `could not find class 'X'`.
    public func deleteClass(_ name: String) throws {
        try deleteClassImpl(name)
    }

    /// Adds a property (`POST /v1/schema/{class}/properties`); returns it with defaults applied. 422 on errors.
    public func addProperty(toClass name: String, _ property: PropertyDefinition) throws -> PropertyDefinition {
        try addPropertyImpl(name, property)
    }

    /// The shards of a class (`GET /v1/schema/{class}/shards`); 404 for an unknown class.
    public func shards(ofClass name: String) throws -> [ShardStatus] {
        try shardsImpl(name)
    }

    /// Sets a shard's status (`READY` or `READONLY`); 404 unknown class/shard, 422 bad status.
    public func updateShardStatus(ofClass name: String, shard: String, status: String) throws -> ShardStatus {
        try updateShardStatusImpl(name, shard: shard, status: status)
    }

    // MARK: Objects (implemented in Objects/)

    /// Creates one object (`POST /v1/objects`): id check (lower-cased; 422 `id '<id>' already exists`),
    /// auto-schema, validation (422 `invalid object: …`), timestamps, vectorisation, then a durable put.
    public func createObject(_ input: ObjectInput) async throws -> WeaviateObject {
        try await createObjectImpl(input)
    }

    /// One object by class (nil: search every class, the legacy id-only path) and id; nil if absent.
    public func getObject(className: String?, id: String, includeVector: Bool = false) throws -> WeaviateObject? {
        try getObjectImpl(className: className, id: id, includeVector: includeVector)
    }

    /// Whether the object exists (`HEAD`).
    public func objectExists(className: String?, id: String) throws -> Bool {
        try getObjectImpl(className: className, id: id, includeVector: false) != nil
    }

    /// A page of objects (`GET /v1/objects`), in uuid order unless `sort` is given (Weaviate's order). Errors: `query maximum results exceeded` (422 with a class,
    /// 500 without, as Weaviate), unknown class (404 is not Weaviate's: it answers an empty list → we do too).
    public func listObjects(_ query: ListObjectsQuery) throws -> [WeaviateObject] {
        try listObjectsImpl(query)
    }

    /// Replaces an object (`PUT`): 404 if absent, 422 `invalid update: field 'id' is immutable` if the body id differs.
    /// The object is re-vectorised unless a vector is supplied.
    public func replaceObject(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        try await replaceObjectImpl(className: className, id: id, input)
    }

    /// Merges properties into an object (`PATCH`): a `null` value deletes the property; re-vectorises
    /// only when a vectorised property changed and no vector is supplied. 404 if absent, 422 on validation.
    @discardableResult
    public func mergeObject(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        try await mergeObjectImpl(className: className, id: id, input)
    }

    /// Deletes an object; 404 if absent.
    public func deleteObject(className: String?, id: String) throws {
        try deleteObjectImpl(className: className, id: id)
    }

    /// Validates an object without storing it (`POST /v1/objects/validate`); throws 422 like create.
    public func validateObject(_ input: ObjectInput) async throws {
        try validateObjectImpl(input)
    }

    // MARK: References

    /// Appends a reference to `property` (`POST …/references/{prop}`).
    public func addReference(className: String?, id: String, property: String, _ reference: ReferenceInput) throws {
        try updateReferencesImpl(className: className, id: id, property: property, mode: .add([reference]))
    }

    /// Replaces all references of `property` (`PUT …/references/{prop}`).
    public func replaceReferences(className: String?, id: String, property: String, _ references: [ReferenceInput]) throws {
        try updateReferencesImpl(className: className, id: id, property: property, mode: .replace(references))
    }

    /// Removes a reference from `property` (`DELETE …/references/{prop}`).
    public func deleteReference(className: String?, id: String, property: String, _ reference: ReferenceInput) throws {
        try updateReferencesImpl(className: className, id: id, property: property, mode: .delete(reference))
    }

    // MARK: Batch

    /// `POST /v1/batch/objects`: an upsert per object, results in input order; a failed item does not fail
    /// the others. Valid objects are written in one transaction. Empty input: 422.
    public func batchObjects(_ inputs: [ObjectInput]) async throws -> [BatchObjectResult] {
        try await batchObjectsImpl(inputs)
    }

    /// `POST /v1/batch/references`: results in input order.
    public func batchReferences(_ references: [BatchReferenceInput]) throws -> [BatchReferenceResult] {
        try batchReferencesImpl(references)
    }

    /// `DELETE /v1/batch/objects`: deletes (or with `dryRun` only counts) the objects of `className` matching
    /// `filter`, at most QUERY_MAXIMUM_RESULTS. Errors (422): `validate: empty match.class clause`,
    /// `empty match.where clause`, `class: X doesn't exist`, filter errors.
    public func batchDelete(className: String?, filter: WhereFilter?, dryRun: Bool, verbose: Bool) throws -> BatchDeleteResult {
        try batchDeleteImpl(className: className, filter: filter, dryRun: dryRun, verbose: verbose)
    }

    // MARK: Search primitives (used by GraphQL Get/Explore/Aggregate)

    /// The doc ids of `className` matching `filter` (nil filter: all), ascending. Errors: 422 filter errors.
    public func filterDocIDs(className: String, filter: WhereFilter?) throws -> [UInt64] {
        try filterDocIDsImpl(className: className, filter: filter)
    }

    /// The number of objects of `className` matching `filter`.
    public func count(className: String, filter: WhereFilter? = nil) throws -> Int {
        try countImpl(className: className, filter: filter)
    }

    /// Objects by doc id, in the given order (ids that no longer exist are skipped).
    public func objects(className: String, docIDs: [UInt64], includeVector: Bool) throws -> [WeaviateObject] {
        try objectsImpl(className: className, docIDs: docIDs, includeVector: includeVector)
    }

    /// Objects of `className` matching `filter`, ordered by `sort` (default doc id), paged by limit/offset.
    public func findObjects(className: String, filter: WhereFilter?, sort: [SortSpec] = [], limit: Int?, offset: Int? = nil,
                            after: String? = nil, includeVector: Bool = false) throws -> [WeaviateObject] {
        try findObjectsImpl(className: className, filter: filter, sort: sort, limit: limit, offset: offset,
                            after: after, includeVector: includeVector)
    }

    /// A kNN search over the class's vector index: the `k` nearest objects (optionally within `maxDistance`
    /// and restricted to `allowList`), closest first, with their distances in the class's metric.
    /// Errors: 404 unknown class; 422 vector length differs from the class's dimension.
    public func vectorSearch(className: String, vector: [Float], k: Int, maxDistance: Float? = nil,
                             allowList: AllowList? = nil, includeVector: Bool = false) throws -> [(object: WeaviateObject, distance: Float)] {
        try vectorSearchImpl(className: className, vector: vector, k: k, maxDistance: maxDistance,
                             allowList: allowList, includeVector: includeVector)
    }

    /// The stored vector of an object (nearObject); nil if the object or its vector is absent.
    public func vector(className: String?, id: String) throws -> (className: String, vector: [Float])? {
        guard let o = try getObjectImpl(className: className, id: id, includeVector: true), let v = o.vector else { return nil }
        return (o.className, v)
    }

    /// The vector index of a class (for the query engine's own searches), or nil for an unknown class.
    public func vectorIndex(ofClass name: String) -> (any VectorIndex)? {
        lock.lock(); defer { lock.unlock() }
        return classes[name]?.index
    }

    /// Object counts per class (for /v1/nodes and metrics).
    public func objectCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for c in schema() { out[c.className] = try count(className: c.className) }
        return out
    }

    /// Writes every class's vector index snapshot and truncates each class's change log up to what its
    /// durable snapshot covers. A failing class keeps its log; the first error is rethrown.
    public func persistIndexes() throws {
        try persistIndexesImpl()
    }
}

/// One `sort` entry: a property path (or `_creationTimeUnix`, `_lastUpdateTimeUnix`, `id`) and direction.
public struct SortSpec: Sendable, Equatable {
    public var path: [String]
    public var ascending: Bool
    public init(path: [String], ascending: Bool = true) { self.path = path; self.ascending = ascending }
}
