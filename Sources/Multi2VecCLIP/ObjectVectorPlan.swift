import Database

/// What one object contributes to a batched `/vectorize` call and how its vectors combine.
///
/// Fields enter in a fixed order — textFields in config order, then imageFields — (Weaviate 1.19
/// iterated a Go map, so its order was random). A `text[]` value gives one text per element, each with
/// its field's weight; non-string values and missing fields contribute nothing.
struct ObjectVectorPlan {
    var texts: [String] = []
    var images: [String] = []
    /// One weight per vector (texts first, then images); nil = plain mean.
    var weights: [Float]?

    init(properties: [String: JSONValue], settings: CLIPClassSettings) {
        var w: [Float] = []
        for (i, field) in settings.textFields.enumerated() {
            let weight = settings.textWeights?[i] ?? 1
            switch properties[field] {
            case .string(let s)?:
                texts.append(s); w.append(weight)
            case .array(let items)?:
                for case .string(let s) in items { texts.append(s); w.append(weight) }
            default: break
            }
        }
        for (i, field) in settings.imageFields.enumerated() {
            if case .string(let s)? = properties[field] {
                images.append(s); w.append(settings.imageWeights?[i] ?? 1)
            }
        }
        weights = settings.textWeights == nil ? nil : w
    }

    var isEmpty: Bool { texts.isEmpty && images.isEmpty }

    /// Weaviate's `CombineVectorsWithWeights`: weights normalised to sum 1, then
    /// `out[i] = Σ_k w_k·v_k[i] / N` (N = number of vectors) — the weighted mean's direction with the
    /// magnitude shrunk by N, exactly as 1.19 stores it. Without weights: the plain mean. No normalisation.
    static func combine(_ vectors: [[Float]], weights: [Float]?) -> [Float] {
        guard let first = vectors.first else { return [] }
        if vectors.count == 1 && weights == nil { return first }
        var normalised: [Float]?
        if let weights {
            let sum = weights.reduce(0, +)
            normalised = weights.map { sum == 0 ? 0 : $0 / sum }
        }
        let dimension = vectors.map(\.count).max() ?? 0
        var out = [Float](repeating: 0, count: dimension)
        var counts = [Float](repeating: 0, count: dimension)
        for (k, v) in vectors.enumerated() {
            let w = normalised?[k] ?? 1
            for i in 0..<v.count {
                out[i] += w * v[i]
                counts[i] += 1
            }
        }
        for i in 0..<dimension where counts[i] > 0 { out[i] /= counts[i] }
        return out
    }
}
