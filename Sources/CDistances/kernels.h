// Internal declarations shared by the kernel files (not part of the public header).
#pragma once
#include "include/CDistances.h"

float cd_dot_scalar(const float *a, const float *b, size_t n);
float cd_neg_dot_scalar(const float *a, const float *b, size_t n);
float cd_cosine_scalar(const float *a, const float *b, size_t n);
float cd_l2sq_scalar(const float *a, const float *b, size_t n);
float cd_manhattan_scalar(const float *a, const float *b, size_t n);
float cd_hamming_scalar(const float *a, const float *b, size_t n);

float cd_dot_avx2(const float *a, const float *b, size_t n);
float cd_neg_dot_avx2(const float *a, const float *b, size_t n);
float cd_cosine_avx2(const float *a, const float *b, size_t n);
float cd_l2sq_avx2(const float *a, const float *b, size_t n);
float cd_manhattan_avx2(const float *a, const float *b, size_t n);
float cd_hamming_avx2(const float *a, const float *b, size_t n);

float cd_dot_avx512(const float *a, const float *b, size_t n);
float cd_neg_dot_avx512(const float *a, const float *b, size_t n);
float cd_cosine_avx512(const float *a, const float *b, size_t n);
float cd_l2sq_avx512(const float *a, const float *b, size_t n);
float cd_manhattan_avx512(const float *a, const float *b, size_t n);
float cd_hamming_avx512(const float *a, const float *b, size_t n);
