/* JPEG baseline packer: VAPictureParameterBufferJPEGBaseline /
 * VAIQMatrixBufferJPEGBaseline and/or VAHuffmanTableBufferJPEGBaseline (one
 * optional block, like VP8's IQ + probabilities, but either may come alone:
 * the tables it does not load stay as last loaded on the daemon) /
 * VASliceParameterBufferJPEGBaseline -> vw_jpeg_picture / vw_jpeg_tables /
 * vw_jpeg_slice. The slice data is each scan's entropy-coded data. */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    (void)drv;
    (void)target;
    const VAPictureParameterBufferJPEGBaseline *in = va_in;
    struct vw_jpeg_picture *out = wire;
    memset(out, 0, sizeof(*out));
    if (in->num_components < 1 || in->num_components > VW_JPEG_MAX_COMPONENTS ||
        in->rotation != VA_ROTATION_NONE) {
        vc_warn("JPEG: %u components, rotation %u (1..%u components, no rotation)",
                in->num_components, in->rotation, VW_JPEG_MAX_COMPONENTS);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    out->picture_width = in->picture_width;
    out->picture_height = in->picture_height;
#define COPY(f) out->components[i].f = in->components[i].f;
    for (unsigned i = 0; i < in->num_components; i++) {
        VW_JPEG_PICTURE_COMPONENT_VA_FIELDS(COPY)
    }
#undef COPY
    out->num_components = in->num_components;
    out->color_space = in->color_space;
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_tables(const void *va_iq, const void *va_huff, void *wire)
{
    const VAIQMatrixBufferJPEGBaseline *iq = va_iq;
    const VAHuffmanTableBufferJPEGBaseline *h = va_huff;
    struct vw_jpeg_tables *out = wire;
    memset(out, 0, sizeof(*out));
    static_assert(sizeof(out->quantiser_table) == sizeof(iq->quantiser_table), "quantiser");
    static_assert(sizeof(out->huffman_table) == sizeof(h->huffman_table), "huffman");
    /* Either buffer may be missing (prob_alone): its load flags stay 0. */
    for (int i = 0; i < 4 && iq; i++)
        out->load_quantiser_table[i] = iq->load_quantiser_table[i] != 0;
    if (iq)
        memcpy(out->quantiser_table, iq->quantiser_table, sizeof(out->quantiser_table));
    for (int i = 0; i < 2 && h; i++) {
        out->load_huffman_table[i] = h->load_huffman_table[i] != 0;
#define COPY(f)                                                                       \
    do {                                                                              \
        static_assert(sizeof(out->huffman_table[i].f) == sizeof(h->huffman_table[i].f), \
                      #f " size");                                                    \
        memcpy(out->huffman_table[i].f, h->huffman_table[i].f,                        \
               sizeof(out->huffman_table[i].f));                                      \
    } while (0)
        COPY(num_dc_codes);
        COPY(dc_values);
        COPY(num_ac_codes);
        COPY(ac_values);
#undef COPY
        /* pad stays 0: VA leaves it undefined. */
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    (void)drv;
    const VASliceParameterBufferJPEGBaseline *in = va_in;
    struct vw_jpeg_slice *out = wire;
    memset(out, 0, sizeof(*out));
    if (in->num_components < 1 || in->num_components > 4) {
        vc_warn("JPEG: scan of %u components", in->num_components);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
#define COPY(f) out->f = in->f;
    VW_JPEG_SLICE_VA_FIELDS(COPY)
#undef COPY
#define COPY(f) out->components[i].f = in->components[i].f;
    for (unsigned i = 0; i < in->num_components; i++) {
        VW_JPEG_SLICE_COMPONENT_VA_FIELDS(COPY)
    }
#undef COPY
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_jpeg = {
    .name = "JPEG",
    .vw_codec = VW_CODEC_JPEG,
    .va_picture_size = sizeof(VAPictureParameterBufferJPEGBaseline),
    .va_iq_size = sizeof(VAIQMatrixBufferJPEGBaseline),
    .va_prob_size = sizeof(VAHuffmanTableBufferJPEGBaseline),
    .va_slice_size = sizeof(VASliceParameterBufferJPEGBaseline),
    .wire_picture_size = sizeof(struct vw_jpeg_picture),
    .wire_iq_size = sizeof(struct vw_jpeg_tables),
    .wire_slice_size = sizeof(struct vw_jpeg_slice),
    .prob_alone = true,
    .pack_picture = pack_picture,
    .pack_iq = pack_tables,
    .pack_slice = pack_slice,
};
