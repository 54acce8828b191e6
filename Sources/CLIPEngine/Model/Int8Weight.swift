import CTensorKernels

/// A Linear weight for the int8 kernel: 8-bit symmetric per output column, packed in blocks of 16
/// columns (tk_q8_pack_weights), with each column's scale and sum of quantised values; and the few
/// input rows kept in fp32 (`floatRows`) because their size would have set every column's scale.
/// @unchecked Sendable: it owns raw buffers that are written in init and only read afterwards.
final class Int8Weight: @unchecked Sendable {
    let inFeatures: Int, outFeatures: Int
    let packed: [Int8]
    let scales: [Float]
    let columnSums: [Int32]
    /// Input rows left out of `packed` (zero there) and computed in fp32: their indices and values [count, out].
    let floatRowIndex: [Int32]
    let floatRows: [Float]

    /// An input row whose largest |w| is this many times the median row's goes to `floatRows`. BERT's FFN
    /// output layers have one or two (all-MiniLM-L6-v2: 22x to 55x the median; no other row above 12x): the
    /// channels that carry its [CLS]/[SEP] outliers. In the per-column scale they cost 7 of the 8 bits of
    /// every other weight of the column (min cosine to fp32 over the 25 golden sentences 0.9947 with them
    /// quantised, 0.9970 without, numpy model of the scheme).
    static let floatRowRatio: Float = 12

    init(weightInOut w: [Float], inFeatures k: Int, outFeatures n: Int) {
        inFeatures = k
        outFeatures = n
        var rowMax = [Float](repeating: 0, count: k)
        for r in 0..<k {
            var m: Float = 0
            for c in 0..<n { m = max(m, abs(w[r * n + c])) }
            rowMax[r] = m
        }
        let median = rowMax.sorted()[k / 2]
        let outliers = (0..<k).filter { median > 0 && rowMax[$0] > Self.floatRowRatio * median }
        var quantised = w
        var rows: [Float] = []
        for r in outliers {
            rows += w[(r * n)..<(r * n + n)]
            for c in 0..<n { quantised[r * n + c] = 0 }
        }
        floatRowIndex = outliers.map { Int32($0) }
        floatRows = rows
        var packed = [Int8](repeating: 0, count: tk_q8_packed_bytes(k, n))
        var scales = [Float](repeating: 0, count: n), sums = [Int32](repeating: 0, count: n)
        tk_q8_pack_weights(quantised, k, n, n, &packed, &scales, &sums)
        self.packed = packed
        self.scales = scales
        columnSums = sums
    }

    /// y[rows, out] = x[rows, in] W + b, x quantised per row first; `threads` blocks of whole 16-column groups.
    func forward(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, bias: [Float]?, into y: UnsafeMutablePointer<Float>, threads: Int) {
        let kp = tk_q8_padded_k(inFeatures)
        // Not zeroed: tk_q8_quantize_rows writes every byte of each row, padding included (a zeroed array cost a
        // 1.2 MB memset per MLP output layer at 16 images).
        let a = UnsafeMutablePointer<UInt8>.allocate(capacity: rows * kp)
        defer { a.deallocate() }
        var rowScales = [Float](repeating: 0, count: rows), rowOffsets = [Float](repeating: 0, count: rows)
        let most = Int(TK_Q8_MAX_OUTLIERS)
        var outlierCount = [Int32](repeating: 0, count: rows), outlierIndex = [Int32](repeating: 0, count: rows * most)
        var outlierResidual = [Float](repeating: 0, count: rows * most)
        tk_q8_quantize_rows(x, rows, inFeatures, ldx, a, kp, &rowScales, &rowOffsets, &outlierCount, &outlierIndex, &outlierResidual)
        let biasValues = bias ?? []
        let groups = (outFeatures + 15) / 16
        let blocks = max(1, min(threads, groups))
        let per = (groups + blocks - 1) / blocks * 16
        do {
            rowScales.withUnsafeBufferPointer { rs in
              rowOffsets.withUnsafeBufferPointer { ro in
               outlierCount.withUnsafeBufferPointer { oc in
                outlierIndex.withUnsafeBufferPointer { oi in
                 outlierResidual.withUnsafeBufferPointer { or in
                  floatRowIndex.withUnsafeBufferPointer { fi in
                   floatRows.withUnsafeBufferPointer { fr in
                    packed.withUnsafeBufferPointer { p in
                      scales.withUnsafeBufferPointer { s in
                        columnSums.withUnsafeBufferPointer { cs in
                          biasValues.withUnsafeBufferPointer { bp in
                            let run = { (b: Int) in
                                let n0 = b * per
                                let n = min(per, self.outFeatures - n0)
                                guard n > 0 else { return }
                                tk_q8_gemm(a, kp, rs.baseAddress!, ro.baseAddress!, oc.baseAddress!, oi.baseAddress!,
                                           or.baseAddress!, rows, p.baseAddress! + n0 * kp, s.baseAddress! + n0,
                                           cs.baseAddress! + n0, self.inFeatures, n,
                                           bias == nil ? nil : bp.baseAddress! + n0, y + n0, self.outFeatures)
                                if fi.count > 0 {
                                    tk_q8_add_float_rows(x, ldx, rows, fi.baseAddress!, fi.count, fr.baseAddress! + n0,
                                                         self.outFeatures, n, y + n0, self.outFeatures)
                                }
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
              }
            }
        }
    }
}
