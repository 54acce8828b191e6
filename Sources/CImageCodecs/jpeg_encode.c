// JPEG encoding through libjpeg-turbo, for the console's thumbnails: 8-bit RGB in, baseline 4:2:0 JPEG out.
// libjpeg reports errors by calling error_exit, which must not return; as in the decoder it longjmps back
// here so a bad argument becomes a status, never an abort.
#include "codec_common.h"  // stdio/stddef first: jpeglib.h needs FILE and size_t
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} iris_jpeg_encode_error;

static void iris_jpeg_encode_error_exit(j_common_ptr cinfo) {
    iris_jpeg_encode_error *err = (iris_jpeg_encode_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void iris_jpeg_encode_silent(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

// Our own growable memory destination (instead of jpeg_mem_dest, which frees and replaces its buffer as
// it grows, so the error path could not tell which pointer is still live): `data` is always the one
// allocation to free.
typedef struct {
    struct jpeg_destination_mgr pub;
    uint8_t *data;
    size_t capacity;
    size_t used;  // bytes written, set when compression finishes
} iris_jpeg_memory_dest;

static void iris_dest_init(j_compress_ptr cinfo) {
    iris_jpeg_memory_dest *d = (iris_jpeg_memory_dest *)cinfo->dest;
    d->pub.next_output_byte = d->data;
    d->pub.free_in_buffer = d->capacity;
}

static boolean iris_dest_grow(j_compress_ptr cinfo) {
    iris_jpeg_memory_dest *d = (iris_jpeg_memory_dest *)cinfo->dest;
    // Called when the buffer is full: everything up to capacity is written.
    size_t grown = d->capacity * 2;
    uint8_t *bigger = (uint8_t *)realloc(d->data, grown);
    if (!bigger) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
    d->data = bigger;
    d->pub.next_output_byte = bigger + d->capacity;
    d->pub.free_in_buffer = grown - d->capacity;
    d->capacity = grown;
    return TRUE;
}

static void iris_dest_term(j_compress_ptr cinfo) {
    iris_jpeg_memory_dest *d = (iris_jpeg_memory_dest *)cinfo->dest;
    d->used = d->capacity - d->pub.free_in_buffer;
}

iris_img_status iris_img_encode_jpeg(const uint8_t *rgb, size_t rgb_size, uint32_t width, uint32_t height,
                                     int quality, uint8_t **out_data, size_t *out_size, iris_img_result *out) {
    struct jpeg_compress_struct cinfo;
    iris_jpeg_encode_error err;
    // On the heap: its fields change between setjmp and a longjmp, which leaves automatic variables indeterminate.
    iris_jpeg_memory_dest *dest;

    memset(out, 0, sizeof(*out));
    *out_data = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
        return iris_fail(out, IRIS_IMG_UNSUPPORTED, "cannot encode a %ux%u JPEG (1...%d pixels per side)",
                         width, height, JPEG_MAX_DIMENSION);
    if ((uint64_t)width * height * 3 > (uint64_t)rgb_size)
        return iris_fail(out, IRIS_IMG_BUFFER_TOO_SMALL, "%zu RGB bytes for a %ux%u image", rgb_size, width, height);
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;

    dest = (iris_jpeg_memory_dest *)calloc(1, sizeof(*dest));
    // A start that fits most thumbnails at once (about a tenth of the raw size), at least 16 KiB.
    if (dest) {
        dest->capacity = (size_t)width * height * 3 / 10 + 16384;
        dest->data = (uint8_t *)malloc(dest->capacity);
    }
    if (!dest || !dest->data) {
        free(dest);
        return iris_fail(out, IRIS_IMG_NO_MEMORY, "out of memory for a %ux%u JPEG", width, height);
    }
    dest->pub.init_destination = iris_dest_init;
    dest->pub.empty_output_buffer = iris_dest_grow;
    dest->pub.term_destination = iris_dest_term;

    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = iris_jpeg_encode_error_exit;
    err.pub.emit_message = iris_jpeg_encode_silent;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(dest->data);
        free(dest);
        return iris_fail(out, IRIS_IMG_CORRUPT, "JPEG encoding failed: %s", err.message);
    }
    jpeg_create_compress(&cinfo);
    cinfo.dest = &dest->pub;
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.optimize_coding = TRUE;  // a few percent smaller for thumbnails, at little cost
    jpeg_start_compress(&cinfo, TRUE);
    const size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    out->width = width;
    out->height = height;
    *out_data = dest->data;
    *out_size = dest->used;
    free(dest);
    return IRIS_IMG_OK;
}

void iris_img_free(void *data) { free(data); }
