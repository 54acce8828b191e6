import Dispatch
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A pooled connection used synchronously, from a thread that may block: the Database's engine bodies
/// are synchronous (as GRDB's are), so each statement waits on postgres-nio's future for its rows.
///
/// Only ever used on `PostgresStore.blockingQueue`'s threads (or a caller's own thread), never on a NIO
/// event loop or Swift's cooperative pool: waiting there would stall the loop that delivers the rows.
public struct BlockingConnection: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs one statement with bound values and returns all its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [PGValue] = []) throws -> [PostgresRow] {
        try query(sql, bindings: PGValue.bindings(values))
    }

    /// Runs one statement with bindings made by the caller (arrays, for `unnest`).
    @discardableResult
    public func query(_ sql: String, bindings: PostgresBindings) throws -> [PostgresRow] {
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait().rows
        } catch let e as PSQLError {
            throw PostgresStoreError(e)
        }
    }
}

extension PostgresStore {
    /// Threads on which engine bodies run and block on their statements (at most one per pooled connection
    /// at a time, plus the rare `blockingRead`).
    static let blockingQueue = DispatchQueue(label: "iris.postgres.blocking", attributes: .concurrent)

    /// Runs `body` on a thread that may block, and waits for it without holding a cooperative thread.
    static func onBlockingThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, Error>) in
            blockingQueue.async {
                do { k.resume(returning: try body()) } catch { k.resume(throwing: error) }
            }
        }
    }

    /// Runs `body` as one transaction on a connection of the pool, synchronously on a thread that may
    /// block. Committed when `body` returns, rolled back when it throws (its error is rethrown as it was).
    ///
    /// A transaction PostgreSQL aborts as a deadlock victim or a serialization failure (SQLSTATE 40P01,
    /// 40001: writers that lock the same objects in different orders) runs again from the start, up to
    /// `attempts` times: `body` must be safe to repeat (it keeps its effects inside the transaction).
    public func withBlockingTransaction<T: Sendable>(attempts: Int = 8,
                                                     _ body: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withTransaction { c in
                    let blocking = BlockingConnection(connection: c, logger: self.logger)
                    return try await PostgresStore.onBlockingThread { try body(blocking) }
                }
            } catch where attempt < attempts && PostgresStore.isRetryable(error) {
                attempt += 1
            }
        }
    }

    /// Runs `body` on a pooled connection outside a transaction block, on a thread that may block.
    public func withBlockingConnection<T: Sendable>(_ body: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        try await withConnection { c in
            let blocking = BlockingConnection(connection: c, logger: self.logger)
            return try await PostgresStore.onBlockingThread { try body(blocking) }
        }
    }

    /// `withBlockingConnection` for a synchronous caller: the calling thread waits (the Database's
    /// synchronous lookup of beacons without a class name). The task that takes the connection runs on
    /// `BlockingReadExecutor`, not on Swift's cooperative pool: callers usually are on that pool, and when
    /// every one of its threads waited here (two concurrent reference batches on 2 cores) the task could
    /// never run and the server hung.
    public func blockingRead<T: Sendable>(_ body: @escaping @Sendable (BlockingConnection) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        Task(executorPreference: BlockingReadExecutor.shared) {
            do { result.set(.success(try await self.withBlockingConnection(body))) } catch { result.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try result.get()
    }

    /// Deadlock victims and serialization failures: the transaction may simply run again.
    static func isRetryable(_ e: Error) -> Bool {
        let state = sqlState(e)
        return state == "40P01" || state == "40001"
    }

    /// The SQLSTATE of a server error, if `error` is one.
    public static func sqlState(_ error: Error) -> String? {
        (error as? PostgresStoreError)?.sqlState ?? (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

/// Runs the jobs of `blockingRead`'s tasks on threads of their own (a concurrent dispatch queue), so they
/// make progress while cooperative threads wait for them.
final class BlockingReadExecutor: TaskExecutor {
    static let shared = BlockingReadExecutor()
    private let queue = DispatchQueue(label: "iris.postgres.blocking-read", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// A result handed from a task to a waiting thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is written once before the semaphore is signalled and read after the wait.
    private var value: Result<T, Error>?
    private let lock = NSLock()
    func set(_ r: Result<T, Error>) { lock.lock(); value = r; lock.unlock() }
    func get() throws -> T { lock.lock(); defer { lock.unlock() }; return try value!.get() }
}
