import CTensorKernels

/// A Linear weight for the int8 kernel: 7-bit symmetric per output column, packed in blocks of 16
/// columns (tk_q8_pack_weights), with each column's scale and sum of quantised values.
/// @unchecked Sendable: it owns raw buffers that are written in init and only read afterwards.
final class Int8Weight: @unchecked Sendable {
    let inFeatures: Int, outFeatures: Int
    let packed: [Int8]
    let scales: [Float]
    let columnSums: [Int32]

    init(weightInOut w: [Float], inFeatures k: Int, outFeatures n: Int) {
        inFeatures = k
        outFeatures = n
        var packed = [Int8](repeating: 0, count: tk_q8_packed_bytes(k, n))
        var scales = [Float](repeating: 0, count: n), sums = [Int32](repeating: 0, count: n)
        tk_q8_pack_weights(w, k, n, n, &packed, &scales, &sums)
        self.packed = packed
        self.scales = scales
        columnSums = sums
    }

    /// y[rows, out] = x[rows, in] W + b, x quantised per row first; `threads` blocks of whole 16-column groups.
    func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, bias: [Float]?, into y: UnsafeMutablePointer<Float>, threads: Int) {
        let kp = tk_q8_padded_k(inFeatures)
        var a = [UInt8](repeating: 0, count: rows * kp)
        var rowScales = [Float](repeating: 0, count: rows), rowOffsets = [Float](repeating: 0, count: rows)
        tk_q8_quantize_rows(x, rows, inFeatures, ldx, &a, kp, &rowScales, &rowOffsets)
        let biasValues = bias ?? []
        let groups = (outFeatures + 15) / 16
        let blocks = max(1, min(threads, groups))
        let per = (groups + blocks - 1) / blocks * 16
        a.withUnsafeBufferPointer { a in
            rowScales.withUnsafeBufferPointer { rs in
              rowOffsets.withUnsafeBufferPointer { ro in
                packed.withUnsafeBufferPointer { p in
                    scales.withUnsafeBufferPointer { s in
                        columnSums.withUnsafeBufferPointer { cs in
                          biasValues.withUnsafeBufferPointer { bp in
                            let run = { (b: Int) in
                                let n0 = b * per
                                let n = min(per, self.outFeatures - n0)
                                guard n > 0 else { return }
                                tk_q8_gemm(a.baseAddress!, kp, rs.baseAddress!, ro.baseAddress!, rows, p.baseAddress! + n0 * kp,
                                           s.baseAddress! + n0, cs.baseAddress! + n0, self.inFeatures, n,
                                           bias == nil ? nil : bp.baseAddress! + n0, y + n0, self.outFeatures)
                            }
                            if blocks == 1 { run(0) } else { concurrentForEach(blocks, run) }
                          }
                        }
                    }
                }
              }
            }
        }
    }
}
