// fp32 matrix products for Linear layers against weights packed once at load: y = x W (+ b).
//
// Why not the BLAS: for the few rows of one image (50) or one short text (a handful), OpenBLAS spent as
// much time around its kernel as in it (profile of bench-clip at batch 1: 45% kernel, 12% copying the
// weight into its panel layout on every call, 17% threads yielding while they wait for each other).
// Packing once and splitting columns over the caller's threads leaves only the kernel.
//
// Packed layout: columns in panels of 16 (the last one zero-padded), each panel k rows x 16 floats, so
// the micro-kernel reads its weights as one sequential stream. Loops: blocks of F32_MC rows (they stay
// in L2) x panels x slices of F32_KC of k (a 16 KB weight slice stays in L1 while every strip of rows of
// the block passes it). The AVX2 micro-kernel takes strips of 6 rows against one panel; the AVX-512 one
// strips of 12 rows against two panels side by side (24 zmm accumulators: enough independent chains to
// keep both 512-bit FMA units of an Intel core busy, and two weight loads per 24 FMAs). Every output value
// is the same chain of fused multiply-adds in k order whatever the kernel, the row count, the row's
// position in the batch or the column split, so a text or an image gets the same vector alone as in a
// batch, and the same on AVX2 as on AVX-512.
#include "CTensorKernels.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define F32_X86 1
#endif

#define F32_NB 16  // columns per panel
#define F32_MR 6   // rows per AVX2 micro-kernel call (12 accumulators + 2 weight vectors + 1 broadcast in 16 ymm)
#define F32_MR512 12 // rows per AVX-512 call (24 accumulators + 2 weight vectors + 1 broadcast in 32 zmm)
#define F32_KC 256 // k per slice: 256 x 16 floats = 16 KB of weights
#define F32_MC 96  // rows per block: 96 x 256 floats = 96 KB of activations (a multiple of both strips)

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

// One micro-kernel call: c[rows][16 panels] (stride ldc) = or += a[rows][kc] (stride lda) x the slices
// b[kc][16] of `panels` panels (`pstride` floats apart), then + bias[16 panels] when given (bias is only
// passed with the last slice). `next`, when given, is the weight slice that comes after b in each panel
// (kc x 16 floats, read by later calls): its cache line for step p of k is prefetched into L2 (one per
// panel) at steps pf0, pf0 + pfstep, ... For the few rows of one image the weights come from memory, each
// slice once: without this the first strip over a slice waited for memory line by line.
typedef void (*f32_micro_fn)(const float *a, size_t lda, size_t rows, const float *b, size_t pstride, int panels,
                             size_t kc, float *c, size_t ldc, int accumulate, const float *bias, const float *next,
                             size_t pf0, size_t pfstep);

