import Foundation
import Storage
import VectorIndex

// Every change to an object goes through one pipeline: prepare → vectorise → commit → index apply.
//
// - prepare (any thread): resolves the class (auto-schema), validates and normalises what the request
//   brings, without reading the stored object.
// - vectorise (async): asks the class's module for vectors of what prepare produced.
// - commit (one `StorageEngine.write` transaction): reads the object as it is now, resolves the intent
//   against it (a PATCH merges into the current properties, a reference add appends to the current
//   list), writes row and tokens. Because every read-modify-write happens inside the engine's
//   transaction, concurrent writes to one object apply in some serial order and none is lost.
// - index apply: the engine's (the embedded engine applies the vector changes to the class indexes
//   after the commit, still under its writer, in commit order).
//
// A PATCH whose vector the commit finds stale (a concurrent write changed a vectorised property after
// prepare) returns `.revectorise`; the caller vectorises the merged properties again and retries.

/// How a write changes the stored object; resolved against the current row at commit time.
enum WriteIntent: Sendable {
    /// POST: insert; 422 if the id exists.
    case create
    /// Batch: insert or replace everything (creation time restarts, as before).
    case upsert
    /// PUT: replace everything but the creation time; 404 if absent.
    case replace
    /// PATCH: `properties` over the current ones, `removals` dropped (a `null` in the body).
    case merge(removals: Set<String>)
    /// Reference add/replace/delete on one reference property; values are normalised beacons.
    case references(property: String, ReferenceChange)
    /// DELETE; 404 if absent.
    case delete
}

enum ReferenceChange: Sendable {
    case add([JSONValue])
    case replace([JSONValue])
    /// Removes every reference to this target id.
    case remove(targetID: String)
}

/// One prepared write.
struct ObjectWrite: Sendable {
    var st: ClassState
    /// Lower-case uuid.
    var id: String
    var intent: WriteIntent
    /// Normalised properties (for `.merge`, the normalised patch).
    var properties: [String: JSONValue] = [:]
    /// The request's vector, or the module's for `properties`.
    var vector: [Float]?
    /// The vector came with the request (never replaced by the module's).
    var userVector = false
    /// `.merge` only: the vectorised properties `vector` was computed from (nil: not vectorised).
    var vectorizedFrom: [String: JSONValue]?
    var time = ValueFormats.nowMillis()
}

/// The outcome of one write at commit.
enum WriteOutcome: Sendable {
    case written(WeaviateObject)
    case deleted
    case failed(DatabaseError)
    /// `.merge` only: vectorise `properties` (the merged object as now stored + the patch) and retry.
    case revectorise(properties: [String: JSONValue])
}

extension Database {
    // MARK: Vectorise

    /// Fills in `vector` from the class's module for writes without one (one module call per class).
    /// For `.merge` writes, vectorises `vectorizeProperties[k]` instead (the merged object).
    func vectorize(_ writes: inout [ObjectWrite], only: Set<Int>? = nil,
                   mergedProperties: [Int: [String: JSONValue]] = [:]) async throws {
        var groups: [String: [Int]] = [:]
        for (k, w) in writes.enumerated() where !w.userVector && w.vector == nil && (only?.contains(k) ?? true) {
            if case .merge = w.intent, mergedProperties[k] == nil { continue }
            if w.st.definition.vectorizerName != "none" { groups[w.st.name, default: []].append(k) }
        }
        for (_, idxs) in groups {
            let def = writes[idxs[0]].st.definition
            guard let module = modules.module(named: def.vectorizerName) else {
                throw DatabaseError.internal("vectorizer: no module with name \"\(def.vectorizerName)\" present")
            }
            let inputs = idxs.map { VectorizeInput(id: writes[$0].id, properties: mergedProperties[$0] ?? writes[$0].properties) }
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
            let watched = module.vectorizedProperties(class: def)
            for (j, k) in idxs.enumerated() {
                writes[k].vector = vectors[j]
                if let merged = mergedProperties[k] { writes[k].vectorizedFrom = merged.filter { watched.contains($0.key) } }
            }
        }
    }

    // MARK: Commit

    /// Commits writes in one engine transaction; their vector changes are searchable when it returns
    /// (the embedded engine applies them to the indexes before releasing its writer, so index order is
    /// commit order). Per-item failures (exists, not found, vector length, read-only shard) skip that
    /// item; a storage failure fails the whole call and nothing is written.
    func commit(_ writes: [ObjectWrite]) async throws -> [WriteOutcome] {
        await awaitStartupCheck()
        try ensureWritable()
        do {
            return try await engine.write { tx in
                var outcomes: [WriteOutcome] = []
                var pending = PendingDimensions()
                for w in writes {
                    outcomes.append(try self.commitOne(w, tx, &pending))
                }
                // After the commit, before the next writer: the next transaction sees the dimension.
                let added = pending.added
                tx.afterCommit { for (st, d) in added where st.dimension == nil { st.dimension = d } }
                return outcomes
            }
        } catch {
            throw storageFailure(error, "store write")
        }
    }

    /// Class dimensions set by vectors of this transaction (applied to ClassState once it commits).
    struct PendingDimensions {
        var byClass: [Int64: Int] = [:]
        var added: [(ClassState, Int)] = []
    }

