// Int8 matrix products for quantised Linear layers: y = x W + b with x quantised per row and W per
// output column, accumulated in int32 and scaled back in fp32.
//
// Scheme (the same on every instruction set, so results do not depend on the CPU):
// - activations: symmetric per row, q = round(x * 127 / max|x|) in [-127, 127], stored as u8 q + 128;
// - weights: symmetric per output column with 7 bits, q = round(w * 63 / max|w|) in [-63, 63]. Seven
//   bits because vpmaddubsw adds two u8 x s8 products into an int16 with saturation: 2 * 255 * 63 fits,
//   2 * 255 * 127 does not. VNNI (vpdpbusd) would not saturate, but sharing one weight format keeps
//   every path bit-identical;
// - acc = sum (qa + 128) qw over k, exact in int32 for k < 33,000; the +128 is removed with the column
//   sums: acc - 128 colsum = sum qa qw;
// - y = fma((float)(acc - 128 colsum), ascale * wscale, bias).
//
// Packed weights: columns in blocks of 16; per block, k in groups of 4 (zero-padded), each group 16
// columns x 4 bytes (one int32 lane per column holds its 4 consecutive k). A broadcast of 4 bytes of one
// activation row against one group is then one vpdpbusd, or vpmaddubsw + vpmaddwd, per 8 or 16 columns.
#include "CTensorKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define Q8_X86 1
#endif

#define Q8_NB 16 // columns per packed block
#define Q8_MR 4  // activation rows per micro-kernel pass

size_t tk_q8_padded_k(size_t k) { return (k + 3) & ~(size_t)3; }

size_t tk_q8_packed_bytes(size_t k, size_t n) { return ((n + Q8_NB - 1) / Q8_NB) * Q8_NB * tk_q8_padded_k(k); }

void tk_q8_pack_weights(const float *w, size_t k, size_t n, size_t ldw, int8_t *packed, float *scales, int32_t *colsums) {
    size_t kp = tk_q8_padded_k(k);
    memset(packed, 0, tk_q8_packed_bytes(k, n));
    for (size_t c = 0; c < n; c++) {
        float maxabs = 0;
        for (size_t r = 0; r < k; r++) {
            float a = fabsf(w[r * ldw + c]);
            maxabs = a > maxabs ? a : maxabs;
        }
        float inv = maxabs > 0 ? 63.0f / maxabs : 0.0f;
        scales[c] = maxabs > 0 ? maxabs / 63.0f : 0.0f;
        int32_t sum = 0;
        int8_t *block = packed + (c / Q8_NB) * Q8_NB * kp;
        for (size_t r = 0; r < k; r++) {
            float q = nearbyintf(w[r * ldw + c] * inv);
            q = q > 63 ? 63 : q < -63 ? -63 : q;
            block[(r / 4) * Q8_NB * 4 + (c % Q8_NB) * 4 + r % 4] = (int8_t)q;
            sum += (int32_t)q;
        }
        colsums[c] = sum;
    }
}

void tk_q8_quantize_rows(const float *x, size_t rows, size_t k, size_t ldx, uint8_t *q, size_t ldq, float *scales) {
    size_t kp = tk_q8_padded_k(k);
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        uint8_t *qr = q + r * ldq;
        float maxabs = 0;
        for (size_t i = 0; i < k; i++) {
            float a = fabsf(xr[i]);
            maxabs = a > maxabs ? a : maxabs;
        }
        float inv = maxabs > 0 ? 127.0f / maxabs : 0.0f;
        scales[r] = maxabs > 0 ? maxabs / 127.0f : 0.0f;
        for (size_t i = 0; i < k; i++) {
            float v = nearbyintf(xr[i] * inv);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            qr[i] = (uint8_t)((int32_t)v + 128);
        }
        for (size_t i = k; i < kp; i++) qr[i] = 128; // padding meets zero weights
    }
}

// Writes the `cols` valid columns of one row of int32 accumulators as floats.
static inline void q8_store(const int32_t *acc, size_t cols, float ascale, const float *wscale, const int32_t *colsum,
                            const float *bias, float *y) {
    for (size_t c = 0; c < cols; c++) {
        float v = (float)(acc[c] - 128 * colsum[c]);
        y[c] = fmaf(v, ascale * wscale[c], bias ? bias[c] : 0.0f);
    }
}

