// Int8 matrix products for quantised Linear layers: y = x W + b with x quantised per row and W per
// output column, accumulated in int32 and scaled back in fp32.
//
// Scheme (the same on every instruction set, so results do not depend on the CPU):
// - activations: asymmetric per row over [min, max] with 128 levels, u = round((x - min) / ascale) in
//   [0, 127], so x ~ min + ascale u. Asymmetric because most rows are one-sided (after GELU, say): a
//   symmetric code would spend half its levels on values that never occur;
// - activation outliers: a row's few values farther than 6 standard deviations from its mean (at most
//   TK_Q8_MAX_OUTLIERS, else none are split off) do not set its range; each is coded as the nearest end
//   of the range and the rest, x - (min + ascale u), is multiplied in fp32 by the int8 weights and added.
//   Transformers put a few huge values in fixed channels of some tokens (BERT's [CLS]/[SEP]: one channel
//   at 28 where the median is 0.05); over [min, max] such a row quantised to almost nothing;
// - weights: symmetric per output column with 8 bits, q = round(w * 127 / max|w|) in [-127, 127];
// - why 7-bit activations and 8-bit weights: vpmaddubsw adds two u8 x s8 products into an int16 with
//   saturation, so 2 * umax * qmax must stay under 32768: 2 * 127 * 127 fits. With the outliers split off,
//   activations quantise well at 7 bits and the weights are the larger error: on all-MiniLM-L6-v2 (real
//   weights, 25 golden sentences, numpy model of this scheme) min cosine to fp32 0.9954 with 8-bit
//   activations and 7-bit weights, 0.9970 the other way round. VNNI (vpdpbusd) would not saturate, but
//   sharing one format keeps every path bit-identical;
// - acc = sum u q over k, exact in int32 for k < 133,000; sum x w ~ wscale (ascale acc + min colsum);
// - y = fma((float)acc, ascale * wscale, fma((float)colsum, min * wscale, bias)), then per row with
//   outliers y = fma(sum_o fma(residual_o, q_o), wscale, y) in outlier order.
//
// Packed weights: columns in blocks of 16; per block, k in groups of 4 (zero-padded), each group 16
// columns x 4 bytes (one int32 lane per column holds its 4 consecutive k). A broadcast of 4 bytes of one
// activation row against one group is then one vpdpbusd, or vpmaddubsw + vpmaddwd, per 8 or 16 columns.
#include "CTensorKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define Q8_X86 1
#endif

// The sums below must give the same bits wherever they are compiled: no fused multiply-add unless written.
#pragma STDC FP_CONTRACT OFF

#define Q8_NB 16 // columns per packed block
#define Q8_WMAX 127 // weight levels each side
#define Q8_AMAX 127 // activation levels above the row minimum
#define Q8_OUTLIER_SIGMAS 6.0f
#define Q8_MR 4  // activation rows per micro-kernel pass

size_t tk_q8_padded_k(size_t k) { return (k + 3) & ~(size_t)3; }

size_t tk_q8_packed_bytes(size_t k, size_t n) { return ((n + Q8_NB - 1) / Q8_NB) * Q8_NB * tk_q8_padded_k(k); }

void tk_q8_pack_weights(const float *w, size_t k, size_t n, size_t ldw, int8_t *packed, float *scales, int32_t *colsums) {
    size_t kp = tk_q8_padded_k(k);
    memset(packed, 0, tk_q8_packed_bytes(k, n));
    // Row by row, as w is stored (a column at a time missed the cache on every value: most of an int8
    // model's load time). max|w| per column goes to `scales` first.
    float *inv = malloc(n * sizeof(float));
    for (size_t c = 0; c < n; c++) scales[c] = 0, colsums[c] = 0;
    for (size_t r = 0; r < k; r++)
        for (size_t c = 0; c < n; c++) {
            float a = fabsf(w[r * ldw + c]);
            scales[c] = a > scales[c] ? a : scales[c];
        }
    for (size_t c = 0; c < n; c++) {
        float maxabs = scales[c];
        inv[c] = maxabs > 0 ? (float)Q8_WMAX / maxabs : 0.0f;
        scales[c] = maxabs > 0 ? maxabs / (float)Q8_WMAX : 0.0f;
    }
    for (size_t r = 0; r < k; r++) {
        int8_t *group = packed + (r / 4) * Q8_NB * 4 + r % 4;
        for (size_t c = 0; c < n; c++) {
            float q = nearbyintf(w[r * ldw + c] * inv[c]);
            q = q > Q8_WMAX ? Q8_WMAX : q < -Q8_WMAX ? -Q8_WMAX : q;
            group[(c / Q8_NB) * Q8_NB * kp + (c % Q8_NB) * 4] = (int8_t)q;
            colsums[c] += (int32_t)q;
        }
    }
    free(inv);
}

// The end of both row-statistics builds: values k - k % 8... into their lanes one at a time, then the lanes
// added up in a fixed order. Separate statements for the square and its sum: never contracted into an FMA.
static inline void q8_stats_finish(const float *x, size_t i, size_t k, float s[8], float ss[8], float mn[8], float mx[8],
                                   float *lo, float *hi, float *sum, float *sumsq) {
    for (; i < k; i++) {
        size_t j = i % 8;
        float v = x[i];
        float sq = v * v;
        s[j] += v;
        ss[j] += sq;
        mn[j] = v < mn[j] ? v : mn[j];
        mx[j] = v > mx[j] ? v : mx[j];
    }
    *sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    *sumsq = ((ss[0] + ss[1]) + (ss[2] + ss[3])) + ((ss[4] + ss[5]) + (ss[6] + ss[7]));
    float l = mn[0], h = mx[0];
    for (int j = 1; j < 8; j++) l = mn[j] < l ? mn[j] : l, h = mx[j] > h ? mx[j] : h;
    *lo = l;
    *hi = h;
}

