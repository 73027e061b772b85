/* ENCODE_BITSTREAM's checks (validate_encode.h). Every field of the wire
 * struct is looked at: reserved ones must be zero, flags must be 0 or 1,
 * values must be what the capability offers. */
#include "host/validate_encode.h"

#include "host/encoder.h"

#include <stddef.h>
#include <string.h>

#define W "ENCODE_BITSTREAM"

static bool bool_ok(uint8_t v)
{
    return v <= 1;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static bool h264_level_ok(uint32_t l)
{
    static const uint8_t levels[] = {0, 9, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32,
                                     40, 41, 42, 50, 51, 52, 60, 61, 62};
    for (size_t i = 0; i < sizeof(levels); i++)
        if (levels[i] == l)
            return true;
    return false;
}

/* general_level_idc is 30 x the level: 1, 2, 2.1, ..., 6.2. */
static bool hevc_level_ok(uint32_t l)
{
    static const uint8_t levels[] = {0, 30, 60, 63, 90, 93, 120, 123, 150, 153, 156,
                                     180, 183, 186};
    for (size_t i = 0; i < sizeof(levels); i++)
        if (levels[i] == l)
            return true;
    return false;
}

/* The fields a running codec may change (they reconfigure the encoder). */
static void clear_rate_fields(struct vw_encode_sequence *q)
{
    q->bits_per_second = 0;
    q->max_bits_per_second = 0;
    q->hrd_buffer_bits = 0;
    q->hrd_initial_bits = 0;
    q->min_qp = 0;
    q->max_qp = 0;
}

static const struct {
    const char *name;
    size_t offset, size;
} seq_fields[] = {
#define F(f) {#f, offsetof(struct vw_encode_sequence, f), sizeof(((struct vw_encode_sequence *)0)->f)}
    F(rc_mode), F(frame_rate_num), F(frame_rate_den), F(intra_period), F(idr_period),
    F(ip_period), F(level_idc), F(bit_depth), F(entropy_cabac), F(transform_8x8),
    F(quality_level), F(crop_left), F(crop_right), F(crop_top), F(crop_bottom),
    F(aspect_ratio_present), F(video_signal_present), F(video_full_range),
    F(colour_description_present), F(colour_primaries), F(transfer_characteristics),
    F(matrix_coefficients), F(timing_info_present), F(sar_width), F(sar_height),
#undef F
};

static int check_unchanged(const struct vw_encode_sequence *now,
                           const struct vw_encode_sequence *prev, struct vh_error *err)
{
    struct vw_encode_sequence a = *now, b = *prev;
    clear_rate_fields(&a);
    clear_rate_fields(&b);
    for (size_t i = 0; i < sizeof(seq_fields) / sizeof(seq_fields[0]); i++)
        if (memcmp((const uint8_t *)&a + seq_fields[i].offset,
                   (const uint8_t *)&b + seq_fields[i].offset, seq_fields[i].size))
            return vh_error_set(err, VW_ERR_STATE, W ": sequence.%s changed: only the rate "
                                "fields may change within a codec (a new sequence is a new "
                                "codec)", seq_fields[i].name);
    return VW_OK;
}

static int check_rate(const struct vw_encode_sequence *q, const struct vw_encode_picture *p,
                      const struct vw_encode_cap *cap, struct vh_error *err)
{
    if (q->rc_mode == 0 || (q->rc_mode & (q->rc_mode - 1)))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": rc_mode 0x%x is not one mode",
                            q->rc_mode);
    if (!(q->rc_mode & cap->rc_modes))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, W ": rc_mode 0x%x not offered "
                            "(rc_modes 0x%x)", q->rc_mode, cap->rc_modes);
    bool cqp = q->rc_mode == VW_RC_CQP;
    if (cqp && (q->bits_per_second || q->max_bits_per_second))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": CQP with bits_per_second %u, "
                            "max_bits_per_second %u (must be 0)", q->bits_per_second,
                            q->max_bits_per_second);
    if (!cqp && q->bits_per_second == 0)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": bits_per_second is 0");
    if (q->rc_mode == VW_RC_CBR && q->max_bits_per_second)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": CBR with max_bits_per_second %u "
                            "(must be 0)", q->max_bits_per_second);
    if (q->rc_mode == VW_RC_VBR && q->max_bits_per_second < q->bits_per_second)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": VBR peak %u below its target %u",
                            q->max_bits_per_second, q->bits_per_second);
    if (q->bits_per_second > INT32_MAX || q->max_bits_per_second > INT32_MAX ||
        q->hrd_buffer_bits > INT32_MAX)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": rate over 2^31 bits");
    if (q->hrd_initial_bits > q->hrd_buffer_bits)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": hrd_initial_bits %u over "
                            "hrd_buffer_bits %u", q->hrd_initial_bits, q->hrd_buffer_bits);
    if ((q->min_qp && (q->min_qp < cap->min_qp || q->min_qp > cap->max_qp)) ||
        (q->max_qp && (q->max_qp < cap->min_qp || q->max_qp > cap->max_qp)) ||
        (q->min_qp && q->max_qp && q->min_qp > q->max_qp))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": QP range %u..%u outside %u..%u",
                            q->min_qp, q->max_qp, cap->min_qp, cap->max_qp);
    if (cqp && (p->qp < cap->min_qp || p->qp > cap->max_qp))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": picture qp %u outside %u..%u", p->qp,
                            cap->min_qp, cap->max_qp);
    if (!cqp && p->qp)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": picture qp %u without CQP (must be 0)",
                            p->qp);
    return VW_OK;
}