static void q8_gemm_scalar(const uint8_t *a, size_t lda, const float *ascale, size_t m, const int8_t *packed,
                           const float *wscale, const int32_t *colsum, size_t k, size_t n, const float *bias,
                           float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k);
    for (size_t j = 0; j < n; j += Q8_NB) {
        const int8_t *block = packed + (j / Q8_NB) * Q8_NB * kp;
        size_t cols = n - j < Q8_NB ? n - j : Q8_NB;
        for (size_t r = 0; r < m; r++) {
            int32_t acc[Q8_NB] = {0};
            const uint8_t *ar = a + r * lda;
            for (size_t g = 0; g < kp / 4; g++) {
                const int8_t *bg = block + g * Q8_NB * 4;
                for (size_t c = 0; c < Q8_NB; c++)
                    for (size_t t = 0; t < 4; t++) acc[c] += (int32_t)ar[g * 4 + t] * (int32_t)bg[c * 4 + t];
            }
            q8_store(acc, cols, ascale[r], wscale + j, colsum + j, bias ? bias + j : NULL, y + r * ldy + j);
        }
    }
}

#ifdef Q8_X86
// One broadcast group of 4 activation bytes times 8 columns: vpmaddubsw then vpmaddwd against ones.
#define Q8_AVX2_DOT(acc, av, bv) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(av, bv), ones))

__attribute__((target("avx2,fma"))) static void q8_gemm_avx2(
    const uint8_t *a, size_t lda, const float *ascale, size_t m, const int8_t *packed, const float *wscale,
    const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k), groups = kp / 4;
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t j = 0; j < n; j += Q8_NB) {
        const int8_t *block = packed + (j / Q8_NB) * Q8_NB * kp;
        size_t cols = n - j < Q8_NB ? n - j : Q8_NB;
        size_t r = 0;
        for (; r < m; r += Q8_MR) {
            size_t rows = m - r < Q8_MR ? m - r : Q8_MR;
            __m256i acc[Q8_MR][2];
            for (size_t i = 0; i < Q8_MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
            for (size_t g = 0; g < groups; g++) {
                __m256i b0 = _mm256_loadu_si256((const __m256i *)(block + g * 64));
                __m256i b1 = _mm256_loadu_si256((const __m256i *)(block + g * 64 + 32));
                for (size_t i = 0; i < rows; i++) {
                    int32_t four;
                    memcpy(&four, a + (r + i) * lda + g * 4, 4);
                    __m256i av = _mm256_set1_epi32(four);
                    Q8_AVX2_DOT(acc[i][0], av, b0);
                    Q8_AVX2_DOT(acc[i][1], av, b1);
                }
            }
            for (size_t i = 0; i < rows; i++) {
                int32_t out[Q8_NB];
                _mm256_storeu_si256((__m256i *)out, acc[i][0]);
                _mm256_storeu_si256((__m256i *)(out + 8), acc[i][1]);
                q8_store(out, cols, ascale[r + i], wscale + j, colsum + j, bias ? bias + j : NULL, y + (r + i) * ldy + j);
            }
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma"))) static void q8_gemm_avx512vnni(
    const uint8_t *a, size_t lda, const float *ascale, size_t m, const int8_t *packed, const float *wscale,
    const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k), groups = kp / 4;
    for (size_t j = 0; j < n; j += Q8_NB) {
        const int8_t *block = packed + (j / Q8_NB) * Q8_NB * kp;
        size_t cols = n - j < Q8_NB ? n - j : Q8_NB;
        for (size_t r = 0; r < m; r += Q8_MR) {
            size_t rows = m - r < Q8_MR ? m - r : Q8_MR;
            __m512i acc[Q8_MR];
            for (size_t i = 0; i < Q8_MR; i++) acc[i] = _mm512_setzero_si512();
            for (size_t g = 0; g < groups; g++) {
                __m512i b = _mm512_loadu_si512((const void *)(block + g * 64));
                for (size_t i = 0; i < rows; i++) {
                    int32_t four;
                    memcpy(&four, a + (r + i) * lda + g * 4, 4);
                    acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_set1_epi32(four), b);
                }
            }
            for (size_t i = 0; i < rows; i++) {
                int32_t out[Q8_NB];
                _mm512_storeu_si512((void *)out, acc[i]);
                q8_store(out, cols, ascale[r + i], wscale + j, colsum + j, bias ? bias + j : NULL, y + (r + i) * ldy + j);
            }
        }
    }
}