// Min, max, sum and sum of squares of a row in 8 interleaved lanes (lane = i % 8) added up in a fixed order,
// so the Swift reference can repeat it bit for bit; SSE (every x86-64) computes the same lanes 4 at a time
// (minps(v, m) is v < m ? v : m, and adds and multiplies round the same way in any width).
static void q8_row_stats(const float *x, size_t k, float *lo, float *hi, float *sum, float *sumsq) {
    float s[8] = {0}, ss[8] = {0}, mn[8], mx[8];
    for (int j = 0; j < 8; j++) mn[j] = mx[j] = x[0];
    size_t i = 0;
#ifdef Q8_X86
    __m128 s0 = _mm_setzero_ps(), s1 = s0, q0 = s0, q1 = s0, n0 = _mm_set1_ps(x[0]), n1 = n0, x0 = n0, x1 = n0;
    for (; i + 8 <= k; i += 8) {
        __m128 v0 = _mm_loadu_ps(x + i), v1 = _mm_loadu_ps(x + i + 4);
        s0 = _mm_add_ps(s0, v0), s1 = _mm_add_ps(s1, v1);
        q0 = _mm_add_ps(q0, _mm_mul_ps(v0, v0)), q1 = _mm_add_ps(q1, _mm_mul_ps(v1, v1));
        n0 = _mm_min_ps(v0, n0), n1 = _mm_min_ps(v1, n1);
        x0 = _mm_max_ps(v0, x0), x1 = _mm_max_ps(v1, x1);
    }
    _mm_storeu_ps(s, s0), _mm_storeu_ps(s + 4, s1), _mm_storeu_ps(ss, q0), _mm_storeu_ps(ss + 4, q1);
    _mm_storeu_ps(mn, n0), _mm_storeu_ps(mn + 4, n1), _mm_storeu_ps(mx, x0), _mm_storeu_ps(mx + 4, x1);
#endif
    q8_stats_finish(x, i, k, s, ss, mn, mx, lo, hi, sum, sumsq);
}

// How many values of a row are farther than `limit` (a squared distance) from `mean`: the common answer is
// none, found in one vector pass before any index is written down.
static size_t q8_count_far(const float *x, size_t k, float mean, float limit) {
    size_t count = 0, i = 0;
#ifdef Q8_X86
    __m128 m = _mm_set1_ps(mean), l = _mm_set1_ps(limit);
    for (; i + 4 <= k; i += 4) {
        __m128 d = _mm_sub_ps(_mm_loadu_ps(x + i), m);
        count += (size_t)__builtin_popcount((unsigned)_mm_movemask_ps(_mm_cmpgt_ps(_mm_mul_ps(d, d), l)));
    }
#endif
    for (; i < k; i++) {
        float d = x[i] - mean;
        float d2 = d * d;
        count += d2 > limit;
    }
    return count;
}

// Codes of one row: u = round((x - lo) inv) clamped to [0, Q8_AMAX]. Round half to even by adding and subtracting
// 1.5 * 2^23 (exact for the 0...127 range here): unlike a nearbyintf call per value, this loop vectorises.
// Outliers land beyond the ends and are clamped to 0 or Q8_AMAX.
static void q8_code_row(const float *x, size_t k, float lo, float inv, uint8_t *q) {
    const float magic = 12582912.0f;
    for (size_t i = 0; i < k; i++) {
        float v = ((x[i] - lo) * inv + magic) - magic;
        v = v > Q8_AMAX ? Q8_AMAX : v < 0 ? 0 : v;
        q[i] = (uint8_t)v;
    }
}

typedef void (*q8_stats_fn)(const float *, size_t, float *, float *, float *, float *);
typedef size_t (*q8_count_fn)(const float *, size_t, float, float);
typedef void (*q8_code_fn)(const float *, size_t, float, float, uint8_t *);

#ifdef Q8_X86
// The AVX2 builds of the three row passes: the same lanes (i % 8), the same operations in the same order and
// no fused multiply-adds, so the same bits as the SSE and scalar ones; the baseline builds ran 4 values per step
// and were 5% of an int8 model's time at 16 images.
__attribute__((target("avx2,fma"))) static void q8_row_stats_avx2(const float *x, size_t k, float *lo, float *hi,
                                                                 float *sum, float *sumsq) {
    float s[8], ss[8], mn[8], mx[8];
    __m256 sv = _mm256_setzero_ps(), qv = sv, nv = _mm256_set1_ps(x[0]), xv = nv;
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        sv = _mm256_add_ps(sv, v);
        qv = _mm256_add_ps(qv, _mm256_mul_ps(v, v));
        nv = _mm256_min_ps(v, nv);
        xv = _mm256_max_ps(v, xv);
    }
    _mm256_storeu_ps(s, sv), _mm256_storeu_ps(ss, qv), _mm256_storeu_ps(mn, nv), _mm256_storeu_ps(mx, xv);
    q8_stats_finish(x, i, k, s, ss, mn, mx, lo, hi, sum, sumsq);
}

__attribute__((target("avx2,fma"))) static size_t q8_count_far_avx2(const float *x, size_t k, float mean, float limit) {
    size_t count = 0, i = 0;
    __m256 m = _mm256_set1_ps(mean), l = _mm256_set1_ps(limit);
    for (; i + 8 <= k; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), m);
        count += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_mul_ps(d, d), l, _CMP_GT_OQ)));
    }
    for (; i < k; i++) {
        float d = x[i] - mean;
        float d2 = d * d;
        count += d2 > limit;
    }
    return count;
}

__attribute__((target("avx2,fma"))) static void q8_code_row_avx2(const float *x, size_t k, float lo, float inv, uint8_t *q) {
    const __m256 l = _mm256_set1_ps(lo), s = _mm256_set1_ps(inv), magic = _mm256_set1_ps(12582912.0f);
    const __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps((float)Q8_AMAX);
    // 32 values per step: four vectors of codes packed to bytes (the packs work per 128-bit half, the permute
    // puts the four-byte pieces back in order).
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= k; i += 32) {
        __m256i c[4];
        for (int j = 0; j < 4; j++) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8 * j), l), s);
            v = _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
            v = _mm256_min_ps(_mm256_max_ps(v, zero), top);
            c[j] = _mm256_cvttps_epi32(v);
        }
        __m256i b = _mm256_packus_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(b, order));
    }
    q8_code_row(x + i, k - i, lo, inv, q + i);
}
#endif

