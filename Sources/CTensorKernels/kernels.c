// Runtime dispatch between the scalar, AVX2+FMA and AVX-512 builds of kernels_body.h.
#include "CTensorKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// exp(x) for float, branch-free (Cephes expf: n = round(x / ln 2), r = x - n ln 2 in two parts,
// degree-6 polynomial, scale by 2^n through the exponent bits). Relative error ~1 ulp.
__attribute__((always_inline)) static inline float tk_expf_inline(float x) {
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.3762626647949f ? 88.3762626647949f : x;
    const float magic = 12582912.0f; // 1.5 * 2^23: adding and subtracting it rounds to nearest
    float n = (x * 1.44269504088896341f + magic) - magic;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

// 1 + erf(x) through erfc(|x|), using the Chebyshev fit of Numerical Recipes' erfcc (fractional error
// < 1.2e-7 everywhere). Going through erfc keeps the negative side accurate in relative terms, where
// 1 + erf(x) would cancel: 1 + erf(x) = erfc(-x) = erfc(|x|) for x < 0, 2 - erfc(x) for x >= 0.
__attribute__((always_inline)) static inline float tk_one_plus_erf_inline(float x) {
    float z = x < 0.0f ? -x : x;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float erfc = t * tk_expf_inline(-z * z + p);
    return x < 0.0f ? erfc : 2.0f - erfc;
}

// tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); for small |x| the odd series avoids the cancellation.
__attribute__((always_inline)) static inline float tk_tanh_inline(float x) {
    float a = x < 0.0f ? -x : x;
    float big = 1.0f - 2.0f / (tk_expf_inline(2.0f * a) + 1.0f);
    float a2 = a * a;
    float small = a * (1.0f + a2 * (-0.333333333f + a2 * (0.133333333f + a2 * (-0.053968254f + a2 * 0.021869488f))));
    float r = a < 0.125f ? small : big;
    return x < 0.0f ? -r : r;
}

#define TK_SUFFIX scalar
#define TK_TARGET
#include "kernels_body.h"
#undef TK_SUFFIX
#undef TK_TARGET

#if defined(__x86_64__) || defined(__i386__)
#define TK_X86 1
#define TK_SUFFIX avx2
#define TK_TARGET __attribute__((target("avx2,fma")))
#include "kernels_body.h"
#undef TK_SUFFIX
#undef TK_TARGET

#define TK_SUFFIX avx512
#define TK_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#include "kernels_body.h"
#undef TK_SUFFIX
#undef TK_TARGET
#endif

typedef struct {
    void (*quick_gelu)(float *, size_t);
    void (*gelu_erf)(float *, size_t);
    void (*gelu_tanh)(float *, size_t);
    void (*tanh)(float *, size_t);
    void (*exp)(float *, size_t);
    void (*softmax_rows)(float *, size_t, size_t, size_t);
    void (*layer_norm)(const float *, size_t, float *, size_t, size_t, size_t, const float *, const float *, float);
    void (*add_bias)(float *, size_t, size_t, size_t, const float *);
    void (*add)(float *, const float *, size_t);
    void (*scale)(float *, size_t, float);
} tk_table_t;

#define TK_TABLE(s) \
    { quick_gelu_##s, gelu_erf_##s, gelu_tanh_##s, tanh_##s, exp_##s, softmax_rows_##s, layer_norm_##s, \
      add_bias_##s, add_##s, scale_##s }

static const tk_table_t tk_tables[3] = {
    TK_TABLE(scalar),
#ifdef TK_X86
    TK_TABLE(avx2),
    TK_TABLE(avx512),
#else
    TK_TABLE(scalar),
    TK_TABLE(scalar),
#endif
};

// -1 until first use. A race on first use is benign: every thread stores the same value.
static volatile int tk_current = -1;

tk_isa_t tk_best_isa(void) {
#ifdef TK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return TK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return TK_ISA_AVX2;
#endif
    return TK_ISA_SCALAR;
}

static inline const tk_table_t *tk_table(void) {
    int c = tk_current;
    if (c < 0) {
        c = (int)tk_best_isa();
        tk_current = c;
    }
    return &tk_tables[c];
}

tk_isa_t tk_isa(void) {
    tk_table();
    return (tk_isa_t)tk_current;
}

tk_isa_t tk_set_isa(tk_isa_t isa) {
    tk_isa_t best = tk_best_isa();
    tk_current = (int)((int)isa <= (int)best && (int)isa >= 0 ? isa : best);
    return (tk_isa_t)tk_current;
}

void tk_quick_gelu(float *x, size_t n) { tk_table()->quick_gelu(x, n); }
void tk_gelu_erf(float *x, size_t n) { tk_table()->gelu_erf(x, n); }
void tk_gelu_tanh(float *x, size_t n) { tk_table()->gelu_tanh(x, n); }
void tk_tanh(float *x, size_t n) { tk_table()->tanh(x, n); }
void tk_exp(float *x, size_t n) { tk_table()->exp(x, n); }
void tk_softmax_rows(float *x, size_t rows, size_t cols, size_t stride) {
    if (rows == 0 || cols == 0) return;
    tk_table()->softmax_rows(x, rows, cols, stride);
}
void tk_layer_norm(const float *x, size_t xstride, float *y, size_t ystride, size_t rows, size_t cols,
                   const float *gamma, const float *beta, float eps) {
    if (rows == 0 || cols == 0) return;
    tk_table()->layer_norm(x, xstride, y, ystride, rows, cols, gamma, beta, eps);
}
void tk_add_bias(float *x, size_t rows, size_t cols, size_t stride, const float *bias) {
    tk_table()->add_bias(x, rows, cols, stride, bias);
}
void tk_add(float *y, const float *x, size_t n) { tk_table()->add(y, x, n); }
void tk_scale(float *x, size_t n, float s) { tk_table()->scale(x, n, s); }
