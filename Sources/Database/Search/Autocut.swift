// Autocut (Weaviate ≥ 1.20, `autocut: N` in GraphQL Get, `auto_limit` in the v4 client): a search's
// results are cut where its distances or scores jump, after the N-th jump.

enum Autocut {
    /// How many of `values` (ordered best first: distances ascending or scores descending) to keep when
    /// cutting before the `jumps`-th jump. The values are put on a line from the first (0) to the last
    /// (1) and compared with an even spread; a jump is a local maximum of the difference. Without one
    /// (or with all values equal) everything is kept.
    static func keep(_ values: [Float], jumps: Int) -> Int {
        let n = values.count
        guard n > 1, jumps > 0 else { return n }
        let span = values[n - 1] - values[0]
        let step = 1 / Float(n - 1)
        let diff = values.indices.map { i in (values[i] - values[0]) / span - Float(i) * step }
        var seen = 0
        for i in 1..<n {
            // The last value has no right neighbour: it is compared with the two before it.
            let isJump = i == n - 1 ? diff[i] > diff[i - 1] && diff[i] > diff[i - 2]
                                    : diff[i] > diff[i - 1] && diff[i] > diff[i + 1]
            if isJump {
                seen += 1
                if seen >= jumps { return i }
            }
        }
        return n
    }
}

extension Database {
    /// The hits of a search cut by `autocut` (nil or ≤ 0: all), on distance for vector searches and on
    /// score for bm25 and hybrid.
    func autocut(_ hits: [GetHit], _ jumps: Int?) -> [GetHit] {
        guard let jumps, jumps > 0 else { return hits }
        let values = hits.map { $0.distance ?? $0.score ?? 0 }
        return Array(hits.prefix(Autocut.keep(values, jumps: jumps)))
    }
}