static void f32_micro_scalar(const float *a, size_t lda, size_t rows, const float *b, size_t pstride, int panels,
                             size_t kc, float *c, size_t ldc, int accumulate, const float *bias, const float *next,
                             size_t pf0, size_t pfstep) {
    (void)next, (void)pf0, (void)pfstep, (void)pstride, (void)panels; // one panel at a time
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
    const float *next, size_t pf0, size_t pfstep) {
    size_t due = next ? pf0 : kc;
    __m256 acc[F32_MR][2];
    for (int i = 0; i < R; i++) {
        acc[i][0] = accumulate ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
        acc[i][1] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
    }
    for (size_t p = 0; p < kc; p++) {
        if (p == due) {
            _mm_prefetch((const char *)(next + p * F32_NB), _MM_HINT_T1);
            due += pfstep;
        }
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
                                                               size_t pstride, int panels, size_t kc, float *c,
                                                               size_t ldc, int accumulate, const float *bias,
                                                               const float *next, size_t pf0, size_t pfstep) {
    (void)pstride, (void)panels; // one panel at a time
    switch (rows) {
    case 6: f32_micro_avx2_rows(6, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    case 5: f32_micro_avx2_rows(5, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    case 4: f32_micro_avx2_rows(4, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    case 3: f32_micro_avx2_rows(3, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    case 2: f32_micro_avx2_rows(2, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    default: f32_micro_avx2_rows(1, a, lda, b, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
    }
}

// R rows x P panels (16 columns each); R and P are constants in each caller below.
__attribute__((target("avx512f,fma"), always_inline)) static inline void f32_micro_avx512_rows(
    const int R, const int P, const float *a, size_t lda, const float *b, size_t pstride, size_t kc, float *c,
    size_t ldc, int accumulate, const float *bias, const float *next, size_t pf0, size_t pfstep) {
    __m512 acc[F32_MR512][2];
    size_t due = next ? pf0 : kc;
    for (int i = 0; i < R; i++)
        for (int q = 0; q < P; q++) acc[i][q] = accumulate ? _mm512_loadu_ps(c + i * ldc + q * F32_NB) : _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++) {
        if (p == due) {
            _mm_prefetch((const char *)(next + p * F32_NB), _MM_HINT_T1);
            if (P == 2) _mm_prefetch((const char *)(next + pstride + p * F32_NB), _MM_HINT_T1);
            due += pfstep;
        }
        __m512 b0 = _mm512_loadu_ps(b + p * F32_NB);
        __m512 b1 = P == 2 ? _mm512_loadu_ps(b + pstride + p * F32_NB) : b0;
        for (int i = 0; i < R; i++) {
            __m512 av = _mm512_set1_ps(a[i * lda + p]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            if (P == 2) acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
        }
    }
    for (int q = 0; q < P; q++) {
        __m512 bb = bias ? _mm512_loadu_ps(bias + q * F32_NB) : _mm512_setzero_ps();
        for (int i = 0; i < R; i++) _mm512_storeu_ps(c + i * ldc + q * F32_NB, bias ? _mm512_add_ps(acc[i][q], bb) : acc[i][q]);
    }
}

#define F32_AVX512_CASE(R, P) case R: f32_micro_avx512_rows(R, P, a, lda, b, pstride, kc, c, ldc, accumulate, bias, next, pf0, pfstep); break;
#define F32_AVX512_ROWS(P) switch (rows) { \
    F32_AVX512_CASE(12, P) F32_AVX512_CASE(11, P) F32_AVX512_CASE(10, P) F32_AVX512_CASE(9, P) F32_AVX512_CASE(8, P) \
    F32_AVX512_CASE(7, P) F32_AVX512_CASE(6, P) F32_AVX512_CASE(5, P) F32_AVX512_CASE(4, P) F32_AVX512_CASE(3, P) \
    F32_AVX512_CASE(2, P) default: f32_micro_avx512_rows(1, P, a, lda, b, pstride, kc, c, ldc, accumulate, bias, next, pf0, pfstep); }

__attribute__((target("avx512f,fma"))) static void f32_micro_avx512(const float *a, size_t lda, size_t rows, const float *b,
                                                                    size_t pstride, int panels, size_t kc, float *c,
                                                                    size_t ldc, int accumulate, const float *bias,
                                                                    const float *next, size_t pf0, size_t pfstep) {
    if (panels == 2) {
        F32_AVX512_ROWS(2)
    } else {
        F32_AVX512_ROWS(1)
    }
}
#endif

// The micro-kernel for the instruction set in use, with its strip height and how many panels it takes at once.
typedef struct { f32_micro_fn micro; size_t mr; int panels; } f32_kernel;

static f32_kernel f32_kernel_for_isa(void) {
#ifdef F32_X86
    switch (tk_isa()) {
    case TK_ISA_AVX512: return (f32_kernel){f32_micro_avx512, F32_MR512, 2};
    case TK_ISA_AVX2: return (f32_kernel){f32_micro_avx2, F32_MR, 1};
    default: break;
    }
#endif
    return (f32_kernel){f32_micro_scalar, F32_MR, 1};
}

void tk_f32_gemm(const float *x, size_t ldx, size_t m, const float *packed, size_t k, size_t n, size_t col0, size_t cols,
                 const float *bias, float *y, size_t ldy) {
    if (m == 0 || cols == 0) return;
    f32_kernel kernel = f32_kernel_for_isa();
    const size_t pstride = F32_NB * k; // floats from one panel to the next
    // col0 is a multiple of 16 (callers split at panels); the last panel may be narrower than 16 columns.
    for (size_t m0 = 0; m0 < m; m0 += F32_MC) {
        size_t mend = m - m0 < F32_MC ? m : m0 + F32_MC;
        for (size_t j = col0; j < col0 + cols;) {
            const float *panel = packed + (j / F32_NB) * pstride;
            size_t left = col0 + cols - j;
            // Two panels at once only when both are full; a narrow last panel goes alone.
            int panels = kernel.panels == 2 && left >= 2 * F32_NB ? 2 : 1;
            size_t width = panels == 2 ? 2 * F32_NB : left < F32_NB ? left : F32_NB;
            for (size_t k0 = 0; k0 < k; k0 += F32_KC) {
                size_t kc = k - k0 < F32_KC ? k - k0 : F32_KC;
                int last = k0 + kc == k;
                const float *bb = last && bias ? bias + j : NULL;
                // The next slice: the rest of these panels, or the first slice of the next panels of this
                // call's columns (kc lines per panel: a hint, so a shorter next slice only means a few lines
                // beyond it). Strip s of the block prefetches every strips-th line from line s, so the reads
                // spread over the whole pass instead of crowding the first strip's: at batch 1 on one
                // thread that took the vision products from 1.15-1.35x their time on cached weights to
                // 1.05-1.08x (bench-clip stream 1, Intel Xeon EMR).
                const float *slice = panel + k0 * F32_NB;
                const float *next = !last ? slice + kc * F32_NB : j + width < col0 + cols ? panel + panels * pstride : NULL;
                size_t strips = (mend - m0 + kernel.mr - 1) / kernel.mr;
                for (size_t r = m0; r < mend; r += kernel.mr) {
                    size_t rows = mend - r < kernel.mr ? mend - r : kernel.mr;
                    size_t pf0 = (r - m0) / kernel.mr;
                    if (width % F32_NB == 0) {
                        kernel.micro(x + r * ldx + k0, ldx, rows, slice, pstride, panels, kc, y + r * ldy + j, ldy, k0 > 0, bb, next, pf0, strips);
                    } else { // a narrow last panel goes through a 16-wide scratch tile
                        float tile[F32_MR512 * F32_NB] = {0}, tb[F32_NB] = {0};
                        for (size_t i = 0; i < rows; i++) memcpy(tile + i * F32_NB, y + (r + i) * ldy + j, width * sizeof(float));
                        if (bb) memcpy(tb, bb, width * sizeof(float));
                        kernel.micro(x + r * ldx + k0, ldx, rows, slice, pstride, 1, kc, tile, F32_NB, k0 > 0, bb ? tb : NULL, next, pf0, strips);
                        for (size_t i = 0; i < rows; i++) memcpy(y + (r + i) * ldy + j, tile + i * F32_NB, width * sizeof(float));
                    }
                }
            }
            j += width;
        }
    }
}