void tk_q8_quantize_rows(const float *x, size_t rows, size_t k, size_t ldx, uint8_t *q, size_t ldq, float *scales,
                         float *offsets, int32_t *ocount, int32_t *oindex, float *oresidual) {
    size_t kp = tk_q8_padded_k(k);
    q8_stats_fn stats = q8_row_stats;
    q8_count_fn count_far = q8_count_far;
    q8_code_fn code = q8_code_row;
#ifdef Q8_X86
    if (tk_q8_isa() != TK_Q8_SCALAR) stats = q8_row_stats_avx2, count_far = q8_count_far_avx2, code = q8_code_row_avx2;
#endif
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        uint8_t *qr = q + r * ldq;
        int32_t *idx = oindex + r * TK_Q8_MAX_OUTLIERS;
        float lo, hi, sum, sumsq;
        stats(xr, k, &lo, &hi, &sum, &sumsq);
        float mean = sum / (float)k;
        float var = sumsq / (float)k - mean * mean;
        float limit = (Q8_OUTLIER_SIGMAS * Q8_OUTLIER_SIGMAS) * (var > 0 ? var : 0.0f);
        // One value can be at most sqrt(k - 1) deviations out, so rows shorter than 38 have no outliers; more
        // than TK_Q8_MAX_OUTLIERS is heavy tails, not a few outliers: those rows keep their plain range.
        size_t far = count_far(xr, k, mean, limit);
        int n = 0;
        if (far > 0 && far <= TK_Q8_MAX_OUTLIERS) {
            for (size_t i = 0; i < k; i++) {
                float d = xr[i] - mean;
                float d2 = d * d;
                if (d2 > limit) idx[n++] = (int32_t)i;
            }
        }
        if (n > 0) { // the range of the other values
            int o = 0;
            lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < k; i++) {
                if (o < n && (size_t)idx[o] == i) { o++; continue; }
                lo = xr[i] < lo ? xr[i] : lo;
                hi = xr[i] > hi ? xr[i] : hi;
            }
        }
        ocount[r] = n;
        float range = hi - lo;
        float inv = range > 0 ? (float)Q8_AMAX / range : 0.0f;
        scales[r] = range > 0 ? range / (float)Q8_AMAX : 0.0f;
        offsets[r] = lo;
        code(xr, k, lo, inv, qr);
        for (size_t i = k; i < kp; i++) qr[i] = 0; // padding meets zero weights anyway
        for (int o = 0; o < n; o++) {
            float coded = (float)qr[idx[o]] * scales[r];
            coded = coded + lo;
            oresidual[r * TK_Q8_MAX_OUTLIERS + o] = xr[idx[o]] - coded;
        }
    }
}

// Writes the `cols` valid columns of one row of int32 accumulators as floats.
static inline void q8_store(const int32_t *acc, size_t cols, float ascale, float aoffset, const float *wscale,
                            const int32_t *colsum, const float *bias, float *y) {
    for (size_t c = 0; c < cols; c++) {
        float base = fmaf((float)colsum[c], aoffset * wscale[c], bias ? bias[c] : 0.0f);
        y[c] = fmaf((float)acc[c], ascale * wscale[c], base);
    }
}

// Writes `rows` rows of a micro-kernel's int32 sums as floats (ascale, aoffset, y start at the first row).
typedef void (*q8_store_fn)(const int32_t out[Q8_MR][Q8_NB], size_t rows, size_t cols, const float *ascale,
                            const float *aoffset, const float *wscale, const int32_t *colsum, const float *bias, float *y,
                            size_t ldy);

static void q8_store_scalar(const int32_t out[Q8_MR][Q8_NB], size_t rows, size_t cols, const float *ascale,
                            const float *aoffset, const float *wscale, const int32_t *colsum, const float *bias, float *y,
                            size_t ldy) {
    for (size_t i = 0; i < rows; i++) q8_store(out[i], cols, ascale[i], aoffset[i], wscale, colsum, bias, y + i * ldy);
}

// A micro-kernel: int32 sums of `rows` (<= Q8_MR) activation rows against one packed block of 16 columns.
typedef void (*q8_micro_fn)(const uint8_t *a, size_t lda, size_t rows, const int8_t *block, size_t groups,
                            int32_t out[Q8_MR][Q8_NB]);

static void q8_micro_scalar(const uint8_t *a, size_t lda, size_t rows, const int8_t *block, size_t groups,
                            int32_t out[Q8_MR][Q8_NB]) {
    for (size_t i = 0; i < rows; i++) {
        const uint8_t *ar = a + i * lda;
        for (size_t c = 0; c < Q8_NB; c++) out[i][c] = 0;
        for (size_t g = 0; g < groups; g++) {
            const int8_t *bg = block + g * Q8_NB * 4;
            for (size_t c = 0; c < Q8_NB; c++)
                for (size_t t = 0; t < 4; t++) out[i][c] += (int32_t)ar[g * 4 + t] * (int32_t)bg[c * 4 + t];
        }
    }
}

#ifdef Q8_X86
// Four activation bytes broadcast against 8 columns x 4 k: vpmaddubsw (pairs into int16, which 7-bit
// weights keep from saturating) then vpmaddwd against ones (pairs of those into int32).
#define Q8_AVX2_DOT(acc, av, bv) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(av, bv), ones))

