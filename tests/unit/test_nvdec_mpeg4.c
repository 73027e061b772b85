/*
 * MPEG-4 Part 2 on the nvdec engine without a GPU (a test build's fake
 * CUDA/cuvid, nvdec_fake.c, with cuvidGetDecoderCaps and
 * cuvidDecodePicture wrapped here):
 *  - the engine lists MPEG-4 Simple and Advanced Simple where
 *    cuvidGetDecoderCaps says the GPU decodes cudaVideoCodec_MPEG4, with its
 *    sizes, and not where it says no;
 *  - each VA picture reaches the parser as the bytes the sw engine gives
 *    libavcodec (mpeg4_headers.c on a state of its own): a VOL in front of
 *    the first and every I-VOP, then the VOP start code, the coding type,
 *    the macroblock data; what the fake parser makes of it reaches the
 *    decoder, and the picture lands in the target;
 *  - a quant_precision NVDEC cannot take, data partitioning, interlaced
 *    VOPs (NVDEC decodes them wrongly) and B-VOP distances that do not fit
 *    are refused before the parser.
 */
#define VIVAC_TEST_HOOKS
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host/codecs/mpeg4_headers.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_internal.h"

static CuvidFunctions wrapped;
static tcuvidDecodePicture *real_decode;
static tcuvidGetDecoderCaps *real_caps;
static bool no_mpeg4;                         /* the caps wrapper says no to MPEG-4 */
static int n_decode;
static uint8_t seen[1024];
static unsigned seen_len;
static CUVIDMPEG4PICPARAMS seen_mpeg4;

static CUresult CUDAAPI wrap_decode(CUvideodecoder d, CUVIDPICPARAMS *pp)
{
    n_decode++;
    seen_len = pp->nBitstreamDataLen < sizeof(seen) ? pp->nBitstreamDataLen : sizeof(seen);
    memcpy(seen, pp->pBitstreamData, seen_len);
    seen_mpeg4 = pp->CodecSpecific.mpeg4;
    return real_decode(d, pp);
}

static CUresult CUDAAPI wrap_caps(CUVIDDECODECAPS *c)
{
    CUresult r = real_caps(c);
    if (no_mpeg4 && c->eCodecType == cudaVideoCodec_MPEG4)
        c->bIsSupported = 0;
    return r;
}

static struct nvdec_engine *open_engine(void)
{
    CudaFunctions *cu;
    CuvidFunctions *cv;
    CHECK(nvdec_fake_tables(&cu, &cv));
    wrapped = *cv;
    real_decode = cv->cuvidDecodePicture;
    real_caps = cv->cuvidGetDecoderCaps;
    wrapped.cuvidDecodePicture = wrap_decode;
    wrapped.cuvidGetDecoderCaps = wrap_caps;
    struct nvdec_engine *e = NULL;
    struct vh_error err;
    CHECK_EQ(nvdec_engine_open(&e, cu, &wrapped, &err), VW_OK);
    return e;
}

static const struct vw_cap *find_cap(const struct vw_cap *caps, uint32_t n, uint32_t profile)
{
    for (uint32_t i = 0; i < n; i++)
        if (caps[i].profile == profile)
            return &caps[i];
    return NULL;
}

static void check_caps(void)
{
    for (int say_no = 0; say_no < 2; say_no++) {
        no_mpeg4 = say_no;
        struct nvdec_engine *e = open_engine();
        struct vw_cap caps[64];
        uint32_t n = 0;
        CHECK_EQ(vh_engine_nvdec.query_caps(&e->base, caps, 64, &n), VW_OK);
        const uint32_t profiles[] = {VW_PROFILE_MPEG4_SIMPLE, VW_PROFILE_MPEG4_ADVANCED_SIMPLE};
        for (int i = 0; i < 2; i++) {
            const struct vw_cap *c = find_cap(caps, n, profiles[i]);
            if (say_no) {
                CHECK(c == NULL);
                continue;
            }
            /* The fake's cuvidGetDecoderCaps: 48x16..4096x4096. */
            CHECK(c && strcmp(c->engine_name, "nvdec") == 0);
            CHECK(c && c->rt_formats == VW_RT_YUV420 && c->pixel_format == VW_FOURCC_NV12);
            CHECK(c && c->min_width == 48 && c->max_width == 4096 && c->max_height == 4096);
        }
        CHECK(find_cap(caps, n, VW_PROFILE_H264_HIGH) != NULL);   /* the rest stays */
        struct vh_engine *base = &e->base;
        vh_engine_nvdec.destroy(&base);
    }
    no_mpeg4 = false;
}