static int check_sequence(const struct vw_encode_sequence *q, const struct vh_encode_context *c,
                          struct vh_error *err)
{
    uint32_t kind = vw_codec_of_profile(c->profile);
    if (q->reserved0 || !all_zero(q->reserved, sizeof(q->reserved)))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": sequence reserved fields are not 0");
    if (q->frame_rate_num == 0 || q->frame_rate_den == 0 || q->frame_rate_num > INT32_MAX ||
        q->frame_rate_den > INT32_MAX || q->frame_rate_num > 1000ull * q->frame_rate_den ||
        (uint64_t)q->frame_rate_num * 1000 < q->frame_rate_den)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": frame rate %u/%u outside 1/1000..1000",
                            q->frame_rate_num, q->frame_rate_den);
    if (q->ip_period > 1)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, W ": ip_period %u: no B pictures "
                            "(max_refs_l1 0)", q->ip_period);
    uint8_t depth = c->profile == VW_PROFILE_HEVC_MAIN10 ? 10 : 8;
    if (q->bit_depth != depth)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": bit_depth %u, profile %u is %u-bit",
                            q->bit_depth, c->profile, depth);
    if (kind == VW_CODEC_H264 ? !h264_level_ok(q->level_idc) : !hevc_level_ok(q->level_idc))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": level_idc %u is not a level",
                            q->level_idc);
    if (!bool_ok(q->entropy_cabac) || !bool_ok(q->transform_8x8))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": entropy_cabac %u, transform_8x8 %u "
                            "(0 or 1)", q->entropy_cabac, q->transform_8x8);
    if (kind == VW_CODEC_H264 && c->profile == VW_PROFILE_H264_CONSTRAINED_BASELINE &&
        q->entropy_cabac)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": CABAC in Constrained Baseline");
    if (q->transform_8x8 && c->profile != VW_PROFILE_H264_HIGH)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": transform_8x8 needs H.264 High");
    if (q->quality_level > c->cap->quality_levels)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": quality_level %u over %u",
                            q->quality_level, c->cap->quality_levels);
    if (q->crop_left || q->crop_top)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, W ": crop_left %u, crop_top %u: "
                            "only right and bottom crops are supported", q->crop_left,
                            q->crop_top);
    if (q->crop_right >= c->width || q->crop_bottom >= c->height ||
        ((c->width - q->crop_right) | (c->height - q->crop_bottom)) & 1)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": crops %u right, %u bottom of %ux%u: "
                            "the display size must be even and not empty", q->crop_right,
                            q->crop_bottom, c->width, c->height);
    if (!bool_ok(q->aspect_ratio_present) || !bool_ok(q->video_signal_present) ||
        !bool_ok(q->video_full_range) || !bool_ok(q->colour_description_present) ||
        !bool_ok(q->timing_info_present))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": a VUI flag is not 0 or 1");
    if (!q->aspect_ratio_present ? (q->sar_width || q->sar_height)
                                 : (!q->sar_width || !q->sar_height))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": sar %u:%u with aspect_ratio_present %u",
                            q->sar_width, q->sar_height, q->aspect_ratio_present);
    if (!q->video_signal_present && (q->video_full_range || q->colour_description_present))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": video signal fields without "
                            "video_signal_present");
    if (!q->colour_description_present &&
        (q->colour_primaries || q->transfer_characteristics || q->matrix_coefficients))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": colour description without "
                            "colour_description_present");
    return VW_OK;
}

