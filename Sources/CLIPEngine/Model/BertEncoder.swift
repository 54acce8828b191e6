/// BERT / DistilBERT / RoBERTa encoder: word + position (+ token type 0) embeddings, LayerNorm, then
/// post-LN blocks. Returns the last hidden state of every token (all texts stacked, no padding: a
/// text attends to its own tokens only, which is what the attention mask does in a padded batch).
final class BertEncoder: Sendable {
    let config: EncoderConfig
    let wordEmbedding: [Float]
    let positionEmbedding: [Float]
    let tokenTypeRow: [Float]? // token_type_embeddings[0]
    let embeddingNorm: LayerNorm
    let layers: [TransformerLayer]

    init(_ store: WeightStore, config c: EncoderConfig) throws {
        config = c
        let d = c.hiddenSize
        wordEmbedding = try store.tensor("embeddings.word_embeddings.weight", shape: [c.vocabSize, d]).values
        positionEmbedding = try store.tensor("embeddings.position_embeddings.weight", shape: [c.maxPositions, d]).values
        if c.family != .distilbert, store.contains("embeddings.token_type_embeddings.weight") {
            tokenTypeRow = Array(try store.tensor("embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, d]).values[0..<d])
        } else {
            tokenTypeRow = nil
        }
        embeddingNorm = try LayerNorm(store, "embeddings.LayerNorm", dim: d, eps: c.layerNormEps)
        layers = try (0..<c.layers).map { i in
            let names: TransformerLayer.Names
            if c.family == .distilbert {
                let p = "transformer.layer.\(i)."
                names = .init(q: p + "attention.q_lin", k: p + "attention.k_lin", v: p + "attention.v_lin",
                              out: p + "attention.out_lin", fc1: p + "ffn.lin1", fc2: p + "ffn.lin2",
                              ln1: p + "sa_layer_norm", ln2: p + "output_layer_norm")
            } else {
                let p = "encoder.layer.\(i)."
                names = .init(q: p + "attention.self.query", k: p + "attention.self.key", v: p + "attention.self.value",
                              out: p + "attention.output.dense", fc1: p + "intermediate.dense", fc2: p + "output.dense",
                              ln1: p + "attention.output.LayerNorm", ln2: p + "output.LayerNorm")
            }
            return try TransformerLayer(store, names: names, hidden: d, intermediate: c.intermediateSize, heads: c.heads,
                                        activation: c.activation, eps: c.layerNormEps, preNorm: false)
        }
    }

    var maxTokens: Int { config.maxPositions - config.positionOffset }

    func validate(_ ids: [Int32]) throws {
        guard !ids.isEmpty else { throw CLIPEngineError("a text has no tokens") }
        guard ids.count <= maxTokens else {
            throw CLIPEngineError("a text has \(ids.count) tokens; this encoder accepts at most \(maxTokens)")
        }
        for id in ids where id < 0 || Int(id) >= config.vocabSize {
            throw CLIPEngineError("token id \(id) is outside the vocabulary (size \(config.vocabSize))")
        }
    }

    /// Last hidden states: a [rows, d] buffer and the segment of each text.
    func forward(_ batch: [[Int32]], threads: Int = 1) throws -> (FloatBuffer, [Segment]) {
        for ids in batch { try validate(ids) }
        let d = config.hiddenSize
        var segments: [Segment] = []
        var rows = 0
        for ids in batch { segments.append(Segment(start: rows, length: ids.count)); rows += ids.count }
        let x = FloatBuffer(max(1, rows) * d)
        guard rows > 0 else { return (x, segments) }
        wordEmbedding.withUnsafeBufferPointer { word in
            positionEmbedding.withUnsafeBufferPointer { pos in
                for (seg, ids) in zip(segments, batch) {
                    for (t, id) in ids.enumerated() {
                        let dst = x.p + (seg.start + t) * d
                        let we = word.baseAddress! + Int(id) * d, pe = pos.baseAddress! + (t + config.positionOffset) * d
                        for j in 0..<d { dst[j] = we[j] + pe[j] }
                        if let tt = tokenTypeRow { for j in 0..<d { dst[j] += tt[j] } }
                    }
                }
            }
        }
        embeddingNorm.forward(x.p, rows: rows, into: x.p)
        let ws = LayerWorkspace(rows: rows, hidden: d, intermediate: config.intermediateSize,
                                maxSegment: segments.map(\.length).max()!, threads: threads)
        for layer in layers { layer.forward(x.p, segments: segments, causal: false, ws: ws) }
        return (x, segments)
    }
}