/* The macroblock data: 3 bits of the guest's VOP header, macroblocks, the
 * VOP's end stuffing. */
static const uint8_t data[] = {0xb5, 0x5a, 0xc7, 0x9e, 0x3c, 0x8e, 0x7f};

static struct vw_mpeg4_picture make_pic(uint8_t type, int16_t trb, int16_t trd)
{
    struct vw_mpeg4_picture p;
    memset(&p, 0, sizeof(p));
    p.vop_width = 350;
    p.vop_height = 286;
    p.forward_reference_picture = p.backward_reference_picture = VW_INVALID_ID;
    p.chroma_format = 1;
    p.obmc_disable = 1;
    p.quant_precision = 5;
    p.vop_coding_type = type;
    p.intra_dc_vlc_thr = 1;
    p.vop_fcode_forward = type != VW_MPEG4_VOP_I ? 2 : 0;
    p.vop_fcode_backward = type == VW_MPEG4_VOP_B ? 1 : 0;
    p.vop_rounding_type = type == VW_MPEG4_VOP_P;
    p.vop_time_increment_resolution = 25;
    p.TRB = trb;
    p.TRD = trd;
    return p;
}

/* Decodes `mp` through the codec; on success the decoder must have seen
 * exactly the packet mpeg4_headers.c makes on `ref` (the sw engine's). */
static int decode(struct vh_codec *c, struct vh_mpeg4_state *ref, struct vh_surface *target,
                  const struct vw_mpeg4_picture *mp, struct vh_error *err)
{
    struct vw_mpeg4_slice sp = {.slice_data_size = sizeof(data), .macroblock_offset = 3,
                                .quant_scale = 7};
    struct vh_slice slice = {.data = data, .size = sizeof(data), .mpeg4 = &sp};
    struct vh_picture pic = {.codec = VW_CODEC_MPEG4, .mpeg4 = mp, .num_slices = 1,
                             .slices = &slice, .target = target};
    int before = n_decode;
    memset(err, 0, sizeof(*err));
    int rc = vh_engine_nvdec.decode(c, &pic, err);
    if (rc)
        return rc;
    CHECK_EQ(n_decode, before + 1);
    size_t size = 0;
    struct vh_error ignored;
    CHECK_EQ(vh_mpeg4_packet_size(&pic, ref, &size, &ignored), VW_OK);
    uint8_t want[sizeof(seen)];
    CHECK(size <= sizeof(want));
    vh_mpeg4_packet_write(&pic, ref, want);
    CHECK_EQ(seen_len, size);
    CHECK(memcmp(seen, want, size) == 0);
    return rc;
}

/* Where the VOP start code begins in the packet the decoder saw. */
static long vop_at(void)
{
    for (unsigned i = 0; i + 4 < seen_len; i++)
        if (seen[i] == 0 && seen[i + 1] == 0 && seen[i + 2] == 1 && seen[i + 3] == 0xb6)
            return i;
    return -1;
}

