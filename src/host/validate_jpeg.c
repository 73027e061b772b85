/* Checks of the wire JPEG baseline structs (vw_jpeg_picture, vw_jpeg_tables,
 * vw_jpeg_slice) against ITU-T T.81 (baseline sequential, 8-bit), the
 * target surface (its chroma format is the sampling's) and the scans. */
#include <stdbool.h>
#include <string.h>

#include "common/pixel_format.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: JPEG picture params: "
#define TAB "DECODE_BITSTREAM: JPEG tables: "
#define SL "DECODE_BITSTREAM: JPEG slice %u: "

/* The chroma formats decoded, by how many times as often Y is sampled as
 * Cb and Cr (T.81 A.1.1: only the factors' ratios matter; libjpeg writes
 * 4:2:2 as Y 2x1, Cb 1x1, ffmpeg as Y 2x2, Cb 1x2). The sampling decides
 * the target's format. */
static const struct {
    uint8_t ratio_h, ratio_v;
    uint32_t rt_format;                       /* 0: refused */
    const char *name;
} samplings[] = {
    {2, 2, VW_RT_YUV420, "4:2:0"},
    {2, 1, VW_RT_YUV422, "4:2:2"},
    {1, 1, VW_RT_YUV444, "4:4:4"},
    {1, 2, 0, "4:4:0"},
    {4, 1, 0, "4:1:1"},
    {4, 2, 0, "4:1:0"},
};

static int check_sampling(const struct vw_jpeg_picture *p, const struct vh_surface *target,
                          struct vh_error *err)
{
    REQUIRE(p->num_components == 3, VW_ERR_UNSUPPORTED_STREAM,
            PIC "%u component%s (%s): only 3 (YCbCr 4:2:0, 4:2:2, 4:4:4) decode",
            p->num_components, p->num_components == 1 ? "" : "s",
            p->num_components == 1 ? "grayscale" : "not YCbCr");
    unsigned y_h = p->components[0].h_sampling_factor, y_v = p->components[0].v_sampling_factor;
    unsigned cb_h = p->components[1].h_sampling_factor, cb_v = p->components[1].v_sampling_factor;
    unsigned cr_h = p->components[2].h_sampling_factor, cr_v = p->components[2].v_sampling_factor;
    /* Factors are 1..4 (checked above). */
    bool ratios = cb_h == cr_h && cb_v == cr_v && y_h % cb_h == 0 && y_v % cb_v == 0;
    size_t i = 0;
    while (i < sizeof(samplings) / sizeof(samplings[0]) &&
           !(ratios && y_h / cb_h == samplings[i].ratio_h && y_v / cb_v == samplings[i].ratio_v))
        i++;
    bool known = i < sizeof(samplings) / sizeof(samplings[0]);
    REQUIRE(known && samplings[i].rt_format, VW_ERR_UNSUPPORTED_STREAM,
            PIC "sampling %ux%u, %ux%u, %ux%u (%s) not supported: only 4:2:0, 4:2:2, 4:4:4",
            y_h, y_v, cb_h, cb_v, cr_h, cr_v, known ? samplings[i].name : "unusual");
    const struct vc_pixel_format *want = vc_pixel_format_of_rt(samplings[i].rt_format);
    const struct vc_pixel_format *have = vc_pixel_format_of_rt(target->rt_format);
    REQUIRE(target->rt_format == samplings[i].rt_format, VW_ERR_UNSUPPORTED_FORMAT,
            PIC "sampling %ux%u, %ux%u, %ux%u (%s) decodes to %s surfaces, surface %u is %s",
            y_h, y_v, cb_h, cb_v, cr_h, cr_v, samplings[i].name, want->name, target->id,
            have ? have->name : "of another format");
    return VW_OK;
}

