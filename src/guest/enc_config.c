#include "guest/enc_config.h"

#include "common/log.h"

static const struct {
    uint32_t va;
    uint32_t vw;
} rc_map[] = {
    {VA_RC_CQP, VW_RC_CQP},
    {VA_RC_CBR, VW_RC_CBR},
    {VA_RC_VBR, VW_RC_VBR},
};

#define RC_MAP_LEN (sizeof(rc_map) / sizeof(rc_map[0]))

uint32_t vg_enc_rc_to_va(uint32_t vw_rc)
{
    for (size_t i = 0; i < RC_MAP_LEN; i++)
        if (rc_map[i].vw == vw_rc)
            return rc_map[i].va;
    return 0;
}

static uint32_t va_rc_modes(const struct vw_encode_cap *e)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < RC_MAP_LEN; i++)
        if (e->rc_modes & rc_map[i].vw)
            mask |= rc_map[i].va;
    return mask;
}

uint32_t vg_enc_default_rc(const struct vw_encode_cap *e)
{
    for (size_t i = 0; i < RC_MAP_LEN; i++)
        if (e->rc_modes & rc_map[i].vw)
            return rc_map[i].vw;
    return 0;
}

/* The host encoder honours the number of slices and places them itself on
 * row boundaries, about equal (x264, NVENC). FFmpeg 5.1 keeps the count it
 * was asked for only with ARBITRARY_ROWS (equal rows alone makes it one
 * slice per row); its slices are equal rows anyway. One slice only: no
 * slice structure to choose. */
static uint32_t slice_structure(const struct vw_encode_cap *e)
{
    return e->max_slices > 1
               ? VA_ENC_SLICE_STRUCTURE_EQUAL_ROWS | VA_ENC_SLICE_STRUCTURE_ARBITRARY_ROWS
               : VA_ATTRIB_NOT_SUPPORTED;
}

uint32_t vg_enc_attribute(const struct vw_encode_cap *e, VAConfigAttribType type)
{
    switch (type) {
    case VAConfigAttribRateControl:
        return va_rc_modes(e);
    case VAConfigAttribEncPackedHeaders:
        /* The host writes the whole stream (parameter sets, slice headers, SEI). */
        return VA_ENC_PACKED_HEADER_NONE;
    case VAConfigAttribEncInterlaced:
        return VA_ENC_INTERLACED_NONE;
    case VAConfigAttribEncMaxRefFrames:
        return (uint32_t)e->max_refs_l0 | (uint32_t)e->max_refs_l1 << 16;
    case VAConfigAttribEncMaxSlices:
        return e->max_slices;
    case VAConfigAttribEncSliceStructure:
        return slice_structure(e);
    case VAConfigAttribEncQualityRange:
        return e->quality_levels ? e->quality_levels : VA_ATTRIB_NOT_SUPPORTED;
    default:
        return VA_ATTRIB_NOT_SUPPORTED;
    }
}

/* A value of 0 or VA_ATTRIB_NOT_SUPPORTED asks for nothing. */
static bool asks_nothing(uint32_t v)
{
    return v == 0 || v == VA_ATTRIB_NOT_SUPPORTED;
}

VAStatus vg_enc_check_attribute(const struct vw_encode_cap *e, const VAConfigAttrib *a,
                                uint32_t *rc_mode)
{
    uint32_t have = vg_enc_attribute(e, a->type);
    switch (a->type) {
    case VAConfigAttribRateControl:
        /* Exactly one mode, one the encoder offers. */
        for (size_t i = 0; i < RC_MAP_LEN; i++) {
            if (a->value == rc_map[i].va && (e->rc_modes & rc_map[i].vw)) {
                *rc_mode = rc_map[i].vw;
                return VA_STATUS_SUCCESS;
            }
        }
        vc_warn("encode: rate control 0x%x is not one of the encoder's (0x%x)", a->value, have);
        return VA_STATUS_ERROR_INVALID_VALUE;
    case VAConfigAttribEncPackedHeaders:
    case VAConfigAttribEncInterlaced:
        /* Chromium asks for VA_ENC_PACKED_HEADER_NONE explicitly. */
        if (asks_nothing(a->value))
            return VA_STATUS_SUCCESS;
        vc_warn("encode: config attribute %d = 0x%x: the host encoder writes the whole stream, "
                "progressive, without packed headers", (int)a->type, a->value);
        return VA_STATUS_ERROR_INVALID_VALUE;
    case VAConfigAttribEncMaxRefFrames:
        if (a->value == VA_ATTRIB_NOT_SUPPORTED ||
            ((a->value & 0xffff) <= e->max_refs_l0 && (a->value >> 16) <= e->max_refs_l1))
            return VA_STATUS_SUCCESS;
        return VA_STATUS_ERROR_INVALID_VALUE;
    case VAConfigAttribEncMaxSlices:
        return asks_nothing(a->value) || a->value <= e->max_slices ? VA_STATUS_SUCCESS
                                                                   : VA_STATUS_ERROR_INVALID_VALUE;
    case VAConfigAttribEncSliceStructure:
    case VAConfigAttribEncQualityRange:
        if (asks_nothing(a->value) ||
            (have != VA_ATTRIB_NOT_SUPPORTED &&
             (a->type == VAConfigAttribEncQualityRange ? a->value <= have : !(a->value & ~have))))
            return VA_STATUS_SUCCESS;
        return VA_STATUS_ERROR_INVALID_VALUE;
    default:
        /* Anything else is not offered; asking for "none of it" is harmless. */
        return a->value == VA_ATTRIB_NOT_SUPPORTED ? VA_STATUS_SUCCESS
                                                   : VA_STATUS_ERROR_INVALID_VALUE;
    }
}
