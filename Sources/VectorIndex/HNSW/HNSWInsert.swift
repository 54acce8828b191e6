import CDistances
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HNSWIndex {
    /// Inserts `vector` (already validated and normalised) as the node for `id`, tombstoning the
    /// node it replaces. Caller holds `writeGate` shared.
    func insert(id: UInt64, vector: UnsafePointer<Float>, sequence seq: UInt64) throws {
        while true {
            let done: Bool = structure.withReadLock {
                let g = graph!
                // Claim a slot (or find the write is a no-op replay).
                let claim: (UInt32, Int)?? = registry.withLock {
                    if let existing = slotOf[id] {
                        if memcmp(g.vector(existing), vector, g.dim * 4) == 0 {
                            sequence = max(sequence, seq)
                            version &+= 1
                            return .some(nil)  // identical vector: nothing to do
                        }
                    }
                    let slot: UInt32
                    if let reused = freeSlots.popLast() { slot = reused }
                    else if slotCount < g.capacity { slot = UInt32(slotCount); slotCount += 1 }
                    else { return nil }  // full: grow and retry
                    // The level is drawn here so the init record (logged in the same order as the
                    // claims: a replaced node's tombstone, then the new node) is complete.
                    let level = randomLevel()
                    if let existing = slotOf[id] {
                        graphLog?.append(.tombstone, payloadBytes: 4) { $0.u32(existing) }
                        g.states[Int(existing)] = SlotState.deleted
                        deletedCount += 1
                    }
                    graphLog?.append(.initNode, payloadBytes: 13 + g.dim * 4) {
                        $0.u32(slot); $0.u8(UInt8(level)); $0.u64(id); $0.bytes(vector, g.dim * 4)
                    }
                    slotOf[id] = slot
                    sequence = max(sequence, seq)
                    version &+= 1
                    return .some((slot, level))
                }
                guard let claimed = claim else { return false }
                guard let (slot, level) = claimed else { return true }
                link(g, slot: slot, level: level, id: id, vector: vector)
                return true
            }
            if done { return }
            try structure.withWriteLock {
                let g = graph!
                let used = registry.withLock { slotCount }
                if used >= g.capacity && registry.withLock({ freeSlots.isEmpty }) { try g.grow(to: max(1024, g.capacity * 2)) }
            }
        }
    }

    /// Wires a new node into every level up to its random level (hnswlib's insert).
    private func link(_ g: HNSWGraph, slot: UInt32, level: Int, id: UInt64, vector: UnsafePointer<Float>) {
        g.initialiseSlot(slot, level: level, label: id, vector: vector)
        // Reachable only once a neighbour list names it (a release store in `connect`), so plain stores suffice.
        g.states[Int(slot)] = SlotState.live
        top.lock()
        let entry = entryPoint, currentMax = maxLevel
        if entry == HNSWIndex.noEntry {
            graphLog?.append(.entryPoint, payloadBytes: 5) { $0.u32(slot); $0.u8(UInt8(level)) }
            entryPoint = slot
            maxLevel = level
            top.unlock()
            return
        }
        let raisesTop = level > currentMax
        if !raisesTop { top.unlock() }  // a new top node keeps the lock until it is wired (rare)

        let q = g.vector(slot)
        let scratch = scratchPool.acquire(capacity: g.capacity)
        var (cur, curDist) = greedyDescent(g, query: q, from: entry, fromLevel: currentMax, toLevel: level)
        let wiredTop = min(level, currentMax)
        // Pick this node's neighbours top-down, but add the back-links (which make it reachable) only
        // afterwards, bottom-up: a concurrent insert that reaches this node on level l then always
        // finds its lists below l complete, instead of an empty list that would strand the newcomer.
        var chosen = [[Candidate]](repeating: [], count: wiredTop + 1)
        for l in stride(from: wiredTop, through: 0, by: -1) {
            searchLayer(g, query: q, entry: cur, entryDistance: curDist, ef: efConstruction, level: l,
                        scratch: scratch, allowList: nil)
            scratch.results.drainAscending(into: &scratch.sorted)
            if scratch.sorted.isEmpty {
                // Everything reachable here is tombstoned (e.g. all deleted, no cleanup yet): link to the
                // tombstones rather than stay unreachable; the next cleanup rewires these links.
                searchLayer(g, query: q, entry: cur, entryDistance: curDist, ef: efConstruction, level: l,
                            scratch: scratch, allowList: nil, acceptTombstones: true)
                scratch.results.drainAscending(into: &scratch.sorted)
                if scratch.sorted.isEmpty { continue }
            }
            selectNeighbours(g, sorted: scratch.sorted, m: maxConnections, into: &chosen[l])
            if let graphLog { logList(graphLog, slot: slot, level: l, chosen[l].lazy.map(\.slot), count: chosen[l].count) }
            let own = g.links(slot, l)
            for (i, c) in chosen[l].enumerated() { own[i + 1] = c.slot }
            cd_store_u32(own, UInt32(chosen[l].count))
            cur = scratch.sorted[0].slot
            curDist = scratch.sorted[0].distance
        }
        for l in 0...wiredTop { addBackLinks(g, slot: slot, level: l, to: chosen[l], scratch: scratch) }
        scratchPool.release(scratch)
        if raisesTop {
            graphLog?.append(.entryPoint, payloadBytes: 5) { $0.u32(slot); $0.u8(UInt8(level)) }
            entryPoint = slot
            maxLevel = level
            top.unlock()
        }
    }

    /// Adds `slot` to each selected neighbour's list on `level`, shrinking full lists with the heuristic.
    private func addBackLinks(_ g: HNSWGraph, slot: UInt32, level: Int, to selected: [Candidate], scratch: SearchScratch) {
        let distance = kernel.function
        let dim = g.dim
        let cap = g.capacity(atLevel: level)
        for c in selected {
            let nb = c.slot
            g.lock(nb)
            let list = g.links(nb, level)
            let n = Int(list[0])
            if n < cap {
                // Logged before the store that makes it visible: whoever sees the link finds it logged.
                graphLog?.append(.appendLink, payloadBytes: 9) { $0.u32(nb); $0.u8(UInt8(level)); $0.u32(slot) }
                list[n + 1] = slot
                cd_store_u32(list, UInt32(n + 1))
            } else {
                var pool = scratch.pool
                scratch.pool = []  // take ownership so appends do not copy
                pool.removeAll(keepingCapacity: true)
                pool.append(Candidate(distance: c.distance, slot: slot))
                let base = g.vector(nb)
                for j in 1...n { pool.append(Candidate(distance: distance(base, g.vector(list[j]), dim), slot: list[j])) }
                pool.sort { $0.distance < $1.distance }
                var kept = scratch.stackCandidates
                scratch.stackCandidates = []
                selectNeighbours(g, sorted: pool, m: cap, into: &kept)
                // The kept old entries stay in their order, then the new node if kept: the log then
                // needs only a bit mask (hnswlib order within a list does not matter to a search).
                let visited = scratch.visited
                let tag = scratch.nextTag()
                for k in kept { visited[Int(k.slot)] = tag }
                let maskBytes = (n + 1 + 7) / 8
                var mask = scratch.mask
                scratch.mask = []
                mask.removeAll(keepingCapacity: true)
                mask.append(contentsOf: repeatElement(0, count: maskBytes))
                for j in 0...n {
                    let s = j < n ? list[j + 1] : slot
                    if visited[Int(s)] == tag {
                        visited[Int(s)] = 0  // keep a (never expected) duplicate once, so the list cannot overflow
                        mask[j >> 3] |= 1 << UInt8(j & 7)
                    }
                }
                mask.withUnsafeBytes { m in
                    graphLog?.append(.pruneLinks, payloadBytes: 11 + maskBytes) { w in
                        w.u32(nb); w.u8(UInt8(level)); w.u32(slot); w.u16(UInt16(n)); w.bytes(m.baseAddress!, maskBytes)
                    }
                }
                var out = 0
                for j in 1...n where mask[(j - 1) >> 3] & (1 << UInt8((j - 1) & 7)) != 0 {
                    out += 1
                    list[out] = list[j]
                }
                if mask[n >> 3] & (1 << UInt8(n & 7)) != 0 { out += 1; list[out] = slot }
                cd_store_u32(list, UInt32(out))
                scratch.mask = mask
                scratch.pool = pool
                scratch.stackCandidates = kept
            }
            g.unlock(nb)
        }
    }

    /// Logs a whole neighbour list (a new node's own list, or a list rewritten by cleanup).
    @inline(__always)
    func logList<S: Sequence>(_ log: GraphLog, slot: UInt32, level: Int, _ entries: S, count: Int) where S.Element == UInt32 {
        log.append(.setList, payloadBytes: 7 + 4 * count) { w in
            w.u32(slot); w.u8(UInt8(level)); w.u16(UInt16(count))
            for e in entries { w.u32(e) }
        }
    }
}
