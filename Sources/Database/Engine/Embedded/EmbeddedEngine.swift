import Foundation
import Logging
import Storage
import VectorIndex

/// The embedded engine: object rows in the SQLite store (GRDB, one writer, WAL readers) and one
/// in-process vector index per shard and named vector (`ClassState.indexes`), kept in step through the
/// change log (one key per lane, `VectorLanes`).
///
/// A write's rows and change-log entries commit in one SQLite transaction; the vector changes then go
/// to the indexes while the writer is still held, so index order is commit order (docs/modules/Database.md).
final class EmbeddedEngine: StorageEngine {
    let store: Store
    let logger: Logger
    /// When a vector search last ran (imports leave a core free while searches run).
    let searchActivity = ActivityClock()
    let dialect: any SQLDialect = SQLiteDialect()

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        try await store.pool.read { db in try body(EmbeddedRows(db: db)) }
    }

    /// On the caller's thread (GRDB's synchronous read runs there when a reader is free): after a search,
    /// the hop to a reader's queue and back cost more CPU than reading its ten rows (bench/query).
    func readFew<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        try readOnThisThread(body)
    }

    /// GRDB's synchronous read (from an async function, `pool.read` would pick the async one).
    private func readOnThisThread<T>(_ body: (any ObjectReader) throws -> T) throws -> T {
        try store.pool.read { db in try body(EmbeddedRows(db: db)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any ObjectWriter) throws -> T) async throws -> T {
        try await store.pool.writeWithoutTransaction { db in
            let writer = EmbeddedWriter(db: db)
            var result: T?
            try db.inTransaction {
                result = try body(writer)
                return .commit
            }
            // Still under the writer: the next transaction sees these effects.
            for action in writer.committed { action() }
            self.applyToIndexes(writer.changes)
            return result!
        }
    }

    func nearest(_ shard: ClassState, lane: Int, to vector: [Float], k: Int, maxDistance: Float?,
                 allowList: AllowList?) async throws -> [SearchResult] {
        searchActivity.touch()
        let index = shard.indexes[lane]
        if let maxDistance { return index.search(vector, maxDistance: maxDistance, limit: k, allowList: allowList) }
        return index.search(vector, k: k, allowList: allowList)
    }

    func vectorCount(_ shard: ClassState, lane: Int) async throws -> Int { shard.indexes[lane].count }

    /// Applies committed vector changes to the indexes. Called under the store's writer, so index state
    /// follows commit order. A failed insert is logged, not thrown: the row is durable and a restart
    /// rebuilds the index from the store.
    private func applyToIndexes(_ changes: [IndexChange]) {
        var byIndex: [ObjectIdentifier: (index: any VectorIndex, changes: [IndexChange])] = [:]
        for c in changes { byIndex[ObjectIdentifier(c.index), default: (c.index, [])].changes.append(c) }
        for (_, group) in byIndex {
            let batch = group.changes.map { VectorChange(id: $0.docID, vector: $0.vector) }
            let through = group.changes.map(\.sequence).max() ?? 0
            let errors = group.index.apply(batch, through: through, threads: indexThreads)
            for (k, e) in errors.enumerated() {
                guard let e else { continue }
                logger.error("vector index insert failed", metadata: ["docID": "\(batch[k].id)", "error": "\(e)"])
            }
        }
    }

    /// Insert threads for a batch: every core while nobody searches, all but one while searches run
    /// (seen in the last second), so queries during an import keep their latency.
    private var indexThreads: Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let searching = DispatchTime.now().uptimeNanoseconds &- searchActivity.last < 1_000_000_000
        return max(1, searching ? cores - 1 : cores)
    }
}

/// A vector change for the index, produced by a commit.
struct IndexChange {
    let index: any VectorIndex
    let docID: UInt64
    /// nil: delete.
    let vector: [Float]?
    let sequence: UInt64
}

/// Row reads on one SQLite connection (a reader, or the writer inside its transaction).
struct EmbeddedRows: ObjectReader {
    let db: GRDB.Database

    /// The bound values of a condition, as GRDB takes them.
    static func arguments(_ filter: CompiledFilter?) -> StatementArguments {
        guard let filter else { return [] }
        return StatementArguments(filter.arguments.map { v -> DatabaseValueConvertible in
            switch v {
            case .integer(let i): return i
            case .real(let d): return d
            case .text(let s): return s
            }
        })
    }

    func object(_ shard: ClassState, uuid: String, withVector: Bool) throws -> ObjectRow? {
        try ObjectTables.fetch(db, classID: shard.id, uuid: uuid, withVector: withVector)
            .map { try withMoreVectors([$0], shard, withVector)[0] }
    }

