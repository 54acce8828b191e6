import CTensorKernels
import COpenBLAS
import Dispatch

/// y = x W^T + b for a batch of rows. The weight is stored transposed ([in, out], row-major) once at
/// load so the product is a plain NN GEMM over all rows of the batch; `prepared` then packs it for the
/// fp32 kernel (f32_gemm.c) or quantises it for the int8 one (int8_gemm.c), dropping the plain copy.
struct Linear {
    let inFeatures: Int
    let outFeatures: Int
    let weight: [Float] // [in, out]; empty once prepared
    let bias: [Float]?
    let int8: Int8Weight?
    let f32: PackedF32Weight?

    /// `name` is the module prefix; reads name.weight [out, in] and, when `bias`, name.bias [out].
    init(_ store: WeightStore, _ name: String, in inF: Int, out outF: Int, bias hasBias: Bool) throws {
        let w = try store.tensor(name + ".weight", shape: [outF, inF])
        inFeatures = inF
        outFeatures = outF
        weight = transpose(w.values, rows: outF, cols: inF)
        bias = hasBias ? try store.tensor(name + ".bias", shape: [outF]).values : nil
        int8 = nil
        f32 = nil
    }

    init(inFeatures: Int, outFeatures: Int, weightInOut: [Float], bias: [Float]?, int8: Int8Weight? = nil,
         f32: PackedF32Weight? = nil) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weightInOut
        self.bias = bias
        self.int8 = int8
        self.f32 = f32
    }

    /// This layer for `precision`: its weight packed for the fp32 kernel, or quantised per output column
    /// and packed for the int8 one; the plain copy is dropped. Prepare after fusing (`fused` reads the
    /// plain weights; per-column scales do not mix columns).
    func prepared(_ precision: Precision) -> Linear {
        guard int8 == nil, f32 == nil else { return self }
        switch precision {
        case .int8:
            return Linear(inFeatures: inFeatures, outFeatures: outFeatures, weightInOut: [], bias: bias,
                          int8: Int8Weight(weightInOut: weight, inFeatures: inFeatures, outFeatures: outFeatures))
        case .fp32:
            return Linear(inFeatures: inFeatures, outFeatures: outFeatures, weightInOut: [], bias: bias,
                          f32: PackedF32Weight(weightInOut: weight, inFeatures: inFeatures, outFeatures: outFeatures))
        }
    }

    /// Concatenates layers with the same input along the output dimension (fused Q/K/V).
    static func fused(_ parts: [Linear]) -> Linear {
        let inF = parts[0].inFeatures
        let outF = parts.reduce(0) { $0 + $1.outFeatures }
        var w = [Float](repeating: 0, count: inF * outF)
        var col = 0
        for p in parts {
            for r in 0..<inF {
                for c in 0..<p.outFeatures { w[r * outF + col + c] = p.weight[r * p.outFeatures + c] }
            }
            col += p.outFeatures
        }
        let bias: [Float]? = parts.allSatisfy { $0.bias != nil } ? parts.flatMap { $0.bias! } : nil
        return Linear(inFeatures: inF, outFeatures: outF, weightInOut: w, bias: bias)
    }

    /// y[rows, out] = x[rows, in] W + b   (x rows at stride `ldx`, default `in`).
    /// With `columnThreads` > 1 the output columns are split into that many blocks computed side by
    /// side (each a single-threaded GEMM when the BLAS runs with one thread).
    func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil, into y: UnsafeMutablePointer<Float>,
                 columnThreads: Int = 1) {
        guard rows > 0 else { return }
        let lda = ldx ?? inFeatures
        // The packed kernels are single-threaded: they take the threads BLAS would have used as column blocks.
        let threads = columnThreads > 1 ? columnThreads : Int(openblas_get_num_threads())
        if let f32 {
            f32.forward(x, rows: rows, ldx: lda, bias: bias, into: y, ldy: outFeatures, threads: threads)
            return
        }
        if let int8 {
            int8.forward(x, rows: rows, ldx: lda, bias: bias, into: y, threads: threads)
            return
        }
        weight.withUnsafeBufferPointer { w in
            let blocks = min(columnThreads, outFeatures / 64)
            if blocks <= 1 {
                sgemm(m: rows, n: outFeatures, k: inFeatures, a: x, lda: lda, b: w.baseAddress!, ldb: outFeatures,
                      c: y, ldc: outFeatures)
                return
            }
            // Blocks of whole 16-column groups keep the kernels' vector tails out of the split.
            let per = ((outFeatures + blocks - 1) / blocks + 15) / 16 * 16
            let wp = w.baseAddress!
            concurrentForEach(blocks) { b in
                let n0 = b * per
                let n = min(per, outFeatures - n0)
                if n > 0 {
                    sgemm(m: rows, n: n, k: inFeatures, a: x, lda: lda, b: wp + n0, ldb: outFeatures, c: y + n0, ldc: outFeatures)
                }
            }
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in tk_add_bias(y, rows, outFeatures, outFeatures, b.baseAddress!) }
        }
    }
}

func transpose(_ a: [Float], rows: Int, cols: Int) -> [Float] {
    var t = [Float](repeating: 0, count: a.count)
    a.withUnsafeBufferPointer { src in
        t.withUnsafeMutableBufferPointer { dst in
            // Blocked so both sides stay in cache for large matrices.
            let bs = 32
            for r0 in stride(from: 0, to: rows, by: bs) {
                for c0 in stride(from: 0, to: cols, by: bs) {
                    for r in r0..<min(rows, r0 + bs) {
                        for c in c0..<min(cols, c0 + bs) { dst[c * rows + r] = src[r * cols + c] }
                    }
                }
            }
        }
    }
    return t
}

/// LayerNorm over the last dimension.
struct LayerNorm {
    let gamma: [Float]
    let beta: [Float]
    let eps: Float

    init(_ store: WeightStore, _ name: String, dim: Int, eps: Float) throws {
        gamma = try store.tensor(name + ".weight", shape: [dim]).values
        beta = try store.tensor(name + ".bias", shape: [dim]).values
        self.eps = eps
    }

    var dim: Int { gamma.count }

    /// y = LN(x) for `rows` contiguous rows (x may equal y).
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                tk_layer_norm(x, dim, y, dim, rows, dim, g.baseAddress!, b.baseAddress!, eps)
            }
        }
    }
}
