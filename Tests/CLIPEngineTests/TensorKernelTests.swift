import CTensorKernels
import Foundation
import XCTest

/// Every instruction-set build of the C kernels against plain Double formulas.
final class TensorKernelTests: XCTestCase {
    override func tearDown() { _ = tk_set_isa(tk_best_isa()) }

    var isas: [tk_isa_t] {
        var out = [TK_ISA_SCALAR]
        if tk_best_isa().rawValue >= TK_ISA_AVX2.rawValue { out.append(TK_ISA_AVX2) }
        if tk_best_isa().rawValue >= TK_ISA_AVX512.rawValue { out.append(TK_ISA_AVX512) }
        return out
    }

    /// Values over the ranges activations see, plus odd lengths to exercise vector tails.
    let inputs: [Float] = (0..<1003).map { Float($0 - 501) * 0.023 } + [-90, -40, -12, 12, 40, 90, 0, -0.0001, 0.0001]

    func check(_ name: String, _ kernel: (UnsafeMutablePointer<Float>, Int) -> Void, _ reference: (Double) -> Double,
               absTol: Double, relTol: Double) {
        for isa in isas {
            XCTAssertEqual(tk_set_isa(isa), isa)
            var x = inputs
            x.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.count) }
            for (i, v) in inputs.enumerated() {
                let r = reference(Double(v))
                XCTAssertLessThanOrEqual(abs(Double(x[i]) - r), absTol + relTol * abs(r), "\(name) isa \(isa.rawValue) at \(v): \(x[i]) vs \(r)")
            }
        }
    }

    func testActivations() {
        check("quick_gelu", { tk_quick_gelu($0, $1) }, { $0 / (1 + Foundation.exp(-1.702 * $0)) }, absTol: 1e-7, relTol: 1e-6)
        check("gelu_erf", { tk_gelu_erf($0, $1) }, { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }, absTol: 2e-7, relTol: 1e-6)
        check("gelu_tanh", { tk_gelu_tanh($0, $1) },
              { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }, absTol: 2e-7, relTol: 1e-6)
        check("tanh", { tk_tanh($0, $1) }, { Foundation.tanh($0) }, absTol: 1e-7, relTol: 1e-6)
    }

    func testExp() {
        for isa in isas {
            _ = tk_set_isa(isa)
            var x: [Float] = (0..<400).map { Float($0) * 0.4 - 87 }
            let orig = x
            tk_exp(&x, x.count)
            for (v, e) in zip(orig, x) {
                let r = Foundation.exp(Double(v))
                XCTAssertLessThanOrEqual(abs(Double(e) - r) / r, 4e-7, "exp(\(v)) isa \(isa.rawValue)")
            }
        }
    }

    func testSoftmaxAndLayerNorm() {
        let rows = 5, cols = 37
        let data: [Float] = (0..<(rows * cols)).map { Float(sin(Double($0) * 1.7)) * 6 }
        let gamma: [Float] = (0..<cols).map { 1 + Float($0) * 0.01 }
        let beta: [Float] = (0..<cols).map { Float($0) * -0.02 }
        for isa in isas {
            _ = tk_set_isa(isa)
            var s = data
            tk_softmax_rows(&s, rows, cols, cols)
            var y = [Float](repeating: 0, count: data.count)
            tk_layer_norm(data, cols, &y, cols, rows, cols, gamma, beta, 1e-5)
            for r in 0..<rows {
                let row = data[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let m = row.max()!
                let e = row.map { Foundation.exp($0 - m) }
                let sum = e.reduce(0, +)
                let mean = row.reduce(0, +) / Double(cols)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
                for c in 0..<cols {
                    XCTAssertEqual(Double(s[r * cols + c]), e[c] / sum, accuracy: 1e-7)
                    let ln = (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c])
                    XCTAssertEqual(Double(y[r * cols + c]), ln, accuracy: 2e-6)
                }
            }
        }
    }
}
