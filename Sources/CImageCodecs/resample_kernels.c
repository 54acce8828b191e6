// The two passes of Pillow's 8-bit separable resampling on interleaved RGB, exact to the bit:
// acc = 2^21 + sum(pixel * weight) in 32-bit integers, then clamp(acc >> 22, 0, 255).
// Scalar C everywhere, plus AVX2 versions picked at run time on x86-64 (the same integer sums, regrouped
// exactly, so the same bytes; tests compare both). Weights, starts and counts come from Swift's
// ResampleCoefficients.
// Sums are accumulated as uint32_t so that even absurd weights wrap instead of being undefined behaviour
// (real coefficients never overflow: that is what Pillow's 22-bit precision is chosen for).
#include <stdlib.h>
#include <string.h>
#include "CImageCodecs.h"

#define IRIS_PRECISION_BITS 22
#define IRIS_HALF (1 << (IRIS_PRECISION_BITS - 1))

static inline uint8_t iris_clip8(int32_t v) {
    const int32_t s = v >> IRIS_PRECISION_BITS;
    return (uint8_t)(s < 0 ? 0 : (s > 255 ? 255 : s));
}

// MARK: scalar

static void horizontal_scalar(const uint8_t *src, size_t srcStride, int rows, uint8_t *dst, size_t dstStride,
                              int outColumns, int firstColumn, const int32_t *starts, const int32_t *counts,
                              const int32_t *weights, int taps) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *in = src + (size_t)r * srcStride;
        uint8_t *out = dst + (size_t)r * dstStride;
        for (int x = 0; x < outColumns; x++) {
            const int xx = firstColumn + x;
            const uint8_t *p = in + (size_t)starts[xx] * 3;
            const int32_t *k = weights + (size_t)xx * taps;
            uint32_t s0 = IRIS_HALF, s1 = IRIS_HALF, s2 = IRIS_HALF;
            for (int t = 0; t < counts[xx]; t++) {
                const uint32_t w = (uint32_t)k[t];
                s0 += p[3 * t] * w;
                s1 += p[3 * t + 1] * w;
                s2 += p[3 * t + 2] * w;
            }
            out[3 * x] = iris_clip8((int32_t)s0);
            out[3 * x + 1] = iris_clip8((int32_t)s1);
            out[3 * x + 2] = iris_clip8((int32_t)s2);
        }
    }
}

static void vertical_scalar(const uint8_t *src, size_t rowBytes, uint8_t *dst, int outRows, int firstOutRow,
                            int rowOffset, const int32_t *starts, const int32_t *counts, const int32_t *weights,
                            int taps, int32_t *accumulator) {
    uint32_t *restrict acc = (uint32_t *)accumulator;
    for (int y = 0; y < outRows; y++) {
        const int yy = firstOutRow + y;
        const int32_t *k = weights + (size_t)yy * taps;
        const uint8_t *first = src + (size_t)(starts[yy] - rowOffset) * rowBytes;
        for (size_t i = 0; i < rowBytes; i++) acc[i] = IRIS_HALF;
        for (int t = 0; t < counts[yy]; t++) {
            const uint8_t *restrict in = first + (size_t)t * rowBytes;
            const uint32_t w = (uint32_t)k[t];
            for (size_t i = 0; i < rowBytes; i++) acc[i] += in[i] * w;
        }
        uint8_t *restrict out = dst + (size_t)y * rowBytes;
        for (size_t i = 0; i < rowBytes; i++) out[i] = iris_clip8((int32_t)acc[i]);
    }
}

// MARK: AVX2

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define IRIS_HAVE_AVX2_PATH 1

