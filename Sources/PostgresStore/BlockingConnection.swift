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
    /// at a time).
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
