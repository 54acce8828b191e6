import Foundation
import Logging
import Storage
import VectorIndex

/// The Iris database: schema, objects, validation, `where` filters and the per-class vector indexes,
/// over the SQLite store (the source of truth). Thread-safe; share one instance per data path.
///
/// Every change (schema or object) runs in the store's single writer, reached asynchronously, so
/// writers wait without holding a thread of Swift's cooperative pool and each read-modify-write sees
/// the state the previous write left (see Writes/WritePipeline.swift). Reads go to the store's readers.
///
/// The API lives by concern: Schema/ (classes), Writes/ (object and reference writes), Objects/
/// (reads, validation, auto-schema), Search/ (GraphQL queries), Index/ (the vector indexes).
/// Errors are `DatabaseError` (kind → HTTP status, Weaviate's message text).
public final class Database: @unchecked Sendable {
    // @unchecked: the mutable fields below are guarded by `schemaLock` and changed only in the writer.
    public let config: DatabaseConfig
    public let modules: ModuleRegistry
    /// The SQLite store of the embedded engine (nil with the PostgreSQL engine). Object rows and vectors
    /// are reached through `engine`, schema changes through `schemaWrite`; the index files, snapshots
    /// and the integrity checks use the store directly (the embedded engine's own code).
    let store: Store!
    /// Where object rows and vectors live (Engine/StorageEngine.swift).
    let engine: any StorageEngine
    /// The PostgreSQL engine when `IRIS_STORAGE_URL` chose it (then `store` is nil).
    let postgres: PostgresEngine?
    /// The PostgreSQL connection pool's task (cancelled at close).
    private let postgresRunner: Task<Void, Never>?
    let logger: Logger

    /// Guards `classes`, `classOrder`, `closed` and the storage condition: a leaf lock, never held while
    /// waiting for anything.
    private let schemaLock = NSLock()
    var classes: [String: ClassState] = [:]
    /// Class names in creation order (Weaviate lists classes in creation order).
    var classOrder: [String] = []
    var closed = false
    var snapshotTimer: DispatchSourceTimer?
    var storageProbeTimer: DispatchSourceTimer?
    var _storageCondition: StorageCondition = .writable
    var diskWarningLogged = false
    /// The start-up whole-file check running beside the server (set once in init).
    var startupCheck: Task<Void, Never>?
    /// The PostgreSQL engine's listener for other nodes' schema changes (cancelled at close).
    var schemaFollower: Task<Void, Never>?
    /// The PostgreSQL engine's vector index builder (cancelled at close).
    var indexBuilding: Task<Void, Never>?
    /// Where the vector index files live: `<dataPath>/indexes`, or `indexCopies`.
    let indexDirectory: String
    /// A temporary folder of index file copies when the store is read-only; removed at close.
    let indexCopies: String?
    /// Set by `inspect` (`iris store check`): nothing is written, and what start-up would refuse or
    /// repair is collected here instead (only touched during init, single-threaded).
    var findings: [String]?

    /// Opens the database at `config.dataPath`: probes whether the disk takes writes (a read-only disk
    /// opens the store read-only), checks the store file, loads the schema, and opens each class's
    /// vector index from its snapshot, replays the change log after it and proves it agrees with the
    /// store (Integrity/StartupCheck.swift). Throws a refusal naming `iris store recover` when the store
    /// has lost or damaged data.
    public convenience init(config: DatabaseConfig, modules: ModuleRegistry = ModuleRegistry(), logger: Logger = Logger(label: "iris.database")) throws {
        try self.init(config: config, modules: modules, logger: logger, inspecting: false)
    }

