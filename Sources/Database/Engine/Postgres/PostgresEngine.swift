import Foundation
import Logging
import PostgresStore
import Storage
import VectorIndex

/// The PostgreSQL engine (docs/design/postgres-backend.md): object rows, token rows and vectors in
/// PostgreSQL with pgvector, through the `PostgresStore` target.
///
/// The seam's bodies are synchronous (as GRDB's are), so each `read` / `write` takes a pooled connection
/// and runs its body on a thread that may block (`PostgresStore.withBlockingTransaction`), where every
/// statement waits for its rows; the caller awaits without holding a cooperative thread. The embedded
/// engine is untouched by this: its bodies still run inside GRDB's own reader and writer.
///
/// Unlike the embedded engine there is no single writer: transactions run in parallel, and writers of
/// one object serialise on that object (`PostgresWriter.object` / `docID` lock it first), which keeps the
/// per-object serial order the Database relies on for read-modify-writes.
final class PostgresEngine: StorageEngine {
    let store: PostgresStore
    let logger: Logger
    let dialect: any SQLDialect = PostgresDialect()
    /// Each object written holds an advisory lock until its transaction ends. The lock table has room for
    /// max_locks_per_transaction (64) x max_connections (100) = 6,400 by default, shared by every session:
    /// 16 pooled connections x 256 stay well inside it; a 50,000-object batch in one transaction did not.
    let objectsPerTransaction = 256
    let storesNULInText = false
    /// The version of the stored schema this node's in-memory schema reflects (`iris_schema_version`).
    let schemaVersion = LockedValue<Int64>(0)
    let indexBuilder: PostgresIndexBuilder

    init(store: PostgresStore, logger: Logger, indexQuiet: Duration = .seconds(2), maintenanceWorkMem: String = "1GB") {
        self.store = store
        self.logger = logger
        indexBuilder = PostgresIndexBuilder(store: store, logger: logger, quiet: indexQuiet, maintenanceWorkMem: maintenanceWorkMem)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        // One transaction: the body's statements read one snapshot (REPEATABLE READ), as a GRDB reader does.
        try await store.withBlockingTransaction { c in
            try c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try body(PostgresRows(c: c))
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any ObjectWriter) throws -> T) async throws -> T {
        let (result, committed) = try await store.withBlockingTransaction { c in
            let writer = PostgresWriter(c: c, engine: self)
            let result = try body(writer)
            try writer.flush()
            return (result, UncheckedBox(writer.committed))
        }
        for action in committed.value { action() }
        return result
    }

    func nearest(_ shard: ClassState, lane: Int, to vector: [Float], k: Int, maxDistance: Float?,
                 allowList: AllowList?) async throws -> [SearchResult] {
        try await PostgresVectors.nearest(store, shard, lane: lane, to: vector, k: k, maxDistance: maxDistance, allowList: allowList)
    }

    func vectorCount(_ shard: ClassState, lane: Int) async throws -> Int {
        try await store.withBlockingConnection { c in try PGObjectRows.vectorCount(c, shard: shard.id, lane: lane) }
    }

    func vectorsWaitingForIndex(_ shard: ClassState) async throws -> Int {
        let lanes = shard.definition.laneCount
        return try await store.withBlockingConnection { c in
            try (0..<lanes).reduce(0) { sum, lane in sum + (try PGVectorIndexes.waiting(c, shard: shard.id, lane: lane)) }
        }
    }
}

/// A value read and written from any thread.
final class LockedValue<T: Sendable>: @unchecked Sendable {
    // @unchecked: `stored` is read and written only under `lock`.
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ v: T) { lock.lock(); stored = v; lock.unlock() }
}

/// A value carried across a concurrency boundary the compiler cannot see is safe: the sender waits for
/// the receiver (after-commit actions handed back from the writer's thread).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
