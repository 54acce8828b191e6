// CImageCodecs: a thin C layer over the system image libraries (libjpeg-turbo, libpng, giflib, libwebp);
// decoders for every format, and one JPEG encoder (console thumbnails).
//
// Every decoder turns the encoded bytes into 8-bit interleaved RGB exactly as Pillow's
// `Image.open(...).convert('RGB')` would (alpha dropped, palettes expanded, CMYK converted with PIL's
// formula, 16-bit gray clamped). Errors never abort the process: libjpeg/libpng errors are caught with
// setjmp/longjmp and reported through the status code and `message`.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    IRIS_IMG_OK = 0,
    IRIS_IMG_CORRUPT = 1,      ///< the bytes are not a valid image of this format (or are truncated)
    IRIS_IMG_TOO_LARGE = 2,    ///< width * height exceeds max_pixels (checked before the pixel buffer is allocated)
    IRIS_IMG_UNSUPPORTED = 3,  ///< a valid file using a feature this decoder does not handle
    IRIS_IMG_NO_MEMORY = 4,
    IRIS_IMG_BUFFER_TOO_SMALL = 5,  ///< `dest_capacity` is below width * height * 3
} iris_img_status;

typedef struct {
    uint32_t width;
    uint32_t height;
    char message[256];   ///< human-readable reason when the status is not IRIS_IMG_OK
} iris_img_result;

// Every decoder works in two calls so that the caller owns the pixel memory (no copy afterwards):
//   dest == NULL: probe. Reads the header, refuses images over max_pixels, sets out->width/height.
//   dest != NULL: decodes width * height * 3 RGB bytes (rows top to bottom) into dest.

/// JPEG (baseline, progressive, grayscale, RGB, CMYK/YCCK with Adobe-inverted polarity as PIL assumes).
iris_img_status iris_img_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                     size_t dest_capacity, iris_img_result *out);
/// JPEG decoded at 1/2, 1/4 or 1/8 scale by libjpeg's DCT scaling: the smallest of those whose longest
/// side is still at least `min_side` (full size when none is). For previews, not PIL-exact; the probe
/// reports the reduced size. The pixel limit applies to the full size.
iris_img_status iris_img_decode_jpeg_reduced(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t min_side,
                                             uint8_t *dest, size_t dest_capacity, iris_img_result *out);
/// PNG (all colour types and bit depths, interlaced or not).
iris_img_status iris_img_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                    size_t dest_capacity, iris_img_result *out);
/// GIF: the first frame on the logical screen, as PIL's frame 0.
iris_img_status iris_img_decode_gif(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                    size_t dest_capacity, iris_img_result *out);
/// WebP (lossy, lossless, extended, animated: first frame), alpha dropped.
iris_img_status iris_img_decode_webp(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                     size_t dest_capacity, iris_img_result *out);

/// Encodes width * height * 3 bytes of interleaved RGB (rows top to bottom) as a baseline JPEG with 4:2:0
/// chroma subsampling at `quality` (clamped to 1...100). On success *out_data holds *out_size bytes that the
/// caller releases with iris_img_free; on failure *out_data is NULL and `out->message` says why.
iris_img_status iris_img_encode_jpeg(const uint8_t *rgb, size_t rgb_size, uint32_t width, uint32_t height,
                                     int quality, uint8_t **out_data, size_t *out_size, iris_img_result *out);
/// Releases memory returned by an encoder.
void iris_img_free(void *data);

/// Pillow's 8-bit horizontal resampling pass over interleaved RGB rows: output column x of row r is
/// clip8(2^21 + sum_t src[r][starts[c] + t] * weights[c * taps + t]) with c = firstColumn + x, t < counts[c].
/// `srcBytes` bounds every read (from `src`).
void iris_resample_horizontal_rgb(const uint8_t *src, size_t srcStride, size_t srcBytes, int rows, uint8_t *dst,
                                  size_t dstStride, int outColumns, int firstColumn, const int32_t *starts,
                                  const int32_t *counts, const int32_t *weights, int taps);
/// Pillow's 8-bit vertical pass: output row y is the weighted sum of source rows starts[yy] - rowOffset + t
/// (yy = firstOutRow + y), each `rowBytes` long. `accumulator` is scratch space of `rowBytes` int32.
void iris_resample_vertical_rgb(const uint8_t *src, size_t rowBytes, uint8_t *dst, int outRows, int firstOutRow,
                                int rowOffset, const int32_t *starts, const int32_t *counts, const int32_t *weights,
                                int taps, int32_t *accumulator);

/// Allows (1, the default) or forbids (0) the AVX2 kernels; both give identical bytes. Returns whether SIMD
/// kernels will be used. For tests of the scalar path.
int iris_resample_set_simd(int enabled);

#ifdef __cplusplus
}
#endif
