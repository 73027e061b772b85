/* Baseline JPEG on the host's VA driver: the wire structs back into VA's
 * (src/guest/jpeg.c is the other way). The optional block holds the
 * quantisation and Huffman tables, two buffers here, each sent only with
 * a table to load (the others stay as last loaded, as in VA); each slice
 * is a scan's entropy-coded data. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_jpeg_picture *in = pic->jpeg;
    VAPictureParameterBufferJPEGBaseline *out = params;
    memset(out, 0, sizeof(*out));
    out->picture_width = in->picture_width;
    out->picture_height = in->picture_height;
    /* num_components is at most 4 (validate_jpeg.c). */
#define COPY(f) out->components[i].f = in->components[i].f;
    for (unsigned i = 0; i < in->num_components; i++) {
        VW_JPEG_PICTURE_COMPONENT_VA_FIELDS(COPY)
    }
#undef COPY
    out->num_components = in->num_components;
    out->color_space = in->color_space;
    out->rotation = VA_ROTATION_NONE;
}

static bool any(const uint8_t *flags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (flags[i])
            return true;
    return false;
}

static bool quantiser_tables(const struct vh_picture *pic, void *params)
{
    const struct vw_jpeg_tables *in = pic->jpeg_tables;
    if (!in || !any(in->load_quantiser_table, 4))
        return false;
    VAIQMatrixBufferJPEGBaseline *out = params;
    memset(out, 0, sizeof(*out));
    static_assert(sizeof(out->load_quantiser_table) == sizeof(in->load_quantiser_table) &&
                      sizeof(out->quantiser_table) == sizeof(in->quantiser_table),
                  "quantisation tables of the same shape");
    memcpy(out->load_quantiser_table, in->load_quantiser_table,
           sizeof(out->load_quantiser_table));
    memcpy(out->quantiser_table, in->quantiser_table, sizeof(out->quantiser_table));
    return true;
}

static bool huffman_tables(const struct vh_picture *pic, void *params)
{
    const struct vw_jpeg_tables *in = pic->jpeg_tables;
    if (!in || !any(in->load_huffman_table, 2))
        return false;
    VAHuffmanTableBufferJPEGBaseline *out = params;
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 2; i++) {
        out->load_huffman_table[i] = in->load_huffman_table[i];
#define COPY(f)                                                                              \
    static_assert(sizeof(out->huffman_table[i].f) == sizeof(in->huffman_table[i].f),         \
                  #f " of the same shape");                                                  \
    memcpy(out->huffman_table[i].f, in->huffman_table[i].f, sizeof(out->huffman_table[i].f));
        COPY(num_dc_codes)
        COPY(dc_values)
        COPY(num_ac_codes)
        COPY(ac_values)
#undef COPY
    }
    return true;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_jpeg_slice *in = slice->jpeg;
    VASliceParameterBufferJPEGBaseline *out = params;
    memset(out, 0, sizeof(*out));
#define COPY(f) out->f = in->f;
    VW_JPEG_SLICE_VA_FIELDS(COPY)
#undef COPY
    /* num_components is at most 4 (validate_jpeg.c). */
#define COPY(f) out->components[i].f = in->components[i].f;
    for (unsigned i = 0; i < in->num_components; i++) {
        VW_JPEG_SLICE_COMPONENT_VA_FIELDS(COPY)
    }
#undef COPY
    return VW_OK;
}

static_assert(sizeof(VAPictureParameterBufferJPEGBaseline) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferJPEGBaseline) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAHuffmanTableBufferJPEGBaseline) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferJPEGBaseline) <= VAAPI_PARAMS_MAX,
              "VA's JPEG structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_jpeg_class = {
    .name = "JPEG",
    .picture_size = sizeof(VAPictureParameterBufferJPEGBaseline),
    .iq_size = sizeof(VAIQMatrixBufferJPEGBaseline),
    .extra_type = VAHuffmanTableBufferType,
    .extra_size = sizeof(VAHuffmanTableBufferJPEGBaseline),
    .slice_size = sizeof(VASliceParameterBufferJPEGBaseline),
    .picture = picture_params,
    .iq = quantiser_tables,
    .extra = huffman_tables,
    .slice = slice_params,
};