    /// `inspecting`: for `inspect` (`iris store check`): nothing is written and no timer starts.
    ///
    /// A store opened read-only (inspecting, or a disk that takes no writes) opens its vector indexes
    /// from copies in a temporary folder: opening an index replays and rewrites its graph log.
    init(config: DatabaseConfig, modules: ModuleRegistry = ModuleRegistry(), logger: Logger, inspecting: Bool) throws {
        self.config = config
        self.modules = modules
        self.logger = logger
        if inspecting { findings = [] }
        try? FileManager.default.createDirectory(atPath: config.dataPath, withIntermediateDirectories: true)
        let condition = inspecting ? .readOnly("inspecting") : Database.probeStorage(config)
        let prepare: @Sendable (GRDB.Database) throws -> Void = { db in try SQLFunctions.register(db) }
        do {
            do {
                store = try Store(directory: config.dataPath, readOnly: inspecting, prepare: prepare)
            } catch where !condition.isWritable && !inspecting {
                store = try Store(directory: config.dataPath, readOnly: true, prepare: prepare)
            }
        } catch where Database.isDamage(error) {
            throw Database.damagedStoreRefusal(error, dataPath: config.dataPath)
        } catch {
            throw DatabaseError.internal("could not open the store at \(config.dataPath): \(error)")
        }
        engine = EmbeddedEngine(store: store, logger: logger)
        postgres = nil
        postgresRunner = nil
        let indexes = (config.dataPath as NSString).appendingPathComponent("indexes")
        if store.pool.configuration.readonly {
            indexDirectory = NSTemporaryDirectory() + "iris-indexes-\(UUID().uuidString)"
            indexCopies = indexDirectory
            if FileManager.default.fileExists(atPath: indexes) {
                do { try FileManager.default.copyItem(atPath: indexes, toPath: indexDirectory) } catch {
                    throw DatabaseError.internal("could not copy the vector index files of a read-only store: \(error)")
                }
            }
        } else {
            indexDirectory = indexes
            indexCopies = nil
        }
        _storageCondition = condition
        if inspecting {
            do {
                if let problem = try store.pool.read({ db in storeFileProblem(db) }) { findings!.append(problem.message) }
            } catch {
                findings!.append(storeFileFailure(error))
            }
        }
        do { try loadSchema() } catch where Database.isDamage(error) {
            // A malformed page met while the schema and indexes load, past what the open itself read.
            throw Database.damagedStoreRefusal(error, dataPath: config.dataPath)
        }
        guard !inspecting else { return }
        if let why = condition.reason { logger.error("store refuses writes", metadata: ["reason": "\(why)"]) }
        startStoreFileCheck(then: condition)
        // A store opened read-only has nothing to snapshot, and only a restart makes it writable.
        guard indexCopies == nil else { return }
        startSnapshotTimer()
        startStorageProbe()
    }

    /// Opens the database `config` names: the embedded store at `config.dataPath`, or with
    /// `config.storageURL` the PostgreSQL database there (Engine/Postgres/PostgresOpen.swift).
    public static func make(config: DatabaseConfig, modules: ModuleRegistry = ModuleRegistry(),
                            logger: Logger = Logger(label: "iris.database")) async throws -> Database {
        guard let url = config.storageURL else { return try Database(config: config, modules: modules, logger: logger) }
        return try await openPostgres(url: url, config: config, modules: modules, logger: logger)
    }

    /// The PostgreSQL engine's database: the schema as stored there; no file, timer or start-up check of
    /// the embedded store.
    init(config: DatabaseConfig, modules: ModuleRegistry, logger: Logger, postgres: PostgresEngine,
         runner: Task<Void, Never>, schema: [PostgresCatalog.StoredClass]) throws {
        self.config = config
        self.modules = modules
        self.logger = logger
        store = nil
        engine = postgres
        self.postgres = postgres
        postgresRunner = runner
        indexDirectory = ""
        indexCopies = nil
        try loadSchema(schema)
    }

    /// Whether the store takes writes, and why not (`/v1/.well-known/ready`, `/v1/nodes`).
    public var storageCondition: StorageCondition { withSchemaLock { _storageCondition } }