// Four taps per step with 16-bit multiply-adds, still exact: each weight is split as w = hi * 2048 + lo
// (lo in 0...2047, both fit in int16), so sum(p * w) = (sum(p * hi) << 11) + sum(p * lo) in 32-bit integers.
// `table` holds, per output column and group of 4 taps, the 16-bit words [lo_a lo_b] x4 | [lo_c lo_d] x4
// then the same for hi; taps past `counts` have zero weight. Pixels are widened to words
// [R_a R_b G_a G_b B_a B_b 0 0] per 128-bit lane so that madd pairs them with [w_a w_b].
__attribute__((target("avx2"))) static void horizontal_avx2(const uint8_t *src, size_t srcStride, int rows,
                                                            uint8_t *dst, size_t dstStride, int outColumns,
                                                            int firstColumn, const int32_t *starts,
                                                            const int32_t *counts, const int32_t *weights, int taps,
                                                            const uint8_t *srcEnd, const int16_t *table,
                                                            int groups) {
    const __m256i pairShuffle = _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
                                                 0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
    for (int r = 0; r < rows; r++) {
        const uint8_t *in = src + (size_t)r * srcStride;
        uint8_t *out = dst + (size_t)r * dstStride;
        for (int x = 0; x < outColumns; x++) {
            const int xx = firstColumn + x;
            const uint8_t *p = in + (size_t)starts[xx] * 3;
            const int32_t *k = weights + (size_t)xx * taps;
            const int16_t *w = table + (size_t)x * groups * 32;
            const int n = counts[xx];
            __m256i sumLo = _mm256_setzero_si256(), sumHi = _mm256_setzero_si256();
            int t = 0;
            // Each group reads 8 bytes at tap t and at tap t + 2 (2 bytes past tap t + 3): stay in the buffer.
            for (; t < n && p + 3 * t + 14 <= srcEnd; t += 4, w += 32) {
                __m128i a = _mm_loadl_epi64((const __m128i *)(p + 3 * t));
                __m128i b = _mm_loadl_epi64((const __m128i *)(p + 3 * t + 6));
                __m256i words = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1), pairShuffle);
                sumLo = _mm256_add_epi32(sumLo, _mm256_madd_epi16(words, _mm256_loadu_si256((const __m256i *)w)));
                sumHi = _mm256_add_epi32(sumHi, _mm256_madd_epi16(words, _mm256_loadu_si256((const __m256i *)(w + 16))));
            }
            __m128i lo = _mm_add_epi32(_mm256_castsi256_si128(sumLo), _mm256_extracti128_si256(sumLo, 1));
            __m128i hi = _mm_add_epi32(_mm256_castsi256_si128(sumHi), _mm256_extracti128_si256(sumHi, 1));
            __m128i total = _mm_add_epi32(_mm_add_epi32(_mm_slli_epi32(hi, 11), lo), _mm_set1_epi32(IRIS_HALF));
            int32_t lanes[4];
            _mm_storeu_si128((__m128i *)lanes, total);
            uint32_t s0 = (uint32_t)lanes[0], s1 = (uint32_t)lanes[1], s2 = (uint32_t)lanes[2];
            for (; t < n; t++) {  // the very end of the buffer
                const uint32_t wt = (uint32_t)k[t];
                s0 += p[3 * t] * wt;
                s1 += p[3 * t + 1] * wt;
                s2 += p[3 * t + 2] * wt;
            }
            out[3 * x] = iris_clip8((int32_t)s0);
            out[3 * x + 1] = iris_clip8((int32_t)s1);
            out[3 * x + 2] = iris_clip8((int32_t)s2);
        }
    }
}

/// Builds the split 16-bit weight table for columns [firstColumn, firstColumn + outColumns); NULL if a
/// weight is too large to split into int16 halves (then the scalar kernel runs) or on allocation failure.
static int16_t *split_weights(int outColumns, int firstColumn, const int32_t *counts, const int32_t *weights,
                              int taps, int *groupsOut) {
    const int groups = (taps + 3) / 4;
    int16_t *table = (int16_t *)calloc((size_t)outColumns * groups * 32, sizeof(int16_t));
    if (!table) return NULL;
    for (int x = 0; x < outColumns; x++) {
        const int xx = firstColumn + x;
        const int32_t *k = weights + (size_t)xx * taps;
        for (int t = 0; t < counts[xx]; t++) {
            if (k[t] >= (1 << 25) || k[t] <= -(1 << 25)) {
                free(table);
                return NULL;
            }
            const int16_t lo = (int16_t)(k[t] & 2047), hi = (int16_t)(k[t] >> 11);
            int16_t *group = table + ((size_t)x * groups + t / 4) * 32;
            const int within = t % 4;          // a, b in the low lane; c, d in the high lane
            const int lane = within / 2, slot = within % 2;
            for (int c = 0; c < 4; c++) {
                group[lane * 8 + c * 2 + slot] = lo;
                group[16 + lane * 8 + c * 2 + slot] = hi;
            }
        }
    }
    *groupsOut = groups;
    return table;
}

