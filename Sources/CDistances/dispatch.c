// Chooses the kernels once per process from what the CPU reports (no -march=native in the build).
#include "kernels.h"

static int detect_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return CD_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CD_LEVEL_AVX2;
    return CD_LEVEL_SCALAR;
}

int cd_best_level(void) {
    static int level = -1;
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l < 0) { l = detect_level(); __atomic_store_n(&level, l, __ATOMIC_RELAXED); }
    return l;
}

static const cd_distance_fn table[3][5] = {
    {cd_cosine_scalar, cd_neg_dot_scalar, cd_l2sq_scalar, cd_manhattan_scalar, cd_hamming_scalar},
    {cd_cosine_avx2, cd_neg_dot_avx2, cd_l2sq_avx2, cd_manhattan_avx2, cd_hamming_avx2},
    {cd_cosine_avx512, cd_neg_dot_avx512, cd_l2sq_avx512, cd_manhattan_avx512, cd_hamming_avx512},
};

cd_distance_fn cd_kernel_at(int metric, int level) {
    if (metric < 0 || metric > 4 || level < 0 || level > cd_best_level()) return 0;
    return table[level][metric];
}

cd_distance_fn cd_kernel(int metric) { return cd_kernel_at(metric, cd_best_level()); }

float cd_dot(const float *a, const float *b, size_t n) {
    switch (cd_best_level()) {
    case CD_LEVEL_AVX512: return cd_dot_avx512(a, b, n);
    case CD_LEVEL_AVX2: return cd_dot_avx2(a, b, n);
    default: return cd_dot_scalar(a, b, n);
    }
}

void cd_prefetch_range(const void *p, size_t bytes) {
    const char *c = (const char *)p;
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0, 3);
}
