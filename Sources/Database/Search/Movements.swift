// Weaviate's nearText query-vector arithmetic (reference 2.4 and 2.5): the concept join rule and the
// moveTo / moveAwayFrom movements. Kept here (not in a module) because every text-capable vectorizer
// module shares the same semantics; a module only supplies the text → vector function.
import Foundation

/// Joins nearText concepts into the single sentence that is vectorised in one call:
/// after a concept ending in `.`, `,`, `?` or `!` (or an empty one) comes `" "`, otherwise `". "`.
public func joinConcepts(_ concepts: [String]) -> String {
    var out = ""
    for (i, concept) in concepts.enumerated() {
        if i > 0 {
            let previous = concepts[i - 1]
            if let last = previous.last, !".,?!".contains(last) {
                out += ". "
            } else {
                out += " "
            }
        }
        out += concept
    }
    return out
}

/// Formats a force the way Go's `%f` does (six decimals, `+Inf`, `NaN`), for Weaviate-identical messages.
/// Any Double: a force of 1e308 comes in as easily as 0.5.
private func goFloat(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
    return String(format: "%.6f", value)
}

/// `v·(1 − f/2) + t·(f/2)`; `f` must lie in [0, 1].
public func moveTowards(_ source: [Float], target: [Float], force: Double) throws -> [Float] {
    guard source.count == target.count else {
        throw DatabaseError.unprocessable("movement: vector lengths don't match: got \(source.count) and \(target.count)")
    }
    guard force >= 0, force <= 1 else {
        throw DatabaseError.unprocessable("movement: force must be between 0 and 1: got \(goFloat(force))")
    }
    let half = Float(force) * 0.5
    var out = [Float](repeating: 0, count: source.count)
    for i in 0..<source.count { out[i] = source[i] * (1 - half) + target[i] * half }
    return out
}

/// `v + (f/2)·(v − t)`; `f` must be ≥ 0.
public func moveAwayFrom(_ source: [Float], target: [Float], force: Double) throws -> [Float] {
    guard source.count == target.count else {
        throw DatabaseError.unprocessable(
            "movement (moveAwayFrom): vector lengths don't match: got \(source.count) and \(target.count)")
    }
    guard force >= 0 else {
        throw DatabaseError.unprocessable("movement (moveAwayFrom): force must be 0 or positive: got \(goFloat(force))")
    }
    let half = Float(force) * 0.5
    var out = [Float](repeating: 0, count: source.count)
    for i in 0..<source.count { out[i] = source[i] + half * (source[i] - target[i]) }
    return out
}

/// The plain per-dimension mean of `vectors` (the movement target). Nil when there are none.
public func meanVector(_ vectors: [[Float]]) throws -> [Float]? {
    guard let first = vectors.first else { return nil }
    var sum = [Float](repeating: 0, count: first.count)
    for v in vectors {
        guard v.count == first.count else {
            throw DatabaseError.unprocessable("movement: vector lengths don't match: got \(first.count) and \(v.count)")
        }
        for i in 0..<v.count { sum[i] += v[i] }
    }
    let n = Float(vectors.count)
    return sum.map { $0 / n }
}
