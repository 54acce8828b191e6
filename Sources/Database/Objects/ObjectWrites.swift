import Foundation
import Storage
import VectorIndex

/// One validated object ready to be written.
struct PendingWrite {
    enum Mode { case create, upsert, update }
    var st: ClassState
    var id: String
    var properties: [String: JSONValue]
    var vector: [Float]?
    var created: Int64
    var updated: Int64
    var additional: [String: JSONValue]?
    var mode: Mode
}

extension Database {
    /// Writes objects in one transaction, then applies their vectors to the indexes (under the writer
    /// lock, so index order matches commit order). Per-item failures (already exists, vector length)
    /// skip that item; a storage failure fails the whole call and nothing is written.
    func commit(_ writes: [PendingWrite]) throws -> [Result<WeaviateObject, DatabaseError>] {
        var results = [Result<WeaviateObject, DatabaseError>](repeating: .failure(.internal("not written")), count: writes.count)
        var indexOps: [(index: any VectorIndex, docID: UInt64, vector: [Float]?, seq: UInt64)] = []
        var newDimensions: [(ClassState, Int)] = []
        do {
            try store.pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    indexOps = []
                    newDimensions = []
                    var dims: [Int64: Int] = [:]
                    for (k, w) in writes.enumerated() {
                        let st = w.st
                        if st.shardStatus == "READONLY" {
                            results[k] = .failure(.unprocessable("class '\(st.name)': shard '\(config.hostname)' is read-only"))
                            continue
                        }
                        var vector = w.vector
                        if let v = vector, v.isEmpty { vector = nil }
                        if let v = vector {
                            if let d = dims[st.id] ?? st.dimension {
                                if d != v.count {
                                    results[k] = .failure(.unprocessable(
                                        "new node has a vector with length \(v.count). Existing nodes have vectors with length \(d)"))
                                    continue
                                }
                            } else {
                                dims[st.id] = v.count
                                try db.execute(sql: "UPDATE classes SET dimension = ? WHERE id = ?", arguments: [v.count, st.id])
                                newDimensions.append((st, v.count))
                            }
                        }
                        let row = ObjectRow(uuid: w.id, created: w.created, updated: w.updated,
                                            properties: JSONValue.object(w.properties).jsonString(),
                                            vector: vector.map(VectorCoding.encode),
                                            additional: w.additional.map { JSONValue.object($0).jsonString() },
                                            columns: Database.columnValues(w.properties, of: st))
                        let existing = try ObjectTables.docID(db, classID: st.id, uuid: w.id)
                        var docID: UInt64
                        switch (w.mode, existing) {
                        case (.create, .some):
                            results[k] = .failure(.unprocessable("id '\(w.id)' already exists"))
                            continue
                        case (.update, .none):
                            results[k] = .failure(.notFound("object '\(w.id)' not found"))
                            continue
                        case (_, .some(let d)):
                            var r = row
                            r.docID = d
                            try ObjectTables.update(db, classID: st.id, row: r, allColumns: st.allColumnNames)
                            docID = d
                        case (_, .none):
                            docID = try ObjectTables.insert(db, classID: st.id, row: row)
                        }
                        try ObjectTables.setTokens(db, classID: st.id, docID: docID, tokens: Database.tokenRows(w.properties, of: st),
                                                   replacing: existing != nil)
                        if vector != nil || existing != nil {
                            let seq = try ChangeLog.append(db, classID: st.id, docID: docID, op: .upsert)
                            indexOps.append((st.index, docID, vector, seq))
                        }
                        results[k] = .success(WeaviateObject(
                            className: st.name, id: w.id, properties: w.properties, vector: vector,
                            creationTimeUnix: w.created, lastUpdateTimeUnix: w.updated, additional: w.additional, docID: docID))
                    }
                    return .commit
                }
                // Still under the writer: the next transaction sees the dimension.
                for (st, d) in newDimensions where st.dimension == nil { st.dimension = d }
                try applyIndexOps(indexOps)
            }
        } catch let e as DatabaseError {
            throw e
        } catch {
            throw DatabaseError.internal("store write failed: \(error)")
        }
        return results
    }

    /// Applies committed vector changes to the indexes. Called under the store's writer, so index state
    /// follows commit order; a large batch of distinct ids is inserted on all cores (the indexes are
    /// thread-safe), and snapshots are taken under the writer too, so none sees half a batch.
    func applyIndexOps(_ ops: [(index: any VectorIndex, docID: UInt64, vector: [Float]?, seq: UInt64)]) throws {
        func apply(_ op: (index: any VectorIndex, docID: UInt64, vector: [Float]?, seq: UInt64)) {
            if let v = op.vector {
                do { try op.index.upsert(id: op.docID, vector: v, sequence: op.seq) } catch {
                    // The row is durable; a restart rebuilds from the store. Log rather than fail the request.
                    logger.error("vector index insert failed", metadata: ["docID": "\(op.docID)", "error": "\(error)"])
                }
            } else {
                op.index.delete(id: op.docID, sequence: op.seq)
            }
        }
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        var distinct = Set<String>()
        // Only HNSW inserts run in parallel; a flat index serialises writers on one lock anyway.
        let parallel = ops.count >= 64 && workers > 1 && ops.allSatisfy { !($0.index is FlatIndex) }
            && ops.allSatisfy { distinct.insert("\(ObjectIdentifier($0.index)):\($0.docID)").inserted }
        if parallel {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for k in stride(from: w, to: ops.count, by: workers) { apply(ops[k]) }
            }
        } else {
            for op in ops { apply(op) }
        }
    }

    /// Normalises an object's class name and id for a write; `lowercaseID` on single create (not batch).
    func resolveInput(_ input: ObjectInput, lowercaseID: Bool) throws -> (className: String, id: String) {
        guard let raw = input.className, !raw.isEmpty else {
            throw DatabaseError.unprocessable("invalid object: the given class is empty")
        }
        let className = Database.normalizeClassName(raw)
        var id = input.id ?? ValueFormats.newUUID()
        if id.isEmpty { id = ValueFormats.newUUID() }
        guard ValueFormats.isUUID(id) else {
            throw DatabaseError.unprocessable("id in body must be of type uuid: \"\(id)\"")
        }
        // Storage keys are lower-case so lookups are case-insensitive, as UUID parsing is in Weaviate.
        _ = lowercaseID
        return (className, id.lowercased())
    }

    /// Auto-schema + validation of one input; returns the write with properties normalised.
    func prepare(_ input: ObjectInput, lowercaseID: Bool, mode: PendingWrite.Mode) throws -> PendingWrite {
        let (className, id) = try resolveInput(input, lowercaseID: lowercaseID)
        let props = input.properties ?? [:]
        let st: ClassState
        do {
            st = try ensureSchema(className: className, properties: props)
        } catch let e as DatabaseError where e.kind == .unprocessable {
            throw DatabaseError.unprocessable("invalid object: \(e.message)")
        }
        let normalized: [String: JSONValue]
        do {
            normalized = try normalizeProperties(props, of: st)
        } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
        if let v = input.vector, !v.isEmpty, let d = st.dimension, d != v.count {
            throw DatabaseError.unprocessable("new node has a vector with length \(v.count). Existing nodes have vectors with length \(d)")
        }
        let now = ValueFormats.nowMillis()
        return PendingWrite(st: st, id: id, properties: normalized, vector: input.vector?.isEmpty == false ? input.vector : nil,
                            created: now, updated: now, additional: nil, mode: mode)
    }

    /// Fills in vectors from the class vectorizers for writes without a user vector (one call per class).
    func vectorize(_ writes: inout [PendingWrite], only: Set<Int>? = nil) async throws {
        var groups: [String: [Int]] = [:]
        for (k, w) in writes.enumerated() where w.vector == nil && (only?.contains(k) ?? true) {
            let v = w.st.definition.vectorizerName
            if v != "none" { groups[w.st.name, default: []].append(k) }
        }
        for (_, idxs) in groups {
            let def = writes[idxs[0]].st.definition
            guard let module = modules.module(named: def.vectorizerName) else {
                throw DatabaseError.internal("vectorizer: no module with name \"\(def.vectorizerName)\" present")
            }
            let inputs = idxs.map { VectorizeInput(id: writes[$0].id, properties: writes[$0].properties) }
            let vectors: [[Float]?]
            do {
                vectors = try await module.vectorize(objects: inputs, class: def)
            } catch let e as DatabaseError {
                throw e
            } catch {
                throw DatabaseError.internal("update vector: \(error)")
            }
            guard vectors.count == idxs.count else {
                throw DatabaseError.internal("update vector: module '\(module.name)' returned \(vectors.count) vectors for \(idxs.count) objects")
            }
            for (j, k) in idxs.enumerated() { writes[k].vector = vectors[j] }
        }
    }

    func single(_ r: Result<WeaviateObject, DatabaseError>) throws -> WeaviateObject {
        switch r {
        case .success(let o): return o
        case .failure(let e): throw e
        }
    }

    func createObjectImpl(_ input: ObjectInput) async throws -> WeaviateObject {
        let (className, id) = try resolveInput(input, lowercaseID: true)
        if let st = state(className), try docExists(st, id) {
            throw DatabaseError.unprocessable("id '\(id)' already exists")
        }
        var w = [try prepare(input, lowercaseID: true, mode: .create)]
        try await vectorize(&w)
        return try single(try commit(w)[0])
    }

    func docExists(_ st: ClassState, _ id: String) throws -> Bool {
        try store.pool.read { try ObjectTables.docID($0, classID: st.id, uuid: id) } != nil
    }

    func validateObjectImpl(_ input: ObjectInput) throws {
        let (className, _) = try resolveInput(input, lowercaseID: true)
        guard let st = state(className) else {
            if config.autoSchemaEnabled { return }
            throw DatabaseError.unprocessable("invalid object: class '\(className)' not present in schema")
        }
        do {
            _ = try normalizeProperties(input.properties ?? [:], of: st)
        } catch let e as DatabaseError {
            // With auto-schema on, unknown properties would be created, so they are valid.
            if config.autoSchemaEnabled && e.message.hasPrefix("no such prop") { return }
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
    }

    /// Finds the stored object for a write on a class (or, with nil, on any class).
    func locate(className: String?, id: String) throws -> (ClassState, WeaviateObject)? {
        guard let o = try getObjectImpl(className: className, id: id, includeVector: true), let st = state(o.className) else {
            return nil
        }
        return (st, o)
    }

    func replaceObjectImpl(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        let lid = id.lowercased()
        if let bodyID = input.id, !bodyID.isEmpty, bodyID.lowercased() != lid {
            throw DatabaseError.unprocessable("invalid update: field 'id' is immutable")
        }
        let target = className ?? input.className
        guard let (st, old) = try locate(className: target.map(Database.normalizeClassName), id: lid) else {
            throw DatabaseError.notFound("object '\(lid)' not found")
        }
        var body = input
        body.className = st.name
        body.id = lid
        var w = try prepare(body, lowercaseID: true, mode: .update)
        w.created = old.creationTimeUnix
        var ws = [w]
        try await vectorize(&ws)
        return try single(try commit(ws)[0])
    }

    func mergeObjectImpl(className: String?, id: String, _ input: ObjectInput) async throws -> WeaviateObject {
        let lid = id.lowercased()
        if let bodyID = input.id, !bodyID.isEmpty, bodyID.lowercased() != lid {
            throw DatabaseError.unprocessable("invalid update: field 'id' is immutable")
        }
        let target = className ?? input.className
        guard let (st, old) = try locate(className: target.map(Database.normalizeClassName), id: lid) else {
            throw DatabaseError.notFound("object '\(lid)' not found")
        }
        let patch = input.properties ?? [:]
        _ = try prepareMergeSchema(st, patch)
        var merged = old.properties
        for (k, v) in patch { merged[k] = v.isNull ? nil : v }
        let normalized: [String: JSONValue]
        do { normalized = try normalizeProperties(merged, of: st) } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
        var w = PendingWrite(st: st, id: lid, properties: normalized, vector: old.vector, created: old.creationTimeUnix,
                             updated: ValueFormats.nowMillis(), additional: old.additional, mode: .update)
        if let v = input.vector, !v.isEmpty {
            w.vector = v
        } else if st.definition.vectorizerName != "none", let module = modules.module(named: st.definition.vectorizerName) {
            let watched = module.vectorizedProperties(class: st.definition)
            let changed = watched.contains { old.properties[$0] != normalized[$0] }
            if changed || old.vector == nil {
                w.vector = nil
                var ws = [w]
                try await vectorize(&ws)
                w = ws[0]
            }
        }
        return try single(try commit([w])[0])
    }

    /// Auto-schema for the non-null values of a PATCH body.
    func prepareMergeSchema(_ st: ClassState, _ patch: [String: JSONValue]) throws -> ClassState {
        do {
            return try ensureSchema(className: st.name, properties: patch.filter { !$0.value.isNull })
        } catch let e as DatabaseError {
            throw DatabaseError(e.kind, "invalid object: \(e.message)")
        }
    }

    func deleteObjectImpl(className: String?, id: String) throws {
        let lid = id.lowercased()
        guard let (st, old) = try locate(className: className.map(Database.normalizeClassName), id: lid) else {
            throw DatabaseError.notFound("object '\(lid)' not found")
        }
        try deleteDocs(st, docIDs: [old.docID])
    }

    /// Deletes rows and removes them from the index, logging each delete.
    func deleteDocs(_ st: ClassState, docIDs: [UInt64]) throws {
        var ops: [(index: any VectorIndex, docID: UInt64, vector: [Float]?, seq: UInt64)] = []
        do {
            try store.pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    ops = []
                    for d in docIDs {
                        try ObjectTables.delete(db, classID: st.id, docID: d)
                        let seq = try ChangeLog.append(db, classID: st.id, docID: d, op: .delete)
                        ops.append((st.index, d, nil, seq))
                    }
                    return .commit
                }
                try applyIndexOps(ops)
            }
        } catch {
            throw DatabaseError.internal("store delete failed: \(error)")
        }
    }

    func batchObjectsImpl(_ inputs: [ObjectInput]) async throws -> [BatchObjectResult] {
        if inputs.isEmpty {
            throw DatabaseError.unprocessable("invalid param 'objects': cannot be empty, need at least one object for batching")
        }
        var results = [BatchObjectResult?](repeating: nil, count: inputs.count)
        var writes: [PendingWrite] = []
        var positions: [Int] = []
        for (k, input) in inputs.enumerated() {
            do {
                writes.append(try prepare(input, lowercaseID: false, mode: .upsert))
                positions.append(k)
            } catch let e as DatabaseError {
                results[k] = BatchObjectResult(object: Database.echo(input), error: e.message)
            }
        }
        // Vectorise per class; a vectorizer failure fails only the objects of that class.
        var failedByVectorizer: [Int: String] = [:]
        var byClass: [String: [Int]] = [:]
        for (j, w) in writes.enumerated() { byClass[w.st.name, default: []].append(j) }
        for (_, js) in byClass {
            do { try await vectorize(&writes, only: Set(js)) } catch let e as DatabaseError {
                // One bad object (e.g. an undecodable image) must not fail the others: retry one by one.
                guard js.count > 1 else { failedByVectorizer[js[0]] = e.message; continue }
                for j in js {
                    do { try await vectorize(&writes, only: [j]) } catch let e as DatabaseError { failedByVectorizer[j] = e.message }
                }
            }
        }
        var toCommit: [PendingWrite] = []
        var commitPositions: [Int] = []
        for (j, w) in writes.enumerated() {
            if let m = failedByVectorizer[j] {
                results[positions[j]] = BatchObjectResult(object: Database.echo(inputs[positions[j]]), error: m)
            } else {
                toCommit.append(w)
                commitPositions.append(positions[j])
            }
        }
        if !toCommit.isEmpty {
            let committed = try commit(toCommit)
            for (j, r) in committed.enumerated() {
                let k = commitPositions[j]
                switch r {
                case .success(let o): results[k] = BatchObjectResult(object: o, error: nil)
                case .failure(let e): results[k] = BatchObjectResult(object: Database.echo(inputs[k]), error: e.message)
                }
            }
        }
        return results.map { $0! }
    }

    /// The input as an object, for failed batch items.
    static func echo(_ input: ObjectInput) -> WeaviateObject {
        WeaviateObject(className: input.className ?? "", id: input.id ?? "", properties: input.properties ?? [:], vector: input.vector)
    }
}