int vh_jpeg_check_picture(const struct vw_jpeg_picture *p, const struct vh_surface *target,
                          struct vh_error *err)
{
    REQUIRE(p->reserved[0] == 0 && p->reserved[1] == 0, VW_ERR_MALFORMED,
            PIC "reserved is not 0");
    REQUIRE(p->num_components >= 1 && p->num_components <= VW_JPEG_MAX_COMPONENTS,
            VW_ERR_MALFORMED, PIC "num_components %u outside 1..%u", p->num_components,
            VW_JPEG_MAX_COMPONENTS);
    REQUIRE(p->picture_width >= 1 && p->picture_height >= 1, VW_ERR_MALFORMED,
            PIC "size %ux%u", p->picture_width, p->picture_height);
    REQUIRE(p->picture_width <= target->width && p->picture_height <= target->height,
            VW_ERR_MALFORMED, PIC "picture %ux%u does not fit surface %u (%ux%u)",
            p->picture_width, p->picture_height, target->id, target->width, target->height);
    for (unsigned i = 0; i < p->num_components; i++) {
        REQUIRE(p->components[i].h_sampling_factor >= 1 &&
                    p->components[i].h_sampling_factor <= 4 &&
                    p->components[i].v_sampling_factor >= 1 &&
                    p->components[i].v_sampling_factor <= 4,
                VW_ERR_MALFORMED, PIC "component %u sampling %ux%u outside 1..4", i,
                p->components[i].h_sampling_factor, p->components[i].v_sampling_factor);
        REQUIRE(p->components[i].quantiser_table_selector <= 3, VW_ERR_MALFORMED,
                PIC "component %u quantiser_table_selector %u", i,
                p->components[i].quantiser_table_selector);
        for (unsigned j = 0; j < i; j++)
            REQUIRE(p->components[j].component_id != p->components[i].component_id,
                    VW_ERR_MALFORMED, PIC "components %u and %u share id %u", j, i,
                    p->components[i].component_id);
    }
    for (unsigned i = p->num_components; i < VW_JPEG_MAX_COMPONENTS; i++)
        REQUIRE(p->components[i].component_id == 0 && p->components[i].h_sampling_factor == 0 &&
                    p->components[i].v_sampling_factor == 0 &&
                    p->components[i].quantiser_table_selector == 0,
                VW_ERR_MALFORMED, PIC "unused component %u is not 0", i);
    REQUIRE(p->color_space == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "color_space %u (only 0, YUV)", p->color_space);
    return check_sampling(p, target, err);
}

/* BITS of a canonical Huffman code: at most `max_values` codes that fit
 * (T.81 Annex C: each length's codes follow the shorter ones). */
static int check_huffman(const uint8_t bits[16], const uint8_t *values, unsigned max_values,
                         unsigned max_value, const char *what, unsigned index,
                         struct vh_error *err)
{
    unsigned total = 0;
    uint32_t code = 0;
    for (unsigned len = 1; len <= 16; len++) {
        code = (code << 1) + bits[len - 1];
        total += bits[len - 1];
        REQUIRE(code <= (1u << len), VW_ERR_MALFORMED,
                TAB "%s table %u: more codes of length <= %u than fit", what, index, len);
    }
    REQUIRE(total <= max_values, VW_ERR_MALFORMED, TAB "%s table %u: %u codes, above %u", what,
            index, total, max_values);
    for (unsigned i = 0; i < total; i++)
        REQUIRE(values[i] <= max_value, VW_ERR_MALFORMED,
                TAB "%s table %u: value %u is %u, above %u", what, index, i, values[i],
                max_value);
    return VW_OK;
}

int vh_jpeg_check_tables(const struct vw_jpeg_tables *t, struct vh_error *err)
{
    REQUIRE(t->reserved[0] == 0 && t->reserved[1] == 0, VW_ERR_MALFORMED,
            TAB "reserved is not 0");
    for (unsigned i = 0; i < 4; i++) {
        REQUIRE(t->load_quantiser_table[i] <= 1, VW_ERR_MALFORMED,
                TAB "load_quantiser_table[%u] is %u", i, t->load_quantiser_table[i]);
        /* Entries are not checked: ffmpeg loads all four tables, those
         * the file has not defined all 0; only referenced ones are used. */
    }
    for (unsigned i = 0; i < 2; i++) {
        REQUIRE(t->load_huffman_table[i] <= 1, VW_ERR_MALFORMED,
                TAB "load_huffman_table[%u] is %u", i, t->load_huffman_table[i]);
        REQUIRE(t->huffman_table[i].pad[0] == 0 && t->huffman_table[i].pad[1] == 0,
                VW_ERR_MALFORMED, TAB "Huffman table %u: pad is not 0", i);
        if (!t->load_huffman_table[i])
            continue;
        /* Baseline DC categories 0..11; AC run/size bytes are any value. */
        int st = check_huffman(t->huffman_table[i].num_dc_codes, t->huffman_table[i].dc_values,
                               12, 11, "DC", i, err);
        if (st == VW_OK)
            st = check_huffman(t->huffman_table[i].num_ac_codes,
                               t->huffman_table[i].ac_values, 162, 255, "AC", i, err);
        if (st != VW_OK)
            return st;
    }
    return VW_OK;
}

