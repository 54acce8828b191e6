import CDistances

extension HNSWIndex {
    public func search(_ query: [Float], k: Int, allowList: AllowList?) -> [SearchResult] {
        // More than the live count cannot be returned; clamping also keeps ef and heap sizes sane for absurd k.
        let k = min(k, count)
        guard k > 0 else { return [] }
        let cfg = config
        if let allowList, allowList.count < cfg.flatSearchCutoff {
            return exactSearch(query, k: k, allowList: allowList)
        }
        return structure.withReadLock {
            guard let g = graph, let q = kernel.prepareQuery(query, dimensions: g.dim) else { return [] }
            let (entry, topLevel) = top.withLock { (entryPoint, maxLevel) }
            if entry == HNSWIndex.noEntry { return [] }
            let ef = cfg.searchEf(k: k)
            let scratch = scratchPool.acquire(capacity: g.capacity)
            defer { scratchPool.release(scratch) }
            return q.withUnsafeBufferPointer { qb in
                let qp = qb.baseAddress!
                let (start, startDist) = greedyDescent(g, query: qp, from: entry, fromLevel: topLevel, toLevel: 0)
                searchLayer(g, query: qp, entry: start, entryDistance: startDist, ef: ef, level: 0,
                            scratch: scratch, allowList: allowList)
                while scratch.results.count > k { scratch.results.pop() }
                scratch.results.drainAscending(into: &scratch.sorted)
                return scratch.sorted.map { SearchResult(id: g.labels[Int($0.slot)], distance: $0.distance) }
            }
        }
    }

    public func search(_ query: [Float], maxDistance: Float, limit: Int, allowList: AllowList?) -> [SearchResult] {
        searchByDistance(query, maxDistance: maxDistance, limit: limit) { search(query, k: $0, allowList: allowList) }
    }

    /// Brute force over the allow-list (Weaviate does this below flatSearchCutoff: a small filter
    /// result is cheaper to scan than to find through the graph).
    func exactSearch(_ query: [Float], k: Int, allowList: AllowList) -> [SearchResult] {
        structure.withReadLock {
            guard let g = graph, let q = kernel.prepareQuery(query, dimensions: g.dim) else { return [] }
            let slots: [UInt32] = registry.withLock { allowList.ids.compactMap { slotOf[$0] } }
            let distance = kernel.function
            var heap = MaxHeap(capacity: k + 1)
            defer { heap.free() }
            q.withUnsafeBufferPointer { qb in
                for s in slots {
                    let d = distance(qb.baseAddress!, g.vector(s), g.dim)
                    if heap.count < k { heap.push(Candidate(distance: d, slot: s)) }
                    else if d < heap.top.distance { heap.pop(); heap.push(Candidate(distance: d, slot: s)) }
                }
            }
            var out = [Candidate]()
            heap.drainAscending(into: &out)
            return out.map { SearchResult(id: g.labels[Int($0.slot)], distance: $0.distance) }
        }
    }
}