    /// Persists every vector index snapshot, truncates the covered change log, and closes the store
    /// (also when a snapshot fails: its class keeps its change log and catches up on the next open).
    /// Blocks; call it at shutdown.
    public func close() throws {
        let first: Bool = withSchemaLock { defer { closed = true }; return !closed }
        guard first else { return }
        snapshotTimer?.cancel()
        storageProbeTimer?.cancel()
        if let postgresRunner {
            schemaFollower?.cancel()
            indexBuilding?.cancel()
            postgresRunner.cancel()
            return
        }
        var snapshotError: Error?
        if indexCopies == nil { do { try persistIndexes() } catch { snapshotError = error } }
        try store.close()
        if let indexCopies { try? FileManager.default.removeItem(atPath: indexCopies) }
        if let snapshotError { throw snapshotError }
    }

    deinit { snapshotTimer?.cancel(); storageProbeTimer?.cancel() }

    func withSchemaLock<T>(_ body: () throws -> T) rethrows -> T {
        schemaLock.lock(); defer { schemaLock.unlock() }
        return try body()
    }

    /// All classes, in creation order (`GET /v1/schema`).
    public func schema() -> [ClassDefinition] {
        withSchemaLock { classOrder.compactMap { classes[$0]?.definition } }
    }

    /// One class by exact name, or nil (`GET /v1/schema/{class}` → 404).
    public func getClass(_ name: String) -> ClassDefinition? {
        state(name)?.definition
    }

    /// Whether the object exists (`HEAD`).
    public func objectExists(className: String?, id: String, tenant: String? = nil) async throws -> Bool {
        try await getObject(className: className, id: id, tenant: tenant) != nil
    }

    /// The stored vector of an object (nearObject); nil if the object or its vector is absent.
    public func vector(className: String?, id: String, lane: Int = 0, tenant: String? = nil) async throws -> (className: String, vector: [Float])? {
        guard let o = try await getObject(className: className, id: id, includeVector: true, tenant: tenant),
              let cls = getClass(o.className), let v = o.vector(lane: lane, of: cls) else { return nil }
        return (o.className, v)
    }

    /// The vector index of a class (for the query engine's own searches), or nil for an unknown class.
    public func vectorIndex(ofClass name: String) -> (any VectorIndex)? {
        state(name)?.index
    }

    /// The loaded shards of a class with their object counts (`/v1/nodes` verbose): one shard named after
    /// the node, or one per active tenant of a multi-tenant class, named after the tenant.
    /// Each loaded shard's object count and how many of its vectors wait for their index.
    public func shardCounts(ofClass name: String) async throws -> [(name: String, objectCount: Int, vectorQueue: Int)] {
        let st = try requireState(name)
        var out: [(name: String, objectCount: Int, vectorQueue: Int)] = []
        for shard in st.objectShards {
            let n = try await read { rows in try rows.count(shard, where: nil) }
            out.append((shard.tenant ?? config.hostname, n, try await engine.vectorsWaitingForIndex(shard)))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Object counts per class (for metrics).
    /// A multi-tenant class counts the objects of its active tenants.
    public func objectCounts() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for st in orderedStates {
            var n = 0
            for shard in st.objectShards {
                n += try await read { rows in try rows.count(shard, where: nil) }
            }
            out[st.name] = n
        }
        return out
    }
}

/// One `sort` entry: a property path (or `_creationTimeUnix`, `_lastUpdateTimeUnix`, `id`) and direction.
public struct SortSpec: Sendable, Equatable {
    public var path: [String]
    public var ascending: Bool
    public init(path: [String], ascending: Bool = true) { self.path = path; self.ascending = ascending }
}

/// The time of the latest `touch()`, readable from any thread.
final class ActivityClock: Sendable {
    private let lock = NSLock()
    // nonisolated(unsafe): read and written only under `lock`.
    private nonisolated(unsafe) var time: UInt64 = 0
    func touch() {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock(); time = now; lock.unlock()
    }
    var last: UInt64 { lock.lock(); defer { lock.unlock() }; return time }
}
