import CDistances
import Dispatch

extension HNSWIndex {
    /// Removes tombstones now: every live node that links to a deleted node gets a new neighbour
    /// list chosen (with the insert heuristic) from its live neighbours plus the live nodes reached
    /// through the deleted ones, the entry point moves to a live node if needed, and the deleted
    /// slots are freed for reuse. Runs on both cores; searches and writes wait meanwhile.
    /// The background timer calls this every `cleanupIntervalSeconds` when there are tombstones.
    public func cleanup() {
        writeGate.withReadLock {
            structure.withWriteLock {
                guard let g = graph else { return }
                let (deleted, slots) = registry.withLock { (deletedCount, slotCount) }
                if deleted == 0 { return }
                let workers = 2
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let scratch = scratchPool.acquire(capacity: g.capacity)
                    var s = w
                    while s < slots {
                        if g.states[s] == SlotState.live { repair(g, slot: UInt32(s), scratch: scratch) }
                        s += workers
                    }
                    scratchPool.release(scratch)
                }
                top.withLock {
                    if entryPoint == HNSWIndex.noEntry || g.states[Int(entryPoint)] != SlotState.live {
                        var best = HNSWIndex.noEntry
                        var bestLevel = -1
                        for s in 0..<slots where g.states[s] == SlotState.live && Int(g.levels[s]) > bestLevel {
                            best = UInt32(s)
                            bestLevel = Int(g.levels[s])
                        }
                        graphLog?.append(.entryPoint, payloadBytes: 5) { $0.u32(best); $0.u8(UInt8(max(bestLevel, 0))) }
                        entryPoint = best
                        maxLevel = max(bestLevel, 0)
                    }
                }
                registry.withLock {
                    // One record for all freed slots: a replay that stops inside a cleanup sees either the
                    // tombstones still routing or all of them gone, never a live list naming a freed slot.
                    var freed = [UInt32]()
                    for s in 0..<slots where g.states[s] == SlotState.deleted { freed.append(UInt32(s)) }
                    graphLog?.append(.freeSlots, payloadBytes: 4 + 4 * freed.count) { w in
                        w.u32(UInt32(freed.count))
                        for s in freed { w.u32(s) }
                    }
                    for s in freed {
                        g.releaseSlot(s)
                        freeSlots.append(s)
                    }
                    deletedCount = 0
                    version &+= 1
                }
            }
        }
        graphLog?.flush()
    }

    /// Rewires the lists of `slot` that name deleted nodes. Caller holds `structure` exclusively, so
    /// only this worker writes this node's lists and nobody else reads them.
    private func repair(_ g: HNSWGraph, slot: UInt32, scratch: SearchScratch) {
        let distance = kernel.function
        let dim = g.dim
        let base = g.vector(slot)
        let states = g.states
        for level in 0...Int(g.levels[Int(slot)]) {
            let list = g.links(slot, level)
            let n = Int(list[0])
            var affected = false
            for j in stride(from: 1, through: n, by: 1) where states[Int(list[j])] != SlotState.live {
                affected = true
                break
            }
            if !affected { continue }

            let visited = scratch.visited
            let tag = scratch.nextTag()
            visited[Int(slot)] = tag
            var pool = scratch.pool
            var stack = scratch.stack
            scratch.pool = []
            scratch.stack = []  // take ownership so appends do not copy
            pool.removeAll(keepingCapacity: true)
            stack.removeAll(keepingCapacity: true)
            @inline(__always) func consider(_ x: UInt32) {
                if visited[Int(x)] == tag { return }
                visited[Int(x)] = tag
                if states[Int(x)] == SlotState.live {
                    pool.append(Candidate(distance: distance(base, g.vector(x), dim), slot: x))
                } else if states[Int(x)] == SlotState.deleted && Int(g.levels[Int(x)]) >= level {
                    stack.append(x)
                }
            }
            for j in stride(from: 1, through: n, by: 1) { consider(list[j]) }
            // Walk through deleted nodes (even chains of them) to find live replacements.
            let enough = max(efConstruction, g.capacity(atLevel: level))
            while let dead = stack.popLast(), pool.count < enough {
                let dl = g.links(dead, level)
                for j in stride(from: 1, through: Int(dl[0]), by: 1) { consider(dl[j]) }
            }
            pool.sort { $0.distance < $1.distance }
            var kept = scratch.selected
            scratch.selected = []
            selectNeighbours(g, sorted: pool, m: g.capacity(atLevel: level), into: &kept)
            if let graphLog { logList(graphLog, slot: slot, level: level, kept.lazy.map(\.slot), count: kept.count) }
            for (i, c) in kept.enumerated() { list[i + 1] = c.slot }
            cd_store_u32(list, UInt32(kept.count))
            scratch.pool = pool
            scratch.stack = stack
            scratch.selected = kept
        }
    }
}
