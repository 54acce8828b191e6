import Foundation
import PostgresStore
import Storage
import VectorIndex

/// Row reads on one PostgreSQL connection (`PostgresEngine.read`, or a writer's transaction).
struct PostgresRows: ObjectReader {
    let c: BlockingConnection

    /// A compiled filter's bound values as PostgresStore takes them. PostgreSQL's text cannot hold U+0000
    /// (no stored text does here, see `storesNULInText`), and binding one failed the read with a 500.
    static func arguments(_ filter: CompiledFilter?) throws -> [PGValue] {
        try (filter?.arguments ?? []).map { v in
            switch v {
            case .integer(let i): return .integer(i)
            case .real(let d): return .real(d)
            case .text(let s):
                if s.utf8.contains(0) {
                    throw DatabaseError.unprocessable(
                        "a filter or cursor value with the NUL character (U+0000) cannot be compared by the PostgreSQL storage engine")
                }
                return .text(s)
            }
        }
    }

    /// The Database's row from PostgreSQL's (typed columns are written, never read back).
    static func objectRow(_ r: PGObjectRow) -> ObjectRow {
        ObjectRow(docID: r.docID, uuid: r.uuid, created: r.created, updated: r.updated, properties: r.properties,
                  vector: r.vector.map(PostgresVectors.encode), additional: r.additional)
    }

    /// Adds the vectors of the further named vectors to rows read with vectors.
    static func withLanes(_ c: BlockingConnection, _ shard: ClassState, _ rows: [ObjectRow], withVector: Bool) throws -> [ObjectRow] {
        let lanes = shard.definition.laneCount
        guard withVector, lanes > 1, !rows.isEmpty else { return rows }
        let found = try PGObjectRows.laneVectors(c, shard: shard.id, lanes: Array(1..<lanes), docIDs: rows.map(\.docID))
        return rows.map { row in
            var row = row
            for (lane, v) in found[row.docID] ?? [:] { row.moreVectors[lane] = PostgresVectors.encode(v) }
            return row
        }
    }

    func object(_ shard: ClassState, uuid: String, withVector: Bool) throws -> ObjectRow? {
        guard let row = try PGObjectRows.fetch(c, shard: shard.id, uuid: uuid, withVector: withVector) else { return nil }
        return try Self.withLanes(c, shard, [Self.objectRow(row)], withVector: withVector).first
    }

    func docID(_ shard: ClassState, uuid: String) throws -> UInt64? {
        try PGObjectRows.docID(c, shard: shard.id, uuid: uuid)
    }

    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool, withProperties: Bool) throws -> [ObjectRow] {
        try Self.withLanes(c, shard, PGObjectRows.fetch(c, shard: shard.id, docIDs: docIDs, withVector: withVector,
                                                        withProperties: withProperties).map(Self.objectRow),
                           withVector: withVector)
    }

    func objects(_ shard: ClassState, where filter: CompiledFilter?, orderBy: String?, limit: Int?, offset: Int?,
                 withVector: Bool) throws -> [ObjectRow] {
        try Self.withLanes(c, shard, PGObjectRows.fetch(c, shard: shard.id, condition: filter?.sql, arguments: try Self.arguments(filter),
                                                        orderBy: orderBy, limit: limit, offset: offset, withVector: withVector)
                                         .map(Self.objectRow), withVector: withVector)
    }

    func ids(_ shard: ClassState, where filter: CompiledFilter?, limit: Int?) throws -> [(docID: UInt64, uuid: String)] {
        try PGObjectRows.ids(c, shard: shard.id, condition: filter?.sql, arguments: try Self.arguments(filter), limit: limit)
    }

    func count(_ shard: ClassState, where filter: CompiledFilter?) throws -> Int {
        try PGObjectRows.count(c, shard: shard.id, condition: filter?.sql, arguments: try Self.arguments(filter))
    }

    func postings(_ shard: ClassState, prop: Int, token: String) throws -> [ObjectTables.TermPosting] {
        try PGTokenRows.postings(c, shard: shard.id, prop: prop, token: token).map {
            ObjectTables.TermPosting(docID: $0.docID, frequency: $0.frequency, propertyLength: $0.propertyLength)
        }
    }

    func propertyLengthTotals(_ shard: ClassState, prop: Int) throws -> (sum: Int, count: Int) {
        try PGTokenRows.lengthTotals(c, shard: shard.id, prop: prop)
    }
}

