import Foundation
import Storage
import VectorIndex

/// Ownership of the per-class vector indexes: creation, loading a snapshot plus change-log catch-up on
/// open, and periodic snapshots that let the covered change log be truncated.
extension Database {
    var indexDirectory: String { (config.dataPath as NSString).appendingPathComponent("indexes") }

    func snapshotPath(classID: Int64) -> String {
        (indexDirectory as NSString).appendingPathComponent("class-\(classID).index")
    }

    func removeSnapshot(classID: Int64) {
        try? FileManager.default.removeItem(atPath: snapshotPath(classID: classID))
    }

    /// A new, empty index for a class, configured from its vectorIndexConfig: HNSW, or flat with `skip`.
    /// Errors: 422 `invalid hnsw config: …` from the parser or from the index's own limits.
    func makeIndex(classID: Int64, definition: ClassDefinition) throws -> any VectorIndex {
        try? FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
        let config = try definition.hnswConfig()
        do {
            return try VectorIndexes.make(config: config, snapshotPath: snapshotPath(classID: classID))
        } catch let e as VectorIndexError {
            throw DatabaseError.unprocessable(e.description)  // already "invalid hnsw config: …"
        } catch {
            throw DatabaseError.unprocessable("invalid hnsw config: \(error)")
        }
    }

    /// Loads the class's snapshot (if any and usable) and replays the change log after it; without a
    /// usable snapshot, or with one older than the log's truncation point (`ChangeLog.truncatedThrough`:
    /// it misses changes the log no longer has), builds the index from the stored vectors.
    func openIndex(classID: Int64, definition: ClassDefinition) throws -> any VectorIndex {
        try? FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
        let path = snapshotPath(classID: classID)
        let config = try definition.hnswConfig()
        let hadSnapshot = FileManager.default.fileExists(atPath: path)
        var (index, loadError) = try VectorIndexes.openOrCreate(config: config, snapshotPath: path)
        if hadSnapshot && loadError == nil {
            let truncated = try store.pool.read { db in try ChangeLog.truncatedThrough(db, classID: classID) }
            if index.coveredSequence >= truncated {
                try catchUp(index, classID: classID)
                return index
            }
            loadError = VectorIndexError.corruptSnapshot(path: path, reason:
                "stale: it covers the change log up to \(index.coveredSequence), but entries up to \(truncated) were truncated")
            index = try VectorIndexes.make(config: config, snapshotPath: path)
        }
        if let loadError {
            logger.warning("vector index snapshot not usable, rebuilding from the store",
                           metadata: ["class": "\(definition.className)", "error": "\(loadError)"])
        }
        try store.pool.read { db in
            let seq = try ChangeLog.lastSequence(db)
            try ObjectTables.forEachVector(db, classID: classID) { id, data in
                try index.upsert(id: id, vector: VectorCoding.decode(data), sequence: seq)
            }
            // The rebuilt index holds every change up to `seq`, also when the class has no vector at all.
            // Otherwise its next snapshot would look older than the truncation point and be rebuilt on every open.
            index.markCovered(upTo: seq)
        }
        return index
    }

    /// Replays change-log entries after the index's covered sequence, reading each doc's current vector.
    func catchUp(_ index: any VectorIndex, classID: Int64) throws {
        try store.pool.read { db in
            let entries = try ChangeLog.entries(db, classID: classID, after: index.coveredSequence)
            for e in entries {
                if e.op == .upsert, let data = try ObjectTables.vector(db, classID: classID, docID: e.docID) {
                    try index.upsert(id: e.docID, vector: VectorCoding.decode(data), sequence: e.sequence)
                } else {
                    index.delete(id: e.docID, sequence: e.sequence)
                }
            }
        }
    }

    /// Writes every class's vector index snapshot and truncates each class's change log up to what its
    /// durable snapshot covers. A failing class keeps its log (and the others still snapshot); the first
    /// error is rethrown. Blocks while it writes: the timer runs it on a dispatch queue, not the
    /// cooperative pool.
    public func persistIndexes() throws {
        let states: [ClassState] = withSchemaLock { Array(classes.values) }
        var firstError: Error?
        for st in states {
            do {
                // Under the writer: no batch is half-applied to the index while it is saved, and no entry of
                // the class commits between the snapshot and the truncation, so `coveredSequence` is exactly
                // what the file holds. `persist()` returns once the file is fsynced and renamed.
                try store.pool.writeWithoutTransaction { db in
                    guard self.state(st.name) === st else { return }  // dropped meanwhile
                    try st.index.persist()
                    try ChangeLog.truncate(db, classID: st.id, upTo: st.index.coveredSequence)
                }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    func startSnapshotTimer() {
        guard let interval = config.snapshotIntervalSeconds, interval > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "iris.snapshots", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            do { try self.persistIndexes() } catch {
                self.logger.error("vector index snapshot failed", metadata: ["error": "\(error)"])
            }
        }
        timer.resume()
        snapshotTimer = timer
    }
}
