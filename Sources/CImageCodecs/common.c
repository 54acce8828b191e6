#include "codec_common.h"

void iris_img_free(uint8_t *rgb) { free(rgb); }
