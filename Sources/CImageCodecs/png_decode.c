// PNG through libpng, reproducing PIL's modes followed by convert('RGB'):
//   gray 1/2/4/8 bit -> values scaled to 8 bits (0/255, *85, *17) and replicated;
//   gray 16 bit (PIL mode I;16) -> clamped to 255, NOT scaled;
//   every other 16-bit type -> the high byte (PIL's ";16B" raw modes);
//   palette -> looked up in PLTE, indices past it give gray (i, i, i) as in Pillow <= 10 (Pillow 13: black),
//   tRNS ignored;
//   alpha channels and tRNS dropped (no compositing); gamma, ICC and sBIT ignored.
#include <setjmp.h>
#include <png.h>
#include "codec_common.h"

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} iris_png_source;

static void iris_png_read(png_structp png, png_bytep dst, png_size_t length) {
    iris_png_source *src = (iris_png_source *)png_get_io_ptr(png);
    if (length > src->size - src->offset) png_error(png, "truncated PNG data (unexpected end of file)");
    memcpy(dst, src->data + src->offset, length);
    src->offset += length;
}

typedef struct {
    char message[200];
} iris_png_error_state;

static void iris_png_error(png_structp png, png_const_charp msg) {
    iris_png_error_state *state = (iris_png_error_state *)png_get_error_ptr(png);
    snprintf(state->message, sizeof(state->message), "%s", msg);
    png_longjmp(png, 1);
}

static void iris_png_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

iris_img_status iris_img_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                    size_t dest_capacity, iris_img_result *out) {
    memset(out, 0, sizeof(*out));
    // Check the IHDR size (always the first chunk) before libpng walks the chunks up to IDAT.
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        const uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 | (uint32_t)data[18] << 8 | data[19];
        const uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 | (uint32_t)data[22] << 8 | data[23];
        if (w <= 0x7fffffffu && h <= 0x7fffffffu && iris_too_large(w, h, max_pixels)) {
            out->width = w;
            out->height = h;
            return iris_fail(out, IRIS_IMG_TOO_LARGE, "PNG is %ux%u = %llu pixels, over the limit of %llu", (unsigned)w,
                             (unsigned)h, (unsigned long long)w * h, (unsigned long long)max_pixels);
        }
    }
    iris_png_source src = {data, size, 0};
    iris_png_error_state state = {{0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, iris_png_error, iris_png_warning);
    if (!png) return iris_fail(out, IRIS_IMG_NO_MEMORY, "cannot create a PNG reader");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return iris_fail(out, IRIS_IMG_NO_MEMORY, "cannot create a PNG reader");
    }
    // Touched after setjmp, so volatile keeps their values valid on the error path.
    uint8_t *volatile raw = NULL;
    png_bytep *volatile rows = NULL;

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(raw);
        free(rows);
        return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt PNG data: %s", state.message);
    }
    png_set_read_fn(png, &src, iris_png_read);
    // Our own pixel-count guard replaces libpng's default 1,000,000-pixel side limit.
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bitDepth = 0, colorType = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bitDepth, &colorType, &interlace, NULL, NULL);
    if (iris_too_large(width, height, max_pixels)) {
        png_destroy_read_struct(&png, &info, NULL);
        out->width = (uint32_t)(width > 0xFFFFFFFFu ? 0xFFFFFFFFu : width);
        out->height = (uint32_t)(height > 0xFFFFFFFFu ? 0xFFFFFFFFu : height);
        return iris_fail(out, IRIS_IMG_TOO_LARGE, "PNG is %ux%u = %llu pixels, over the limit of %llu",
                         (unsigned)width, (unsigned)height, (unsigned long long)width * height,
                         (unsigned long long)max_pixels);
    }

    out->width = width;
    out->height = height;
    if (!dest) {  // probe
        png_destroy_read_struct(&png, &info, NULL);
        return IRIS_IMG_OK;
    }
    if (!iris_fits(width, height, dest_capacity)) {
        png_destroy_read_struct(&png, &info, NULL);
        return iris_fail(out, IRIS_IMG_BUFFER_TOO_SMALL, "output buffer too small for a %ux%u PNG", (unsigned)width,
                         (unsigned)height);
    }
    uint8_t *const rgb = dest;

    png_colorp palette = NULL;
    int paletteSize = 0;
    if (colorType == PNG_COLOR_TYPE_PALETTE) {
        png_get_PLTE(png, info, &palette, &paletteSize);
        png_set_packing(png);  // one index per byte
    } else if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bitDepth == 16 && colorType != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png);  // high byte, as PIL
    if (colorType & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (bitDepth == 16 && colorType == PNG_COLOR_TYPE_GRAY) png_set_swap(png);  // native-endian uint16
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const size_t rowBytes = png_get_rowbytes(png, info);
    const int channels = png_get_channels(png, info);
    const int direct = (channels == 3 && png_get_bit_depth(png, info) == 8);
    if (!direct) raw = (uint8_t *)malloc(rowBytes * (size_t)height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if ((!direct && !raw) || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(raw);
        free(rows);
        return iris_fail(out, IRIS_IMG_NO_MEMORY, "out of memory for a %ux%u PNG", (unsigned)width, (unsigned)height);
    }
    for (size_t y = 0; y < height; y++) rows[y] = direct ? rgb + y * (size_t)width * 3 : raw + y * rowBytes;
    png_read_image(png, rows);

    if (!direct) {
        for (size_t y = 0; y < height; y++) {
            const uint8_t *src = rows[y];
            uint8_t *dst = rgb + y * (size_t)width * 3;
            if (colorType == PNG_COLOR_TYPE_PALETTE) {
                for (size_t x = 0; x < width; x++, dst += 3) {
                    const int index = src[x];
                    if (index < paletteSize) {
                        dst[0] = palette[index].red;
                        dst[1] = palette[index].green;
                        dst[2] = palette[index].blue;
                    } else {  // past PLTE: PIL 9/10's palette is pre-filled with a gray ramp
                        dst[0] = dst[1] = dst[2] = (uint8_t)index;
                    }
                }
            } else if (bitDepth == 16 && colorType == PNG_COLOR_TYPE_GRAY) {  // PIL's I;16 -> RGB clamps
                const uint16_t *src16 = (const uint16_t *)src;
                for (size_t x = 0; x < width; x++, dst += 3) {
                    const uint16_t v = src16[x];
                    dst[0] = dst[1] = dst[2] = (uint8_t)(v > 255 ? 255 : v);
                }
            } else {  // gray or gray+alpha at 8 bits (16-bit gray+alpha already stripped to the high byte)
                for (size_t x = 0; x < width; x++, dst += 3) dst[0] = dst[1] = dst[2] = src[x];
            }
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(raw);
    free(rows);
    return IRIS_IMG_OK;
}
