// fp32 matrix products for Linear layers against weights packed once at load: y = x W (+ b).
//
// Why not the BLAS: for the few rows of one image (50) or one short text (a handful), OpenBLAS spent as
// much time around its kernel as in it (profile of bench-clip at batch 1: 45% kernel, 12% copying the
// weight into its panel layout on every call, 17% threads yielding while they wait for each other).
// Packing once and splitting columns over the caller's threads leaves only the kernel.
//
// Packed layout: columns in panels of 16 (the last one zero-padded), each panel k rows x 16 floats, so
// the micro-kernel reads its weights as one sequential stream. Loops: blocks of TK_F32_MC rows (they stay
// in L2) x panels x slices of TK_F32_KC of k (a 16 KB weight slice stays in L1 while every 6-row strip of
// the block passes it). Every output value is the same chain of fused multiply-adds in k order whatever
// the row count, the row's position in the batch or the column split, so a text or an image gets the
// same vector alone as in a batch.
#include "CTensorKernels.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define F32_X86 1
#endif

#define F32_NB 16  // columns per panel
#define F32_MR 6   // rows per micro-kernel call (12 accumulators + 2 weight vectors + 1 broadcast in 16 ymm)
#define F32_KC 256 // k per slice: 256 x 16 floats = 16 KB of weights
#define F32_MC 96  // rows per block: 96 x 256 floats = 96 KB of activations

size_t tk_f32_packed_count(size_t k, size_t n) { return (n + F32_NB - 1) / F32_NB * F32_NB * k; }

// Panel by panel with no index division: attention packs K^T and V for every (segment, head), where a plain
// loop over (r, c) with a division per element took two thirds as long as the products it feeds.
void tk_f32_pack_strided(const float *w, size_t rs, size_t cs, size_t k, size_t n, float *packed) {
    for (size_t c0 = 0; c0 < n; c0 += F32_NB) {
        size_t width = n - c0 < F32_NB ? n - c0 : F32_NB;
        float *panel = packed + c0 * k;
        if (width < F32_NB) memset(panel, 0, F32_NB * k * sizeof(float));
        if (cs == 1) {
            for (size_t r = 0; r < k; r++) memcpy(panel + r * F32_NB, w + r * rs + c0, width * sizeof(float));
        } else { // a transposed source: read each column's k values in order
            for (size_t c = 0; c < width; c++) {
                const float *src = w + (c0 + c) * cs;
                for (size_t r = 0; r < k; r++) panel[r * F32_NB + c] = src[r * rs];
            }
        }
    }
}

void tk_f32_pack_weights(const float *w, size_t k, size_t n, float *packed) { tk_f32_pack_strided(w, n, 1, k, n, packed); }

// One micro-kernel call: c[rows][16] (stride ldc) = or += a[rows][kc] (stride lda) x b[kc][16], then
// + bias[16] when given (bias is only passed with the last slice). `next`, when given, is the weight slice
// that comes after b (kc x 16 floats, read by later calls): one cache line of it is prefetched into L2 per
// step of k. For the few rows of one image the weights come from memory, each slice once: without this
// the first strip over a slice waited for memory line by line.
typedef void (*f32_micro_fn)(const float *a, size_t lda, size_t rows, const float *b, size_t kc, float *c, size_t ldc,
                             int accumulate, const float *bias, const float *next);

static void f32_micro_scalar(const float *a, size_t lda, size_t rows, const float *b, size_t kc, float *c, size_t ldc,
                             int accumulate, const float *bias, const float *next) {
    (void)next;
    for (size_t i = 0; i < rows; i++) {
        float acc[F32_NB];
        for (size_t j = 0; j < F32_NB; j++) acc[j] = accumulate ? c[i * ldc + j] : 0.0f;
        for (size_t p = 0; p < kc; p++) {
            float av = a[i * lda + p];
            for (size_t j = 0; j < F32_NB; j++) acc[j] += av * b[p * F32_NB + j];
        }
        for (size_t j = 0; j < F32_NB; j++) c[i * ldc + j] = bias ? acc[j] + bias[j] : acc[j];
    }
}

