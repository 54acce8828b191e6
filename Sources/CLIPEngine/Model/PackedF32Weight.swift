import CTensorKernels

/// A Linear weight packed once at load for tk_f32_gemm (panels of 16 columns; f32_gemm.c says why this
/// beats calling the BLAS on the plain matrix for the few rows of one image or one query).
/// @unchecked Sendable: it owns a buffer written in init and only read afterwards.
final class PackedF32Weight: @unchecked Sendable {
    let inFeatures: Int, outFeatures: Int
    let packed: [Float]

    /// `w` is [in, out] row-major.
    init(weightInOut w: [Float], inFeatures k: Int, outFeatures n: Int) {
        inFeatures = k
        outFeatures = n
        var packed = [Float](repeating: 0, count: tk_f32_packed_count(k, n))
        tk_f32_pack_weights(w, k, n, &packed)
        self.packed = packed
    }

    /// y[rows, out] (stride `ldy`) = x[rows, in] W + b, the columns shared out over `threads` in whole panels.
    func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, bias: [Float]?, into y: UnsafeMutablePointer<Float>,
                 ldy: Int, threads: Int) {
        let panels = (outFeatures + 15) / 16
        // A thread hop costs a few microseconds: products under ~0.5 MFLOP per thread stay on one.
        let worth = max(1, rows * inFeatures * outFeatures / 262_144)
        let blocks = max(1, min(threads, panels, worth))
        let per = (panels + blocks - 1) / blocks * 16
        packed.withUnsafeBufferPointer { p in
            (bias ?? []).withUnsafeBufferPointer { b in
                let run = { (block: Int) in
                    let c0 = block * per
                    let n = min(per, self.outFeatures - c0)
                    guard n > 0 else { return }
                    tk_f32_gemm(x, ldx, rows, p.baseAddress!, self.inFeatures, self.outFeatures, c0, n,
                                bias == nil ? nil : b.baseAddress!, y, ldy)
                }
                if blocks == 1 { run(0) } else { concurrentForEach(blocks, run) }
            }
        }
    }
}
