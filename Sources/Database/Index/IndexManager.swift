import Foundation
import Storage
import VectorIndex

/// Ownership of the per-class vector indexes: creation, loading a snapshot plus change-log catch-up on
/// open, and periodic snapshots that let the covered change log be truncated.
extension Database {
    /// The snapshot path of a vector lane's index (`VectorLanes`: a shard id is its first lane).
    func snapshotPath(classID key: Int64) -> String {
        (indexDirectory as NSString).appendingPathComponent(Database.indexFileName(key))
    }

    /// `class-<id>.index` for a class, `tenant-<id>.index` for a tenant's shard (id < 0); a further named
    /// vector's index adds its lane, `class-<id>-v<n>.index`.
    static func indexFileName(_ key: Int64) -> String {
        let (shard, lane) = VectorLanes.split(key)
        return (shard < 0 ? "tenant-\(-shard)" : "class-\(shard)") + (lane > 0 ? "-v\(lane)" : "") + ".index"
    }

    /// The index file names of every lane of a shard.
    static func indexFileNames(shardID: Int64, lanes: Int) -> [String] {
        (0..<lanes).map { indexFileName(VectorLanes.key(shard: shardID, lane: $0)) }
    }

    /// Removes a shard's index files (snapshot and graph log of each lane).
    func removeIndexFiles(shardID: Int64, lanes: Int) {
        for lane in 0..<lanes {
            VectorIndexes.removeFiles(snapshotPath: snapshotPath(classID: VectorLanes.key(shard: shardID, lane: lane)))
        }
    }

