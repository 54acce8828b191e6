import CTensorKernels

extension Activation {
    /// Applies the activation in place to n values.
    func apply(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .identity: return
        case .quickGelu: tk_quick_gelu(x, n)
        case .geluErf: tk_gelu_erf(x, n)
        case .geluTanh: tk_gelu_tanh(x, n)
        case .tanh: tk_tanh(x, n)
        case .relu: for i in 0..<n where x[i] < 0 { x[i] = 0 }
        case .sigmoid:
            for i in 0..<n { x[i] = -x[i] }
            tk_exp(x, n)
            for i in 0..<n { x[i] = 1 / (1 + x[i]) }
        }
    }
}

/// Which vector instruction set the C kernels use ("scalar", "avx2", "avx512").
public var tensorKernelISA: String {
    switch tk_isa() {
    case TK_ISA_AVX512: return "avx512"
    case TK_ISA_AVX2: return "avx2"
    default: return "scalar"
    }
}

/// Which int8 matrix product the int8 path uses ("scalar", "avx2", "avx-vnni", "avx512-vnni", "amx").
public var int8KernelISA: String {
    switch tk_q8_isa() {
    case TK_Q8_AMX: return "amx"
    case TK_Q8_AVX512VNNI: return "avx512-vnni"
    case TK_Q8_AVXVNNI: return "avx-vnni"
    case TK_Q8_AVX2: return "avx2"
    default: return "scalar"
    }
}
