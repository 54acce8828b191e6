import Foundation
import Storage
import VectorIndex

// The seam between the Database's rules and where objects and vectors live (docs/design/postgres-backend.md §1).
//
// The Database decides what to store (ids, validation, merges, Weaviate's errors, dynamic ef, fusion);
// an engine stores object rows, token rows and vectors, runs transactions, and answers kNN. Every object
// read, object write and vector search in Database goes through these protocols, so a second engine
// (PostgreSQL + pgvector) is a second conformance, not a second code path.
//
// Not behind the seam yet (still the embedded engine's own code in Database): schema storage
// (`schemaWrite`, Schema/, Tenants), the vector index life cycle (Index/) and the start-up checks
// (Integrity/). They are what a second engine replaces with its own schema tables and in-database index.

/// Where a class's objects and vectors live.
protocol StorageEngine: Sendable {
    /// The SQL text of this engine's conditions (`compileFilter`, `orderClause`).
    var dialect: any SQLDialect { get }

    /// Runs `body` on a consistent snapshot of the rows; the caller waits without holding a thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T

    /// A `read` of a few rows by key (a search's hits), which takes microseconds: an engine may run it on
    /// the caller's thread where handing it to another thread would cost more than the read.
    func readFew<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T

    /// Runs `body` as one transaction: it commits when `body` returns and rolls back when it throws.
    /// Writers to one object see each other's commits in some serial order (`body` reads the object it
    /// changes through the same `ObjectWriter`). Vector changes are searchable once this returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (any ObjectWriter) throws -> T) async throws -> T

    /// The most objects one `write` of a batch should hold: PostgreSQL takes a lock-table entry per object
    /// written (design §2), and its lock table is shared and small.
    var objectsPerTransaction: Int { get }

    /// Whether text may hold the NUL character (U+0000). PostgreSQL's text and jsonb cannot, and a write
    /// that tried failed whole (a 500, and a batch's neighbours with it); such values are refused with a
    /// 422 before the write instead.
    var storesNULInText: Bool { get }

    /// The `k` nearest vectors of `shard` in vector lane `lane` (its named vector; 0: the first or only
    /// one), within `maxDistance` if given, restricted to `allowList` if given, closest first, with
    /// distances in that vector's metric.
    func nearest(_ shard: ClassState, lane: Int, to vector: [Float], k: Int, maxDistance: Float?,
                 allowList: AllowList?) async throws -> [SearchResult]

    /// How many objects of `shard` have a vector in lane `lane`.
    func vectorCount(_ shard: ClassState, lane: Int) async throws -> Int

    /// How many of `shard`'s vectors (all lanes) are stored but not yet in their index; searches see them
    /// by exact scan meanwhile.
    func vectorsWaitingForIndex(_ shard: ClassState) async throws -> Int
}

extension ObjectWriter {
    /// The embedded engine has one writer at a time: nothing to order.
    func willFixDimensions(ofClasses ids: [Int64]) throws {}
    func willWrite(_ shard: ClassState, uuids: [String]) throws {}
}

extension StorageEngine {
    func readFew<T: Sendable>(_ body: @escaping @Sendable (any ObjectReader) throws -> T) async throws -> T {
        try await read(body)
    }

    /// The embedded engine indexes each vector in the write that stores it.
    func vectorsWaitingForIndex(_ shard: ClassState) async throws -> Int { 0 }

    /// The embedded engine has one writer and no lock table: a batch is one transaction.
    var objectsPerTransaction: Int { .max }

    /// SQLite's text holds any character.
    var storesNULInText: Bool { true }
}

/// Row reads inside one engine transaction. `filter` is a condition from `compileFilter` (the engine's
/// SQL dialect) over the shard's object table; `orderBy` an ORDER BY list from `orderClause`.
/// `withVector` reads every vector of the object: `ObjectRow.vector` and, for a class with several named
/// vectors, `ObjectRow.moreVectors`.
protocol ObjectReader {
    func object(_ shard: ClassState, uuid: String, withVector: Bool) throws -> ObjectRow?
    func docID(_ shard: ClassState, uuid: String) throws -> UInt64?
    /// Rows in the order of `docIDs`; ids that no longer exist are skipped. Without `withProperties`
    /// their properties are `{}` and `additional` nil, unread (searches whose caller selected no property).
    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool, withProperties: Bool) throws -> [ObjectRow]
    func objects(_ shard: ClassState, where filter: CompiledFilter?, orderBy: String?, limit: Int?, offset: Int?,
                 withVector: Bool) throws -> [ObjectRow]
    /// (doc id, uuid) of the matching rows in doc id order.
    func ids(_ shard: ClassState, where filter: CompiledFilter?, limit: Int?) throws -> [(docID: UInt64, uuid: String)]
    func count(_ shard: ClassState, where filter: CompiledFilter?) throws -> Int
    /// Every document whose property `prop` holds `token`, with its term frequency and property length.
    func postings(_ shard: ClassState, prop: Int, token: String) throws -> [ObjectTables.TermPosting]
    /// The summed token count of property `prop` over the documents that have it, and their number.
    func propertyLengthTotals(_ shard: ClassState, prop: Int) throws -> (sum: Int, count: Int)
}