    private func commitOne(_ w: ObjectWrite, _ tx: any ObjectWriter, _ dims: inout PendingDimensions) throws -> WriteOutcome {
        let st = w.st
        guard isLive(st) else { return .failed(notLiveError(st)) }
        if st.shardStatus == "READONLY" {
            return .failed(.unprocessable("class '\(st.name)': shard '\(config.hostname)' is read-only"))
        }
        // The object as it is now; only the intents that build on it read the whole row.
        var current: WeaviateObject?
        var currentDocID: UInt64?
        switch w.intent {
        case .create, .upsert:
            currentDocID = try tx.docID(st, uuid: w.id)
        default:
            if let row = try tx.object(st, uuid: w.id, withVector: true) {
                current = toObject(row, st)
                currentDocID = row.docID
            }
        }

        var properties = w.properties
        var vector = w.vector
        var created = w.time
        var additional: [String: JSONValue]?
        switch w.intent {
        case .create:
            if currentDocID != nil { return .failed(.unprocessable("id '\(w.id)' already exists")) }
        case .upsert:
            break
        case .replace:
            guard let current else { return .failed(.notFound("object '\(w.id)' not found")) }
            created = current.creationTimeUnix
        case .merge(let removals):
            guard let current else { return .failed(.notFound("object '\(w.id)' not found")) }
            properties = current.properties
            for (k, v) in w.properties {
                // Weaviate's merge adds the references it is given to the ones stored; other values replace.
                if case .reference? = st.definition.property(named: k)?.kind, case .array(let added) = v,
                   case .array(let stored)? = properties[k] {
                    properties[k] = .array(stored + added)
                } else {
                    properties[k] = v
                }
            }
            for k in removals { properties[k] = nil }
            created = current.creationTimeUnix
            additional = current.additional
            if !w.userVector {
                switch mergedVector(st, current: current, merged: properties, prepared: w) {
                case .keep: vector = current.vector
                case .use(let v): vector = v
                case .revectorise: return .revectorise(properties: properties)
                }
            }
        case .references(let property, let change):
            guard let current else { return .failed(.notFound("source object '\(w.id)' not found")) }
            var list = current.properties[property]?.arrayValue ?? []
            switch change {
            case .add(let refs): list += refs
            case .replace(let refs): list = refs
            case .remove(let targetID):
                list.removeAll { item in
                    item["beacon"]?.stringValue.flatMap { try? parseBeacon($0) }?.id.lowercased() == targetID
                }
            }
            properties = current.properties
            properties[property] = .array(list)
            vector = current.vector
            created = current.creationTimeUnix
            additional = current.additional
        case .delete:
            guard let docID = currentDocID else { return .failed(.notFound("object '\(w.id)' not found")) }
            try tx.delete(st, docID: docID)
            return .deleted
        }

        if let v = vector, v.isEmpty { vector = nil }
        if let v = vector {
            if let d = dims.byClass[st.classID] ?? st.dimension {
                if d != v.count {
                    return .failed(.unprocessable("new node has a vector with length \(v.count). Existing nodes have vectors with length \(d)"))
                }
            } else {
                dims.byClass[st.classID] = v.count
                try tx.setDimension(st, v.count)
                dims.added.append((st, v.count))
            }
        }
        let row = ObjectRow(uuid: w.id, created: created, updated: w.time,
                            properties: JSONValue.object(properties).jsonString(),
                            vector: vector.map(VectorCoding.encode),
                            additional: additional.map { JSONValue.object($0).jsonString() },
                            columns: Database.columnValues(properties, of: st))
        // The index only hears about vector changes (a PATCH of other fields keeps the node as it is).
        let vectorChanged = current.map { $0.vector != vector } ?? (vector != nil || currentDocID != nil)
        let docID = try tx.put(st, row: row, replacing: currentDocID, vector: vector, vectorChanged: vectorChanged)
        try tx.setTokens(st, docID: docID, tokens: Database.tokenRows(properties, of: st), replacing: currentDocID != nil)
        return .written(WeaviateObject(className: st.name, id: w.id, properties: properties, vector: vector,
                                       creationTimeUnix: created, lastUpdateTimeUnix: w.time, additional: additional,
                                       docID: docID, tenant: st.tenant))
    }

    private enum MergedVector { case keep, use([Float]?), revectorise }

    /// The vector of a merged object: the current one unless a vectorised property changed (or there is
    /// none yet); then the one prepare computed, if it was computed from exactly these values.
    private func mergedVector(_ st: ClassState, current: WeaviateObject, merged: [String: JSONValue],
                              prepared w: ObjectWrite) -> MergedVector {
        let def = st.definition
        guard def.vectorizerName != "none", let module = modules.module(named: def.vectorizerName) else { return .keep }
        let watched = module.vectorizedProperties(class: def)
        let changed = watched.contains { current.properties[$0] != merged[$0] }
        guard changed || current.vector == nil else { return .keep }
        if let from = w.vectorizedFrom, from == merged.filter({ watched.contains($0.key) }) { return .use(w.vector) }
        return .revectorise
    }

    /// Runs a PATCH-style write to completion: commits, and while the commit finds the prepared vector
    /// stale (a concurrent write changed a vectorised property), vectorises the merged object again.
    func commitMerge(_ write: ObjectWrite) async throws -> WeaviateObject {
        var w = write
        for _ in 0..<16 {
            switch try await commit([w])[0] {
            case .written(let o): return o
            case .deleted: throw DatabaseError.internal("merge deleted the object")
            case .failed(let e): throw e
            case .revectorise(let merged):
                w.vector = nil
                var ws = [w]
                try await vectorize(&ws, mergedProperties: [0: merged])
                w = ws[0]
            }
        }
        throw DatabaseError.internal("object '\(w.id)' kept changing while it was being vectorised; try again")
    }
}