    /// New, empty indexes for a shard, one per lane of `definition`.
    func makeIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        try (0..<definition.laneCount).map {
            try makeIndex(classID: VectorLanes.key(shard: shardID, lane: $0), definition: definition.lane($0))
        }
    }

    /// Opens a shard's indexes, one per lane of `definition`, each with the checks of `openIndex`.
    func openIndexes(shardID: Int64, definition: ClassDefinition) throws -> [any VectorIndex] {
        try (0..<definition.laneCount).map {
            try openIndex(classID: VectorLanes.key(shard: shardID, lane: $0), definition: definition.lane($0))
        }
    }

    /// The vector length of each lane of a class as stored: lane 0's is the `classes.dimension` column,
    /// the others' the length of any vector in their tables (the class's own, or its tenants').
    func storedDimensions(shardID: Int64, definition: ClassDefinition, first: Int?) throws -> [Int?] {
        guard definition.laneCount > 1 else { return [first] }
        return try store.pool.read { db in
            let tenants = try Int64.fetchAll(db, sql: "SELECT id FROM tenants WHERE class_id = ?", arguments: [shardID])
            let shards = [shardID] + tenants.map { -$0 }
            return try [first] + (1..<definition.laneCount).map { lane in
                for shard in shards { if let d = try VectorLanes.dimension(db, shard: shard, lane: lane) { return d } }
                return nil
            }
        }
    }

    /// A new, empty index for one lane (`classID` a lane key), configured from its vectorIndexConfig:
    /// HNSW, or flat with `skip`. Errors: 422 `invalid hnsw config: …` from the parser or the index's limits.
    private func makeIndex(classID: Int64, definition: ClassDefinition) throws -> any VectorIndex {
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

    /// Opens one lane's index (`classID` a lane key; `loadIndex`) and proves it agrees with the store
    /// (Integrity/StartupCheck.swift): an index that disagrees with the store is rebuilt from it; one that
    /// has seen changes the store lost stops the open with the refusal that names the recovery commands.
    private func openIndex(classID: Int64, definition: ClassDefinition) throws -> any VectorIndex {
        let index = try loadIndex(classID: classID, definition: definition)
        let found: String?
        do {
            found = try disagreement(of: index, classID: classID, className: definition.className)
        } catch let refusal as DatabaseError where findings != nil {
            findings!.append(refusal.message)
            return index
        } catch where Database.isDamage(error) {
            // A malformed page under the sampled vectors: the store is damaged. The index is kept as loaded
            // so what is readable is served; writes are refused until `iris store recover` has run.
            let message = Database.damageFinding(error)
            if findings != nil {
                findings!.append(message)
            } else {
                logger.critical("store file damaged", metadata: ["class": "\(definition.className)", "error": "\(error)"])
                _storageCondition = .damaged("the store file is damaged: stop Iris, run `iris store check` to see what is affected "
                                             + "and `iris store recover` to keep every readable object")
            }
            return index
        }
        guard let why = found else { return index }
        if findings != nil {
            findings!.append("class '\(definition.className)': its vector index disagrees with the store (\(why)); the next start rebuilds it")
            return index
        }
        logger.warning("vector index disagrees with the store, rebuilding it from the store",
                       metadata: ["class": "\(definition.className)", "reason": "\(why)"])
        let rebuilt = try VectorIndexes.make(config: definition.hnswConfig(), snapshotPath: snapshotPath(classID: classID))
        try rebuild(rebuilt, classID: classID)
        if let still = try disagreement(of: rebuilt, classID: classID, className: definition.className) {
            logger.error("vector index still disagrees with the store after a rebuild",
                         metadata: ["class": "\(definition.className)", "reason": "\(still)"])
        }
        return rebuilt
    }

    /// Opens the class's index from its snapshot and graph log (if any and usable) and replays the
    /// store's change log after what they cover. Without a usable snapshot, or with one older than the
    /// log's truncation point (`ChangeLog.truncatedThrough`: it misses changes the log no longer has),
    /// builds the index from the stored vectors.
    private func loadIndex(classID: Int64, definition: ClassDefinition) throws -> any VectorIndex {
        try? FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
        let path = snapshotPath(classID: classID)
        let config = try definition.hnswConfig()
        var (index, loadError) = try VectorIndexes.openOrCreate(config: config, snapshotPath: path)
        if loadError == nil {
            let truncated = try store.pool.read { db in try ChangeLog.truncatedThrough(db, classID: classID) }
            if index.coveredSequence >= truncated {
                try catchUp(index, classID: classID)
                return index
            }
            loadError = VectorIndexError.corruptSnapshot(path: path, reason:
                "stale: it covers the change log up to \(index.coveredSequence), but entries up to \(truncated) were truncated")
            index = try VectorIndexes.make(config: config, snapshotPath: path)
        }
        logger.warning("vector index snapshot not usable, rebuilding from the store",
                       metadata: ["class": "\(definition.className)", "error": "\(loadError!)"])
        try rebuild(index, classID: classID)
        return index
    }

    /// Fills an empty index with every stored vector of the class and marks the whole log covered.
    private func rebuild(_ index: any VectorIndex, classID: Int64) throws {
        try store.pool.read { db in
            let seq = try ChangeLog.lastSequence(db)
            var batch: [VectorChange] = []
            try ObjectTables.forEachVector(db, classID: classID) { id, data in
                batch.append(VectorChange(id: id, vector: VectorCoding.decode(data)))
                // Only the last chunk claims `seq`: an interrupted rebuild must not look complete.
                if batch.count == Database.replayChunk { apply(batch, to: index, through: index.coveredSequence); batch = [] }
            }
            // Marks `seq` covered also when the class has no vector at all; otherwise its next snapshot
            // would look older than the truncation point and be rebuilt on every open.
            apply(batch, to: index, through: seq)
        }
    }

    /// Changes replayed per `apply` call on open.
    static let replayChunk = 4096

    /// Replays change-log entries after the index's covered sequence, reading each doc's current vector.
    func catchUp(_ index: any VectorIndex, classID: Int64) throws {
        try store.pool.read { db in
            let entries = try ChangeLog.entries(db, classID: classID, after: index.coveredSequence)
            var start = 0
            while start < entries.count {
                let chunk = entries[start..<min(start + Database.replayChunk, entries.count)]
                let changes = try chunk.map { e in
                    let data = e.op == .upsert ? try ObjectTables.vector(db, classID: classID, docID: e.docID) : nil
                    return VectorChange(id: e.docID, vector: data.map(VectorCoding.decode))
                }
                apply(changes, to: index, through: chunk.last!.sequence)
                start += chunk.count
            }
        }
    }

    /// Applies changes replayed on open on every core (nothing else runs yet); failures are logged.
    private func apply(_ changes: [VectorChange], to index: any VectorIndex, through sequence: UInt64) {
        let errors = index.apply(changes, through: sequence, threads: ProcessInfo.processInfo.activeProcessorCount)
        for (k, e) in errors.enumerated() where e != nil {
            logger.error("vector index replay failed", metadata: ["docID": "\(changes[k].id)", "error": "\(e!)"])
        }
    }

    /// Writes every class's vector index snapshot and truncates each class's change log up to what its
    /// durable snapshot covers. A failing class keeps its log (and the others still snapshot); the first
    /// error is rethrown. Blocks while it writes: the timer runs it on a dispatch queue, not the
    /// cooperative pool.
    public func persistIndexes() throws {
        guard postgres == nil else { return }  // pgvector's indexes are PostgreSQL's to keep
        let states: [ClassState] = withSchemaLock { Array(classes.values) }.flatMap(\.loadedShards)
        var firstError: Error?
        for st in states {
            do {
                // Under the writer: no batch is half-applied to the index while it is saved, and no entry of
                // the class commits between the snapshot and the truncation, so `coveredSequence` is exactly
                // what the file holds. `persist()` returns once the file is fsynced and renamed.
                try store.pool.writeWithoutTransaction { db in
                    guard self.isLive(st) else { return }  // dropped or deactivated meanwhile
                    try Database.persist(st, db)
                }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    /// Writes the snapshot of each of the shard's lane indexes and truncates the change log each covers
    /// (in the writer `db`).
    static func persist(_ st: ClassState, _ db: GRDB.Database) throws {
        for (lane, index) in st.indexes.enumerated() {
            try index.persist()
            try ChangeLog.truncate(db, classID: VectorLanes.key(shard: st.id, lane: lane), upTo: index.coveredSequence)
        }
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