extension ObjectReader {
    /// Rows with their properties.
    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool) throws -> [ObjectRow] {
        try objects(shard, docIDs: docIDs, withVector: withVector, withProperties: true)
    }
}

/// A writer whose reads are those of a reader on the same transaction (`rows`): the reads forward to it,
/// so an engine's writer writes only what it does differently (the embedded one; the PostgreSQL writer
/// also locks what it reads by uuid and writes its buffer before any read).
protocol ForwardingObjectReader: ObjectReader {
    associatedtype Rows: ObjectReader
    var rows: Rows { get }
}

extension ForwardingObjectReader {
    func object(_ shard: ClassState, uuid: String, withVector: Bool) throws -> ObjectRow? {
        try rows.object(shard, uuid: uuid, withVector: withVector)
    }
    func docID(_ shard: ClassState, uuid: String) throws -> UInt64? { try rows.docID(shard, uuid: uuid) }
    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool, withProperties: Bool) throws -> [ObjectRow] {
        try rows.objects(shard, docIDs: docIDs, withVector: withVector, withProperties: withProperties)
    }
    func objects(_ shard: ClassState, where filter: CompiledFilter?, orderBy: String?, limit: Int?, offset: Int?,
                 withVector: Bool) throws -> [ObjectRow] {
        try rows.objects(shard, where: filter, orderBy: orderBy, limit: limit, offset: offset, withVector: withVector)
    }
    func ids(_ shard: ClassState, where filter: CompiledFilter?, limit: Int?) throws -> [(docID: UInt64, uuid: String)] {
        try rows.ids(shard, where: filter, limit: limit)
    }
    func count(_ shard: ClassState, where filter: CompiledFilter?) throws -> Int { try rows.count(shard, where: filter) }
    func postings(_ shard: ClassState, prop: Int, token: String) throws -> [ObjectTables.TermPosting] {
        try rows.postings(shard, prop: prop, token: token)
    }
    func propertyLengthTotals(_ shard: ClassState, prop: Int) throws -> (sum: Int, count: Int) {
        try rows.propertyLengthTotals(shard, prop: prop)
    }
}

/// Row writes inside one engine transaction (`StorageEngine.write`).
protocol ObjectWriter: ObjectReader {
    /// Inserts `row` (`replacing` nil) or overwrites the row `replacing`; returns its doc id.
    /// `vectorChanges`: the lanes whose vector changed, with the new vector (nil: none); the indexes must
    /// follow. Lane 0's vector is also `row.vector`; the other lanes' are stored from here.
    func put(_ shard: ClassState, row: ObjectRow, replacing docID: UInt64?, vectorChanges: [Int: [Float]?]) throws -> UInt64
    /// The token and length rows of one object (bm25 and tokenized filters).
    func setTokens(_ shard: ClassState, docID: UInt64, tokens: [Int: [String: Int]], replacing: Bool) throws
    /// Deletes the object, its tokens and its vectors.
    func delete(_ shard: ClassState, docID: UInt64) throws
    /// Fixes the class's vector dimension (the first vector's length), persisted with this transaction.
    func setDimension(_ shard: ClassState, _ dimension: Int) throws
    /// Called first in a transaction that may fix a dimension of these classes (by class id), before it
    /// reads or writes any of their rows.
    func willFixDimensions(ofClasses ids: [Int64]) throws
    /// Called before a transaction's writes with the objects they will change in `shard`, so an engine can
    /// lock and look them up together rather than one by one.
    func willWrite(_ shard: ClassState, uuids: [String]) throws
    /// Runs `action` once the transaction has committed, before the next writer starts.
    func afterCommit(_ action: @escaping () -> Void)
}

extension Array {
    /// Consecutive pieces of at most `size` elements (one piece per transaction of a large write).
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        let size = Swift.max(1, size)
        return stride(from: 0, to: count, by: size).map { self[$0..<($0 + Swift.min(size, count - $0))] }
    }
}
