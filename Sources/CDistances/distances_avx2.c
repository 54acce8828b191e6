// AVX2+FMA kernels: 8 floats per step, two accumulators for instruction-level parallelism,
// the tail (n % 8) through a masked load so no scalar loop runs for odd dimensions like 50.
#include "kernels.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

static const int32_t tail_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

AVX2 static inline __m256i tail_mask(size_t rem) {
    return _mm256_loadu_si256((const __m256i *)(tail_mask_table + 8 - rem));
}

AVX2 static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

// Four independent accumulators hide the FMA latency (4 cycles): with one or two chains a 512-d
// distance is latency-bound; with four it is bound by the two loads per cycle.
AVX2 float cd_dot_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    if (i + 16 <= n) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        i += 16;
    }
    if (i + 8 <= n) { s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s2); i += 8; }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        s3 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s3);
    }
    return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}
AVX2 float cd_neg_dot_avx2(const float *a, const float *b, size_t n) { return -cd_dot_avx2(a, b, n); }
AVX2 float cd_cosine_avx2(const float *a, const float *b, size_t n) { return 1.0f - cd_dot_avx2(a, b, n); }

AVX2 static inline __m256 sq_diff_acc(const float *a, const float *b, __m256 acc) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b));
    return _mm256_fmadd_ps(d, d, acc);
}

AVX2 float cd_l2sq_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = sq_diff_acc(a + i, b + i, s0);
        s1 = sq_diff_acc(a + i + 8, b + i + 8, s1);
        s2 = sq_diff_acc(a + i + 16, b + i + 16, s2);
        s3 = sq_diff_acc(a + i + 24, b + i + 24, s3);
    }
    if (i + 16 <= n) {
        s0 = sq_diff_acc(a + i, b + i, s0);
        s1 = sq_diff_acc(a + i + 8, b + i + 8, s1);
        i += 16;
    }
    if (i + 8 <= n) { s2 = sq_diff_acc(a + i, b + i, s2); i += 8; }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        s3 = _mm256_fmadd_ps(d, d, s3);
    }
    return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

AVX2 float cd_manhattan_avx2(const float *a, const float *b, size_t n) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_and_ps(absmask, _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
        s1 = _mm256_add_ps(s1, _mm256_and_ps(absmask, _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8))));
    }
    if (i + 8 <= n) {
        s0 = _mm256_add_ps(s0, _mm256_and_ps(absmask, _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
        i += 8;
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        s1 = _mm256_add_ps(s1, _mm256_and_ps(absmask, _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m))));
    }
    return hsum256(_mm256_add_ps(s0, s1));
}

AVX2 float cd_hamming_avx2(const float *a, const float *b, size_t n) {
    // Count "not equal (unordered)" lanes so NaN != NaN, exactly like the scalar `!=`.
    size_t count = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 ne = _mm256_cmp_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), _CMP_NEQ_UQ);
        count += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(ne));
    }
    if (i < n) {
        __m256i m = tail_mask(n - i);
        __m256 ne = _mm256_cmp_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), _CMP_NEQ_UQ);
        count += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(ne));  // masked lanes are 0 == 0
    }
    return (float)count;
}
