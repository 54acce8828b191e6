// Portable reference kernels: the fallback on CPUs without AVX2, and the semantics the SIMD paths match.
#include "kernels.h"
#include <math.h>

float cd_dot_scalar(const float *a, const float *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
float cd_neg_dot_scalar(const float *a, const float *b, size_t n) { return -cd_dot_scalar(a, b, n); }
float cd_cosine_scalar(const float *a, const float *b, size_t n) { return 1.0f - cd_dot_scalar(a, b, n); }

float cd_l2sq_scalar(const float *a, const float *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) { float d = a[i] - b[i]; s += d * d; }
    return s;
}

float cd_manhattan_scalar(const float *a, const float *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) s += fabsf(a[i] - b[i]);
    return s;
}

float cd_hamming_scalar(const float *a, const float *b, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += (a[i] != b[i]);
    return (float)c;
}