static int check_picture(const struct vw_encode_picture *p, const struct vh_encode_context *c,
                         struct vh_error *err)
{
    if (!all_zero(p->reserved, sizeof(p->reserved)))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": picture reserved fields are not 0");
    if (p->type < VW_PICTURE_IDR || p->type > VW_PICTURE_B)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": picture type %u unknown", p->type);
    if (p->type == VW_PICTURE_B && c->cap->max_refs_l1 == 0)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, W ": B picture, but the encoder "
                            "takes none (max_refs_l1 0)");
    if (!c->prev && p->type != VW_PICTURE_IDR)
        return vh_error_set(err, VW_ERR_STATE, W ": the first picture of codec %u must be IDR "
                            "(type %u)", c->codec_id, p->type);
    if (p->num_slices < 1 || p->num_slices > c->cap->max_slices)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": num_slices %u outside 1..%u",
                            p->num_slices, c->cap->max_slices);
    return VW_OK;
}

static int check_coded(const struct vw_data_ref *d, const struct vh_encode_context *c,
                       struct vh_error *err)
{
    if (d->reserved)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": coded.reserved is not 0");
    if (d->size == 0)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": coded.size is 0");
    if (d->location == VW_LOC_INLINE) {
        if (d->offset)
            return vh_error_set(err, VW_ERR_MALFORMED, W ": inline coded.offset must be 0");
        if (d->size > VH_ENCODE_MAX_INLINE)
            return vh_error_set(err, VW_ERR_LIMIT, W ": inline coded.size %llu over %u",
                                (unsigned long long)d->size, VH_ENCODE_MAX_INLINE);
        return VW_OK;
    }
    if (d->location != VW_LOC_ARENA)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": coded.location %u unknown",
                            d->location);
    if (d->offset > c->arena_size || d->size > c->arena_size - d->offset)
        return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS, W ": coded [%llu, +%llu) outside the "
                            "arena (%llu bytes)", (unsigned long long)d->offset,
                            (unsigned long long)d->size, (unsigned long long)c->arena_size);
    return VW_OK;
}

void vh_encode_display_size(const struct vw_encode_bitstream *eb, uint32_t width,
                            uint32_t height, uint32_t *dw, uint32_t *dh)
{
    *dw = width - eb->sequence.crop_right;
    *dh = height - eb->sequence.crop_bottom;
}

int vh_encode_check(const struct vw_encode_bitstream *eb, const struct vh_encode_context *c,
                    struct vh_error *err)
{
    if (eb->flags)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": flags 0x%x (must be 0)", eb->flags);
    if (eb->reserved)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": reserved is not 0");
    if (eb->codec != vw_codec_of_profile(c->profile))
        return vh_error_set(err, VW_ERR_MALFORMED, W ": codec %u, codec %u's profile %u is "
                            "codec %u", eb->codec, c->codec_id, c->profile,
                            vw_codec_of_profile(c->profile));
    int st = check_sequence(&eb->sequence, c, err);
    if (st == VW_OK)
        st = check_rate(&eb->sequence, &eb->picture, c->cap, err);
    if (st == VW_OK && c->prev)
        st = check_unchanged(&eb->sequence, c->prev, err);
    if (st == VW_OK)
        st = check_picture(&eb->picture, c, err);
    if (st == VW_OK)
        st = check_coded(&eb->coded, c, err);
    if (st != VW_OK)
        return st;
    uint32_t dw, dh;
    vh_encode_display_size(eb, c->width, c->height, &dw, &dh);
    if (c->input->rt_format != c->cap->rt_formats)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT, W ": input surface %u has "
                            "rt_format 0x%x, profile %u encodes 0x%x", c->input->id,
                            c->input->rt_format, c->profile, c->cap->rt_formats);
    if (c->input->width < dw || c->input->height < dh)
        return vh_error_set(err, VW_ERR_RESOLUTION, W ": input surface %u is %ux%u, smaller "
                            "than the %ux%u picture", c->input->id, c->input->width,
                            c->input->height, dw, dh);
    if (dw < VH_ENCODE_MIN_SIZE || dh < VH_ENCODE_MIN_SIZE)
        return vh_error_set(err, VW_ERR_RESOLUTION, W ": display size %ux%u under %ux%u", dw,
                            dh, VH_ENCODE_MIN_SIZE, VH_ENCODE_MIN_SIZE);
    return VW_OK;
}
