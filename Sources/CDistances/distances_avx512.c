// AVX-512F kernels: 16 floats per step, the tail through a mask register.
#include "kernels.h"
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __mmask16 tail_mask16(size_t rem) { return (__mmask16)((1u << rem) - 1u); }

AVX512 float cd_dot_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}
AVX512 float cd_neg_dot_avx512(const float *a, const float *b, size_t n) { return -cd_dot_avx512(a, b, n); }
AVX512 float cd_cosine_avx512(const float *a, const float *b, size_t n) { return 1.0f - cd_dot_avx512(a, b, n); }

AVX512 static inline __m512 sq_diff_acc16(const float *a, const float *b, __m512 acc) {
    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
    return _mm512_fmadd_ps(d, d, acc);
}

AVX512 float cd_l2sq_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = sq_diff_acc16(a + i, b + i, s0);
        s1 = sq_diff_acc16(a + i + 16, b + i + 16, s1);
        s2 = sq_diff_acc16(a + i + 32, b + i + 32, s2);
        s3 = sq_diff_acc16(a + i + 48, b + i + 48, s3);
    }
    for (; i + 16 <= n; i += 16) s0 = sq_diff_acc16(a + i, b + i, s0);
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

AVX512 float cd_manhattan_avx512(const float *a, const float *b, size_t n) {
    const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
    __m512 s = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s = _mm512_add_ps(s, _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(d), absmask)));
    }
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s = _mm512_add_ps(s, _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(d), absmask)));
    }
    return _mm512_reduce_add_ps(s);
}

AVX512 float cd_hamming_avx512(const float *a, const float *b, size_t n) {
    size_t count = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 ne = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), _CMP_NEQ_UQ);
        count += (size_t)__builtin_popcount((unsigned)ne);
    }
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        __mmask16 ne = _mm512_mask_cmp_ps_mask(m, _mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), _CMP_NEQ_UQ);
        count += (size_t)__builtin_popcount((unsigned)ne);
    }
    return (float)count;
}
