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

/// Allocates the RGB output; NULL on overflow or out of memory.
static inline uint8_t *iris_alloc_rgb(uint64_t width, uint64_t height) {
    uint64_t bytes = width * height * 3;
    if (width != 0 && bytes / width / 3 != height) return NULL;
    if (bytes > (uint64_t)SIZE_MAX) return NULL;
    return (uint8_t *)malloc(bytes ? (size_t)bytes : 1);
}
