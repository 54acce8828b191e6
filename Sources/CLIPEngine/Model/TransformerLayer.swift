import CTensorKernels
import Dispatch

/// A run of consecutive rows of the stacked token matrix that form one sequence (one text or one
/// image). Attention never crosses segments, so a batch needs no padding.
struct Segment {
    let start: Int
    let length: Int
}

/// Scratch buffers of one forward pass over `rows` stacked tokens.
final class LayerWorkspace {
    let rows: Int
    let hidden: Int
    let normed: FloatBuffer   // [rows, d]
    let qkv: FloatBuffer      // [rows, 3d]
    let context: FloatBuffer  // [rows, d]
    let projected: FloatBuffer // [rows, d]
    let mlp: FloatBuffer      // [rows, inter]
    let scores: FloatBuffer   // [threads, maxLen, maxLen]
    let maxSegment: Int
    /// Threads the element-wise and attention loops may use (the BLAS has its own).
    let threads: Int
    /// Column blocks each projection is split into (1 when the BLAS itself is multi-threaded).
    let columnThreads: Int

    init(rows: Int, hidden: Int, intermediate: Int, maxSegment: Int, threads: Int = 1) {
        self.rows = rows
        self.hidden = hidden
        self.maxSegment = maxSegment
        self.threads = max(1, threads)
        self.columnThreads = ParallelRunner.columnSplitActive ? self.threads : 1
        normed = FloatBuffer(rows * hidden)
        qkv = FloatBuffer(rows * 3 * hidden)
        context = FloatBuffer(rows * hidden)
        projected = FloatBuffer(rows * hidden)
        mlp = FloatBuffer(rows * intermediate)
        scores = FloatBuffer(self.threads * maxSegment * maxSegment)
    }
}

/// One transformer encoder block: multi-head self-attention with a fused QKV projection, then an MLP.
/// Pre-LN (CLIP: x += attn(LN1 x); x += mlp(LN2 x)) or post-LN (BERT: x = LN1(x + attn x); x = LN2(x + mlp x)).
struct TransformerLayer {
    let hidden: Int
    let heads: Int
    let qkv: Linear
    let out: Linear
    let fc1: Linear
    let fc2: Linear
    let ln1: LayerNorm
    let ln2: LayerNorm
    let activation: Activation
    let preNorm: Bool

    var intermediate: Int { fc1.outFeatures }

    func forward(_ x: UnsafeMutablePointer<Float>, segments: [Segment], causal: Bool, ws: LayerWorkspace) {
        attention(x, segments: segments, causal: causal, ws: ws, queries: nil)
        outputAndMLP(x, rows: ws.rows, ws: ws)
    }

    /// The last layer when only one row of each segment is read afterwards (CLIP pools the class token or
    /// the end-of-text token): keys and values still come from every row, but the queries, the output
    /// projection and the MLP run on the kept rows alone, about three quarters of the layer's work at
    /// ViT-B/32's 50 rows. `kept[i]` is a row of `segments[i]`; `out` receives those rows, [kept.count, d].
    /// Each kept row gets the values the full layer gives it: the products are row by row.
    func forward(_ x: UnsafeMutablePointer<Float>, segments: [Segment], causal: Bool, ws: LayerWorkspace,
                 keeping kept: [Int], into out: UnsafeMutablePointer<Float>) {
        precondition(kept.count == segments.count)
        attention(x, segments: segments, causal: causal, ws: ws, queries: kept)
        gather(kept, of: x, width: hidden, into: out)
        outputAndMLP(out, rows: kept.count, ws: ws)
    }

