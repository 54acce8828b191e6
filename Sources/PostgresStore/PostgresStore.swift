import Foundation
import Logging
import PostgresNIO

/// A PostgreSQL database with pgvector as Iris's store (issue #12, docs/design/postgres-backend.md): the
/// connection pool, the catalogue tables, and transactions. It knows tables and rows, not Weaviate, as
/// `Storage` does for SQLite; the Database's PostgreSQL engine decides what to store.
///
/// Values are always bound (`$1`…); table and column names are built from integers (`obj_<id>`).
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// `postgres://user[:password]@host[:port]/database` (TLS off: a store on a private network or loopback).
    public init(url: String, logger: Logger = Logger(label: "iris.postgres")) throws {
        guard let u = URLComponents(string: url), u.scheme == "postgres" || u.scheme == "postgresql",
              let host = u.host, !host.isEmpty, let user = u.user, !user.isEmpty else {
            throw PostgresStoreError("IRIS_STORAGE_URL must look like postgres://user:password@host:port/database, not \(url)")
        }
        let database = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        var config = PostgresClient.Configuration(host: host, port: u.port ?? 5432, username: user,
                                                  password: u.password, database: database.isEmpty ? nil : database,
                                                  tls: .disable)
        config.options.maximumConnections = 16
        client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until the task is cancelled; every other call needs it running.
    public func run() async { await client.run() }

    /// The catalogue: the vector extension, classes, the schema version (design §2). Idempotent.
    public func migrate() async throws {
        try await withTransaction { c in
            // One migrator at a time when several nodes start together.
            try await c.exec("SELECT pg_advisory_xact_lock(7041990)")
            try await c.exec("CREATE EXTENSION IF NOT EXISTS vector")
            try await c.exec("""
                CREATE TABLE IF NOT EXISTS iris_classes (id bigserial PRIMARY KEY, name text UNIQUE NOT NULL,
                    definition jsonb NOT NULL, dimension int, shard_status text NOT NULL DEFAULT 'READY')
                """)
            try await c.exec("""
                CREATE TABLE IF NOT EXISTS iris_schema_version (one int PRIMARY KEY CHECK (one = 1), version bigint NOT NULL)
                """)
            try await c.exec("INSERT INTO iris_schema_version VALUES (1, 0) ON CONFLICT DO NOTHING")
            // The tenants of multi-tenant classes: tenant `id`'s shard tables are `obj_t<id>`, … (shard id -id).
            try await c.exec("""
                CREATE TABLE IF NOT EXISTS iris_tenants (id bigserial PRIMARY KEY, class_id bigint NOT NULL, name text NOT NULL,
                    status text NOT NULL DEFAULT 'HOT', UNIQUE (class_id, name))
                """)
            // Doc ids for every shard from one sequence: unique across shards (and Citus workers).
            try await c.exec("CREATE SEQUENCE IF NOT EXISTS iris_doc_ids")
            // The functions the filter dialect calls (PGFunctions.swift).
            for sql in PGFunctions.statements { try await c.exec(sql) }
        }
    }

    /// Runs `body` in one transaction (READ COMMITTED): committed when it returns, rolled back when it
    /// throws, and then its error is rethrown as it was (not wrapped), so callers can match on it.
    public func withTransaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { c in try await body(c) }
        } catch let e as PostgresTransactionError {
            if e.rollbackError == nil, let inner = e.closureError { throw inner }
            throw e
        }
    }

    /// Runs `body` on a pooled connection outside a transaction block (each statement commits alone).
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { c in try await body(c) }
    }
}

public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The server's SQLSTATE, for an error the server reported.
    public var sqlState: String?
    public init(_ description: String) { self.description = description }

    /// A server error with its message and SQLSTATE (postgres-nio's own description hides both); the
    /// statement and bound values are left out, so no user data reaches logs through it.
    init(_ e: PSQLError) {
        if let info = e.serverInfo {
            sqlState = info[.sqlState]
            description = "PostgreSQL: \(info[.message] ?? "error") (SQLSTATE \(info[.sqlState] ?? "?"))"
        } else {
            description = "PostgreSQL connection: \(e.code)"
        }
    }
}

/// A bound value.
public enum PGValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// A `bigint[]` (doc id lists: `doc_id = ANY($n)`).
    case integers([Int64])

    /// postgres-nio's bindings of `values`, in placeholder order.
    static func bindings(_ values: [PGValue]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .integers(let a): binds.append(a)
            }
        }
        return binds
    }
}

extension PostgresConnection {
    /// Runs one statement with bound values and returns its rows.
    @discardableResult
    func exec(_ sql: String, _ values: [PGValue] = []) async throws -> PostgresRowSequence {
        try await query(PostgresQuery(unsafeSQL: sql, binds: PGValue.bindings(values)), logger: Logger(label: "iris.postgres.query"))
    }
}

extension PostgresStore {
    /// The stored schema's version (`iris_schema_version`), which every schema transaction bumps.
    public func schemaVersion() async throws -> Int64 {
        try await withConnection { c in
            for try await row in try await c.exec("SELECT version FROM iris_schema_version") { return try row.decode(Int64.self) }
            throw PostgresStoreError("iris_schema_version has no row")
        }
    }

    /// Holds one pooled connection in `LISTEN channel` and calls `onNotification` for each notification
    /// (one at a time, in order), `whenListening` once the LISTEN is in place. Returns when the connection
    /// ends; throws its error.
    public func listen(_ channel: String, whenListening: @escaping @Sendable () async -> Void,
                       onNotification: @escaping @Sendable () async -> Void) async throws {
        try await withConnection { c in
            try await c.listen(on: channel) { notifications in
                await whenListening()
                for try await _ in notifications { await onNotification() }
            }
        }
    }
}
