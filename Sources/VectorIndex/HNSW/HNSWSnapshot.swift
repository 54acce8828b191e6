import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HNSWIndex {
    /// Writes the whole index (graph, vectors, tombstones, `coveredSequence`) to `snapshotPath`
    /// atomically. Writes wait meanwhile; searches continue. No-op without a snapshot path.
    public func persist() throws {
        guard let snapshotPath else { return }
        try writeGate.withWriteLock {
            try structure.withReadLock {
                let (slots, seq, current) = registry.withLock { (slotCount, sequence, version) }
                // Nothing changed since the last snapshot (the Database persists every class on a timer).
                if current == persistedVersion && access(snapshotPath, F_OK) == 0 { return }

                let (entry, topLevel) = top.withLock { (entryPoint, maxLevel) }
                let w = try SnapshotWriter(path: snapshotPath)
                guard let g = graph else {
                    try w.writeHeader(kind: .hnsw, fields: [metric.snapshotCode, 0, UInt64(maxConnections),
                                                            UInt64(efConstruction), 0, UInt64(HNSWIndex.noEntry), 0, seq, 0, rngState])
                    try w.finish()
                    persistedVersion = current
                    return
                }
                var upperData = [UInt32]()
                for s in 0..<slots where g.levels[s] > 0 && g.states[s] != SlotState.free {
                    upperData.append(contentsOf: UnsafeBufferPointer(start: g.upper[s]!, count: Int(g.levels[s]) * g.strideUpper))
                }
                try w.writeHeader(kind: .hnsw, fields: [metric.snapshotCode, UInt64(g.dim), UInt64(maxConnections),
                                                        UInt64(efConstruction), UInt64(slots), UInt64(entry),
                                                        UInt64(topLevel), seq, UInt64(upperData.count), rngState])
                try w.write(g.labels, bytes: slots * 8)
                try w.write(g.levels, bytes: slots)
                try w.write(g.states, bytes: slots)
                try w.write(g.vectors, bytes: slots * g.dim * 4)
                try w.write(g.level0, bytes: slots * g.stride0 * 4)
                try upperData.withUnsafeBytes { try w.write($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, bytes: $0.count) }
                try w.finish()
                persistedVersion = current
            }
        }
    }

    /// Opens a snapshot written by `persist()`. The structural settings (distance, maxConnections,
    /// efConstruction) come from the file; the mutable ones (ef, dynamicEf*, flatSearchCutoff,
    /// cleanupIntervalSeconds) from `config`. Throws `corruptSnapshot` for a torn or damaged file,
    /// so the caller can rebuild from its store; then replay the store's changes after `coveredSequence`.
    public static func load(snapshotPath: String, config: HNSWConfig, backgroundCleanup: Bool = true) throws -> HNSWIndex {
        let r = try SnapshotReader(path: snapshotPath)
        let (kind, f) = try r.readHeader()
        guard kind == .hnsw else { throw r.corrupt("snapshot holds a flat index, expected hnsw") }
        guard let metric = DistanceMetric(snapshotCode: f[0]) else { throw r.corrupt("unknown metric code \(f[0])") }
        if metric != config.distance {
            throw VectorIndexError.invalidConfig("snapshot uses distance \(metric.rawValue) but the class is configured with \(config.distance.rawValue)")
        }
        let dim = Int(f[1]), m = Int(f[2]), efc = Int(f[3]), slots = Int(f[4])
        let entry = UInt32(truncatingIfNeeded: f[5]), topLevel = Int(f[6]), seq = f[7], upperCount = Int(f[8])
        guard dim <= 1 << 20, (4...2047).contains(m), efc >= 4, slots < Int(UInt32.max), topLevel <= 255,
              upperCount <= slots * 256 * (m + 1) else {
            throw r.corrupt("implausible header values")
        }
        var cfg = config
        cfg.maxConnections = m
        cfg.efConstruction = efc
        let index = try HNSWIndex(config: cfg, snapshotPath: snapshotPath, initialCapacity: max(slots, 1024),
                                  seed: f[9], backgroundCleanup: backgroundCleanup)
        index.sequence = seq
        index.persistedVersion = index.version
        if dim == 0 {
            try r.expectPayload(bytes: 0)
            try r.finish()
            return index
        }
        let g = HNSWGraph(dim: dim, maxConnections: m, capacity: max(slots, 1024))
        try r.expectPayload(bytes: slots * (8 + 1 + 1 + dim * 4 + g.stride0 * 4) + upperCount * 4)
        try r.read(into: g.labels, bytes: slots * 8)
        try r.read(into: g.levels, bytes: slots)
        try r.read(into: g.states, bytes: slots)
        try r.read(into: g.vectors, bytes: slots * dim * 4)
        try r.read(into: g.level0, bytes: slots * g.stride0 * 4)
        var upperData = [UInt32](repeating: 0, count: upperCount)
        try upperData.withUnsafeMutableBytes { try r.read(into: $0.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 8)!, bytes: $0.count) }
        try r.finish()

        // The checksum matched; still check the structure so a crafted file cannot send a search astray.
        var offset = 0
        for s in 0..<slots {
            let level = Int(g.levels[s])
            let state = g.states[s]
            guard state <= SlotState.deleted else { throw r.corrupt("bad slot state \(state) at \(s)") }
            if state == SlotState.free { g.levels[s] = 0; g.level0[s * g.stride0] = 0; continue }
            let l0 = g.level0 + s * g.stride0
            guard Int(l0[0]) <= g.maxM0 else { throw r.corrupt("bad level-0 list length at \(s)") }
            for j in stride(from: 1, through: Int(l0[0]), by: 1) where Int(l0[j]) >= slots {
                throw r.corrupt("neighbour out of range at \(s)")
            }
            if level > 0 {
                let n = level * g.strideUpper
                guard offset + n <= upperCount else { throw r.corrupt("upper-level data is short") }
                let block = rawAllocate(UInt32.self, count: n)
                upperData.withUnsafeBufferPointer { block.update(from: $0.baseAddress! + offset, count: n) }
                g.upper[s] = block
                offset += n
                for l in 0..<level {
                    let list = block + l * g.strideUpper
                    guard Int(list[0]) <= m else { throw r.corrupt("bad upper list length at \(s)") }
                    for j in stride(from: 1, through: Int(list[0]), by: 1) where Int(list[j]) >= slots {
                        throw r.corrupt("upper neighbour out of range at \(s)")
                    }
                }
            }
        }
        guard offset == upperCount else { throw r.corrupt("upper-level data length mismatch") }
        if slots > 0 {
            guard entry == HNSWIndex.noEntry || (Int(entry) < slots && g.states[Int(entry)] != SlotState.free) else {
                throw r.corrupt("entry point out of range")
            }
        }

        index.graph = g
        index.slotCount = slots
        index.persistedVersion = index.version
        index.entryPoint = slots == 0 ? HNSWIndex.noEntry : entry
        index.maxLevel = topLevel
        index.slotOf.reserveCapacity(slots)
        for s in 0..<slots {
            switch g.states[s] {
            case SlotState.live: index.slotOf[g.labels[s]] = UInt32(s)
            case SlotState.deleted: index.deletedCount += 1
            default: index.freeSlots.append(UInt32(s))
            }
        }
        return index
    }
}
