// GIF through giflib: the first frame as PIL presents it. The canvas is the logical screen (grown to fit
// the frame if the frame sticks out), filled with the frame's transparent index when it has one and with
// index 0 otherwise; the frame is drawn with its local colour table or else the global one (no table at
// all: indices are gray levels); indices past the table give gray (i, i, i) as in Pillow <= 10. Transparency is otherwise ignored,
// as convert('RGB') does.
#include <gif_lib.h>
#include "codec_common.h"

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} iris_gif_source;

static int iris_gif_read(GifFileType *gif, GifByteType *dst, int length) {
    iris_gif_source *src = (iris_gif_source *)gif->UserData;
    if (length <= 0) return 0;
    size_t available = src->size - src->offset;
    size_t n = (size_t)length < available ? (size_t)length : available;
    memcpy(dst, src->data + src->offset, n);
    src->offset += n;
    return (int)n;
}

static iris_img_status iris_gif_fail(GifFileType *gif, uint8_t *indices, iris_img_result *out, const char *what) {
    int code = gif ? gif->Error : 0;
    const char *reason = GifErrorString(code);
    if (gif) DGifCloseFile(gif, NULL);
    free(indices);
    return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt GIF data: %s (%s)", what, reason ? reason : "unknown error");
}

iris_img_status iris_img_decode_gif(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                    size_t dest_capacity, iris_img_result *out) {
    memset(out, 0, sizeof(*out));
    iris_gif_source src = {data, size, 0};
    int openError = 0;
    GifFileType *gif = DGifOpen(&src, iris_gif_read, &openError);
    if (!gif) {
        const char *reason = GifErrorString(openError);
        return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt GIF data: %s", reason ? reason : "cannot read the header");
    }

    int transparent = -1;
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR) return iris_gif_fail(gif, NULL, out, "bad record");
        if (type == TERMINATE_RECORD_TYPE) return iris_gif_fail(gif, NULL, out, "no image in the file");
        if (type == EXTENSION_RECORD_TYPE) {
            int code = 0;
            GifByteType *ext = NULL;
            if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) return iris_gif_fail(gif, NULL, out, "bad extension");
            if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) {
                transparent = (ext[1] & 1) ? ext[4] : -1;
            }
            while (ext) {
                if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) return iris_gif_fail(gif, NULL, out, "bad extension");
            }
            continue;
        }
        if (type != IMAGE_DESC_RECORD_TYPE) continue;
        if (DGifGetImageDesc(gif) == GIF_ERROR) return iris_gif_fail(gif, NULL, out, "bad image descriptor");
        break;
    }

    const GifImageDesc *desc = &gif->Image;
    const uint64_t left = (uint64_t)desc->Left, top = (uint64_t)desc->Top;
    const uint64_t frameW = (uint64_t)desc->Width, frameH = (uint64_t)desc->Height;
    uint64_t width = (uint64_t)gif->SWidth, height = (uint64_t)gif->SHeight;
    if (left + frameW > width) width = left + frameW;
    if (top + frameH > height) height = top + frameH;
    if (iris_too_large(width, height, max_pixels) || iris_too_large(frameW, frameH, max_pixels)) {
        DGifCloseFile(gif, NULL);
        out->width = (uint32_t)(width > 0xFFFFFFFFu ? 0xFFFFFFFFu : width);
        out->height = (uint32_t)(height > 0xFFFFFFFFu ? 0xFFFFFFFFu : height);
        return iris_fail(out, IRIS_IMG_TOO_LARGE, "GIF is %llux%llu = %llu pixels, over the limit of %llu",
                         (unsigned long long)width, (unsigned long long)height,
                         (unsigned long long)(width * height), (unsigned long long)max_pixels);
    }
    if (width == 0 || height == 0) return iris_gif_fail(gif, NULL, out, "empty image");
    out->width = (uint32_t)width;
    out->height = (uint32_t)height;
    if (!dest) {  // probe
        DGifCloseFile(gif, NULL);
        return IRIS_IMG_OK;
    }
    if (!iris_fits(width, height, dest_capacity)) {
        DGifCloseFile(gif, NULL);
        return iris_fail(out, IRIS_IMG_BUFFER_TOO_SMALL, "output buffer too small for a %llux%llu GIF",
                         (unsigned long long)width, (unsigned long long)height);
    }
    uint8_t *const rgb = dest;
    uint8_t *indices = (uint8_t *)malloc((size_t)(width * height));
    if (!indices) {
        DGifCloseFile(gif, NULL);
        return iris_fail(out, IRIS_IMG_NO_MEMORY, "out of memory for a %llux%llu GIF", (unsigned long long)width,
                         (unsigned long long)height);
    }
    memset(indices, transparent >= 0 ? transparent : 0, (size_t)(width * height));

    if (frameW > 0 && frameH > 0) {
        static const int interlacedStart[4] = {0, 4, 2, 1};
        static const int interlacedStep[4] = {8, 8, 4, 2};
        if (desc->Interlace) {
            for (int pass = 0; pass < 4; pass++) {
                for (uint64_t y = interlacedStart[pass]; y < frameH; y += interlacedStep[pass]) {
                    if (DGifGetLine(gif, indices + (top + y) * width + left, (int)frameW) == GIF_ERROR)
                        return iris_gif_fail(gif, indices, out, "bad image data");
                }
            }
        } else {
            for (uint64_t y = 0; y < frameH; y++) {
                if (DGifGetLine(gif, indices + (top + y) * width + left, (int)frameW) == GIF_ERROR)
                    return iris_gif_fail(gif, indices, out, "bad image data");
            }
        }
    }

    const ColorMapObject *map = desc->ColorMap ? desc->ColorMap : gif->SColorMap;
    const size_t count = (size_t)(width * height);
    if (map) {
        uint8_t table[256 * 3];
        for (int i = 0; i < 256; i++) table[3 * i] = table[3 * i + 1] = table[3 * i + 2] = (uint8_t)i;  // PIL's ramp
        const int entries = map->ColorCount < 256 ? map->ColorCount : 256;
        for (int i = 0; i < entries; i++) {
            table[3 * i] = map->Colors[i].Red;
            table[3 * i + 1] = map->Colors[i].Green;
            table[3 * i + 2] = map->Colors[i].Blue;
        }
        for (size_t i = 0; i < count; i++) memcpy(rgb + 3 * i, table + 3 * indices[i], 3);
    } else {
        for (size_t i = 0; i < count; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = indices[i];
    }
    DGifCloseFile(gif, NULL);
    free(indices);
    return IRIS_IMG_OK;
}