__attribute__((target("avx2,fma"))) static void q8_micro_avx2(const uint8_t *a, size_t lda, size_t rows,
                                                              const int8_t *block, size_t groups, int32_t out[Q8_MR][Q8_NB]) {
    const __m256i ones = _mm256_set1_epi16(1);
    if (rows == Q8_MR) { // the common case, with every accumulator in a register
        __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (size_t g = 0; g < groups; g++) {
            __m256i b0 = _mm256_loadu_si256((const __m256i *)(block + g * 64));
            __m256i b1 = _mm256_loadu_si256((const __m256i *)(block + g * 64 + 32));
            int32_t f0, f1, f2, f3;
            memcpy(&f0, a + g * 4, 4);
            memcpy(&f1, a + lda + g * 4, 4);
            memcpy(&f2, a + 2 * lda + g * 4, 4);
            memcpy(&f3, a + 3 * lda + g * 4, 4);
            __m256i a0 = _mm256_set1_epi32(f0), a1 = _mm256_set1_epi32(f1), a2 = _mm256_set1_epi32(f2), a3 = _mm256_set1_epi32(f3);
            Q8_AVX2_DOT(c00, a0, b0); Q8_AVX2_DOT(c01, a0, b1);
            Q8_AVX2_DOT(c10, a1, b0); Q8_AVX2_DOT(c11, a1, b1);
            Q8_AVX2_DOT(c20, a2, b0); Q8_AVX2_DOT(c21, a2, b1);
            Q8_AVX2_DOT(c30, a3, b0); Q8_AVX2_DOT(c31, a3, b1);
        }
        _mm256_storeu_si256((__m256i *)out[0], c00); _mm256_storeu_si256((__m256i *)(out[0] + 8), c01);
        _mm256_storeu_si256((__m256i *)out[1], c10); _mm256_storeu_si256((__m256i *)(out[1] + 8), c11);
        _mm256_storeu_si256((__m256i *)out[2], c20); _mm256_storeu_si256((__m256i *)(out[2] + 8), c21);
        _mm256_storeu_si256((__m256i *)out[3], c30); _mm256_storeu_si256((__m256i *)(out[3] + 8), c31);
        return;
    }
    for (size_t i = 0; i < rows; i++) {
        __m256i c0 = _mm256_setzero_si256(), c1 = c0;
        for (size_t g = 0; g < groups; g++) {
            int32_t f;
            memcpy(&f, a + i * lda + g * 4, 4);
            __m256i av = _mm256_set1_epi32(f);
            Q8_AVX2_DOT(c0, av, _mm256_loadu_si256((const __m256i *)(block + g * 64)));
            Q8_AVX2_DOT(c1, av, _mm256_loadu_si256((const __m256i *)(block + g * 64 + 32)));
        }
        _mm256_storeu_si256((__m256i *)out[i], c0);
        _mm256_storeu_si256((__m256i *)(out[i] + 8), c1);
    }
}

// q8_store for one row of 16 columns with 8-wide fused multiply-adds (the same two roundings as fmaf, so
// bit-identical); a libm fmaf call per value made the epilogue a third of the product's time at k = 768.
__attribute__((target("avx2,fma"))) static inline void q8_store16_avx2(__m256i acc0, __m256i acc1, float ascale,
                                                                       float aoffset, const float *wscale,
                                                                       const int32_t *colsum, const float *bias, float *y) {
    __m256 as = _mm256_set1_ps(ascale), ao = _mm256_set1_ps(aoffset);
    for (int h = 0; h < 2; h++) {
        __m256 ws = _mm256_loadu_ps(wscale + 8 * h);
        __m256 cs = _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(colsum + 8 * h)));
        __m256 b = bias ? _mm256_loadu_ps(bias + 8 * h) : _mm256_setzero_ps();
        __m256 base = _mm256_fmadd_ps(cs, _mm256_mul_ps(ao, ws), b);
        __m256 v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(h ? acc1 : acc0), _mm256_mul_ps(as, ws), base);
        _mm256_storeu_ps(y + 8 * h, v);
    }
}

__attribute__((target("avx2,fma"))) static void q8_store_avx2(const int32_t out[Q8_MR][Q8_NB], size_t rows, size_t cols,
                                                              const float *ascale, const float *aoffset, const float *wscale,
                                                              const int32_t *colsum, const float *bias, float *y, size_t ldy) {
    for (size_t i = 0; i < rows; i++) {
        if (cols == Q8_NB)
            q8_store16_avx2(_mm256_loadu_si256((const __m256i *)out[i]), _mm256_loadu_si256((const __m256i *)(out[i] + 8)),
                            ascale[i], aoffset[i], wscale, colsum, bias, y + i * ldy);
        else
            q8_store(out[i], cols, ascale[i], aoffset[i], wscale, colsum, bias, y + i * ldy);
    }
}

// The same epilogue 16 columns at a time, narrow blocks under a mask; per block the weight scales, column
// sums and bias are loaded once for all rows. With AMX at batch 16 the AVX2 epilogue was a fifth of the time.
__attribute__((target("avx512f,fma"))) static void q8_store_avx512(const int32_t out[Q8_MR][Q8_NB], size_t rows, size_t cols,
                                                                   const float *ascale, const float *aoffset,
                                                                   const float *wscale, const int32_t *colsum,
                                                                   const float *bias, float *y, size_t ldy) {
    __mmask16 k = (__mmask16)((1u << cols) - 1);
    __m512 ws = _mm512_maskz_loadu_ps(k, wscale);
    __m512 cs = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(k, colsum));
    __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias) : _mm512_setzero_ps();
    for (size_t i = 0; i < rows; i++) {
        __m512 base = _mm512_fmadd_ps(cs, _mm512_mul_ps(_mm512_set1_ps(aoffset[i]), ws), b);
        __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_loadu_si512((const void *)out[i])),
                                   _mm512_mul_ps(_mm512_set1_ps(ascale[i]), ws), base);
        _mm512_mask_storeu_ps(y + i * ldy, k, v);
    }
}

// R rows at once (R a constant in each call below): 2R independent vpdpbusd chains, as in the AVX2 kernel.
// One row at a time (two chains) waited for the instruction's latency every step and ran slower than the
// AVX2 kernel on an Intel Xeon with AVX-VNNI (67-87 against 96-148 GOP/s on ViT-B/32's shapes).
__attribute__((target("avx2,avxvnni,fma"), always_inline)) static inline void q8_avxvnni_rows(
    const int R, const uint8_t *a, size_t lda, const int8_t *block, size_t groups, int32_t out[Q8_MR][Q8_NB]) {
    __m256i c[Q8_MR][2];
    for (int r = 0; r < R; r++) c[r][0] = c[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(block + g * 64));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(block + g * 64 + 32));
        for (int r = 0; r < R; r++) {
            int32_t f;
            memcpy(&f, a + r * lda + g * 4, 4);
            __m256i av = _mm256_set1_epi32(f);
            c[r][0] = _mm256_dpbusd_avx_epi32(c[r][0], av, b0);
            c[r][1] = _mm256_dpbusd_avx_epi32(c[r][1], av, b1);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_storeu_si256((__m256i *)out[r], c[r][0]);
        _mm256_storeu_si256((__m256i *)(out[r] + 8), c[r][1]);
    }
}

