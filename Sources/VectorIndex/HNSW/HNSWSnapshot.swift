import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HNSWIndex {
    /// Writes the whole index (graph, vectors, tombstones, `coveredSequence`) to `snapshotPath`
    /// atomically, then replaces the graph log with an empty one that extends the new snapshot (its
    /// random nonce ties the two). Writes wait meanwhile; searches continue. No-op without a snapshot path.
    /// A crash between the two steps leaves the new snapshot and a log with the old nonce, which is
    /// ignored: the snapshot holds everything the log did.
    public func persist() throws {
        guard let snapshotPath else { return }
        try writeGate.withWriteLock {
            let written: Bool = try structure.withReadLock {
                let (slots, seq, current) = registry.withLock { (slotCount, sequence, version) }
                // Nothing changed since the last snapshot (the Database persists every class on a timer).
                let logHealthy = graphLog.map { !$0.failed } ?? false
                if current == persistedVersion && access(snapshotPath, F_OK) == 0 && logHealthy { return false }

                let nonce = UInt64.random(in: 1..<GraphLogFormat.unmatchable)
                let (entry, topLevel) = top.withLock { (entryPoint, maxLevel) }
                let w = try SnapshotWriter(path: snapshotPath)
                guard let g = graph else {
                    try w.writeHeader(kind: .hnsw, fields: [metric.snapshotCode, 0, UInt64(maxConnections),
                                                            UInt64(efConstruction), 0, UInt64(HNSWIndex.noEntry), 0, seq, 0, rngState, nonce])
                    try w.finish()
                    persistedVersion = current
                    snapshotNonce = nonce
                    return true
                }
                var upperData = [UInt32]()
                for s in 0..<slots where g.levels[s] > 0 && g.states[s] != SlotState.free {
                    upperData.append(contentsOf: UnsafeBufferPointer(start: g.upper[s]!, count: Int(g.levels[s]) * g.strideUpper))
                }
                try w.writeHeader(kind: .hnsw, fields: [metric.snapshotCode, UInt64(g.dim), UInt64(maxConnections),
                                                        UInt64(efConstruction), UInt64(slots), UInt64(entry),
                                                        UInt64(topLevel), seq, UInt64(upperData.count), rngState, nonce])
                try w.write(g.labels, bytes: slots * 8)
                try w.write(g.levels, bytes: slots)
                try w.write(g.states, bytes: slots)
                try w.write(g.vectors, bytes: slots * g.dim * 4)
                try w.write(g.level0, bytes: slots * g.stride0 * 4)
                try upperData.withUnsafeBytes { try w.write($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, bytes: $0.count) }
                try w.finish()
                persistedVersion = current
                snapshotNonce = nonce
                return true
            }
            guard written else { return }
            let header = logHeader(nonce: snapshotNonce)
            if let graphLog { try graphLog.reset(header: header) } else { graphLog = try GraphLog.create(path: HNSWIndex.logPath(snapshotPath), header: header) }
        }
    }

    /// Opens a snapshot written by `persist()` and replays the graph log written since (`<path>.log`,
    /// if it extends this snapshot; otherwise a new log replaces it). The structural settings (distance,
    /// maxConnections, efConstruction) come from the file; the mutable ones (ef, dynamicEf*,
    /// flatSearchCutoff, cleanupIntervalSeconds) from `config`. Throws `corruptSnapshot` for a torn or
    /// damaged snapshot, so the caller can rebuild from its store; then replay the store's changes
    /// after `coveredSequence`. A damaged log never fails the load: replay keeps its intact prefix.
    public static func load(snapshotPath: String, config: HNSWConfig, backgroundCleanup: Bool = true) throws -> HNSWIndex {
        let index = try loadSnapshot(snapshotPath: snapshotPath, config: config, backgroundCleanup: backgroundCleanup)
        do {
            try index.attachLog()
            return index
        } catch VectorIndexError.corruptSnapshot {
            // The replayed graph failed its checks (a crafted log): use the snapshot alone, new log.
            let clean = try loadSnapshot(snapshotPath: snapshotPath, config: config, backgroundCleanup: backgroundCleanup)
            clean.graphLog = try GraphLog.create(path: logPath(snapshotPath), header: clean.logHeader(nonce: clean.snapshotNonce))
            return clean
        }
    }

    /// For a class without a (usable) snapshot: replays a log that extends an empty index (nonce 0,
    /// same settings) if there is one, else starts an empty index with a new log.
    public static func open(snapshotPath: String, config: HNSWConfig, backgroundCleanup: Bool = true) throws -> HNSWIndex {
        let index = try HNSWIndex(config: config, snapshotPath: snapshotPath, initialCapacity: 1024, seed: 0x1234_5678,
                                  backgroundCleanup: backgroundCleanup, startLog: false)
        do {
            try index.attachLog()
            return index
        } catch VectorIndexError.corruptSnapshot {
            return try HNSWIndex(config: config, snapshotPath: snapshotPath, backgroundCleanup: backgroundCleanup)
        }
    }

    static func loadSnapshot(snapshotPath: String, config: HNSWConfig, backgroundCleanup: Bool) throws -> HNSWIndex {
        let r = try SnapshotReader(path: snapshotPath)
        let (kind, f) = try r.readHeader()
        guard kind == .hnsw else { throw r.corrupt("snapshot holds a flat index, expected hnsw") }
        guard let metric = DistanceMetric(snapshotCode: f[0]) else { throw r.corrupt("unknown metric code \(f[0])") }
        if metric != config.distance {
            throw VectorIndexError.invalidConfig("snapshot uses distance \(metric.rawValue) but the class is configured with \(config.distance.rawValue)")
        }
        // Every size is checked against the file before anything is allocated from it: a flipped bit
        // in a count must fail here, not size a buffer.
        guard f[1] <= 1 << 20, (4...2047).contains(f[2]), (4...1 << 20).contains(f[3]), f[4] < UInt64(UInt32.max),
              f[6] <= 255, f[8] <= f[4] * 256 * (f[2] + 1) else {
            throw r.corrupt("implausible header values")
        }
        let dim = Int(f[1]), m = Int(f[2]), efc = Int(f[3]), slots = Int(f[4])
        let entry = UInt32(truncatingIfNeeded: f[5]), topLevel = Int(f[6]), seq = f[7], upperCount = Int(f[8])
        let stride0 = 1 + 2 * m
        if dim == 0 {
            guard slots == 0, upperCount == 0 else { throw r.corrupt("implausible header values") }
            try r.expectPayload(bytes: 0)
        } else {
            try r.expectPayload(bytes: slots * (8 + 1 + 1 + dim * 4 + stride0 * 4) + upperCount * 4)
        }
        var cfg = config
        cfg.maxConnections = m
        cfg.efConstruction = efc
        let index = try HNSWIndex(config: cfg, snapshotPath: snapshotPath, initialCapacity: max(slots, 1024),
                                  seed: f[9], backgroundCleanup: backgroundCleanup, startLog: false)
        index.sequence = seq
        // A snapshot from before graph logs (nonce 0) gets a log no later open replays.
        index.snapshotNonce = f[10] == 0 ? GraphLogFormat.unmatchable : f[10]
        index.persistedVersion = index.version
        if dim == 0 {
            try r.finish()
            return index
        }
        let g = try HNSWGraph(dim: dim, maxConnections: m, capacity: max(slots, 1024))
        try r.read(into: g.labels, bytes: slots * 8)
        try r.read(into: g.levels, bytes: slots)
        try r.read(into: g.states, bytes: slots)
        try r.read(into: g.vectors, bytes: slots * dim * 4)
        try r.read(into: g.level0, bytes: slots * g.stride0 * 4)
        let upperData = try rawAllocateOrThrow(UInt32.self, count: upperCount)
        defer { free(upperData) }
        try r.read(into: upperData, bytes: upperCount * 4)
        try r.finish()

        // The checksum matched; still check the structure so a crafted file cannot send a search astray.
        var offset = 0
        for s in 0..<slots {
            let level = Int(g.levels[s])
            let state = g.states[s]
            guard state <= SlotState.deleted else { throw r.corrupt("bad slot state \(state) at \(s)") }
            if state == SlotState.free { g.levels[s] = 0; g.level0[s * g.stride0] = 0; continue }
            if level > 0 {
                let n = level * g.strideUpper
                guard offset + n <= upperCount else { throw r.corrupt("upper-level data is short") }
                let block = try rawAllocateOrThrow(UInt32.self, count: n)
                block.update(from: upperData + offset, count: n)
                g.upper[s] = block
                offset += n
            }
        }
        guard offset == upperCount else { throw r.corrupt("upper-level data length mismatch") }
        let entryPoint = slots == 0 ? HNSWIndex.noEntry : entry
        if let problem = g.invalidity(slots: slots, entry: entryPoint, maxLevel: topLevel) { throw r.corrupt(problem) }

        index.graph = g
        index.slotCount = slots
        index.persistedVersion = index.version
        index.entryPoint = entryPoint
        index.maxLevel = topLevel
        index.rebuildRegistry()
        return index
    }

    /// The id map, free list and tombstone count from the slot states (after a load or a replay).
    /// A label live in two slots (only a crafted file could do that) keeps the later one.
    func rebuildRegistry() {
        slotOf = [:]
        freeSlots = []
        deletedCount = 0
        guard let g = graph else { return }
        slotOf.reserveCapacity(slotCount)
        for s in 0..<slotCount {
            switch g.states[s] {
            case SlotState.live:
                if let other = slotOf.updateValue(UInt32(s), forKey: g.labels[s]) {
                    g.states[Int(other)] = SlotState.deleted
                    deletedCount += 1
                }
            case SlotState.deleted: deletedCount += 1
            default: freeSlots.append(UInt32(s))
            }
        }
        freeSlots.reverse()  // reuse low slots first, as after a cleanup
    }
}