    /// Adds the vectors of the further lanes (named vectors) to rows read with vectors.
    func withMoreVectors(_ rows: [ObjectRow], _ shard: ClassState, _ withVector: Bool) throws -> [ObjectRow] {
        let lanes = shard.definition.laneCount
        guard withVector, lanes > 1, !rows.isEmpty else { return rows }
        var out = rows
        let ids = rows.map(\.docID)
        for lane in 1..<lanes {
            let found = try VectorLanes.vectors(db, shard: shard.id, lane: lane, docIDs: ids)
            for k in out.indices { out[k].moreVectors[lane] = found[out[k].docID] }
        }
        return out
    }

    func docID(_ shard: ClassState, uuid: String) throws -> UInt64? {
        try ObjectTables.docID(db, classID: shard.id, uuid: uuid)
    }

    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool, withProperties: Bool) throws -> [ObjectRow] {
        try withMoreVectors(ObjectTables.fetch(db, classID: shard.id, docIDs: docIDs, withVector: withVector,
                                               withProperties: withProperties), shard, withVector)
    }

    func objects(_ shard: ClassState, where filter: CompiledFilter?, orderBy: String?, limit: Int?, offset: Int?,
                 withVector: Bool) throws -> [ObjectRow] {
        try withMoreVectors(ObjectTables.fetch(db, classID: shard.id, condition: filter?.sql, arguments: Self.arguments(filter),
                                               orderBy: orderBy, limit: limit, offset: offset, withVector: withVector),
                            shard, withVector)
    }

    func ids(_ shard: ClassState, where filter: CompiledFilter?, limit: Int?) throws -> [(docID: UInt64, uuid: String)] {
        try ObjectTables.ids(db, classID: shard.id, condition: filter?.sql, arguments: Self.arguments(filter), limit: limit)
    }

    func count(_ shard: ClassState, where filter: CompiledFilter?) throws -> Int {
        try ObjectTables.count(db, classID: shard.id, condition: filter?.sql, arguments: Self.arguments(filter))
    }

    func postings(_ shard: ClassState, prop: Int, token: String) throws -> [ObjectTables.TermPosting] {
        try ObjectTables.postings(db, classID: shard.id, prop: prop, token: token)
    }

    func propertyLengthTotals(_ shard: ClassState, prop: Int) throws -> (sum: Int, count: Int) {
        try ObjectTables.propertyLengthTotals(db, classID: shard.id, prop: prop)
    }
}

/// Row writes inside the store's writer transaction. Every vector-affecting change appends to the
/// change log in the same transaction (the index catches up from it after a crash) and queues an
/// index change, applied by `EmbeddedEngine.write` after the commit.
final class EmbeddedWriter: ObjectWriter, ForwardingObjectReader {
    let rows: EmbeddedRows
    private(set) var changes: [IndexChange] = []
    private(set) var committed: [() -> Void] = []

    init(db: GRDB.Database) { rows = EmbeddedRows(db: db) }
    private var db: GRDB.Database { rows.db }

    func put(_ shard: ClassState, row: ObjectRow, replacing docID: UInt64?, vectorChanges: [Int: [Float]?]) throws -> UInt64 {
        let id: UInt64
        if let docID {
            var r = row
            r.docID = docID
            try ObjectTables.update(db, classID: shard.id, row: r, allColumns: shard.allColumnNames)
            id = docID
        } else {
            id = try ObjectTables.insert(db, classID: shard.id, row: row)
        }
        for (lane, vector) in vectorChanges.sorted(by: { $0.key < $1.key }) {
            if lane > 0 { try VectorLanes.put(db, shard: shard.id, lane: lane, docID: id, vector: vector.map(VectorCoding.encode)) }
            let seq = try ChangeLog.append(db, classID: VectorLanes.key(shard: shard.id, lane: lane), docID: id, op: .upsert)
            changes.append(IndexChange(index: shard.indexes[lane], docID: id, vector: vector, sequence: seq))
        }
        return id
    }

    func setTokens(_ shard: ClassState, docID: UInt64, tokens: [Int: [String: Int]], replacing: Bool) throws {
        try ObjectTables.setTokens(db, classID: shard.id, docID: docID, tokens: tokens, replacing: replacing)
    }

    func delete(_ shard: ClassState, docID: UInt64) throws {
        try ObjectTables.delete(db, classID: shard.id, docID: docID)
        for (lane, index) in shard.indexes.enumerated() {
            if lane > 0 { try VectorLanes.put(db, shard: shard.id, lane: lane, docID: docID, vector: nil) }
            let seq = try ChangeLog.append(db, classID: VectorLanes.key(shard: shard.id, lane: lane), docID: docID, op: .delete)
            changes.append(IndexChange(index: index, docID: docID, vector: nil, sequence: seq))
        }
    }

    func setDimension(_ shard: ClassState, _ dimension: Int) throws {
        try db.execute(sql: "UPDATE classes SET dimension = ? WHERE id = ?", arguments: [dimension, shard.classID])
    }

    func afterCommit(_ action: @escaping () -> Void) { committed.append(action) }
}