__attribute__((target("avx2,avxvnni,fma"))) static void q8_micro_avxvnni(const uint8_t *a, size_t lda, size_t rows,
                                                                         const int8_t *block, size_t groups,
                                                                         int32_t out[Q8_MR][Q8_NB]) {
    switch (rows) {
    case 4: q8_avxvnni_rows(4, a, lda, block, groups, out); break;
    case 3: q8_avxvnni_rows(3, a, lda, block, groups, out); break;
    case 2: q8_avxvnni_rows(2, a, lda, block, groups, out); break;
    default: q8_avxvnni_rows(1, a, lda, block, groups, out); break;
    }
}

// R rows at once (R a constant in each call below), each summing even and odd groups apart: 2R
// independent vpdpbusd chains, so the instruction's latency is hidden (one chain per row ran at a quarter
// of its throughput on AMD Zen 4). Integer sums, so the split changes no bit of the result.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma"), always_inline)) static inline void q8_vnni512_rows(
    const int R, const uint8_t *a, size_t lda, const int8_t *block, size_t groups, int32_t out[Q8_MR][Q8_NB]) {
    __m512i c[Q8_MR][2];
    for (int r = 0; r < R; r++) c[r][0] = c[r][1] = _mm512_setzero_si512();
    size_t g = 0;
    for (; g + 2 <= groups; g += 2) {
        __m512i b0 = _mm512_loadu_si512((const void *)(block + g * 64));
        __m512i b1 = _mm512_loadu_si512((const void *)(block + g * 64 + 64));
        for (int r = 0; r < R; r++) {
            int32_t f0, f1;
            memcpy(&f0, a + r * lda + g * 4, 4);
            memcpy(&f1, a + r * lda + g * 4 + 4, 4);
            c[r][0] = _mm512_dpbusd_epi32(c[r][0], _mm512_set1_epi32(f0), b0);
            c[r][1] = _mm512_dpbusd_epi32(c[r][1], _mm512_set1_epi32(f1), b1);
        }
    }
    if (g < groups) {
        __m512i b0 = _mm512_loadu_si512((const void *)(block + g * 64));
        for (int r = 0; r < R; r++) {
            int32_t f0;
            memcpy(&f0, a + r * lda + g * 4, 4);
            c[r][0] = _mm512_dpbusd_epi32(c[r][0], _mm512_set1_epi32(f0), b0);
        }
    }
    for (int r = 0; r < R; r++) _mm512_storeu_si512((void *)out[r], _mm512_add_epi32(c[r][0], c[r][1]));
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma"))) static void q8_micro_avx512vnni(
    const uint8_t *a, size_t lda, size_t rows, const int8_t *block, size_t groups, int32_t out[Q8_MR][Q8_NB]) {
    switch (rows) {
    case 4: q8_vnni512_rows(4, a, lda, block, groups, out); break;
    case 3: q8_vnni512_rows(3, a, lda, block, groups, out); break;
    case 2: q8_vnni512_rows(2, a, lda, block, groups, out); break;
    default: q8_vnni512_rows(1, a, lda, block, groups, out); break;
    }
}
#endif

/// Rows of activations handled per pass over the weight blocks: a panel this size (48 x 3072 bytes at
/// most) stays in cache while every column block streams past it, instead of all of A per block.
#define Q8_PANEL 48

static void q8_gemm_with(q8_micro_fn micro, q8_store_fn store, const uint8_t *a, size_t lda, const float *ascale, const float *aoffset, size_t m,
                         const int8_t *packed, const float *wscale, const int32_t *colsum, size_t k, size_t n,
                         const float *bias, float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k), groups = kp / 4;
    for (size_t p = 0; p < m; p += Q8_PANEL) {
        size_t pend = m - p < Q8_PANEL ? m : p + Q8_PANEL;
        size_t strips = (pend - p + Q8_MR - 1) / Q8_MR, lines = Q8_NB * kp / 64, share = (lines + strips - 1) / strips;
        for (size_t j = 0; j < n; j += Q8_NB) {
            const int8_t *block = packed + (j / Q8_NB) * Q8_NB * kp;
            size_t cols = n - j < Q8_NB ? n - j : Q8_NB;
            // For the few rows of one image each block comes from memory once, and the first strip over it
            // waited for it line by line: the strips over this block prefetch the next one into L2, a share each.
            const char *next = j + Q8_NB < n ? (const char *)(block + Q8_NB * kp) : NULL;
            for (size_t r = p, s = 0; r < pend; r += Q8_MR, s++) {
                size_t rows = pend - r < Q8_MR ? pend - r : Q8_MR;
                if (next)
                    for (size_t l = s * share; l < lines && l < (s + 1) * share; l++) __builtin_prefetch(next + l * 64, 0, 2);
                int32_t out[Q8_MR][Q8_NB];
                micro(a + r * lda, lda, rows, block, groups, out);
                store(out, rows, cols, ascale + r, aoffset + r, wscale + j, colsum + j, bias ? bias + j : NULL,
                      y + r * ldy + j, ldy);
            }
        }
    }
}

