import CTensorKernels
import Foundation
import XCTest

/// The int8 matrix product (int8_gemm.c) on every instruction set this CPU has, against a plain Swift
/// reference that quantises with the documented formulas and sums in Int: the integer part is exact and
/// the float epilogue is the same two fused multiply-adds, so every kernel must match it bit for bit, on
/// shapes that leave tails everywhere.
final class Int8KernelTests: XCTestCase {
    override func tearDown() { _ = tk_q8_set_isa(tk_q8_best_isa()) }

    var isas: [tk_q8_isa_t] {
        [TK_Q8_SCALAR, TK_Q8_AVX2, TK_Q8_AVXVNNI, TK_Q8_AVX512VNNI].filter { tk_q8_isa_supported($0) != 0 }
    }

    struct Quantised {
        var q: [Int]       // [vectors, length]
        var scales: [Float]
        var offsets: [Float] = []
    }

    /// Weights: symmetric per column (values `stride` apart), 63 levels each side, round half to even.
    static func quantiseColumns(_ v: [Float], columns: Int, length: Int) -> Quantised {
        var out = Quantised(q: [Int](repeating: 0, count: columns * length), scales: [])
        v.withUnsafeBufferPointer { v in
            for c in 0..<columns {
                var maxabs: Float = 0
                for j in 0..<length { maxabs = max(maxabs, abs(v[c + j * columns])) }
                let inv = maxabs > 0 ? 63 / maxabs : 0
                out.scales.append(maxabs > 0 ? maxabs / 63 : 0)
                for j in 0..<length {
                    out.q[c * length + j] = Int(min(63, max(-63, (v[c + j * columns] * inv).rounded(.toNearestOrEven))))
                }
            }
        }
        return out
    }

    /// Activations: asymmetric per row over [min, max], 256 levels, round half to even.
    static func quantiseRows(_ v: [Float], rows: Int, length: Int) -> Quantised {
        var out = Quantised(q: [Int](repeating: 0, count: rows * length), scales: [], offsets: [])
        v.withUnsafeBufferPointer { v in
            for r in 0..<rows {
                let row = v[(r * length)..<(r * length + length)]
                let lo = row.min()!, range = row.max()! - lo
                let inv = range > 0 ? 255 / range : 0
                out.scales.append(range > 0 ? range / 255 : 0)
                out.offsets.append(lo)
                for (j, x) in row.enumerated() { out.q[r * length + j] = Int(min(255, max(0, ((x - lo) * inv).rounded(.toNearestOrEven)))) }
            }
        }
        return out
    }

    func run(m: Int, k: Int, n: Int, withBias: Bool, seed: UInt64) {
        var rng = SplitMix(seed)
        let x = (0..<(m * k)).map { _ in rng.float() * 3 }   // [m, k]
        let w = (0..<(k * n)).map { _ in rng.float() * 0.2 } // [k, n]
        let bias: [Float]? = withBias ? (0..<n).map { _ in rng.float() } : nil

        // Reference.
        let qa = Self.quantiseRows(x, rows: m, length: k)
        let qw = Self.quantiseColumns(w, columns: n, length: k)
        var expected = [Float](repeating: 0, count: m * n)
        qa.q.withUnsafeBufferPointer { a in
            qw.q.withUnsafeBufferPointer { b in
                for r in 0..<m {
                    for c in 0..<n {
                        var dot = 0, sum = 0
                        for i in 0..<k { dot += a[r * k + i] * b[c * k + i]; sum += b[c * k + i] }
                        let base = (bias?[c] ?? 0).addingProduct(Float(sum), qa.offsets[r] * qw.scales[c])
                        expected[r * n + c] = base.addingProduct(Float(dot), qa.scales[r] * qw.scales[c])
                    }
                }
            }
        }

        // Kernels.
        let kp = tk_q8_padded_k(k)
        var packed = [Int8](repeating: 0, count: tk_q8_packed_bytes(k, n))
        var wscale = [Float](repeating: 0, count: n), colsum = [Int32](repeating: 0, count: n)
        tk_q8_pack_weights(w, k, n, n, &packed, &wscale, &colsum)
        XCTAssertEqual(wscale, qw.scales)
        XCTAssertEqual(colsum.map(Int.init), (0..<n).map { c in qw.q[(c * k)..<(c * k + k)].reduce(0, +) })
        var a = [UInt8](repeating: 0, count: m * kp), ascale = [Float](repeating: 0, count: m), aoffset = ascale
        tk_q8_quantize_rows(x, m, k, k, &a, kp, &ascale, &aoffset)
        XCTAssertEqual(ascale, qa.scales)
        XCTAssertEqual(aoffset, qa.offsets)
        XCTAssertEqual((0..<m).flatMap { r in a[(r * kp)..<(r * kp + k)].map { Int($0) } }, qa.q)
        for isa in isas {
            XCTAssertEqual(tk_q8_set_isa(isa), isa)
            let ldy = n + 3  // rows of y at a stride: the kernel must not write between them
            var y = [Float](repeating: .nan, count: m * ldy)
            tk_q8_gemm(a, kp, ascale, aoffset, m, packed, wscale, colsum, k, n, bias, &y, ldy)
            for r in 0..<m {
                XCTAssertEqual(Array(y[(r * ldy)..<(r * ldy + n)]), Array(expected[(r * n)..<(r * n + n)]),
                               "isa \(isa.rawValue) m \(m) k \(k) n \(n) row \(r)")
                XCTAssertTrue(y[(r * ldy + n)..<(r * ldy + ldy)].allSatisfy(\.isNaN), "isa \(isa.rawValue) wrote past row \(r)")
            }
        }
    }