/// Row writes inside one PostgreSQL transaction (`PostgresEngine.write`).
///
/// Reading an object by uuid here first takes the object's lock (`PGObjectRows.lockObject`), then its row
/// `FOR UPDATE`: the read-modify-writes of one object (PATCH, references, creates of one id) run one after
/// the other, each seeing the previous one's commit, while writers of other objects run in parallel.
///
/// A batch's rows and token rows are buffered and written in a few statements per shard (`flush`), before
/// any read of this transaction and before it commits: a statement per object was most of an import's
/// time. Writes the buffer does not cover (further named vectors, deletes) flush it first and go directly.
final class PostgresWriter: ObjectWriter {
    let c: BlockingConnection
    let engine: PostgresEngine
    let rows: PostgresRows
    private(set) var committed: [() -> Void] = []
    /// The uuid of each doc id this transaction wrote or looked up (token rows are keyed by uuid).
    private var uuids: [UInt64: String] = [:]
    struct ObjectKey: Hashable { let shard: Int64; let uuid: String }
    /// Objects this transaction holds the lock of, with their doc id as it is now in this transaction
    /// (nil: no row). Kept current by `put` and `delete`.
    private var locked: [ObjectKey: UInt64?] = [:]
    /// Objects whose row (and so token rows) is in the database now, not only in the buffer.
    private var stored: Set<ObjectKey> = []
    /// Doc ids taken from the sequence for new rows, used up by `put` (from the end).
    private var freshDocIDs: [UInt64] = []
    /// Rows and token rows not yet written, by shard, then uuid (a later write of one object replaces its
    /// buffered one).
    private var pendingRows: [Int64: (shard: ClassState, rows: [String: PGObjectRow])] = [:]
    private var pendingTokens: [Int64: [String: PGTokenRows.Entry]] = [:]

    init(c: BlockingConnection, engine: PostgresEngine) {
        self.c = c
        self.engine = engine
        rows = PostgresRows(c: c)
    }

    /// Locks the objects and finds their doc ids in two statements for the whole transaction, and takes
    /// doc ids for the new ones in a third.
    func willWrite(_ shard: ClassState, uuids wanted: [String]) throws {
        let fresh = Array(Set(wanted.filter { locked[ObjectKey(shard: shard.id, uuid: $0)] == nil }))
        let found = try PGObjectRows.lockObjects(c, shard: shard.id, uuids: fresh)
        for uuid in fresh {
            let key = ObjectKey(shard: shard.id, uuid: uuid)
            let doc = found[uuid]
            locked[key] = .some(doc)
            if let doc { uuids[doc] = uuid; stored.insert(key) }
        }
        // Kept in reverse, so `removeLast` hands them out in input order, as the embedded engine numbers them.
        freshDocIDs = try PGObjectRows.newDocIDs(c, count: fresh.count - found.count).reversed() + freshDocIDs
    }

    /// Writes the buffered rows, then the buffered token rows (deleting the old ones of stored objects).
    func flush() throws {
        for (id, pending) in pendingRows.sorted(by: { $0.key < $1.key }) {
            let columns = PostgresCatalog.columns(pending.shard.columns.values.flatMap(\.storeColumns))
            try PGObjectRows.upsert(c, shard: id, rows: pending.rows.keys.sorted().map { pending.rows[$0]! }, columns: columns)
        }
        for (id, byUUID) in pendingTokens.sorted(by: { $0.key < $1.key }) {
            let replacing = byUUID.keys.filter { stored.contains(ObjectKey(shard: id, uuid: $0)) }.sorted()
            try PGTokenRows.set(c, shard: id, objects: byUUID.keys.sorted().map { byUUID[$0]! }, replacing: replacing)
        }
        for (id, pending) in pendingRows { for uuid in pending.rows.keys { stored.insert(ObjectKey(shard: id, uuid: uuid)) } }
        pendingRows = [:]
        pendingTokens = [:]
    }

    func object(_ shard: ClassState, uuid: String, withVector: Bool) throws -> ObjectRow? {
        try flush()
        if locked[ObjectKey(shard: shard.id, uuid: uuid)] == nil { try PGObjectRows.lockObject(c, shard: shard.id, uuid: uuid) }
        guard let row = try PGObjectRows.fetch(c, shard: shard.id, uuid: uuid, withVector: withVector, forUpdate: true) else { return nil }
        return try PostgresRows.withLanes(c, shard, [PostgresRows.objectRow(row)], withVector: withVector).first
    }

    func docID(_ shard: ClassState, uuid: String) throws -> UInt64? {
        let key = ObjectKey(shard: shard.id, uuid: uuid)
        if let known = locked[key] { return known }
        try flush()
        try PGObjectRows.lockObject(c, shard: shard.id, uuid: uuid)
        let doc = try PGObjectRows.fetch(c, shard: shard.id, uuid: uuid, withVector: false, forUpdate: true)?.docID
        locked[key] = .some(doc)
        if let doc { uuids[doc] = uuid; stored.insert(key) }
        return doc
    }