// 32 output bytes at a time in four registers, running down all taps before storing (no accumulator traffic).
__attribute__((target("avx2"))) static void vertical_avx2(const uint8_t *src, size_t rowBytes, uint8_t *dst,
                                                          int outRows, int firstOutRow, int rowOffset,
                                                          const int32_t *starts, const int32_t *counts,
                                                          const int32_t *weights, int taps, int32_t *acc) {
    (void)acc;
    const __m256i half = _mm256_set1_epi32(IRIS_HALF);
    for (int y = 0; y < outRows; y++) {
        const int yy = firstOutRow + y;
        const int32_t *k = weights + (size_t)yy * taps;
        const uint8_t *first = src + (size_t)(starts[yy] - rowOffset) * rowBytes;
        const int n = counts[yy];
        uint8_t *out = dst + (size_t)y * rowBytes;
        size_t i = 0;
        for (; i + 32 <= rowBytes; i += 32) {
            __m256i a0 = half, a1 = half, a2 = half, a3 = half;
            const uint8_t *in = first + i;
            for (int t = 0; t < n; t++, in += rowBytes) {
                const __m256i w = _mm256_set1_epi32(k[t]);
                const __m256i bytes = _mm256_loadu_si256((const __m256i *)in);
                const __m128i lo = _mm256_castsi256_si128(bytes), hi = _mm256_extracti128_si256(bytes, 1);
                a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(lo), w));
                a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)), w));
                a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(hi), w));
                a3 = _mm256_add_epi32(a3, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)), w));
            }
            a0 = _mm256_srai_epi32(a0, IRIS_PRECISION_BITS);
            a1 = _mm256_srai_epi32(a1, IRIS_PRECISION_BITS);
            a2 = _mm256_srai_epi32(a2, IRIS_PRECISION_BITS);
            a3 = _mm256_srai_epi32(a3, IRIS_PRECISION_BITS);
            // Saturating packs clamp to 0...255 exactly as clip8 does; permute undoes the per-lane interleave.
            __m256i words01 = _mm256_packs_epi32(a0, a1), words23 = _mm256_packs_epi32(a2, a3);
            __m256i packed = _mm256_packus_epi16(words01, words23);
            packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *)(out + i), packed);
        }
        for (; i < rowBytes; i++) {
            uint32_t sum = IRIS_HALF;
            const uint8_t *in = first + i;
            for (int t = 0; t < n; t++, in += rowBytes) sum += *in * (uint32_t)k[t];
            out[i] = iris_clip8((int32_t)sum);
        }
    }
}

static int iris_cpu_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return cached;
}
#endif

static volatile int iris_simd_allowed = 1;

int iris_resample_set_simd(int enabled) {
    iris_simd_allowed = enabled ? 1 : 0;
#ifdef IRIS_HAVE_AVX2_PATH
    return enabled && iris_cpu_has_avx2();
#else
    return 0;
#endif
}

// MARK: entry points

void iris_resample_horizontal_rgb(const uint8_t *src, size_t srcStride, size_t srcBytes, int rows, uint8_t *dst,
                                  size_t dstStride, int outColumns, int firstColumn, const int32_t *starts,
                                  const int32_t *counts, const int32_t *weights, int taps) {
#ifdef IRIS_HAVE_AVX2_PATH
    if (iris_simd_allowed && iris_cpu_has_avx2()) {
        int groups = 0;
        int16_t *table = split_weights(outColumns, firstColumn, counts, weights, taps, &groups);
        if (table) {
            horizontal_avx2(src, srcStride, rows, dst, dstStride, outColumns, firstColumn, starts, counts, weights,
                            taps, src + srcBytes, table, groups);
            free(table);
            return;
        }
    }
#endif
    (void)srcBytes;
    horizontal_scalar(src, srcStride, rows, dst, dstStride, outColumns, firstColumn, starts, counts, weights, taps);
}

void iris_resample_vertical_rgb(const uint8_t *src, size_t rowBytes, uint8_t *dst, int outRows, int firstOutRow,
                                int rowOffset, const int32_t *starts, const int32_t *counts, const int32_t *weights,
                                int taps, int32_t *accumulator) {
#ifdef IRIS_HAVE_AVX2_PATH
    if (iris_simd_allowed && iris_cpu_has_avx2()) {
        vertical_avx2(src, rowBytes, dst, outRows, firstOutRow, rowOffset, starts, counts, weights, taps, accumulator);
        return;
    }
#endif
    vertical_scalar(src, rowBytes, dst, outRows, firstOutRow, rowOffset, starts, counts, weights, taps, accumulator);
}