static void check_decode(void)
{
    struct nvdec_engine *e = open_engine();
    struct vh_engine *base = &e->base;
    struct vh_error err;
    struct vh_codec_desc desc = {.profile = VW_PROFILE_MPEG4_ADVANCED_SIMPLE,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                                 .width = 352, .height = 288};
    struct vh_codec *c = NULL;
    CHECK_EQ(vh_engine_nvdec.codec_create(base, &desc, &c, &err), VW_OK);
    struct vh_surface target = {.id = 1, .width = 352, .height = 288,
                                .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    CHECK_EQ(vh_engine_nvdec.surface_init(base, &target, &err), VW_OK);
    struct vh_mpeg4_state ref;
    memset(&ref, 0, sizeof(ref));
    static const uint8_t vol_start[] = {0, 0, 1, 0x00, 0, 0, 1, 0x20};

    /* I: the VOL first, then the VOP. */
    struct vw_mpeg4_picture i0 = make_pic(VW_MPEG4_VOP_I, 0, 0);
    CHECK_EQ(decode(c, &ref, &target, &i0, &err), VW_OK);
    CHECK(seen_len > 8 && memcmp(seen, vol_start, 8) == 0);
    long at = vop_at();
    CHECK(at > 8 && seen[at + 4] >> 6 == VW_MPEG4_VOP_I);
    CHECK_EQ(seen_mpeg4.vop_coding_type, 0);
    /* The picture reached the target (the fake fills the slot from the
     * bitstream; a surface never written reads as black, 16 and 128). */
    uint8_t img[352 * 288 * 3 / 2];
    struct vw_image_layout lay = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                  .pitches = {352, 352}, .offsets = {0, 352 * 288}};
    struct vh_rect whole = {0, 0, 352, 288};
    CHECK_EQ(vh_engine_nvdec.surface_read(base, &target, &whole, &lay, img, &err), VW_OK);
    bool black = true;
    for (size_t k = 0; k < 352 * 16; k++)
        black &= img[k] == 16;
    CHECK(!black);

    /* P three ticks later: no VOL, the VOP start code first. */
    struct vw_mpeg4_picture p3 = make_pic(VW_MPEG4_VOP_P, 0, 3);
    CHECK_EQ(decode(c, &ref, &target, &p3, &err), VW_OK);
    CHECK_EQ(vop_at(), 0);
    CHECK_EQ(seen[4] >> 6, VW_MPEG4_VOP_P);
    CHECK_EQ(seen_mpeg4.vop_coding_type, 1);
    /* B between them. */
    struct vw_mpeg4_picture b1 = make_pic(VW_MPEG4_VOP_B, 1, 3);
    CHECK_EQ(decode(c, &ref, &target, &b1, &err), VW_OK);
    CHECK_EQ(vop_at(), 0);
    CHECK_EQ(seen[4] >> 6, VW_MPEG4_VOP_B);
    CHECK_EQ(seen_mpeg4.vop_coding_type, 2);

    /* Refused before the parser: a B-VOP whose TRD is not its references',
     * a vop_quant size NVDEC has no field for. */
    int decodes = n_decode;
    struct vw_mpeg4_picture bad = make_pic(VW_MPEG4_VOP_B, 1, 4);
    CHECK_EQ(decode(c, &ref, &target, &bad, &err), VW_ERR_MALFORMED);
    bad = make_pic(VW_MPEG4_VOP_P, 0, 2);
    bad.quant_precision = 4;
    CHECK_EQ(decode(c, &ref, &target, &bad, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "quant_precision 4") != NULL);
    /* What NVDEC decodes wrongly (measured on an H100). */
    bad = make_pic(VW_MPEG4_VOP_P, 0, 2);
    bad.data_partitioned = 1;
    CHECK_EQ(decode(c, &ref, &target, &bad, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "data partitioning") != NULL);
    bad = make_pic(VW_MPEG4_VOP_P, 0, 2);
    bad.interlaced = 1;
    CHECK_EQ(decode(c, &ref, &target, &bad, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "interlaced") != NULL);
    CHECK_EQ(n_decode, decodes);
    /* The stream goes on as if they had not come. */
    struct vw_mpeg4_picture p5 = make_pic(VW_MPEG4_VOP_P, 0, 2);
    CHECK_EQ(decode(c, &ref, &target, &p5, &err), VW_OK);
    /* The next I-VOP repeats the VOL. */
    struct vw_mpeg4_picture i6 = make_pic(VW_MPEG4_VOP_I, 0, 1);
    CHECK_EQ(decode(c, &ref, &target, &i6, &err), VW_OK);
    CHECK(memcmp(seen, vol_start, 8) == 0);

    vh_engine_nvdec.surface_fini(base, &target);
    vh_engine_nvdec.codec_destroy(&c);
    CHECK(c == NULL);
    vh_engine_nvdec.destroy(&base);
}

int main(void)
{
    setenv("VIVAC_TEST_FAKE_NVDEC", "352x288", 1);
    check_caps();
    check_decode();
    return check_finish("test_nvdec_mpeg4");
}
