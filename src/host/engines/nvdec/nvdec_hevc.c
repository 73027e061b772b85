/*
 * HEVC Main, Main10 and Main 4:4:4 on NVDEC: each VA picture becomes the same Annex-B
 * access unit the sw engine builds (hevc_annexb.h: VPS/SPS/PPS synthesized
 * from VA, then the slices with rewritten headers: explicit RPS and list
 * modifications); nvdec_codec.c feeds it to the cuvid parser. A new size
 * comes with a new SPS, which only an IRAP picture activates: the decoder is
 * recreated, as for H.264, never reconfigured.
 */
#include "host/codecs/hevc_annexb.h"
#include "host/engines/nvdec/nvdec_internal.h"

struct nvdec_hevc {
    struct vh_hevc_au_builder au;
    struct vh_hevc_au_plan plan;              /* of the picture being written */
};

static int hevc_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                            struct vh_error *err)
{
    struct nvdec_hevc *h = c->priv;
    /* The parameter sets name the codec's profile, which also bounds the
     * stream's chroma format and depth (vh_hevc_check_profile). */
    h->au.profile = c->profile;
    int rc = vh_hevc_au_plan(&h->au, pic, &h->plan, "nvdec", err);
    if (rc)
        return rc;
    *size = (size_t)h->plan.size;     /* nvdec_codec.c refuses more than 4 GiB */
    return VW_OK;
}

static void hevc_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    (void)pic;
    struct nvdec_hevc *h = c->priv;
    vh_hevc_au_write(&h->au, &h->plan, out);
}

static void hevc_priv_fini(void *priv)
{
    struct nvdec_hevc *h = priv;
    vh_hevc_au_fini(&h->au);
}

/* The coded picture (pic_width/height_in_luma_samples, conformance window
 * not applied), what libavcodec allocates and the sw engine copies. */
static void hevc_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->hevc->pic_width_in_luma_samples;
    *height = pic->hevc->pic_height_in_luma_samples;
}

const struct nvdec_codec_class nvdec_hevc_class = {
    .name = "HEVC",
    .cuvid_codec = cudaVideoCodec_HEVC,
    .kind = NVDEC_KIND_HEVC,
    .reconfigure = false,
    .show_existing = false,
    .priv_size = sizeof(struct nvdec_hevc),
    .priv_fini = hevc_priv_fini,
    .packet_size = hevc_packet_size,
    .packet_write = hevc_packet_write,
    .may_recreate = NULL,                     /* a new SPS comes on an IRAP picture */
    .picture_size = hevc_picture_size,
};