    // The other reads see the buffered writes too.
    func objects(_ shard: ClassState, docIDs: [UInt64], withVector: Bool, withProperties: Bool) throws -> [ObjectRow] {
        try flush(); return try rows.objects(shard, docIDs: docIDs, withVector: withVector, withProperties: withProperties)
    }
    func objects(_ shard: ClassState, where filter: CompiledFilter?, orderBy: String?, limit: Int?, offset: Int?,
                 withVector: Bool) throws -> [ObjectRow] {
        try flush(); return try rows.objects(shard, where: filter, orderBy: orderBy, limit: limit, offset: offset, withVector: withVector)
    }
    func ids(_ shard: ClassState, where filter: CompiledFilter?, limit: Int?) throws -> [(docID: UInt64, uuid: String)] {
        try flush(); return try rows.ids(shard, where: filter, limit: limit)
    }
    func count(_ shard: ClassState, where filter: CompiledFilter?) throws -> Int { try flush(); return try rows.count(shard, where: filter) }
    func postings(_ shard: ClassState, prop: Int, token: String) throws -> [ObjectTables.TermPosting] {
        try flush(); return try rows.postings(shard, prop: prop, token: token)
    }
    func propertyLengthTotals(_ shard: ClassState, prop: Int) throws -> (sum: Int, count: Int) {
        try flush(); return try rows.propertyLengthTotals(shard, prop: prop)
    }

    /// An upsert by uuid: the doc id of an existing row is kept, so `replacing` needs no separate path.
    /// pgvector's indexes are transactional, so `vectorChanges` only writes the further named vectors'
    /// columns (lane 0's vector is `row.vector`); a lane it does not name keeps its vector.
    func put(_ shard: ClassState, row: ObjectRow, replacing docID: UInt64?, vectorChanges: [Int: [Float]?]) throws -> UInt64 {
        let vector = vectorChanges[0] ?? row.vector.map(VectorCoding.decode)
        let columns = row.columns.mapValues(PostgresWriter.value)
        var pgRow = PGObjectRow(uuid: row.uuid, created: row.created, updated: row.updated, properties: row.properties,
                                vector: PostgresVectors.stored(vector: vector, row: row), additional: row.additional,
                                columns: columns)
        let key = ObjectKey(shard: shard.id, uuid: row.uuid)
        let id: UInt64
        if let known = locked[key], vectorChanges.keys.allSatisfy({ $0 == 0 }), known != nil || !freshDocIDs.isEmpty {
            // Locked and looked up: buffered, with its doc id (kept, or a new one).
            id = known ?? freshDocIDs.removeLast()
            pgRow.docID = id
            pendingRows[shard.id, default: (shard, [:])].rows[row.uuid] = pgRow
            locked[key] = .some(id)
        } else {
            try flush()
            id = try PGObjectRows.upsert(c, shard: shard.id, row: pgRow, allColumns: shard.allColumnNames)
            for (lane, v) in vectorChanges where lane > 0 {
                // The pipeline checked the length against a known dimension; the first vector fixes it.
                if let v, shard.dimension(lane: lane) == nil { try PostgresVectors.setDimension(c, shard, lane: lane, v.count) }
                try PGObjectRows.setLaneVector(c, shard: shard.id, lane: lane, docID: id, vector: v)
            }
            if locked[key] != nil { locked[key] = .some(id) }
            stored.insert(key)
        }
        uuids[id] = row.uuid
        return id
    }

    /// Replaces the object's token rows: buffered with its buffered row, else written now.
    func setTokens(_ shard: ClassState, docID: UInt64, tokens: [Int: [String: Int]], replacing: Bool) throws {
        guard let uuid = try uuids[docID] ?? PGObjectRows.uuid(c, shard: shard.id, docID: docID) else {
            throw PostgresStoreError("no object with doc id \(docID) for its token rows")
        }
        let key = ObjectKey(shard: shard.id, uuid: uuid)
        if pendingRows[shard.id]?.rows[uuid] != nil {
            pendingTokens[shard.id, default: [:]][uuid] = PGTokenRows.Entry(uuid: uuid, docID: docID, tokens: tokens)
        } else {
            try PGTokenRows.set(c, shard: shard.id, uuid: uuid, docID: docID, tokens: tokens)
            stored.insert(key)
        }
    }

    func delete(_ shard: ClassState, docID: UInt64) throws {
        try flush()
        try PGObjectRows.delete(c, shard: shard.id, docID: docID)
        if let uuid = uuids[docID] {
            let key = ObjectKey(shard: shard.id, uuid: uuid)
            stored.remove(key)
            if locked[key] != nil { locked[key] = .some(nil) }
        }
        uuids[docID] = nil
    }

    func setDimension(_ shard: ClassState, _ dimension: Int) throws {
        try PostgresVectors.setDimension(c, shard, dimension)
    }

    /// A first vector alters its table's column, which waits for every transaction holding a lock on the
    /// table, while `setDimension` waits for the class row. Taking the class rows before any object row
    /// keeps such writers from waiting on each other in a circle (a deadlock PostgreSQL would abort).
    func willFixDimensions(ofClasses ids: [Int64]) throws {
        try c.query("SELECT 1 FROM iris_classes WHERE id = ANY($1) ORDER BY id FOR UPDATE", [.integers(ids)])
    }

    func afterCommit(_ action: @escaping () -> Void) { committed.append(action) }

    /// A typed column's value (the Database computes them as GRDB values for both engines).
    static func value(_ v: DatabaseValue) -> PGValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }
}
