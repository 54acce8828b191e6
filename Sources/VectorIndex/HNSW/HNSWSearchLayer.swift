import CDistances

extension HNSWIndex {
    /// Best-first search of one level from `entry`, keeping the `ef` closest acceptable nodes in
    /// `scratch.results` (a max-heap). Tombstoned nodes (and, with an allow-list, disallowed ones)
    /// are walked through but never collected. This is the hot loop: raw pointers only, the next
    /// neighbour's vector prefetched while the current distance is computed.
    @inline(__always)
    func searchLayer(_ g: HNSWGraph, query q: UnsafePointer<Float>, entry: UInt32, entryDistance: Float,
                     ef: Int, level: Int, scratch s: SearchScratch, allowList: AllowList?,
                     acceptTombstones: Bool = false) {
        let dim = g.dim, vectors = g.vectors, states = g.states, labels = g.labels
        let distance = kernel.function
        let visited = s.visited
        let tag = s.nextTag()
        var frontier = s.candidates
        var best = s.results
        frontier.removeAll()
        best.removeAll()
        defer { s.candidates = frontier; s.results = best }

        @inline(__always) func acceptable(_ n: UInt32) -> Bool {
            let state = states[Int(n)]
            return (state == SlotState.live || (acceptTombstones && state == SlotState.deleted))
                && (allowList == nil || allowList!.contains(labels[Int(n)]))
        }

        var bound = Float.infinity
        visited[Int(entry)] = tag
        frontier.push(Candidate(distance: entryDistance, slot: entry))
        if acceptable(entry) {
            best.push(Candidate(distance: entryDistance, slot: entry))
            bound = entryDistance
        }

        while !frontier.isEmpty {
            let current = frontier.top
            if current.distance > bound && best.count >= ef { break }
            frontier.pop()
            let list = g.links(current.slot, level)
            let n = Int(cd_load_u32(list))
            if n == 0 { continue }
            cd_prefetch(visited + Int(list[1]))
            cd_prefetch(vectors + Int(list[1]) * dim)
            for j in 1...n {
                let nb = list[j]
                if j < n {
                    let ahead = Int(list[j + 1])
                    cd_prefetch(visited + ahead)
                    cd_prefetch(vectors + ahead * dim)
                }
                if visited[Int(nb)] == tag { continue }
                visited[Int(nb)] = tag
                let d = distance(q, vectors + Int(nb) * dim, dim)
                if best.count < ef || d < bound {
                    frontier.push(Candidate(distance: d, slot: nb))
                    if acceptable(nb) {
                        best.push(Candidate(distance: d, slot: nb))
                        if best.count > ef { best.pop() }
                        bound = best.top.distance
                    }
                }
            }
        }
    }

    /// Greedy descent through the upper levels down to (not including) `targetLevel`.
    @inline(__always)
    func greedyDescent(_ g: HNSWGraph, query q: UnsafePointer<Float>, from entry: UInt32, fromLevel: Int,
                       toLevel targetLevel: Int) -> (UInt32, Float) {
        let distance = kernel.function
        var cur = entry
        var curDist = distance(q, g.vector(cur), g.dim)
        var level = fromLevel
        while level > targetLevel {
            var changed = true
            while changed {
                changed = false
                let list = g.links(cur, level)
                let n = Int(cd_load_u32(list))
                if n == 0 { break }
                for j in 1...n {
                    let nb = list[j]
                    let d = distance(q, g.vector(nb), g.dim)
                    if d < curDist { curDist = d; cur = nb; changed = true }
                }
            }
            level -= 1
        }
        return (cur, curDist)
    }

    /// hnswlib's neighbour-selection heuristic: walk candidates closest first and keep one only if it
    /// is closer to the base than to every neighbour kept so far (spreads edges across directions).
    /// `sorted` is ascending by distance to the base; the selection is written to `out`.
    @inline(__always)
    func selectNeighbours(_ g: HNSWGraph, sorted: [Candidate], m: Int, into out: inout [Candidate]) {
        out.removeAll(keepingCapacity: true)
        if sorted.count <= m { out.append(contentsOf: sorted); return }
        let distance = kernel.function
        let dim = g.dim
        for c in sorted {
            if out.count >= m { break }
            let vc = g.vector(c.slot)
            var good = true
            for kept in out where distance(vc, g.vector(kept.slot), dim) < c.distance {
                good = false
                break
            }
            if good { out.append(c) }
        }
    }
}
