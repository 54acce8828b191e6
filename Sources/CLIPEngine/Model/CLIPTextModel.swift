/// CLIP's text tower + text_projection: causal pre-LN transformer, pooled at the end token, final
/// LayerNorm, projection (no bias). Each text runs at its own length; a batch is one stacked matrix.
final class CLIPTextModel: Sendable {
    let config: CLIPTowerConfig
    let projectionDim: Int
    let tokenEmbedding: [Float] // [vocab, d]
    let positionEmbedding: [Float] // [maxPos, d]
    let layers: [TransformerLayer]
    let finalNorm: LayerNorm
    let projection: Linear

    init(_ store: WeightStore, config c: CLIPTowerConfig, projectionDim: Int) throws {
        config = c
        self.projectionDim = projectionDim
        let d = c.hiddenSize
        tokenEmbedding = try store.tensor("text_model.embeddings.token_embedding.weight", shape: [c.vocabSize, d]).values
        positionEmbedding = try store.tensor("text_model.embeddings.position_embedding.weight", shape: [c.maxPositions, d]).values
        layers = try TransformerLayer.clipEncoder(store, tower: "text", config: c)
        finalNorm = try LayerNorm(store, "text_model.final_layer_norm", dim: d, eps: c.layerNormEps)
        projection = try Linear(store, "text_projection", in: d, out: projectionDim, bias: false).prepared(store.precision)
    }

    /// The row each text is pooled at: transformers' rule — argmax of the ids when the config's
    /// eos_token_id is the legacy 2 (or absent), else the first eos_token_id (argmax if none).
    func poolIndex(_ ids: [Int32]) -> Int {
        func argmax() -> Int {
            var best = 0
            for i in 1..<ids.count where ids[i] > ids[best] { best = i }
            return best
        }
        guard let eos = config.eosTokenId, eos != 2 else { return argmax() }
        return ids.firstIndex(of: Int32(eos)) ?? argmax()
    }

    func validate(_ ids: [Int32]) throws {
        guard !ids.isEmpty else { throw CLIPEngineError("a text has no tokens") }
        guard ids.count <= config.maxPositions else {
            throw CLIPEngineError("a text has \(ids.count) tokens; this CLIP text model accepts at most \(config.maxPositions)")
        }
        for id in ids where id < 0 || Int(id) >= config.vocabSize {
            throw CLIPEngineError("token id \(id) is outside the vocabulary (size \(config.vocabSize))")
        }
    }

    /// Embeddings [projectionDim] of each id sequence.
    func forward(_ batch: [[Int32]], threads: Int = 1) throws -> [[Float]] {
        for ids in batch { try validate(ids) }
        guard !batch.isEmpty else { return [] }
        let d = config.hiddenSize
        var segments: [Segment] = []
        var rows = 0
        for ids in batch { segments.append(Segment(start: rows, length: ids.count)); rows += ids.count }
        let x = FloatBuffer(rows * d)
        tokenEmbedding.withUnsafeBufferPointer { tok in
            positionEmbedding.withUnsafeBufferPointer { pos in
                for (seg, ids) in zip(segments, batch) {
                    for (t, id) in ids.enumerated() {
                        let dst = x.p + (seg.start + t) * d
                        let te = tok.baseAddress! + Int(id) * d, pe = pos.baseAddress! + t * d
                        for j in 0..<d { dst[j] = te[j] + pe[j] }
                    }
                }
            }
        }
        let ws = LayerWorkspace(rows: rows, hidden: d, intermediate: config.intermediateSize,
                                maxSegment: segments.map(\.length).max()!, threads: threads)
        // Pool first, then the (row-wise) final LayerNorm on the pooled rows only.
        let pooled = FloatBuffer(batch.count * d)
        let kept = zip(segments, batch).map { seg, ids in seg.start + poolIndex(ids) }
        layers.forward(x.p, segments: segments, causal: true, ws: ws, keeping: kept, into: pooled.p)
        finalNorm.forward(pooled.p, rows: batch.count, into: pooled.p)
        let out = FloatBuffer(batch.count * projectionDim)
        projection.forward(pooled.p, rows: batch.count, into: out.p)
        return (0..<batch.count).map { Array(UnsafeBufferPointer(start: out.p + $0 * projectionDim, count: projectionDim)) }
    }
}
