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
    /// The vectors by lane (named vector; lane 0 is the first or only one): the request's, or the
    /// module's for `properties`.
    var vectors: [Int: [Float]] = [:]
    /// The lanes whose vector came with the request (never replaced by the module's).
    var userLanes: Set<Int> = []
    /// `.merge` only: the merged properties the module's vectors were computed from (nil: not vectorised).
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

    /// Fills in the vectors the request did not give from each named vector's module (one module call
    /// per class and lane). For `.merge` writes, vectorises `mergedProperties[k]` instead (the merged object).
    func vectorize(_ writes: inout [ObjectWrite], only: Set<Int>? = nil,
                   mergedProperties: [Int: [String: JSONValue]] = [:]) async throws {
        struct GroupKey: Hashable { let className: String; let lane: Int }
        var groups: [GroupKey: [Int]] = [:]
        for (k, w) in writes.enumerated() where only?.contains(k) ?? true {
            if case .merge = w.intent, mergedProperties[k] == nil { continue }
            let def = w.st.definition
            for lane in 0..<def.laneCount where !w.userLanes.contains(lane) && w.vectors[lane] == nil
                && def.lane(lane).vectorizerName != "none" {
                groups[GroupKey(className: w.st.name, lane: lane), default: []].append(k)
            }
        }
        for (key, idxs) in groups.sorted(by: { ($0.key.className, $0.key.lane) < ($1.key.className, $1.key.lane) }) {
            let def = writes[idxs[0]].st.definition.lane(key.lane)
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
            for (j, k) in idxs.enumerated() {
                writes[k].vectors[key.lane] = vectors[j]
                if let merged = mergedProperties[k] { writes[k].vectorizedFrom = merged }
            }
        }
    }

    // MARK: Commit

    /// Commits writes in engine transactions of at most `engine.objectsPerTransaction` objects (one, on
    /// the embedded engine), in order; their vector changes are searchable when it returns (the embedded
    /// engine applies them to the indexes before releasing its writer, so index order is commit order).
    /// Per-item failures (exists, not found, vector length, read-only shard) skip that item. A storage
    /// failure fails the call: its transaction is rolled back, earlier ones stay (none was acknowledged,
    /// and a retry of the batch is an upsert of the same objects).
    func commit(_ writes: [ObjectWrite]) async throws -> [WriteOutcome] {
        if writes.count <= engine.objectsPerTransaction { return try await commitInOneTransaction(writes) }
        var outcomes: [WriteOutcome] = []
        outcomes.reserveCapacity(writes.count)
        for chunk in writes.chunks(of: engine.objectsPerTransaction) {
            outcomes += try await commitInOneTransaction(Array(chunk))
        }
        return outcomes
    }

    private func commitInOneTransaction(_ writes: [ObjectWrite]) async throws -> [WriteOutcome] {
        await awaitStartupCheck()
        try ensureWritable()
        do {
            // The classes whose first vector of a lane this transaction may bring.
            let fixing = Set(writes.filter { w in w.vectors.contains { !$0.value.isEmpty && w.st.dimension(lane: $0.key) == nil } }
                .map(\.st.classID)).sorted()
            return try await engine.write { tx in
                if !fixing.isEmpty { try tx.willFixDimensions(ofClasses: fixing) }
                // Shards in id order, as the objects within each: overlapping transactions lock alike.
                for group in Dictionary(grouping: writes, by: { $0.st.id }).sorted(by: { $0.key < $1.key }).map(\.value) {
                    try tx.willWrite(group[0].st, uuids: group.map(\.id))
                }
                var outcomes: [WriteOutcome] = []
                var pending = PendingDimensions()
                for w in writes {
                    outcomes.append(try self.commitOne(w, tx, &pending))
                }
                // After the commit, before the next writer: the next transaction sees the dimension.
                let added = pending.added
                tx.afterCommit { for (st, lane, d) in added where st.dimension(lane: lane) == nil { st.setDimension(d, lane: lane) } }
                return outcomes
            }
        } catch {
            throw storageFailure(error, "store write")
        }
    }

    /// Class dimensions set by vectors of this transaction (applied to ClassState once it commits).
    struct PendingDimensions {
        struct Key: Hashable { let classID: Int64; let lane: Int }
        var byClass: [Key: Int] = [:]
        var added: [(ClassState, Int, Int)] = []
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
        var vectors = w.vectors
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
            for lane in 0..<st.definition.laneCount where !w.userLanes.contains(lane) {
                switch mergedVector(st, lane: lane, current: current, merged: properties, prepared: w) {
                case .keep: vectors[lane] = current.vector(lane: lane, of: st.definition)
                case .use(let v): vectors[lane] = v
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
            for lane in 0..<st.definition.laneCount { vectors[lane] = current.vector(lane: lane, of: st.definition) }
            created = current.creationTimeUnix
            additional = current.additional
        case .delete:
            guard let docID = currentDocID else { return .failed(.notFound("object '\(w.id)' not found")) }
            try tx.delete(st, docID: docID)
            return .deleted
        }

        let lanes = st.definition.laneCount
        for lane in 0..<lanes {
            guard let v = vectors[lane] else { continue }
            if v.isEmpty { vectors[lane] = nil; continue }
            let key = PendingDimensions.Key(classID: st.classID, lane: lane)
            if let d = dims.byClass[key] ?? st.dimension(lane: lane) {
                if d != v.count {
                    return .failed(.unprocessable("new node has a vector with length \(v.count). Existing nodes have vectors with length \(d)"))
                }
            } else {
                dims.byClass[key] = v.count
                if lane == 0 { try tx.setDimension(st, v.count) }  // lane 0's is persisted; the others read their tables
                dims.added.append((st, lane, v.count))
            }
        }
        let row = ObjectRow(uuid: w.id, created: created, updated: w.time,
                            properties: JSONValue.object(properties).jsonString(),
                            vector: vectors[0].map(VectorCoding.encode),
                            additional: additional.map { JSONValue.object($0).jsonString() },
                            columns: Database.columnValues(properties, of: st))
        // The indexes only hear about vector changes (a PATCH of other fields keeps the nodes as they are).
        var changes: [Int: [Float]?] = [:]
        for lane in 0..<lanes {
            let new = vectors[lane]
            let changed = current.map { $0.vector(lane: lane, of: st.definition) != new } ?? (new != nil || currentDocID != nil)
            if changed { changes[lane] = .some(new) }
        }
        let docID = try tx.put(st, row: row, replacing: currentDocID, vectorChanges: changes)
        try tx.setTokens(st, docID: docID, tokens: Database.tokenRows(properties, of: st), replacing: currentDocID != nil)
        var object = WeaviateObject(className: st.name, id: w.id, properties: properties, vector: vectors[0],
                                    creationTimeUnix: created, lastUpdateTimeUnix: w.time, additional: additional,
                                    docID: docID, tenant: st.tenant)
        object.vectorName = st.definition.vectorName
        let names = st.definition.vectorNames
        for lane in 1..<max(1, lanes) where lane < names.count { object.moreVectors[names[lane]] = vectors[lane] }
        return .written(object)
    }

    private enum MergedVector { case keep, use([Float]?), revectorise }

    /// The vector of lane `lane` of a merged object: the current one unless a property that lane's module
    /// vectorises changed (or there is none yet); then the one prepare computed, if it was computed from
    /// exactly these values.
    private func mergedVector(_ st: ClassState, lane: Int, current: WeaviateObject, merged: [String: JSONValue],
                              prepared w: ObjectWrite) -> MergedVector {
        let def = st.definition.lane(lane)
        guard def.vectorizerName != "none", let module = modules.module(named: def.vectorizerName) else { return .keep }
        let watched = module.vectorizedProperties(class: def)
        let changed = watched.contains { current.properties[$0] != merged[$0] }
        guard changed || current.vector(lane: lane, of: st.definition) == nil else { return .keep }
        if let from = w.vectorizedFrom, from.filter({ watched.contains($0.key) }) == merged.filter({ watched.contains($0.key) }) {
            return .use(w.vectors[lane])
        }
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
                for lane in w.vectors.keys where !w.userLanes.contains(lane) { w.vectors[lane] = nil }
                var ws = [w]
                try await vectorize(&ws, mergedProperties: [0: merged])
                w = ws[0]
            }
        }
        throw DatabaseError.internal("object '\(w.id)' kept changing while it was being vectorised; try again")
    }
}