#ifdef Q8_X86
// AMX (Intel Xeon from Sapphire Rapids on): one tdpbusd multiplies a 16 x 64 tile of u8 activations by a
// 16 x 64 tile of s8 weights laid out as 16 groups of (16 columns x 4 k), which is exactly 16 groups of a
// packed block, into a 16 x 16 int32 tile. The sums are the same integers as every other kernel's, so the
// results are the same bits. Eight tiles: four of sums, the rest activations and weights.
// - Up to 64 rows (one image, one text): each block of weights is read once, against every row tile
//   (four sums, one weight tile, activation tiles in turn). The weights come from L3 or memory here, the
//   rows from L1.
// - More rows: strips of 32 rows x pairs of blocks (two activation and two weight tiles per step of k, each
//   used twice), over panels of Q8_AMX_PANEL rows that stay in L2 while every pair of blocks passes them.
#define Q8_AMX_PANEL 128 // a multiple of 32
#define Q8_AMX_KSTEP 16  // groups (of 4 k) per tile
// Weight tiles prefetched this many tiles ahead when one pass reads each block once: without it the tile
// loads waited on L3 or memory for half the kernel's time (perf, one image); 4 gave 1.16x images/s at batch 1
// over none, 8 less (bench-clip profile, one thread, Intel Xeon with AMX, best and mean of 8 alternating runs).
#define Q8_AMX_AHEAD 4

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} q8_tile_config;

// Linux hands a process the 8 KB of tile state only when asked (arch_prctl ARCH_REQ_XCOMP_PERM for
// XFEATURE_XTILEDATA); without it the first tile instruction is SIGILL. Asked once, for the whole process.
static int q8_amx_permitted(void) {
    static volatile int state = -1;
    if (state < 0) state = syscall(SYS_arch_prctl, 0x1023, 18) == 0;
    return state;
}

__attribute__((target("amx-tile,amx-int8"))) static void q8_amx_begin(void) {
    q8_tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) cfg.rows[t] = 16, cfg.colsb[t] = 64;
    _tile_loadconfig(&cfg);
}

__attribute__((target("amx-tile,amx-int8"))) static void q8_amx_end(void) { _tile_release(); }

// Where row tile t (rows 16t ..< 16t + 16) is read from: the activations, or, for a short last tile, a zeroed
// copy of its rows (a tile always loads 16).
typedef struct {
    const uint8_t *a, *scratch;
    size_t lda, kp, full; // full: rows in whole tiles
} q8_amx_rows;

static inline const uint8_t *q8_amx_tile(const q8_amx_rows *r, size_t t) {
    return t * 16 < r->full ? r->a + t * 16 * r->lda : r->scratch;
}
static inline size_t q8_amx_ld(const q8_amx_rows *r, size_t t) { return t * 16 < r->full ? r->lda : r->kp; }

// Sums of all `tiles` (1-4) row tiles against one block over the first `chunks` x 64 of k: out[64][16].
__attribute__((target("amx-tile,amx-int8"))) static void q8_amx_column(const q8_amx_rows *r, size_t tiles,
                                                                       const int8_t *b, size_t chunks,
                                                                       int32_t out[64][Q8_NB]) {
    const uint8_t *a0 = q8_amx_tile(r, 0), *a1 = q8_amx_tile(r, 1), *a2 = q8_amx_tile(r, 2), *a3 = q8_amx_tile(r, 3);
    size_t l0 = q8_amx_ld(r, 0), l1 = q8_amx_ld(r, 1), l2 = q8_amx_ld(r, 2), l3 = q8_amx_ld(r, 3);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t t = 0; t < chunks; t++) {
        // Blocks are contiguous, so past this block's end lies the next one's start (a hint: past the
        // last block it only fetches a few lines for nothing).
        const char *ahead = (const char *)(b + (t + Q8_AMX_AHEAD) * Q8_AMX_KSTEP * 64);
        for (int l = 0; l < 16; l++) _mm_prefetch(ahead + l * 64, _MM_HINT_T0);
        _tile_loadd(6, b + t * Q8_AMX_KSTEP * 64, 64);
        _tile_loadd(4, a0 + t * 64, l0);
        _tile_dpbusd(0, 4, 6);
        if (tiles > 1) {
            _tile_loadd(5, a1 + t * 64, l1);
            _tile_dpbusd(1, 5, 6);
        }
        if (tiles > 2) {
            _tile_loadd(4, a2 + t * 64, l2);
            _tile_dpbusd(2, 4, 6);
        }
        if (tiles > 3) {
            _tile_loadd(5, a3 + t * 64, l3);
            _tile_dpbusd(3, 5, 6);
        }
    }
    _tile_stored(0, out[0], 64);
    if (tiles > 1) _tile_stored(1, out[16], 64);
    if (tiles > 2) _tile_stored(2, out[32], 64);
    if (tiles > 3) _tile_stored(3, out[48], 64);
}

// Sums of row tiles t0 and, when `two`, t0 + 1 against blocks b0 and, when `b1`, b1: out0/out1 [32][16].
__attribute__((target("amx-tile,amx-int8"))) static void q8_amx_strip(const q8_amx_rows *r, size_t t0, int two,
                                                                      const int8_t *b0, const int8_t *b1, size_t chunks,
                                                                      int32_t out0[32][Q8_NB], int32_t out1[32][Q8_NB]) {
    const uint8_t *a0 = q8_amx_tile(r, t0), *a1 = q8_amx_tile(r, t0 + 1);
    size_t l0 = q8_amx_ld(r, t0), l1 = q8_amx_ld(r, t0 + 1);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t t = 0; t < chunks; t++) {
        _tile_loadd(4, a0 + t * 64, l0);
        _tile_loadd(6, b0 + t * Q8_AMX_KSTEP * 64, 64);
        _tile_dpbusd(0, 4, 6);
        if (two) {
            _tile_loadd(5, a1 + t * 64, l1);
            _tile_dpbusd(2, 5, 6);
        }
        if (b1) {
            _tile_loadd(7, b1 + t * Q8_AMX_KSTEP * 64, 64);
            _tile_dpbusd(1, 4, 7);
            if (two) _tile_dpbusd(3, 5, 7);
        }
    }
    _tile_stored(0, out0, 64);
    if (two) _tile_stored(2, out0[16], 64);
    if (b1) {
        _tile_stored(1, out1, 64);
        if (two) _tile_stored(3, out1[16], 64);
    }
}

