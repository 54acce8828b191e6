#pragma once
// Distance kernels for the vector index. Each metric has a scalar, an AVX2+FMA and an AVX-512 variant;
// `cd_kernel(metric)` returns the best one this CPU supports, chosen once (no -march=native needed).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A distance between two float vectors of length n (smaller is closer).
typedef float (*cd_distance_fn)(const float *a, const float *b, size_t n);

/// Metric codes, matching Swift's DistanceMetric order.
enum {
    CD_METRIC_COSINE = 0,    // 1 - a.b (both vectors pre-normalised)
    CD_METRIC_DOT = 1,       // -(a.b)
    CD_METRIC_L2SQ = 2,      // sum (a_i - b_i)^2
    CD_METRIC_MANHATTAN = 3, // sum |a_i - b_i|
    CD_METRIC_HAMMING = 4,   // count of a_i != b_i
};

/// Instruction-set levels.
enum { CD_LEVEL_SCALAR = 0, CD_LEVEL_AVX2 = 1, CD_LEVEL_AVX512 = 2 };

/// The best level this CPU supports (detected once).
int cd_best_level(void);
/// The kernel for `metric` at `level` (NULL if the CPU lacks that level or the metric is unknown).
cd_distance_fn cd_kernel_at(int metric, int level);
/// The kernel for `metric` at the best supported level.
cd_distance_fn cd_kernel(int metric);

/// Plain dot product at the best level (used for normalisation).
float cd_dot(const float *a, const float *b, size_t n);

/// Hints the CPU to fetch `bytes` starting at p into cache (for the next vector in a graph walk).
static inline void cd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
void cd_prefetch_range(const void *p, size_t bytes);

/// Tiny spin lock on one byte (per graph node; cheaper than a mutex per node).
static inline void cd_spin_lock(uint8_t *lock) {
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) { __builtin_ia32_pause(); }
    }
}
static inline void cd_spin_unlock(uint8_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

/// Atomic 32-bit load/store for neighbour counts read by concurrent searches.
static inline uint32_t cd_load_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void cd_store_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/// Atomic fetch-and-add (work distribution in parallel bulk inserts, random-level counter).
static inline uint64_t cd_fetch_add_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

/// A fast 64-bit checksum (four-lane multiply-rotate mix) for snapshot integrity, chainable via `seed`.
uint64_t cd_checksum64(const void *data, size_t bytes, uint64_t seed);

#ifdef __cplusplus
}
#endif
