// Element-wise and row-wise loops of transformer inference that BLAS does not cover.
// Each function has scalar, AVX2+FMA and AVX-512 builds of the same source; the widest one the CPU
// supports is picked once at first use (tk_set_isa can force a narrower one, for tests).
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { TK_ISA_SCALAR = 0, TK_ISA_AVX2 = 1, TK_ISA_AVX512 = 2 } tk_isa_t;

/// The instruction set in use.
tk_isa_t tk_isa(void);
/// Use `isa` (or the best one the CPU has, when `isa` is not supported); returns the one now in use.
tk_isa_t tk_set_isa(tk_isa_t isa);
/// The best instruction set this CPU supports.
tk_isa_t tk_best_isa(void);

/// x = x * sigmoid(1.702 x)   (CLIP's quick_gelu), in place.
void tk_quick_gelu(float *x, size_t n);
/// x = 0.5 x (1 + erf(x / sqrt 2))   (exact GELU as in torch/BERT), in place.
void tk_gelu_erf(float *x, size_t n);
/// x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   ("gelu_new" / "gelu_pytorch_tanh"), in place.
void tk_gelu_tanh(float *x, size_t n);
/// x = tanh(x), in place.
void tk_tanh(float *x, size_t n);
/// x = exp(x), in place (accurate to a few ulp over the float range; for tests and callers).
void tk_exp(float *x, size_t n);
/// Softmax of each of `rows` rows of length `cols` (row i starts at x + i*stride), in place.
void tk_softmax_rows(float *x, size_t rows, size_t cols, size_t stride);
/// y[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta for each row of length `cols`
/// (x rows at stride `xstride`, y rows at stride `ystride`; x == y is allowed).
void tk_layer_norm(const float *x, size_t xstride, float *y, size_t ystride, size_t rows, size_t cols,
                   const float *gamma, const float *beta, float eps);
/// x[r][c] += bias[c] for `rows` rows of length `cols` at stride `stride`.
void tk_add_bias(float *x, size_t rows, size_t cols, size_t stride, const float *bias);
/// y[c] += x[c] for n values.
void tk_add(float *y, const float *x, size_t n);
/// x *= s for n values.
void tk_scale(float *x, size_t n, float s);

// MARK: int8 matrix products (int8_gemm.c: the scheme, the packed layout, and why weights use 7 bits)

typedef enum { TK_Q8_SCALAR = 0, TK_Q8_AVX2 = 1, TK_Q8_AVXVNNI = 2, TK_Q8_AVX512VNNI = 3, TK_Q8_AMX = 4 } tk_q8_isa_t;

/// The int8 kernel in use; the best the CPU has unless `tk_q8_set_isa` chose another.
tk_q8_isa_t tk_q8_isa(void);
/// Use `isa` if this CPU has it, else the best it has; returns the one now in use.
tk_q8_isa_t tk_q8_set_isa(tk_q8_isa_t isa);
tk_q8_isa_t tk_q8_best_isa(void);
int tk_q8_isa_supported(tk_q8_isa_t isa);

/// k rounded up to a multiple of 4: the row length of quantised activations and of packed weight groups.
size_t tk_q8_padded_k(size_t k);
/// Bytes of `tk_q8_pack_weights`' output for a [k, n] weight.
size_t tk_q8_packed_bytes(size_t k, size_t n);
/// Quantises w [k, n] (row-major, rows at stride `ldw`) per output column to 8-bit symmetric int8 and packs
/// it; writes each column's scale (max|w| / 127) and the sum of its quantised values.
void tk_q8_pack_weights(const float *w, size_t k, size_t n, size_t ldw, int8_t *packed, float *scales, int32_t *colsums);
/// Most values of one activation row split off as outliers (int8_gemm.c says which).
#define TK_Q8_MAX_OUTLIERS 8
/// Quantises each row of x [rows, k] (stride `ldx`) to u = round((x - min) 127 / (max - min)) in [0, 127] into
/// q (stride `ldq` >= tk_q8_padded_k(k)), min and max taken over the row without its outliers; writes each
/// row's scale ((max - min) / 127), offset (min), outlier count (ocount[r]), their columns in ascending order
/// and what their codes leave out (oindex / oresidual [rows, TK_Q8_MAX_OUTLIERS]).
void tk_q8_quantize_rows(const float *x, size_t rows, size_t k, size_t ldx, uint8_t *q, size_t ldq, float *scales,
                         float *offsets, int32_t *ocount, int32_t *oindex, float *oresidual);
/// y [m, n] (stride `ldy`) = dequantised (a [m, k] . w [k, n]) + bias (may be NULL) + each row's outlier residuals
/// times the int8 weights (ocount NULL: none).
void tk_q8_gemm(const uint8_t *a, size_t lda, const float *ascale, const float *aoffset, const int32_t *ocount,
                const int32_t *oindex, const float *oresidual, size_t m, const int8_t *packed, const float *wscale,
                const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy);
/// y[r][c] += sum over o < count of x[r][index[o]] w[o][c] for `cols` columns (w rows at stride `ldw`): the
/// fp32 weight rows an int8 layer keeps out of its quantised weight.
void tk_q8_add_float_rows(const float *x, size_t ldx, size_t m, const int32_t *index, size_t count, const float *w,
                          size_t ldw, size_t cols, float *y, size_t ldy);

// MARK: fp32 matrix products against packed weights (f32_gemm.c: the layout and why)

/// Floats of `tk_f32_pack_weights`' output for a [k, n] weight (n rounded up to 16).
size_t tk_f32_packed_count(size_t k, size_t n);
/// Packs w [k, n] (row-major) into panels of 16 columns.
void tk_f32_pack_weights(const float *w, size_t k, size_t n, float *packed);
/// Packs the [k, n] matrix whose element (r, c) is w[r * rs + c * cs] into panels of 16 columns: a strided or
/// transposed operand (attention's keys as K^T, its values) for tk_f32_gemm.
void tk_f32_pack_strided(const float *w, size_t rs, size_t cs, size_t k, size_t n, float *packed);
/// y[m, col0 ..< col0 + cols] (stride `ldy`) = x [m, k] (stride `ldx`) . w + bias (bias may be NULL; it and y
/// are indexed by absolute column). `col0` must be a multiple of 16; the kernel is single-threaded.
void tk_f32_gemm(const float *x, size_t ldx, size_t m, const float *packed, size_t k, size_t n, size_t col0, size_t cols,
                 const float *bias, float *y, size_t ldy);

#ifdef __cplusplus
}
#endif