__attribute__((target("avx2,avxvnni,fma"))) static void q8_gemm_avxvnni(
    const uint8_t *a, size_t lda, const float *ascale, size_t m, const int8_t *packed, const float *wscale,
    const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k), groups = kp / 4;
    for (size_t j = 0; j < n; j += Q8_NB) {
        const int8_t *block = packed + (j / Q8_NB) * Q8_NB * kp;
        size_t cols = n - j < Q8_NB ? n - j : Q8_NB;
        for (size_t r = 0; r < m; r += Q8_MR) {
            size_t rows = m - r < Q8_MR ? m - r : Q8_MR;
            __m256i acc[Q8_MR][2];
            for (size_t i = 0; i < Q8_MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
            for (size_t g = 0; g < groups; g++) {
                __m256i b0 = _mm256_loadu_si256((const __m256i *)(block + g * 64));
                __m256i b1 = _mm256_loadu_si256((const __m256i *)(block + g * 64 + 32));
                for (size_t i = 0; i < rows; i++) {
                    int32_t four;
                    memcpy(&four, a + (r + i) * lda + g * 4, 4);
                    __m256i av = _mm256_set1_epi32(four);
                    acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], av, b0);
                    acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], av, b1);
                }
            }
            for (size_t i = 0; i < rows; i++) {
                int32_t out[Q8_NB];
                _mm256_storeu_si256((__m256i *)out, acc[i][0]);
                _mm256_storeu_si256((__m256i *)(out + 8), acc[i][1]);
                q8_store(out, cols, ascale[r + i], wscale + j, colsum + j, bias ? bias + j : NULL, y + (r + i) * ldy + j);
            }
        }
    }
}
#endif

typedef void (*q8_gemm_fn)(const uint8_t *, size_t, const float *, size_t, const int8_t *, const float *,
                           const int32_t *, size_t, size_t, const float *, float *, size_t);

static int q8_supported(tk_q8_isa_t isa) {
    switch (isa) {
    case TK_Q8_SCALAR: return 1;
#ifdef Q8_X86
    case TK_Q8_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TK_Q8_AVXVNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avxvnni") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TK_Q8_AVX512VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
    default: return 0;
    }
}

int tk_q8_isa_supported(tk_q8_isa_t isa) { return q8_supported(isa); }

tk_q8_isa_t tk_q8_best_isa(void) {
    if (q8_supported(TK_Q8_AVX512VNNI)) return TK_Q8_AVX512VNNI;
    if (q8_supported(TK_Q8_AVXVNNI)) return TK_Q8_AVXVNNI;
    if (q8_supported(TK_Q8_AVX2)) return TK_Q8_AVX2;
    return TK_Q8_SCALAR;
}

// -1 until first use; a race on first use is benign (every thread stores the same value).
static volatile int q8_current = -1;

tk_q8_isa_t tk_q8_isa(void) {
    if (q8_current < 0) q8_current = (int)tk_q8_best_isa();
    return (tk_q8_isa_t)q8_current;
}

tk_q8_isa_t tk_q8_set_isa(tk_q8_isa_t isa) {
    q8_current = (int)(q8_supported(isa) ? isa : tk_q8_best_isa());
    return (tk_q8_isa_t)q8_current;
}

void tk_q8_gemm(const uint8_t *a, size_t lda, const float *ascale, size_t m, const int8_t *packed, const float *wscale,
                const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    if (m == 0 || n == 0) return;
    q8_gemm_fn fn = q8_gemm_scalar;
#ifdef Q8_X86
    switch (tk_q8_isa()) {
    case TK_Q8_AVX2: fn = q8_gemm_avx2; break;
    case TK_Q8_AVXVNNI: fn = q8_gemm_avxvnni; break;
    case TK_Q8_AVX512VNNI: fn = q8_gemm_avx512vnni; break;
    default: break;
    }
#endif
    fn(a, lda, ascale, m, packed, wscale, colsum, k, n, bias, y, ldy);
}