// Adds what the tiles left of k (through `tail`) to the sums of `rows` rows from row r of block `block`
// (columns c0...), and writes them out.
static void q8_amx_finish(q8_micro_fn tail, q8_store_fn store, const q8_amx_rows *ar, int32_t (*out)[Q8_NB], size_t r,
                          size_t rows, const int8_t *block, size_t chunks, size_t rest, size_t c0, size_t cols,
                          const float *ascale, const float *aoffset, const float *wscale, const int32_t *colsum,
                          const float *bias, float *y, size_t ldy) {
    for (size_t i = 0; i < rows; i += Q8_MR) {
        size_t rr = rows - i < Q8_MR ? rows - i : Q8_MR;
        if (rest) {
            int32_t more[Q8_MR][Q8_NB];
            tail(ar->a + (r + i) * ar->lda + chunks * 64, ar->lda, rr, block + chunks * Q8_AMX_KSTEP * 64, rest, more);
            for (size_t u = 0; u < rr; u++)
                for (size_t c = 0; c < Q8_NB; c++) out[i + u][c] += more[u][c];
        }
        store((const int32_t(*)[Q8_NB])out[i], rr, cols, ascale + r + i, aoffset + r + i, wscale + c0, colsum + c0,
              bias ? bias + c0 : NULL, y + (r + i) * ldy + c0, ldy);
    }
}

// The product with AMX tiles over k in steps of 64; what is left of k (kp % 64) goes through `tail`, another
// micro-kernel, and is added to the sums.
static void q8_gemm_amx(q8_micro_fn tail, q8_store_fn store, const uint8_t *a, size_t lda, const float *ascale,
                        const float *aoffset, size_t m, const int8_t *packed, const float *wscale, const int32_t *colsum,
                        size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    size_t kp = tk_q8_padded_k(k), groups = kp / 4, chunks = groups / Q8_AMX_KSTEP, rest = groups % Q8_AMX_KSTEP;
    size_t blocks = (n + Q8_NB - 1) / Q8_NB;
    q8_amx_rows ar = {a, NULL, lda, kp, m / 16 * 16};
    uint8_t *scratch = NULL;
    if (ar.full < m) {
        scratch = calloc(16, kp);
        for (size_t i = ar.full; i < m; i++) memcpy(scratch + (i - ar.full) * kp, a + i * lda, kp);
        ar.scratch = scratch;
    }
    q8_amx_begin();
    if (m <= 64) {
        int32_t out[64][Q8_NB];
        for (size_t j = 0; j < blocks; j++) {
            const int8_t *block = packed + j * Q8_NB * kp;
            size_t c0 = j * Q8_NB, cols = n - c0 < Q8_NB ? n - c0 : Q8_NB;
            q8_amx_column(&ar, (m + 15) / 16, block, chunks, out);
            q8_amx_finish(tail, store, &ar, out, 0, m, block, chunks, rest, c0, cols, ascale, aoffset, wscale, colsum,
                          bias, y, ldy);
        }
    } else {
        int32_t out[2][32][Q8_NB];
        for (size_t p = 0; p < m; p += Q8_AMX_PANEL) {
            size_t pend = m - p < Q8_AMX_PANEL ? m : p + Q8_AMX_PANEL;
            for (size_t j = 0; j < blocks; j += 2) {
                const int8_t *b0 = packed + j * Q8_NB * kp, *b1 = j + 1 < blocks ? b0 + Q8_NB * kp : NULL;
                for (size_t r = p; r < pend; r += 32) {
                    size_t rows = pend - r < 32 ? pend - r : 32;
                    q8_amx_strip(&ar, r / 16, rows > 16, b0, b1, chunks, out[0], out[1]);
                    for (size_t q = 0; q < (b1 ? 2u : 1u); q++) {
                        size_t c0 = (j + q) * Q8_NB, cols = n - c0 < Q8_NB ? n - c0 : Q8_NB;
                        q8_amx_finish(tail, store, &ar, out[q], r, rows, q ? b1 : b0, chunks, rest, c0, cols, ascale,
                                      aoffset, wscale, colsum, bias, y, ldy);
                    }
                }
            }
        }
    }
    q8_amx_end();
    free(scratch);
}
#endif

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
    case TK_Q8_AMX: // its leftover k goes through the AVX-512 VNNI kernel
        __builtin_cpu_init();
        return __builtin_cpu_supports("amx-int8") && __builtin_cpu_supports("amx-tile") &&
               q8_supported(TK_Q8_AVX512VNNI) && q8_amx_permitted();
#endif
    default: return 0;
    }
}

int tk_q8_isa_supported(tk_q8_isa_t isa) { return q8_supported(isa); }

