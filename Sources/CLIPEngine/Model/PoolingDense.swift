import Foundation

/// sentence-transformers Pooling over each text's token rows (no padding, so every row counts).
struct Pooling {
    let config: PoolingConfig
    let dim: Int

    var outputDim: Int { dim * config.modeCount }

    func forward(_ x: UnsafePointer<Float>, segments: [Segment]) -> [[Float]] {
        segments.map { seg in
            var out: [Float] = []
            out.reserveCapacity(outputDim)
            let rows = x + seg.start * dim
            if config.cls { out.append(contentsOf: UnsafeBufferPointer(start: rows, count: dim)) }
            if config.max {
                var m = Array(UnsafeBufferPointer(start: rows, count: dim))
                for r in 1..<max(1, seg.length) { for j in 0..<dim where rows[r * dim + j] > m[j] { m[j] = rows[r * dim + j] } }
                out.append(contentsOf: m)
            }
            if config.mean || config.meanSqrtLen {
                var sum = [Float](repeating: 0, count: dim)
                for r in 0..<seg.length { for j in 0..<dim { sum[j] += rows[r * dim + j] } }
                if config.mean { out.append(contentsOf: sum.map { $0 / Float(seg.length) }) }
                if config.meanSqrtLen { out.append(contentsOf: sum.map { $0 / Float(seg.length).squareRoot() }) }
            }
            return out
        }
    }
}

/// sentence-transformers Dense: activation(W x + b).
struct Dense {
    let linear: Linear
    let activation: Activation

    init(folder: URL, config: DenseConfig) throws {
        let store = try WeightStore.open(folder: folder)
        linear = try Linear(store, "linear", in: config.inFeatures, out: config.outFeatures, bias: config.bias)
        activation = config.activation
    }

    func forward(_ vectors: [[Float]]) throws -> [[Float]] {
        guard !vectors.isEmpty else { return [] }
        for v in vectors where v.count != linear.inFeatures {
            throw CLIPEngineError("Dense expects \(linear.inFeatures) inputs, got \(v.count)")
        }
        let input = vectors.flatMap { $0 }
        var out = [Float](repeating: 0, count: vectors.count * linear.outFeatures)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                linear.forward(i.baseAddress!, rows: vectors.count, into: o.baseAddress!)
                activation.apply(o.baseAddress!, o.count)
            }
        }
        let n = linear.outFeatures
        return (0..<vectors.count).map { Array(out[($0 * n)..<(($0 + 1) * n)]) }
    }
}

/// L2 normalisation (ST Normalize: x / max(||x||, 1e-12)).
func l2Normalized(_ v: [Float]) -> [Float] {
    var s: Double = 0
    for x in v { s += Double(x) * Double(x) }
    let n = Float(max(s.squareRoot(), 1e-12))
    return v.map { $0 / n }
}
