// JPEG through libjpeg-turbo with PIL's settings: default (islow) IDCT and fancy upsampling, no EXIF
// orientation, no colour management. Four-channel files are read as CMYK with Adobe (inverted) polarity,
// which PIL always assumes, then converted with PIL's CMYK -> RGB formula.
#include "codec_common.h"  // stdio/stddef first: jpeglib.h needs FILE and size_t
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} iris_jpeg_error;

static void iris_jpeg_error_exit(j_common_ptr cinfo) {
    iris_jpeg_error *err = (iris_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

// Warnings about recoverable corruption are ignored (PIL ignores them too), but running out of data
// means a truncated file, which PIL reports as an error ("image file is truncated").
static void iris_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        iris_jpeg_error *err = (iris_jpeg_error *)cinfo->err;
        snprintf(err->message, sizeof(err->message), "truncated JPEG data (premature end of file)");
        longjmp(err->jump, 1);
    }
}

/// PIL's MULDIV255: a * b / 255 rounded, in integers.
static inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

static inline uint8_t clip8(int v) { return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v)); }

// min_side 0: full size (PIL-exact). Otherwise libjpeg's DCT scaling by 1/2, 1/4 or 1/8, the most that
// keeps the longest side at least min_side: most of a big photo's IDCT and upsampling work is skipped.
static iris_img_status decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t min_side,
                                   uint8_t *dest, size_t dest_capacity, iris_img_result *out) {
    struct jpeg_decompress_struct cinfo;
    iris_jpeg_error err;
    // Touched after setjmp, so volatile keeps its value valid on the error path.
    uint8_t *volatile row = NULL;

    memset(out, 0, sizeof(*out));
    if (size > (size_t)0xFFFFFFFFu) return iris_fail(out, IRIS_IMG_TOO_LARGE, "JPEG data larger than 4 GiB");

    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = iris_jpeg_error_exit;
    err.pub.emit_message = iris_jpeg_emit_message;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt JPEG data: %s", err.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    const uint64_t width = cinfo.image_width, height = cinfo.image_height;
    if (iris_too_large(width, height, max_pixels)) {
        jpeg_destroy_decompress(&cinfo);
        out->width = (uint32_t)width;
        out->height = (uint32_t)height;
        return iris_fail(out, IRIS_IMG_TOO_LARGE, "JPEG is %llux%llu = %llu pixels, over the limit of %llu",
                         (unsigned long long)width, (unsigned long long)height,
                         (unsigned long long)(width * height), (unsigned long long)max_pixels);
    }

    out->width = (uint32_t)width;
    out->height = (uint32_t)height;
    int components = cinfo.num_components;
    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; cmyk = 1; break;
    case JCS_RGB:
    case JCS_YCbCr: cinfo.out_color_space = JCS_RGB; break;
    default:
        jpeg_destroy_decompress(&cinfo);
        return iris_fail(out, IRIS_IMG_UNSUPPORTED, "unsupported JPEG colour space with %d components", components);
    }
    if (min_side > 0) {
        const uint64_t longest = width > height ? width : height;
        unsigned denom = 8;
        while (denom > 1 && (longest + denom - 1) / denom < min_side) denom /= 2;
        cinfo.scale_num = 1;
        cinfo.scale_denom = denom;
        jpeg_calc_output_dimensions(&cinfo);
        out->width = cinfo.output_width;
        out->height = cinfo.output_height;
    }
    if (!dest) {  // probe
        jpeg_destroy_decompress(&cinfo);
        return IRIS_IMG_OK;
    }
    jpeg_start_decompress(&cinfo);

    const size_t outW = cinfo.output_width, outH = cinfo.output_height;
    const int outC = cinfo.output_components;
    if (outW != out->width || outH != out->height || !iris_fits(outW, outH, dest_capacity)) {
        jpeg_destroy_decompress(&cinfo);
        return iris_fail(out, IRIS_IMG_BUFFER_TOO_SMALL, "output buffer too small for a %zux%zu JPEG", outW, outH);
    }
    uint8_t *const rgb = dest;
    if (outC != 3) row = (uint8_t *)malloc(outW * (size_t)outC);
    if (outC != 3 && !row) {
        jpeg_destroy_decompress(&cinfo);
        return iris_fail(out, IRIS_IMG_NO_MEMORY, "out of memory for a %zux%zu JPEG", outW, outH);
    }

    while (cinfo.output_scanline < outH) {
        const size_t y = cinfo.output_scanline;
        uint8_t *dst = rgb + y * outW * 3;
        JSAMPROW target = outC == 3 ? dst : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) {
            snprintf(err.message, sizeof(err.message), "no scanline returned");  // not expected from a memory source
            longjmp(err.jump, 1);
        }
        if (outC == 1) {
            for (size_t x = 0; x < outW; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[x];
        } else if (cmyk) {
            for (size_t x = 0; x < outW; x++) {
                const uint8_t *p = row + 4 * x;
                // Adobe polarity: stored values are inverted; PIL un-inverts, then RGB = (255-K) - C*(255-K)/255.
                const int nk = p[3];  // = 255 - (255 - stored K)
                dst[3 * x + 0] = clip8(nk - muldiv255(255 - p[0], nk));
                dst[3 * x + 1] = clip8(nk - muldiv255(255 - p[1], nk));
                dst[3 * x + 2] = clip8(nk - muldiv255(255 - p[2], nk));
            }
        }
    }
    // All rows are in: like PIL, do not insist on reading up to the EOI marker.
    jpeg_destroy_decompress(&cinfo);
    free(row);
    return IRIS_IMG_OK;
}

iris_img_status iris_img_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                     size_t dest_capacity, iris_img_result *out) {
    return decode_jpeg(data, size, max_pixels, 0, dest, dest_capacity, out);
}

iris_img_status iris_img_decode_jpeg_reduced(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t min_side,
                                             uint8_t *dest, size_t dest_capacity, iris_img_result *out) {
    return decode_jpeg(data, size, max_pixels, min_side > 0 ? min_side : 1, dest, dest_capacity, out);
}