tk_q8_isa_t tk_q8_best_isa(void) {
    if (q8_supported(TK_Q8_AMX)) return TK_Q8_AMX;
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

// y[r] += (sum over row r's outliers of residual x q) wscale, for rows that have outliers, with fmaf in a fixed
// order so that every build gives the same bits.
static void q8_add_outliers(size_t m, const int32_t *ocount, const int32_t *oindex, const float *oresidual,
                            const int8_t *packed, size_t kp, const float *wscale, size_t n, float *y, size_t ldy) {
    for (size_t r = 0; r < m; r++) {
        int cnt = ocount[r];
        if (cnt <= 0) continue;
        const int32_t *idx = oindex + r * TK_Q8_MAX_OUTLIERS;
        const float *res = oresidual + r * TK_Q8_MAX_OUTLIERS;
        for (size_t c = 0; c < n; c++) {
            const int8_t *col = packed + (c / Q8_NB) * Q8_NB * kp + (c % Q8_NB) * 4;
            float corr = 0;
            for (int o = 0; o < cnt; o++) {
                size_t i = (size_t)idx[o];
                corr = fmaf(res[o], (float)col[(i / 4) * Q8_NB * 4 + i % 4], corr);
            }
            y[r * ldy + c] = fmaf(corr, wscale[c], y[r * ldy + c]);
        }
    }
}

#ifdef Q8_X86
// The same sums 8 columns at a time: one outlier's weights for 16 columns are byte i % 4 of each int32 lane of
// its 64-byte group, moved to the top byte and shifted back down with its sign.
__attribute__((target("avx2,fma"))) static void q8_add_outliers_avx2(size_t m, const int32_t *ocount, const int32_t *oindex,
                                                                    const float *oresidual, const int8_t *packed, size_t kp,
                                                                    const float *wscale, size_t n, float *y, size_t ldy) {
    size_t full = n / Q8_NB * Q8_NB;
    for (size_t r = 0; r < m; r++) {
        int cnt = ocount[r];
        if (cnt <= 0) continue;
        const int32_t *idx = oindex + r * TK_Q8_MAX_OUTLIERS;
        const float *res = oresidual + r * TK_Q8_MAX_OUTLIERS;
        for (size_t c = 0; c < full; c += Q8_NB) {
            const int8_t *block = packed + (c / Q8_NB) * Q8_NB * kp;
            __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
            for (int o = 0; o < cnt; o++) {
                size_t i = (size_t)idx[o];
                const int8_t *g = block + (i / 4) * Q8_NB * 4;
                __m128i up = _mm_cvtsi32_si128(24 - 8 * (int)(i % 4));
                __m256i w0 = _mm256_sra_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)g), up), _mm_cvtsi32_si128(24));
                __m256i w1 = _mm256_sra_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)(g + 32)), up), _mm_cvtsi32_si128(24));
                __m256 rv = _mm256_set1_ps(res[o]);
                acc0 = _mm256_fmadd_ps(rv, _mm256_cvtepi32_ps(w0), acc0);
                acc1 = _mm256_fmadd_ps(rv, _mm256_cvtepi32_ps(w1), acc1);
            }
            float *yr = y + r * ldy + c;
            _mm256_storeu_ps(yr, _mm256_fmadd_ps(acc0, _mm256_loadu_ps(wscale + c), _mm256_loadu_ps(yr)));
            _mm256_storeu_ps(yr + 8, _mm256_fmadd_ps(acc1, _mm256_loadu_ps(wscale + c + 8), _mm256_loadu_ps(yr + 8)));
        }
    }
    if (full < n) // the last, narrower block
        q8_add_outliers(m, ocount, oindex, oresidual, packed + full * kp, kp, wscale + full, n - full, y + full, ldy);
}
#endif

void tk_q8_gemm(const uint8_t *a, size_t lda, const float *ascale, const float *aoffset, const int32_t *ocount,
                const int32_t *oindex, const float *oresidual, size_t m, const int8_t *packed, const float *wscale,
                const int32_t *colsum, size_t k, size_t n, const float *bias, float *y, size_t ldy) {
    if (m == 0 || n == 0) return;
    tk_q8_isa_t isa = tk_q8_isa();
    (void)isa; // x86 only
    q8_micro_fn micro = q8_micro_scalar;
    q8_store_fn store = q8_store_scalar;
#ifdef Q8_X86
    switch (isa) {
    case TK_Q8_AVX2: micro = q8_micro_avx2; store = q8_store_avx2; break;
    case TK_Q8_AVXVNNI: micro = q8_micro_avxvnni; store = q8_store_avx2; break;
    case TK_Q8_AVX512VNNI:
    case TK_Q8_AMX: micro = q8_micro_avx512vnni; store = q8_store_avx512; break; // AMX: for the leftover k
    default: break;
    }
    if (isa == TK_Q8_AMX)
        q8_gemm_amx(micro, store, a, lda, ascale, aoffset, m, packed, wscale, colsum, k, n, bias, y, ldy);
    else
#endif
        q8_gemm_with(micro, store, a, lda, ascale, aoffset, m, packed, wscale, colsum, k, n, bias, y, ldy);
    if (!ocount) return;
#ifdef Q8_X86
    if (isa != TK_Q8_SCALAR) {
        q8_add_outliers_avx2(m, ocount, oindex, oresidual, packed, tk_q8_padded_k(k), wscale, n, y, ldy);
        return;
    }
#endif
    q8_add_outliers(m, ocount, oindex, oresidual, packed, tk_q8_padded_k(k), wscale, n, y, ldy);
}

// y[r][c] += sum_o x[r][index[o]] w[o][c], one fmaf chain per output in o order (so both builds give the same bits).
static void q8_add_rows_scalar(const float *x, size_t ldx, size_t m, const int32_t *index, size_t count,
                               const float *w, size_t ldw, size_t cols, float *y, size_t ldy) {
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < cols; c++) {
            float acc = y[r * ldy + c];
            for (size_t o = 0; o < count; o++) acc = fmaf(x[r * ldx + (size_t)index[o]], w[o * ldw + c], acc);
            y[r * ldy + c] = acc;
        }
}

#ifdef Q8_X86
__attribute__((target("avx2,fma"))) static void q8_add_rows_avx2(const float *x, size_t ldx, size_t m, const int32_t *index,
                                                                 size_t count, const float *w, size_t ldw, size_t cols,
                                                                 float *y, size_t ldy) {
    size_t c8 = cols & ~(size_t)7;
    for (size_t r = 0; r < m; r++) {
        for (size_t c = 0; c < c8; c += 8) {
            __m256 acc = _mm256_loadu_ps(y + r * ldy + c);
            for (size_t o = 0; o < count; o++)
                acc = _mm256_fmadd_ps(_mm256_set1_ps(x[r * ldx + (size_t)index[o]]), _mm256_loadu_ps(w + o * ldw + c), acc);
            _mm256_storeu_ps(y + r * ldy + c, acc);
        }
        if (c8 < cols) q8_add_rows_scalar(x + r * ldx, ldx, 1, index, count, w + c8, ldw, cols - c8, y + r * ldy + c8, ldy);
    }
}
#endif

void tk_q8_add_float_rows(const float *x, size_t ldx, size_t m, const int32_t *index, size_t count, const float *w,
                          size_t ldw, size_t cols, float *y, size_t ldy) {
    if (m == 0 || count == 0 || cols == 0) return;
#ifdef Q8_X86
    if (tk_q8_isa() != TK_Q8_SCALAR) {
        q8_add_rows_avx2(x, ldx, m, index, count, w, ldw, cols, y, ldy);
        return;
    }
#endif
    q8_add_rows_scalar(x, ldx, m, index, count, w, ldw, cols, y, ldy);
}
