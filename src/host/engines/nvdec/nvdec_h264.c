/*
 * H.264 on NVDEC: each VA picture becomes the same Annex-B access unit the
 * sw engine builds (h264_annexb.h: parameter sets rebuilt from VA, then the
 * slice NALs); nvdec_codec.c feeds it to the cuvid parser. A new size comes
 * with a new SPS on an IDR picture: the decoder is recreated (as before
 * VP9/VP8 shared this code), never reconfigured.
 */
#include "host/codecs/h264_annexb.h"
#include "host/engines/nvdec/nvdec_internal.h"

struct nvdec_h264 {
    struct vh_h264_au_builder au;
    struct vh_h264_au_plan plan;              /* of the picture being written */
};

static int h264_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                            struct vh_error *err)
{
    struct nvdec_h264 *h = c->priv;
    int rc = vh_h264_au_plan(&h->au, pic, &h->plan, "nvdec", err);
    if (rc)
        return rc;
    *size = (size_t)h->plan.size;     /* nvdec_codec.c refuses more than 4 GiB */
    return VW_OK;
}

static void h264_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    struct nvdec_h264 *h = c->priv;
    vh_h264_au_write(&h->au, pic, &h->plan, out);
}

static void h264_priv_fini(void *priv)
{
    struct nvdec_h264 *h = priv;
    vh_h264_au_fini(&h->au);
}

const struct nvdec_codec_class nvdec_h264_class = {
    .name = "H.264",
    .cuvid_codec = cudaVideoCodec_H264,
    .kind = NVDEC_KIND_H264,
    .reconfigure = false,
    .show_existing = false,
    .priv_size = sizeof(struct nvdec_h264),
    .priv_fini = h264_priv_fini,
    .packet_size = h264_packet_size,
    .packet_write = h264_packet_write,
    .may_recreate = NULL,                     /* a new SPS size comes on an IDR */
    .picture_size = NULL,                     /* the coded picture, as on sw */
};
