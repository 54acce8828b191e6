/// CLIP's vision tower + visual_projection: patch embedding (a conv with stride = kernel, done as one
/// GEMM over the im2col patches of the whole batch), class token, positions, pre-LN, encoder,
/// post-LN on the class row, projection.
final class CLIPVisionModel: Sendable {
    let config: CLIPTowerConfig
    let projectionDim: Int
    /// [C*p*p] -> [d], the conv weight [d, C, p, p] as a Linear without bias, at the model's precision: in int8
    /// it was 5% of the samples at 16 images as the one fp32 product left; quantised, images lose 0.0001-0.0002
    /// of min cosine to fp32 (clip-tiny goldens 0.99952 -> 0.99936, bench/clip seeded model 0.99923 -> 0.99914).
    let patchEmbedding: Linear
    let classEmbedding: [Float]
    let positionEmbedding: [Float] // [P+1, d]
    let preNorm: LayerNorm
    let layers: [TransformerLayer]
    let postNorm: LayerNorm
    let projection: Linear

    var gridSize: Int { config.imageSize / config.patchSize }
    var patchCount: Int { gridSize * gridSize }
    /// Floats per input image: channels × imageSize × imageSize, channel-major.
    var pixelCount: Int { config.channels * config.imageSize * config.imageSize }

    init(_ store: WeightStore, config c: CLIPTowerConfig, projectionDim: Int) throws {
        config = c
        self.projectionDim = projectionDim
        let d = c.hiddenSize, p = c.patchSize
        let conv = try store.tensor("vision_model.embeddings.patch_embedding.weight", shape: [d, c.channels, p, p])
        patchEmbedding = Linear(inFeatures: c.channels * p * p, outFeatures: d,
                                weightInOut: transpose(conv.values, rows: d, cols: c.channels * p * p), bias: nil).prepared(store.precision)
        classEmbedding = try store.tensor("vision_model.embeddings.class_embedding", shape: [d]).values
        let positions = (c.imageSize / p) * (c.imageSize / p) + 1
        positionEmbedding = try store.tensor("vision_model.embeddings.position_embedding.weight", shape: [positions, d]).values
        // "pre_layrnorm" is the (misspelt) name in transformers' CLIP; accept the corrected one too.
        let preName = store.contains("vision_model.pre_layrnorm.weight") ? "vision_model.pre_layrnorm" : "vision_model.pre_layernorm"
        preNorm = try LayerNorm(store, preName, dim: d, eps: c.layerNormEps)
        layers = try TransformerLayer.clipEncoder(store, tower: "vision", config: c)
        postNorm = try LayerNorm(store, "vision_model.post_layernorm", dim: d, eps: c.layerNormEps)
        projection = try Linear(store, "visual_projection", in: d, out: projectionDim, bias: false).prepared(store.precision)
    }

    /// Embeddings [projectionDim] of preprocessed images, each [channels, size, size] channel-major.
    func forward(_ images: [[Float]], threads: Int = 1) throws -> [[Float]] {
        for img in images where img.count != pixelCount {
            throw CLIPEngineError("an image tensor has \(img.count) values; this model expects \(config.channels)×\(config.imageSize)×\(config.imageSize) = \(pixelCount)")
        }
        guard !images.isEmpty else { return [] }
        let d = config.hiddenSize, p = config.patchSize, g = gridSize, S = config.imageSize, C = config.channels
        let P = patchCount, seq = P + 1, kdim = C * p * p
        let rows = images.count * seq
        // im2col: one row per patch, in the conv weight's (c, ky, kx) order.
        let cols = FloatBuffer(images.count * P * kdim)
        for (b, img) in images.enumerated() {
            img.withUnsafeBufferPointer { src in
                for py in 0..<g {
                    for px in 0..<g {
                        var dst = cols.p + ((b * P) + py * g + px) * kdim
                        for c in 0..<C {
                            for ky in 0..<p {
                                let s = src.baseAddress! + (c * S + py * p + ky) * S + px * p
                                dst.update(from: s, count: p)
                                dst += p
                            }
                        }
                    }
                }
            }
        }
        // All patches in one product, then each image's rows go to rows 1...P of its sequence (row 0 is the class token).
        let patches = FloatBuffer(images.count * P * d)
        patchEmbedding.forward(cols.p, rows: images.count * P, into: patches.p,
                               columnThreads: ParallelRunner.columnSplitActive ? threads : 1)
        let x = FloatBuffer(rows * d)
        for b in 0..<images.count { (x.p + (b * seq + 1) * d).update(from: patches.p + b * P * d, count: P * d) }
        classEmbedding.withUnsafeBufferPointer { cls in
            positionEmbedding.withUnsafeBufferPointer { pos in
                for b in 0..<images.count {
                    let img = x.p + b * seq * d
                    img.update(from: cls.baseAddress!, count: d)
                    for j in 0..<(seq * d) { img[j] += pos[j] }
                }
            }
        }
        preNorm.forward(x.p, rows: rows, into: x.p)
        let segments = (0..<images.count).map { Segment(start: $0 * seq, length: seq) }
        let ws = LayerWorkspace(rows: rows, hidden: d, intermediate: config.intermediateSize, maxSegment: seq, threads: threads)
        let pooled = FloatBuffer(images.count * d)
        layers.forward(x.p, segments: segments, causal: false, ws: ws, keeping: segments.map(\.start), into: pooled.p)
        postNorm.forward(pooled.p, rows: images.count, into: pooled.p)
        let out = FloatBuffer(images.count * projectionDim)
        projection.forward(pooled.p, rows: images.count, into: out.p)
        return (0..<images.count).map { Array(UnsafeBufferPointer(start: out.p + $0 * projectionDim, count: projectionDim)) }
    }
}
