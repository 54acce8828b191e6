// Helpers shared by the decoders (internal, not part of the public header).
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CImageCodecs.h"

static inline iris_img_status iris_fail(iris_img_result *out, iris_img_status status, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(out->message, sizeof(out->message), fmt, args);
    va_end(args);
    return status;
}

/// Guards against decompression bombs: refuse before allocating width * height * 3 bytes.
static inline int iris_too_large(uint64_t width, uint64_t height, uint64_t max_pixels) {
    return width == 0 || height == 0 ? 0 : (width * height > max_pixels);
}

/// Whether the caller's buffer holds width * height * 3 bytes (sizes already passed the pixel limit).
static inline int iris_fits(uint64_t width, uint64_t height, size_t capacity) {
    return width * height * 3 <= (uint64_t)capacity;
}