/* A scan's entropy-coded data ends at its first marker other than RST0-7
 * (T.81 B.1.1.5, B.1.1.2: FF 00 is a stuffed FF; FF bytes before a marker
 * are fill). What follows is marker segments: the next scan's DHT and SOS,
 * EOI (FFmpeg's VA decoder sends each scan through to the end of its
 * packet), or a guest's own SOF of another size. The daemon writes SOI,
 * DQT, DHT, SOF, DRI, SOS and EOI itself from the parameters it checked:
 * everything from that marker on is dropped and reaches no decoder. */
uint32_t vh_jpeg_scan_size(const uint8_t *scan, uint32_t size)
{
    const uint8_t *p = scan, *end = scan + size;
    while ((p = memchr(p, 0xff, (size_t)(end - p))) != NULL) {
        const uint8_t *m = p + 1;
        while (m < end && *m == 0xff)
            m++;
        if (m == end || !(*m == 0 || (*m >= 0xd0 && *m <= 0xd7)))
            return (uint32_t)(p - scan);
        p = m + 1;
    }
    return size;
}

int vh_jpeg_check_slice(const struct vw_jpeg_slice *s, uint32_t index,
                        const struct vw_jpeg_picture *pic, const uint8_t *data, uint32_t size,
                        struct vh_error *err)
{
    REQUIRE(s->reserved == 0, VW_ERR_MALFORMED, SL "reserved is not 0", index);
    REQUIRE(s->slice_data_flag == 0, VW_ERR_MALFORMED, SL "slice_data_flag %u (only 0, whole)",
            index, s->slice_data_flag);
    REQUIRE(s->slice_horizontal_position == 0 && s->slice_vertical_position == 0,
            VW_ERR_MALFORMED, SL "position (%u, %u), not (0, 0)", index,
            s->slice_horizontal_position, s->slice_vertical_position);
    REQUIRE(s->num_components >= 1 && s->num_components <= pic->num_components,
            VW_ERR_MALFORMED, SL "num_components %u outside 1..%u", index, s->num_components,
            pic->num_components);
    unsigned blocks = 0;
    for (unsigned i = 0; i < s->num_components; i++) {
        unsigned c = 0;
        while (c < pic->num_components &&
               pic->components[c].component_id != s->components[i].component_selector)
            c++;
        REQUIRE(c < pic->num_components, VW_ERR_MALFORMED,
                SL "component_selector %u names no picture component", index,
                s->components[i].component_selector);
        for (unsigned j = 0; j < i; j++)
            REQUIRE(s->components[j].component_selector != s->components[i].component_selector,
                    VW_ERR_MALFORMED, SL "component %u twice", index,
                    s->components[i].component_selector);
        REQUIRE(s->components[i].dc_table_selector <= 1 && s->components[i].ac_table_selector <= 1,
                VW_ERR_MALFORMED, SL "component %u table selectors %u/%u (baseline: 0..1)",
                index, i, s->components[i].dc_table_selector,
                s->components[i].ac_table_selector);
        blocks += pic->components[c].h_sampling_factor * pic->components[c].v_sampling_factor;
    }
    for (unsigned i = s->num_components; i < VW_JPEG_MAX_COMPONENTS; i++)
        REQUIRE(s->components[i].component_selector == 0 &&
                    s->components[i].dc_table_selector == 0 &&
                    s->components[i].ac_table_selector == 0,
                VW_ERR_MALFORMED, SL "unused component %u is not 0", index, i);
    /* T.81 B.2.3: an interleaved MCU has at most 10 blocks. */
    REQUIRE(s->num_components == 1 || blocks <= 10, VW_ERR_MALFORMED,
            SL "%u blocks an MCU, above 10", index, blocks);
    return VW_OK;
}
