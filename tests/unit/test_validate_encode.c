/*
 * ENCODE_BITSTREAM's checks (validate_encode.c) at their edges: a good
 * picture passes; each limit passes at its edge and fails one step past it
 * with the status the protocol names; the sequence may change its rate
 * fields only. The e2e test hostile_encode sends the same through the wire.
 */
#include <string.h>

#include "check.h"
#include "host/validate_encode.h"

static const struct vw_encode_cap cap = {
    .profile = VW_PROFILE_H264_HIGH, .rt_formats = VW_RT_YUV420,
    .rc_modes = VW_RC_CQP | VW_RC_CBR | VW_RC_VBR, .max_refs_l0 = 1, .max_refs_l1 = 0,
    .max_slices = 1, .quality_levels = 4, .min_qp = 1, .max_qp = 51};
static struct vh_surface input = {.id = 9, .width = 1920, .height = 1080,
                                  .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};

static struct vw_encode_bitstream good(void)
{
    return (struct vw_encode_bitstream){
        .codec_id = 3, .codec = VW_CODEC_H264,
        .sequence = {.rc_mode = VW_RC_CQP, .frame_rate_num = 30, .frame_rate_den = 1,
                     .ip_period = 1, .bit_depth = 8, .entropy_cabac = 1, .transform_8x8 = 1,
                     .crop_bottom = 8},
        .picture = {.type = VW_PICTURE_IDR, .qp = 26, .num_slices = 1},
        .coded = {.location = VW_LOC_ARENA, .offset = 4096, .size = 1 << 20}};
}

static int run(const struct vw_encode_bitstream *eb, const struct vw_encode_sequence *prev)
{
    struct vh_encode_context ctx = {.codec_id = 3, .profile = VW_PROFILE_H264_HIGH,
                                    .width = 1920, .height = 1088, .cap = &cap,
                                    .input = &input, .prev = prev, .arena_size = 8 << 20};
    struct vh_error err = {0};
    int st = vh_encode_check(eb, &ctx, &err);
    /* Every refusal names what it refused. */
    if (st != VW_OK)
        CHECK(strstr(err.message, "ENCODE_BITSTREAM: ") == err.message);
    return st;
}

static void test_good_and_edges(void)
{
    struct vw_encode_bitstream eb = good();
    CHECK_EQ(run(&eb, NULL), VW_OK);
    uint32_t w, h;
    vh_encode_display_size(&eb, 1920, 1088, &w, &h);
    CHECK(w == 1920 && h == 1080);
    eb.picture.qp = 51;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.picture.qp = 52;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    eb = good();
    eb.picture.qp = 0;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    /* The coded buffer: up to the arena's end, not a byte past it. */
    eb = good();
    eb.coded.offset = (8 << 20) - 100;
    eb.coded.size = 100;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.coded.size = 101;
    CHECK_EQ(run(&eb, NULL), VW_ERR_OUT_OF_BOUNDS);
    eb.coded = (struct vw_data_ref){.location = VW_LOC_INLINE, .size = VH_ENCODE_MAX_INLINE};
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.coded.size++;
    CHECK_EQ(run(&eb, NULL), VW_ERR_LIMIT);
    /* Frame rates 1/1000 .. 1000. */
    eb = good();
    eb.sequence.frame_rate_num = 1000;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.sequence.frame_rate_num = 1001;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    eb.sequence.frame_rate_num = 1;
    eb.sequence.frame_rate_den = 1000;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.sequence.frame_rate_den = 1001;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    /* The input surface holds the display size (not the coded size). */
    eb = good();
    input.height = 1078;
    CHECK_EQ(run(&eb, NULL), VW_ERR_RESOLUTION);
    input.height = 1080;
    input.rt_format = VW_RT_YUV420_10;
    CHECK_EQ(run(&eb, NULL), VW_ERR_UNSUPPORTED_FORMAT);
    input.rt_format = VW_RT_YUV420;
}