    func testEveryKernelMatchesTheReferenceExactlyOnOddShapes() {
        var seed: UInt64 = 1
        for m in [1, 2, 3, 4, 5, 7, 9, 49, 101] {  // 49, 101: more than one 48-row panel
            for k in [1, 3, 4, 5, 17, 64, 67] {
                for n in [1, 7, 15, 16, 17, 33] {
                    run(m: m, k: k, n: n, withBias: (m + k + n) % 2 == 0, seed: seed)
                    seed += 1
                }
            }
        }
    }

    func testTransformerShapesAndExtremeValues() {
        // ViT-B/32's k (768) and its MLP's longest k (3072), where int32 sums grow largest; fewer columns
        // than the model has, which only cost time here.
        run(m: 3, k: 768, n: 200, withBias: true, seed: 99)
        run(m: 2, k: 3072, n: 40, withBias: true, seed: 100)
        // All-zero rows and columns quantise to scale 0 and give exactly the bias.
        let k = 9, n = 5
        var packed = [Int8](repeating: 1, count: tk_q8_packed_bytes(k, n))
        var wscale = [Float](repeating: 1, count: n), colsum = [Int32](repeating: 1, count: n)
        tk_q8_pack_weights([Float](repeating: 0, count: k * n), k, n, n, &packed, &wscale, &colsum)
        var a = [UInt8](repeating: 0, count: 2 * tk_q8_padded_k(k)), ascale: [Float] = [1, 1], aoffset: [Float] = [1, 1]
        tk_q8_quantize_rows([Float](repeating: 0, count: 2 * k), 2, k, k, &a, tk_q8_padded_k(k), &ascale, &aoffset)
        for isa in isas {
            _ = tk_q8_set_isa(isa)
            var y = [Float](repeating: .nan, count: 2 * n)
            tk_q8_gemm(a, tk_q8_padded_k(k), ascale, aoffset, 2, packed, wscale, colsum, k, n, [1, 2, 3, 4, 5], &y, n)
            XCTAssertEqual(y, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
        }
    }

    func testInt8IsCloseToFloat() {
        // The point of the scheme: a product of quantised operands stays within about 1% of fp32.
        var rng = SplitMix(7)
        let m = 8, k = 512, n = 64
        let x = (0..<(m * k)).map { _ in rng.float() }
        let w = (0..<(k * n)).map { _ in rng.float() * 0.05 }
        let kp = tk_q8_padded_k(k)
        var packed = [Int8](repeating: 0, count: tk_q8_packed_bytes(k, n))
        var wscale = [Float](repeating: 0, count: n), colsum = [Int32](repeating: 0, count: n)
        tk_q8_pack_weights(w, k, n, n, &packed, &wscale, &colsum)
        var a = [UInt8](repeating: 0, count: m * kp), ascale = [Float](repeating: 0, count: m), aoffset = ascale
        tk_q8_quantize_rows(x, m, k, k, &a, kp, &ascale, &aoffset)
        var y = [Float](repeating: 0, count: m * n)
        tk_q8_gemm(a, kp, ascale, aoffset, m, packed, wscale, colsum, k, n, nil, &y, n)
        var err = 0.0, norm = 0.0
        for r in 0..<m {
            for c in 0..<n {
                var exact = 0.0
                for i in 0..<k { exact += Double(x[r * k + i]) * Double(w[i * n + c]) }
                err += (Double(y[r * n + c]) - exact) * (Double(y[r * n + c]) - exact)
                norm += exact * exact
            }
        }
        XCTAssertLessThan((err / norm).squareRoot(), 0.02)
    }
}

/// A small deterministic generator (splitmix64) for test data.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
