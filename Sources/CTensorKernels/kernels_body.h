// The kernel bodies, written as plain loops the compiler vectorises. Included once per instruction
// set by kernels.c with TK_SUFFIX and TK_TARGET defined. No libm calls inside the loops (they would
// stop vectorisation): exp is a Cephes-style polynomial, rounding uses the 1.5*2^23 trick.
#ifndef TK_SUFFIX
#error "define TK_SUFFIX and TK_TARGET before including"
#endif
#define TK_CAT2(a, b) a##_##b
#define TK_CAT(a, b) TK_CAT2(a, b)
#define TK_FN(name) TK_CAT(name, TK_SUFFIX)

TK_TARGET static void TK_FN(quick_gelu)(float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v / (1.0f + tk_expf_inline(-1.702f * v));
    }
}

TK_TARGET static void TK_FN(gelu_erf)(float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * tk_one_plus_erf_inline(v * 0.70710678118654752f);
    }
}

TK_TARGET static void TK_FN(gelu_tanh)(float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
        x[i] = 0.5f * v * (1.0f + tk_tanh_inline(u));
    }
}

TK_TARGET static void TK_FN(tanh)(float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = tk_tanh_inline(x[i]);
}

TK_TARGET static void TK_FN(exp)(float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = tk_expf_inline(x[i]);
}

TK_TARGET static void TK_FN(softmax_rows)(float *x, size_t rows, size_t cols, size_t stride) {
#pragma clang fp reassociate(on)
    for (size_t r = 0; r < rows; r++) {
        float *restrict row = x + r * stride;
        float m = row[0];
        for (size_t i = 1; i < cols; i++) m = row[i] > m ? row[i] : m;
        float sum = 0.0f;
        for (size_t i = 0; i < cols; i++) {
            float e = tk_expf_inline(row[i] - m);
            row[i] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (size_t i = 0; i < cols; i++) row[i] *= inv;
    }
}

TK_TARGET static void TK_FN(layer_norm)(const float *x, size_t xstride, float *y, size_t ystride, size_t rows,
                                        size_t cols, const float *restrict gamma, const float *restrict beta,
                                        float eps) {
#pragma clang fp reassociate(on)
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * xstride;
        float *yr = y + r * ystride;
        float sum = 0.0f;
        for (size_t i = 0; i < cols; i++) sum += xr[i];
        float mean = sum / (float)cols;
        float ss = 0.0f;
        for (size_t i = 0; i < cols; i++) {
            float d = xr[i] - mean;
            ss += d * d;
        }
        float inv = 1.0f / sqrtf(ss / (float)cols + eps);
        for (size_t i = 0; i < cols; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
    }
}

TK_TARGET static void TK_FN(add_bias)(float *x, size_t rows, size_t cols, size_t stride, const float *restrict bias) {
    for (size_t r = 0; r < rows; r++) {
        float *restrict row = x + r * stride;
        for (size_t i = 0; i < cols; i++) row[i] += bias[i];
    }
}

TK_TARGET static void TK_FN(add)(float *restrict y, const float *restrict x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

TK_TARGET static void TK_FN(scale)(float *restrict x, size_t n, float s) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

#undef TK_FN
#undef TK_CAT
#undef TK_CAT2