#ifdef F32_X86
// R rows x 16 columns with every accumulator in a register; R is a constant in each caller below.
__attribute__((target("avx2,fma"), always_inline)) static inline void f32_micro_avx2_rows(
    const int R, const float *a, size_t lda, const float *b, size_t kc, float *c, size_t ldc, int accumulate, const float *bias,
    const float *next) {
    __m256 acc[F32_MR][2];
    for (int i = 0; i < R; i++) {
        acc[i][0] = accumulate ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
        acc[i][1] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
    }
    for (size_t p = 0; p < kc; p++) {
        if (next) _mm_prefetch((const char *)(next + p * F32_NB), _MM_HINT_T1);
        __m256 b0 = _mm256_loadu_ps(b + p * F32_NB), b1 = _mm256_loadu_ps(b + p * F32_NB + 8);
        for (int i = 0; i < R; i++) {
            __m256 av = _mm256_broadcast_ss(a + i * lda + p);
            acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
        }
    }
    if (bias) {
        __m256 bb0 = _mm256_loadu_ps(bias), bb1 = _mm256_loadu_ps(bias + 8);
        for (int i = 0; i < R; i++) {
            acc[i][0] = _mm256_add_ps(acc[i][0], bb0);
            acc[i][1] = _mm256_add_ps(acc[i][1], bb1);
        }
    }
    for (int i = 0; i < R; i++) {
        _mm256_storeu_ps(c + i * ldc, acc[i][0]);
        _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
    }
}

__attribute__((target("avx2,fma"))) static void f32_micro_avx2(const float *a, size_t lda, size_t rows, const float *b,
                                                               size_t kc, float *c, size_t ldc, int accumulate,
                                                               const float *bias, const float *next) {
    switch (rows) {
    case 6: f32_micro_avx2_rows(6, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    case 5: f32_micro_avx2_rows(5, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    case 4: f32_micro_avx2_rows(4, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    case 3: f32_micro_avx2_rows(3, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    case 2: f32_micro_avx2_rows(2, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    default: f32_micro_avx2_rows(1, a, lda, b, kc, c, ldc, accumulate, bias, next); break;
    }
}
#endif

static f32_micro_fn f32_micro(void) {
#ifdef F32_X86
    if (tk_isa() != TK_ISA_SCALAR) return f32_micro_avx2; // AVX-512 machines have AVX2 + FMA too
#endif
    return f32_micro_scalar;
}

void tk_f32_gemm(const float *x, size_t ldx, size_t m, const float *packed, size_t k, size_t n, size_t col0, size_t cols,
                 const float *bias, float *y, size_t ldy) {
    if (m == 0 || cols == 0) return;
    f32_micro_fn micro = f32_micro();
    // col0 is a multiple of 16 (callers split at panels); the last panel may be narrower than 16 columns.
    for (size_t m0 = 0; m0 < m; m0 += F32_MC) {
        size_t mend = m - m0 < F32_MC ? m : m0 + F32_MC;
        for (size_t j = col0; j < col0 + cols; j += F32_NB) {
            const float *panel = packed + (j / F32_NB) * F32_NB * k;
            size_t width = col0 + cols - j < F32_NB ? col0 + cols - j : F32_NB;
            for (size_t k0 = 0; k0 < k; k0 += F32_KC) {
                size_t kc = k - k0 < F32_KC ? k - k0 : F32_KC;
                int last = k0 + kc == k;
                const float *bb = last && bias ? bias + j : NULL;
                // Panels are contiguous, so the next slice follows this one: the rest of this panel, or the
                // next panel of this call's columns. The first strip over a slice prefetches it (kc lines:
                // a hint, so a shorter next slice only means a few lines beyond it).
                const float *slice = panel + k0 * F32_NB;
                const float *next = (!last || j + F32_NB < col0 + cols) ? slice + kc * F32_NB : NULL;
                for (size_t r = m0; r < mend; r += F32_MR) {
                    size_t rows = mend - r < F32_MR ? mend - r : F32_MR;
                    const float *pf = r == m0 ? next : NULL;
                    if (width == F32_NB) {
                        micro(x + r * ldx + k0, ldx, rows, slice, kc, y + r * ldy + j, ldy, k0 > 0, bb, pf);
                    } else { // a narrow last panel goes through a 16-wide scratch tile
                        float tile[F32_MR * F32_NB] = {0}, tb[F32_NB] = {0};
                        for (size_t i = 0; i < rows; i++) memcpy(tile + i * F32_NB, y + (r + i) * ldy + j, width * sizeof(float));
                        if (bb) memcpy(tb, bb, width * sizeof(float));
                        micro(x + r * ldx + k0, ldx, rows, slice, kc, tile, F32_NB, k0 > 0, bb ? tb : NULL, pf);
                        for (size_t i = 0; i < rows; i++) memcpy(y + (r + i) * ldy + j, tile + i * F32_NB, width * sizeof(float));
                    }
                }
            }
        }
    }
}
