import Foundation
@testable import VectorIndex

/// Deterministic data for the tests (SplitMix64), so failures reproduce.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self), u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

/// Vectors around `clusters` random centres: the shape real embeddings have, and hard enough for HNSW.
func clusteredData(count: Int, dim: Int, clusters: Int = 20, spread: Float = 0.3, seed: UInt64 = 1) -> [[Float]] {
    var rng = TestRNG(seed: seed)
    let centres = (0..<clusters).map { _ in (0..<dim).map { _ in rng.gaussian() } }
    return (0..<count).map { _ in
        let c = centres[Int.random(in: 0..<clusters, using: &rng)]
        return c.map { $0 + spread * rng.gaussian() }
    }
}

/// Small-integer vectors, so hamming distances have ties and real structure.
func integerData(count: Int, dim: Int, seed: UInt64 = 3) -> [[Float]] {
    var rng = TestRNG(seed: seed)
    let centres = (0..<10).map { _ in (0..<dim).map { _ in Float(Int.random(in: 0..<4, using: &rng)) } }
    return (0..<count).map { _ in
        var v = centres[Int.random(in: 0..<10, using: &rng)]
        for _ in 0..<(dim / 5) { v[Int.random(in: 0..<dim, using: &rng)] = Float(Int.random(in: 0..<4, using: &rng)) }
        return v
    }
}

/// The scalar Swift reference for every metric (reference 3.3), in Double for accuracy.
func referenceDistance(_ metric: DistanceMetric, _ a: [Float], _ b: [Float]) -> Float {
    switch metric {
    case .cosine:
        let na = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let nb = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return Float(1 - dot / (na * nb))
    case .dot: return Float(-zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
    case .l2Squared: return Float(zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) })
    case .manhattan: return Float(zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) })
    case .hamming: return Float(zip(a, b).filter { $0.0 != $0.1 }.count)
    }
}

/// Exact top-k ids by the reference distance.
func exactTopK(_ metric: DistanceMetric, data: [[Float]], ids: [UInt64], query: [Float], k: Int,
               allowed: Set<UInt64>? = nil) -> [UInt64] {
    var scored: [(UInt64, Float)] = []
    for (i, v) in data.enumerated() where allowed?.contains(ids[i]) ?? true {
        scored.append((ids[i], referenceDistance(metric, query, v)))
    }
    scored.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    return scored.prefix(k).map { $0.0 }
}

/// recall@k averaged over queries; ties at the k-th distance count as hits.
func recall(_ index: VectorIndex, metric: DistanceMetric, data: [[Float]], ids: [UInt64], queries: [[Float]], k: Int,
            allowed: Set<UInt64>? = nil) -> Double {
    var hits = 0
    for q in queries {
        let truth = exactTopK(metric, data: data, ids: ids, query: q, k: k, allowed: allowed)
        let kth = truth.last.map { id in referenceDistance(metric, q, data[ids.firstIndex(of: id)!]) } ?? 0
        let got = index.search(q, k: k, allowList: allowed.map { AllowList($0) })
        let truthSet = Set(truth)
        hits += got.filter { truthSet.contains($0.id) || $0.distance <= kth + 1e-4 }.count
    }
    return Double(hits) / Double(queries.count * k)
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iris-vi-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