    /// x[0 ..< rows] += out(ws.context) (then LN1 when post-LN), then the MLP sub-block.
    private func outputAndMLP(_ x: UnsafeMutablePointer<Float>, rows: Int, ws: LayerWorkspace) {
        let d = hidden
        out.forward(ws.context.p, rows: rows, into: ws.projected.p, columnThreads: ws.columnThreads)
        tk_add(x, ws.projected.p, rows * d)
        if !preNorm { ln1.forward(x, rows: rows, into: x) }

        let mlpInput: UnsafeMutablePointer<Float>
        if preNorm {
            ln2.forward(x, rows: rows, into: ws.normed.p)
            mlpInput = ws.normed.p
        } else {
            mlpInput = x
        }
        fc1.forward(mlpInput, rows: rows, into: ws.mlp.p, columnThreads: ws.columnThreads)
        parallelChunks(rows * intermediate, threads: ws.threads) { start, count in activation.apply(ws.mlp.p + start, count) }
        fc2.forward(ws.mlp.p, rows: rows, into: ws.projected.p, columnThreads: ws.columnThreads)
        tk_add(x, ws.projected.p, rows * d)
        if !preNorm { ln2.forward(x, rows: rows, into: x) }
    }

    /// ws.context = concat over heads of softmax(q k^T / sqrt(hd)) v, per segment, over the sub-block's input
    /// (LN1 x when pre-LN). With `queries`, only row queries[i] of segment i asks, into context row i.
    private func attention(_ x: UnsafeMutablePointer<Float>, segments: [Segment], causal: Bool, ws: LayerWorkspace,
                           queries: [Int]?) {
        let d = hidden
        let hd = d / heads
        let ld = 3 * d
        let input: UnsafeMutablePointer<Float>
        if preNorm {
            ln1.forward(x, rows: ws.rows, into: ws.normed.p)
            input = ws.normed.p
        } else {
            input = x
        }
        qkv.forward(input, rows: ws.rows, into: ws.qkv.p, columnThreads: ws.columnThreads)
        let scale = 1 / Float(hd).squareRoot()
        // (segment, head) pairs are independent; with spare threads they are shared out, each thread
        // with its own score matrix. Both products go through the packed fp32 kernel: K^T and V are packed
        // (a few KB) per pair, which at L = 50, hd = 64 took under half the time of the BLAS's own copies
        // and zeroing of C around these small products (profile of 16 images, int8).
        let items = segments.count * heads
        let workers = min(ws.threads, items)
        let keysCount = tk_f32_packed_count(hd, ws.maxSegment), valuesCount = tk_f32_packed_count(ws.maxSegment, hd)
        let run = { (worker: Int) in
            let s = ws.scores.p + worker * ws.maxSegment * ws.maxSegment
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: keysCount)
            let values = UnsafeMutablePointer<Float>.allocate(capacity: valuesCount)
            defer { keys.deallocate(); values.deallocate() }
            for item in stride(from: worker, to: items, by: workers) {
                let si = item / self.heads, h = item % self.heads
                let seg = segments[si]
                let L = seg.length
                // Query rows first ..< first + count of the segment, into context rows from contextRow.
                let (first, count, contextRow) = queries.map { ($0[si] - seg.start, 1, si) } ?? (0, L, seg.start)
                let base = ws.qkv.p + seg.start * ld
                let q = base + first * ld + h * hd
                let k = base + d + h * hd
                let v = base + 2 * d + h * hd
                tk_f32_pack_strided(k, 1, ld, hd, L, keys) // (i, j) = k[j][i]: K^T [hd, L]
                tk_f32_gemm(q, ld, count, keys, hd, L, 0, L, nil, s, L)
                tk_scale(s, count * L, scale)
                if causal {
                    for i in 0..<count {
                        let row = s + i * L, visible = first + i + 1
                        tk_softmax_rows(row, 1, visible, L)
                        if visible < L { (row + visible).initialize(repeating: 0, count: L - visible) }
                    }
                } else {
                    tk_softmax_rows(s, count, L, L)
                }
                tk_f32_pack_strided(v, ld, 1, L, hd, values) // V [L, hd]
                tk_f32_gemm(s, L, count, values, L, hd, 0, hd, nil, ws.context.p + contextRow * d + h * hd, d)
            }
        }
        if workers > 1 { concurrentForEach(workers, run) } else { run(0) }
    }
}