static void test_rate_modes(void)
{
    struct vw_encode_bitstream eb = good();
    eb.sequence.rc_mode = VW_RC_VBR;
    eb.picture.qp = 0;
    eb.sequence.bits_per_second = 4000000;
    eb.sequence.max_bits_per_second = 4000000;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.sequence.max_bits_per_second = 3999999;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    eb.sequence.rc_mode = VW_RC_CBR;
    eb.sequence.max_bits_per_second = 0;
    eb.sequence.hrd_buffer_bits = 8000000;
    eb.sequence.hrd_initial_bits = 8000000;
    CHECK_EQ(run(&eb, NULL), VW_OK);
    eb.sequence.hrd_initial_bits = 8000001;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    eb.sequence.hrd_initial_bits = 0;
    eb.sequence.bits_per_second = 0x80000000u;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
    eb.sequence.bits_per_second = 1000000;
    eb.picture.qp = 30;
    CHECK_EQ(run(&eb, NULL), VW_ERR_MALFORMED);
}

static void test_profiles(void)
{
    struct vw_encode_bitstream eb = good();
    struct vh_encode_context ctx = {.codec_id = 3, .profile = VW_PROFILE_H264_MAIN,
                                    .width = 1920, .height = 1088, .cap = &cap,
                                    .input = &input, .arena_size = 8 << 20};
    struct vh_error err;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_ERR_MALFORMED); /* 8x8 in Main */
    eb.sequence.transform_8x8 = 0;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_OK);
    ctx.profile = VW_PROFILE_H264_CONSTRAINED_BASELINE;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_ERR_MALFORMED); /* CABAC */
    eb.sequence.entropy_cabac = 0;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_OK);
    /* HEVC levels are 30 x the level; H.264's are 10 x. */
    ctx.profile = VW_PROFILE_HEVC_MAIN;
    eb.codec = VW_CODEC_HEVC;
    eb.sequence.level_idc = 123;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_OK);
    eb.sequence.level_idc = 41;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_ERR_MALFORMED);
    eb.sequence.bit_depth = 10;
    CHECK_EQ(vh_encode_check(&eb, &ctx, &err), VW_ERR_MALFORMED);
}

static void test_sequence_changes(void)
{
    struct vw_encode_bitstream first = good();
    struct vw_encode_bitstream eb = good();
    eb.picture.type = VW_PICTURE_P;
    CHECK_EQ(run(&eb, NULL), VW_ERR_STATE);        /* the first must be IDR */
    CHECK_EQ(run(&eb, &first.sequence), VW_OK);
    eb.sequence.min_qp = 10;                        /* a rate field */
    eb.sequence.max_qp = 40;
    CHECK_EQ(run(&eb, &first.sequence), VW_OK);
    /* Every other field is the sequence's: each one changed alone. */
    static const size_t offsets[] = {
        offsetof(struct vw_encode_sequence, ip_period),
        offsetof(struct vw_encode_sequence, quality_level),
        offsetof(struct vw_encode_sequence, crop_bottom),
        offsetof(struct vw_encode_sequence, level_idc),
        offsetof(struct vw_encode_sequence, idr_period),
    };
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        eb = good();
        eb.picture.type = VW_PICTURE_P;
        uint8_t *p = (uint8_t *)&eb.sequence + offsets[i];
        *p = *p ? 0 : 1;
        if (offsets[i] == offsetof(struct vw_encode_sequence, level_idc))
            *p = 41;
        if (offsets[i] == offsetof(struct vw_encode_sequence, crop_bottom))
            *p = 0;
        CHECK_EQ(run(&eb, &first.sequence), VW_ERR_STATE);
    }
    eb = good();
    eb.picture.type = VW_PICTURE_B;
    CHECK_EQ(run(&eb, &first.sequence), VW_ERR_UNSUPPORTED_STREAM);
}

int main(void)
{
    test_good_and_edges();
    test_rate_modes();
    test_profiles();
    test_sequence_changes();
    return check_finish("test_validate_encode");
}
