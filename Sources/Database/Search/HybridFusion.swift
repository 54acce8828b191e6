// Weaviate 1.19's hybrid fusion (`usecases/traverser/hybrid`, `FusionReciprocal`): every result set adds
// weight / (rank + 61) to a document's score (rank from 0), the keyword set weighted 1 − α and the vector
// set α. Scores accumulate through float32 as Weaviate stores them, and each contribution appends
// `(hybrid) Document <id> contributed <s> to the score` to the document's explanation.

import JSON

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
    var tally = FusionTally()
    for (s, set) in sets.enumerated() {
        for (rank, candidate) in set.enumerated() {
            // Weaviate adds the previous float32 score to the float64 contribution, then rounds once.
            tally.add(candidate, weights[s] / Double(rank + 61)) { previous, c in Float(c + Double(previous)) }
        }
    }
    return tally.results { a, b in
        if a.result.score != b.result.score { return a.result.score > b.result.score }
        if a.result.secondary != b.result.secondary { return a.result.secondary > b.result.secondary }
        return a.firstSeen < b.firstSeen
    }
}

/// Relative-score fusion (Weaviate ≥ 1.24, `FusionRelativeScore`): each set's raw scores (`secondary`:
/// the bm25 score, or 1 − distance) are min-max normalised to [0, 1] (all equal: 1), multiplied by the
/// set's weight and summed per document; best first, ties in order of first appearance.
public func relativeScoreFusion(weights: [Double], sets: [[FusionCandidate]]) -> [FusedResult] {
    var tally = FusionTally()
    for (s, set) in sets.enumerated() {
        guard let high = set.map(\.secondary).max(), let low = set.map(\.secondary).min() else { continue }
        for candidate in set {
            let normalized = high == low ? 1 : (candidate.secondary - low) / (high - low)
            tally.add(candidate, weights[s] * normalized) { previous, c in previous + Float(c) }
        }
    }
    return tally.results { a, b in
        a.result.score != b.result.score ? a.result.score > b.result.score : a.firstSeen < b.firstSeen
    }
}

/// Per document: the summed score, the explanation lines of every contribution, and when it first appeared.
private struct FusionTally {
    typealias Entry = (result: FusedResult, firstSeen: Int)
    var byID: [String: Entry] = [:]

    /// Adds `contribution` to the candidate's document; `combine(previousScore, contribution)` is the
    /// fusion's own rounding of the sum.
    mutating func add(_ candidate: FusionCandidate, _ contribution: Double, combine: (Float, Double) -> Float) {
        let line = "\n(hybrid) Document \(candidate.id) contributed \(contribution) to the score"
        if let previous = byID[candidate.id] {
            byID[candidate.id] = (FusedResult(object: candidate.object, score: combine(previous.result.score, contribution),
                                              explanation: previous.result.explanation + line,
                                              secondary: candidate.secondary), previous.firstSeen)
        } else {
            byID[candidate.id] = (FusedResult(object: candidate.object, score: Float(contribution),
                                              explanation: candidate.explanation + line,
                                              secondary: candidate.secondary), byID.count)
        }
    }

    func results(by order: (Entry, Entry) -> Bool) -> [FusedResult] {
        byID.values.sorted(by: order).map(\.result)
    }
}

/// Go's `%v` of a `[]float32`, cut after `maxLength` items as Weaviate's `truncateVectorString`.
func goVectorString(_ v: [Float], maxLength: Int = 10) -> String {
    "[" + v.prefix(maxLength).map(GoNumbers.float32).joined(separator: " ") + "]" + (v.count > maxLength ? "..." : "")
}