extension TransformerLayer {
    /// Loads a block given the names of its parts (they differ between CLIP, BERT and DistilBERT).
    struct Names {
        var q, k, v, out, fc1, fc2, ln1, ln2: String
    }

    init(_ store: WeightStore, names n: Names, hidden: Int, intermediate: Int, heads: Int,
         activation: Activation, eps: Float, preNorm: Bool) throws {
        self.hidden = hidden
        self.heads = heads
        let precision = store.precision
        qkv = Linear.fused([
            try Linear(store, n.q, in: hidden, out: hidden, bias: true),
            try Linear(store, n.k, in: hidden, out: hidden, bias: true),
            try Linear(store, n.v, in: hidden, out: hidden, bias: true),
        ]).prepared(precision)
        out = try Linear(store, n.out, in: hidden, out: hidden, bias: true).prepared(precision)
        fc1 = try Linear(store, n.fc1, in: hidden, out: intermediate, bias: true).prepared(precision)
        fc2 = try Linear(store, n.fc2, in: intermediate, out: hidden, bias: true).prepared(precision)
        ln1 = try LayerNorm(store, n.ln1, dim: hidden, eps: eps)
        ln2 = try LayerNorm(store, n.ln2, dim: hidden, eps: eps)
        self.activation = activation
        self.preNorm = preNorm
    }
}

extension Array where Element == TransformerLayer {
    /// Runs the stack over x and writes row kept[i] of segment i to out[i]; the last layer computes only those.
    func forward(_ x: UnsafeMutablePointer<Float>, segments: [Segment], causal: Bool, ws: LayerWorkspace,
                 keeping kept: [Int], into out: UnsafeMutablePointer<Float>) {
        guard let last else { return gather(kept, of: x, width: ws.hidden, into: out) }
        for layer in dropLast() { layer.forward(x, segments: segments, causal: causal, ws: ws) }
        last.forward(x, segments: segments, causal: causal, ws: ws, keeping: kept, into: out)
    }
}

/// out[i] = x[rows[i]], rows of `width` floats.
private func gather(_ rows: [Int], of x: UnsafePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>) {
    for (i, row) in rows.enumerated() { (out + i * width).update(from: x + row * width, count: width) }
}

/// Runs body(start, count) over n elements in `threads` contiguous chunks (inline when threads == 1).
func parallelChunks(_ n: Int, threads: Int, _ body: (Int, Int) -> Void) {
    let t = min(threads, max(1, n / 16_384)) // small arrays are not worth a thread hop
    if t <= 1 { body(0, n); return }
    let chunk = (n + t - 1) / t
    concurrentForEach(t) { i in
        let start = i * chunk
        if start < n { body(start, min(chunk, n - start)) }
    }
}

extension TransformerLayer {
    /// The pre-LN layers of one CLIP tower (`<tower>_model.encoder.layers.N.*`), as many as the config
    /// says; a checkpoint with more layers than that is refused rather than silently truncated.
    static func clipEncoder(_ store: WeightStore, tower: String, config c: CLIPTowerConfig) throws -> [TransformerLayer] {
        let layers = try (0..<c.layers).map { i in
            let p = "\(tower)_model.encoder.layers.\(i)."
            return try TransformerLayer(
                store,
                names: .init(q: p + "self_attn.q_proj", k: p + "self_attn.k_proj", v: p + "self_attn.v_proj",
                             out: p + "self_attn.out_proj", fc1: p + "mlp.fc1", fc2: p + "mlp.fc2",
                             ln1: p + "layer_norm1", ln2: p + "layer_norm2"),
                hidden: c.hiddenSize, intermediate: c.intermediateSize, heads: c.heads, activation: c.activation,
                eps: c.layerNormEps, preNorm: true)
        }
        if store.contains("\(tower)_model.encoder.layers.\(c.layers).layer_norm1.weight") {
            throw CLIPEngineError("\(store.label): the checkpoint has more \(tower) layers than num_hidden_layers = \(c.layers)")
        }
        return layers
    }
}
