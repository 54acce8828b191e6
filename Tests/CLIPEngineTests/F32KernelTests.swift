import CTensorKernels
import XCTest

/// The fp32 product against packed weights (f32_gemm.c) on odd shapes. The AVX2 and AVX-512 kernels compute
/// each output as one chain of fused multiply-adds in k order plus the bias, so it must match that chain
/// computed here bit for bit; the scalar build (plain multiply-add) must be within rounding of a Double
/// reference. Both must give a row the same bits whatever else is in the batch and however the columns
/// are split between threads.
final class F32KernelTests: XCTestCase {
    override func tearDown() { _ = tk_set_isa(tk_best_isa()) }

    var isas: [tk_isa_t] { [TK_ISA_SCALAR, TK_ISA_AVX2, TK_ISA_AVX512].filter { tk_set_isa($0) == $0 } }

    func packed(_ w: [Float], k: Int, n: Int) -> [Float] {
        var p = [Float](repeating: .nan, count: tk_f32_packed_count(k, n))
        tk_f32_pack_weights(w, k, n, &p)
        return p
    }

    func run(m: Int, k: Int, n: Int, withBias: Bool, seed: UInt64) {
        var rng = SplitMix(seed)
        let x = (0..<(m * k)).map { _ in rng.float() * 2 }
        let w = (0..<(k * n)).map { _ in rng.float() * 0.1 }
        let bias: [Float]? = withBias ? (0..<n).map { _ in rng.float() } : nil
        let p = packed(w, k: k, n: n)
        for isa in isas {
            XCTAssertEqual(tk_set_isa(isa), isa)
            let ldy = n + 3 // rows of y at a stride: the kernel must not write between them
            var y = [Float](repeating: .nan, count: m * ldy)
            tk_f32_gemm(x, k, m, p, k, n, 0, n, bias, &y, ldy)
            for r in 0..<m {
                for c in 0..<n {
                    var chain: Float = 0, exact = 0.0, magnitude = 0.0
                    for i in 0..<k {
                        chain = chain.addingProduct(x[r * k + i], w[i * n + c])
                        exact += Double(x[r * k + i]) * Double(w[i * n + c])
                        magnitude += abs(Double(x[r * k + i]) * Double(w[i * n + c]))
                    }
                    if let bias { chain += bias[c]; exact += Double(bias[c]); magnitude += abs(Double(bias[c])) }
                    let got = y[r * ldy + c]
                    if isa == TK_ISA_SCALAR {
                        XCTAssertLessThanOrEqual(abs(Double(got) - exact), 1e-6 * Double(k + 1) * magnitude,
                                                 "scalar m \(m) k \(k) n \(n) [\(r), \(c)]")
                    } else {
                        XCTAssertEqual(got, chain, "isa \(isa.rawValue) m \(m) k \(k) n \(n) [\(r), \(c)]")
                    }
                }
                XCTAssertTrue(y[(r * ldy + n)..<(r * ldy + ldy)].allSatisfy(\.isNaN), "isa \(isa.rawValue) wrote past row \(r)")
            }
            // One row alone, and the columns in three calls at panel boundaries: the same bits.
            if m > 1 {
                let r = m / 2
                var alone = [Float](repeating: .nan, count: n)
                x.withUnsafeBufferPointer { xs in tk_f32_gemm(xs.baseAddress! + r * k, k, 1, p, k, n, 0, n, bias, &alone, n) }
                XCTAssertEqual(alone, Array(y[(r * ldy)..<(r * ldy + n)]), "isa \(isa.rawValue) row \(r) alone")
            }
            if n > 48 {
                var split = [Float](repeating: .nan, count: m * ldy)
                for (c0, cols) in [(0, 16), (16, 32), (48, n - 48)] { tk_f32_gemm(x, k, m, p, k, n, c0, cols, bias, &split, ldy) }
                XCTAssertTrue(zip(split, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "isa \(isa.rawValue) split columns")
            }
        }
    }

    func testOddShapes() {
        var seed: UInt64 = 1
        // 6- and 12-row strips with every tail, 96-row blocks (97, 200), 256-long k slices (255, 256, 257,
        // 600), 16-column panels alone and in pairs (50: a pair, one panel, a narrow one), narrow last ones.
        for m in [1, 2, 5, 6, 7, 12, 13, 25, 97] {
            for k in [1, 3, 255, 257] {
                for n in [1, 15, 16, 17, 50] {
                    run(m: m, k: k, n: n, withBias: (m + k + n) % 2 == 1, seed: seed)
                    seed += 1
                }
            }
        }
        run(m: 200, k: 600, n: 70, withBias: true, seed: 1000)
        run(m: 9, k: 256, n: 64, withBias: false, seed: 1001)
    }

    func testZeroWeightsGiveTheBias() {
        let k = 7, n = 20
        let p = packed([Float](repeating: 0, count: k * n), k: k, n: n)
        let bias = (0..<n).map(Float.init)
        for isa in isas {
            _ = tk_set_isa(isa)
            var y = [Float](repeating: .nan, count: 3 * n)
            tk_f32_gemm([Float](repeating: 1, count: 3 * k), k, 3, p, k, n, 0, n, bias, &y, n)
            XCTAssertEqual(y, bias + bias + bias)
        }
    }

    func testStridedAndTransposedPackingMatchPackingACopy() {
        // Attention packs K^T and V straight out of the fused QKV rows: (r, c) = w[r * rs + c * cs].
        var rng = SplitMix(77)
        for (k, n) in [(1, 1), (3, 17), (64, 50), (50, 64), (13, 33)] {
            let ld = 3 * max(k, n) + 5
            let src = (0..<(ld * max(k, n) + 8)).map { _ in rng.float() }
            for (rs, cs) in [(ld, 1), (1, ld)] {
                let copy = (0..<(k * n)).map { src[($0 / n) * rs + ($0 % n) * cs] }
                var got = [Float](repeating: .nan, count: tk_f32_packed_count(k, n))
                tk_f32_pack_strided(src, rs, cs, k, n, &got)
                XCTAssertEqual(got, packed(copy, k: k, n: n), "k \(k) n \(n) rs \(rs) cs \(cs)")
            }
        }
    }
}
