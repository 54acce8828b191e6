// WebP through libwebp's animation decoder, as PIL does for every WebP file: the first frame composited
// on the canvas in non-premultiplied RGBA, then the alpha channel dropped.
#include <webp/decode.h>
#include <webp/demux.h>
#include "codec_common.h"

iris_img_status iris_img_decode_webp(const uint8_t *data, size_t size, uint64_t max_pixels, uint8_t *dest,
                                     size_t dest_capacity, iris_img_result *out) {
    memset(out, 0, sizeof(*out));
    WebPBitstreamFeatures features;
    VP8StatusCode status = WebPGetFeatures(data, size, &features);
    if (status == VP8_STATUS_UNSUPPORTED_FEATURE)
        return iris_fail(out, IRIS_IMG_UNSUPPORTED, "unsupported WebP feature");
    if (status != VP8_STATUS_OK) return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt WebP data (header status %d)", (int)status);
    // Checked before the decoder allocates its canvas.
    if (iris_too_large((uint64_t)features.width, (uint64_t)features.height, max_pixels)) {
        out->width = (uint32_t)features.width;
        out->height = (uint32_t)features.height;
        return iris_fail(out, IRIS_IMG_TOO_LARGE, "WebP is %dx%d = %llu pixels, over the limit of %llu", features.width,
                         features.height, (unsigned long long)features.width * (unsigned long long)features.height,
                         (unsigned long long)max_pixels);
    }

    out->width = (uint32_t)features.width;
    out->height = (uint32_t)features.height;
    if (!dest) return IRIS_IMG_OK;  // probe: the decoder below would already allocate its canvas

    WebPData input = {data, size};
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return iris_fail(out, IRIS_IMG_NO_MEMORY, "libwebp version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&input, &options);
    if (!decoder) return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt WebP data (cannot parse the container)");
    WebPAnimInfo info;
    if (!WebPAnimDecoderGetInfo(decoder, &info)) {
        WebPAnimDecoderDelete(decoder);
        return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt WebP data (no canvas information)");
    }
    const uint64_t width = info.canvas_width, height = info.canvas_height;
    if (iris_too_large(width, height, max_pixels)) {
        WebPAnimDecoderDelete(decoder);
        out->width = (uint32_t)width;
        out->height = (uint32_t)height;
        return iris_fail(out, IRIS_IMG_TOO_LARGE, "WebP canvas is %llux%llu, over the limit of %llu pixels",
                         (unsigned long long)width, (unsigned long long)height, (unsigned long long)max_pixels);
    }
    uint8_t *rgba = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetNext(decoder, &rgba, &timestamp) || !rgba) {
        WebPAnimDecoderDelete(decoder);
        return iris_fail(out, IRIS_IMG_CORRUPT, "corrupt WebP data (the first frame does not decode)");
    }
    if (width != out->width || height != out->height || !iris_fits(width, height, dest_capacity)) {
        WebPAnimDecoderDelete(decoder);
        return iris_fail(out, IRIS_IMG_BUFFER_TOO_SMALL, "output buffer too small for a %llux%llu WebP canvas",
                         (unsigned long long)width, (unsigned long long)height);
    }
    uint8_t *const rgb = dest;
    const size_t count = (size_t)(width * height);
    for (size_t i = 0; i < count; i++) {
        rgb[3 * i] = rgba[4 * i];
        rgb[3 * i + 1] = rgba[4 * i + 1];
        rgb[3 * i + 2] = rgba[4 * i + 2];
    }
    WebPAnimDecoderDelete(decoder);
    return IRIS_IMG_OK;
}
