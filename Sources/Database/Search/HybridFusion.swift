// Weaviate 1.19's hybrid fusion (`usecases/traverser/hybrid`, `FusionReciprocal`): every result set adds
// weight / (rank + 61) to a document's score (rank from 0), the keyword set weighted 1 − α and the vector
// set α. Scores accumulate through float32 as Weaviate stores them, and each contribution appends
// `(hybrid) Document <id> contributed <s> to the score` to the document's explanation.

/// One entry of a result set entering the fusion.
public struct FusionCandidate: Sendable {
    public var id: String
    public var object: WeaviateObject
    /// The set's own explanation, e.g. `(bm25)`.
    public var explanation: String
    /// Breaks score ties (bm25 score, or 1 − distance), as Weaviate's `SecondarySortValue`.
    public var secondary: Double
    public init(id: String, object: WeaviateObject, explanation: String, secondary: Double) {
        self.id = id; self.object = object; self.explanation = explanation; self.secondary = secondary
    }
}

/// A fused document: its summed score and its explanation.
public struct FusedResult: Sendable {
    public var object: WeaviateObject
    public var score: Float
    public var explanation: String
    public var secondary: Double
}

/// Reciprocal-rank fusion of `sets` (each best first) with one weight per set; best first.
public func reciprocalRankFusion(weights: [Double], sets: [[FusionCandidate]]) -> [FusedResult] {
    var byID: [String: (result: FusedResult, firstSeen: Int)] = [:]
    var seen = 0
    for (s, set) in sets.enumerated() {
        for (rank, candidate) in set.enumerated() {
            var contribution = weights[s] / Double(rank + 61)
            let line = "\n(hybrid) Document \(candidate.id) contributed \(contribution) to the score"
            if let previous = byID[candidate.id] {
                contribution += Double(previous.result.score)
                byID[candidate.id] = (FusedResult(object: candidate.object, score: Float(contribution),
                                                  explanation: previous.result.explanation + line,
                                                  secondary: candidate.secondary), previous.firstSeen)
            } else {
                byID[candidate.id] = (FusedResult(object: candidate.object, score: Float(contribution),
                                                  explanation: candidate.explanation + line,
                                                  secondary: candidate.secondary), seen)
                seen += 1
            }
        }
    }
    return byID.values.sorted { a, b in
        if a.result.score != b.result.score { return a.result.score > b.result.score }
        if a.result.secondary != b.result.secondary { return a.result.secondary > b.result.secondary }
        return a.firstSeen < b.firstSeen
    }.map(\.result)
}

/// Relative-score fusion (Weaviate ≥ 1.24, `FusionRelativeScore`): each set's raw scores (`secondary`:
/// the bm25 score, or 1 − distance) are min-max normalised to [0, 1] (all equal: 1), multiplied by the
/// set's weight and summed per document; best first, ties in order of first appearance.
public func relativeScoreFusion(weights: [Double], sets: [[FusionCandidate]]) -> [FusedResult] {
    var byID: [String: (result: FusedResult, firstSeen: Int)] = [:]
    var seen = 0
    for (s, set) in sets.enumerated() {
        guard let high = set.map(\.secondary).max(), let low = set.map(\.secondary).min() else { continue }
        for candidate in set {
            let normalized = high == low ? 1 : (candidate.secondary - low) / (high - low)
            let contribution = weights[s] * normalized
            let line = "\n(hybrid) Document \(candidate.id) contributed \(contribution) to the score"
            if let previous = byID[candidate.id] {
                byID[candidate.id] = (FusedResult(object: candidate.object,
                                                  score: previous.result.score + Float(contribution),
                                                  explanation: previous.result.explanation + line,
                                                  secondary: candidate.secondary), previous.firstSeen)
            } else {
                byID[candidate.id] = (FusedResult(object: candidate.object, score: Float(contribution),
                                                  explanation: candidate.explanation + line,
                                                  secondary: candidate.secondary), seen)
                seen += 1
            }
        }
    }
    return byID.values.sorted { a, b in
        a.result.score != b.result.score ? a.result.score > b.result.score : a.firstSeen < b.firstSeen
    }.map(\.result)
}

/// Go's `%v` of a `[]float32`, cut after `maxLength` items as Weaviate's `truncateVectorString`.
func goVectorString(_ v: [Float], maxLength: Int = 10) -> String {
    let items = v.prefix(maxLength).map { f -> String in
        if f == f.rounded(), abs(f) < 1e21 { return String(Int64(f)) }
        return "\(f)"
    }
    return "[" + items.joined(separator: " ") + "]" + (v.count > maxLength ? "..." : "")
}
