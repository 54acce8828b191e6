/// How the Linear layers of a loaded model compute (IRIS_CLIP_PRECISION / --precision).
public enum Precision: String, Sendable, CaseIterable {
    /// Float weights and OpenBLAS: the reference path, bit-for-bit what the parity tests check.
    case fp32
    /// Weights quantised per output column when the model loads, activations per row at run time, int32
    /// sums (CTensorKernels' int8_gemm.c). LayerNorm, softmax, activations, attention scores and pooling
    /// stay fp32. Faster, at a measured cost in fidelity (docs/modules/CLIPEngine.md).
    case int8
}
