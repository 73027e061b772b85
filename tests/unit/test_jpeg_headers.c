/* The rebuilt JPEG interchange format, parsed back segment by segment as
 * ITU-T T.81 B.2 reads it: the marker order, every SOF0/SOS field, the DQT
 * and DHT contents (only the tables used), DRI where a scan has restarts,
 * the scans' data as given, and the tables kept between pictures. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "host/codecs/jpeg_headers.h"
#include "host/engine.h"

struct parser {
    const uint8_t *p;
    size_t size, pos;
};

static unsigned u8(struct parser *r)
{
    return r->pos < r->size ? r->p[r->pos++] : 0x100u;
}

static unsigned u16(struct parser *r)
{
    unsigned hi = u8(r);
    return hi << 8 | u8(r);
}

/* The next marker (0xffxx), or 0. */
static unsigned marker(struct parser *r)
{
    if (u8(r) != 0xff)
        return 0;
    return 0xff00u | u8(r);
}

static struct vw_jpeg_picture make_pic(void)
{
    struct vw_jpeg_picture p;
    memset(&p, 0, sizeof(p));
    p.picture_width = 350;
    p.picture_height = 198;
    p.num_components = 3;
    const uint8_t ids[3] = {1, 2, 3}, hv[3] = {2, 1, 1}, tq[3] = {0, 1, 1};
    for (int i = 0; i < 3; i++) {
        p.components[i].component_id = ids[i];
        p.components[i].h_sampling_factor = hv[i];
        p.components[i].v_sampling_factor = hv[i];
        p.components[i].quantiser_table_selector = tq[i];
    }
    return p;
}

static struct vw_jpeg_tables make_tables(void)
{
    struct vw_jpeg_tables t;
    memset(&t, 0, sizeof(t));
    for (int i = 0; i < 4; i++) {
        t.load_quantiser_table[i] = 1;            /* as ffmpeg: all four */
        for (int j = 0; j < 64; j++)
            t.quantiser_table[i][j] = (uint8_t)(i < 2 ? 1 + i * 64 + j : 0);
    }
    for (int i = 0; i < 2; i++) {
        t.load_huffman_table[i] = 1;
        t.huffman_table[i].num_dc_codes[1] = (uint8_t)(3 + i);  /* 3 or 4 codes of 2 bits */
        for (int j = 0; j < 12; j++)
            t.huffman_table[i].dc_values[j] = (uint8_t)j;
        t.huffman_table[i].num_ac_codes[2] = 5;
        t.huffman_table[i].num_ac_codes[15] = 2;
        for (int j = 0; j < 162; j++)
            t.huffman_table[i].ac_values[j] = (uint8_t)(0xa0 + j);
    }
    return t;
}

static void check_dht(struct parser *r, unsigned tc, unsigned th, const uint8_t bits[16],
                      const uint8_t *values)
{
    unsigned n = 0;
    for (int i = 0; i < 16; i++)
        n += bits[i];
    CHECK_EQ(marker(r), 0xffc4);
    CHECK_EQ(u16(r), 2 + 1 + 16 + n);
    CHECK_EQ(u8(r), tc << 4 | th);
    CHECK(r->pos + 16 + n <= r->size && memcmp(r->p + r->pos, bits, 16) == 0);
    r->pos += 16;
    CHECK(r->pos + n <= r->size && memcmp(r->p + r->pos, values, n) == 0);
    r->pos += n;
}

static void check_sos(struct parser *r, const struct vw_jpeg_slice *s, const uint8_t *data,
                      size_t size)
{
    CHECK_EQ(marker(r), 0xffda);
    CHECK_EQ(u16(r), 6 + 2 * s->num_components);
    CHECK_EQ(u8(r), s->num_components);
    for (unsigned i = 0; i < s->num_components; i++) {
        CHECK_EQ(u8(r), s->components[i].component_selector);
        CHECK_EQ(u8(r), s->components[i].dc_table_selector << 4 |
                            s->components[i].ac_table_selector);
    }
    CHECK_EQ(u8(r), 0);
    CHECK_EQ(u8(r), 63);
    CHECK_EQ(u8(r), 0);
    CHECK(r->pos + size <= r->size && memcmp(r->p + r->pos, data, size) == 0);
    r->pos += size;
}

int main(void)
{
    struct vw_jpeg_picture jp = make_pic();
    struct vw_jpeg_tables tables = make_tables();
    /* Two scans: Y alone with restarts, then Cb and Cr interleaved without
     * (so a DRI of 0 must turn the restarts off again). */
    struct vw_jpeg_slice sl[2];
    memset(sl, 0, sizeof(sl));
    sl[0].num_components = 1;
    sl[0].components[0].component_selector = 1;
    sl[0].restart_interval = 22;
    sl[1].num_components = 2;
    sl[1].components[0].component_selector = 2;
    sl[1].components[0].dc_table_selector = 1;
    sl[1].components[0].ac_table_selector = 1;
    sl[1].components[1].component_selector = 3;
    sl[1].components[1].dc_table_selector = 1;
    sl[1].components[1].ac_table_selector = 1;
    const uint8_t d0[] = {0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56};
    const uint8_t d1[] = {0x9a, 0xbc};
    struct vh_slice slices[2] = {
        {.data = d0, .size = sizeof(d0), .jpeg = &sl[0]},
        {.data = d1, .size = sizeof(d1), .jpeg = &sl[1]},
    };
    struct vh_picture pic = {.jpeg = &jp, .jpeg_tables = &tables, .num_slices = 2,
                             .slices = slices};

    struct vh_jpeg_state st;
    memset(&st, 0, sizeof(st));
    /* Nothing loaded yet and no tables sent: no packet. */
    pic.jpeg_tables = NULL;
    CHECK_EQ(vh_jpeg_packet_size(&pic, &st), 0);
    pic.jpeg_tables = &tables;

    size_t size = vh_jpeg_packet_size(&pic, &st);
    CHECK(size > 0 && size < 4096);
    uint8_t buf[4096];
    memset(buf, 0xee, sizeof(buf));
    vh_jpeg_packet_write(&pic, &st, buf);
    CHECK_EQ(buf[size], 0xee);                    /* exactly `size` bytes */

    struct parser r = {buf, size, 0};
    CHECK_EQ(marker(&r), 0xffd8);
    /* DQT for tables 0 and 1 only: 2 and 3 are loaded (all 0) but unused. */
    for (unsigned t = 0; t < 2; t++) {
        CHECK_EQ(marker(&r), 0xffdb);
        CHECK_EQ(u16(&r), 67);
        CHECK_EQ(u8(&r), t);
        CHECK(memcmp(buf + r.pos, tables.quantiser_table[t], 64) == 0);
        r.pos += 64;
    }
    CHECK_EQ(marker(&r), 0xffc0);
    CHECK_EQ(u16(&r), 8 + 3 * 3);
    CHECK_EQ(u8(&r), 8);
    CHECK_EQ(u16(&r), 198);
    CHECK_EQ(u16(&r), 350);
    CHECK_EQ(u8(&r), 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(u8(&r), jp.components[i].component_id);
        CHECK_EQ(u8(&r), jp.components[i].h_sampling_factor << 4 |
                             jp.components[i].v_sampling_factor);
        CHECK_EQ(u8(&r), jp.components[i].quantiser_table_selector);
    }
    for (unsigned t = 0; t < 2; t++) {
        check_dht(&r, 0, t, tables.huffman_table[t].num_dc_codes, tables.huffman_table[t].dc_values);
        check_dht(&r, 1, t, tables.huffman_table[t].num_ac_codes, tables.huffman_table[t].ac_values);
    }
    CHECK_EQ(marker(&r), 0xffdd);
    CHECK_EQ(u16(&r), 4);
    CHECK_EQ(u16(&r), 22);
    check_sos(&r, &sl[0], d0, sizeof(d0));
    CHECK_EQ(marker(&r), 0xffdd);
    CHECK_EQ(u16(&r), 4);
    CHECK_EQ(u16(&r), 0);
    check_sos(&r, &sl[1], d1, sizeof(d1));
    CHECK_EQ(marker(&r), 0xffd9);
    CHECK_EQ(r.pos, size);

    /* A later picture without tables keeps the loaded ones; one scan using
     * only table 0 gets only table 0's DHT; no restarts, no DRI. */
    pic.jpeg_tables = NULL;
    sl[1].components[0].dc_table_selector = 0;
    sl[1].components[0].ac_table_selector = 0;
    sl[1].components[1].dc_table_selector = 0;
    sl[1].components[1].ac_table_selector = 0;
    slices[0] = slices[1];
    pic.num_slices = 1;
    size_t size2 = vh_jpeg_packet_size(&pic, &st);
    CHECK(size2 > 0 && size2 < sizeof(buf));
    vh_jpeg_packet_write(&pic, &st, buf);
    r = (struct parser){buf, size2, 0};
    CHECK_EQ(marker(&r), 0xffd8);
    for (unsigned t = 0; t < 2; t++) {
        CHECK_EQ(marker(&r), 0xffdb);
        r.pos += 2 + 1 + 64;
    }
    CHECK_EQ(marker(&r), 0xffc0);
    r.pos += 8 + 3 * 3;
    check_dht(&r, 0, 0, tables.huffman_table[0].num_dc_codes, tables.huffman_table[0].dc_values);
    check_dht(&r, 1, 0, tables.huffman_table[0].num_ac_codes, tables.huffman_table[0].ac_values);
    check_sos(&r, &sl[1], d1, sizeof(d1));
    CHECK_EQ(marker(&r), 0xffd9);
    CHECK_EQ(r.pos, size2);

    /* A picture using a quantiser table never loaded: no packet. */
    jp.components[2].quantiser_table_selector = 3;
    struct vh_jpeg_state empty;
    memset(&empty, 0, sizeof(empty));
    struct vw_jpeg_tables only01 = make_tables();
    only01.load_quantiser_table[2] = only01.load_quantiser_table[3] = 0;
    pic.jpeg_tables = &only01;
    CHECK_EQ(vh_jpeg_packet_size(&pic, &empty), 0);
    return check_finish("test_jpeg_headers");
}
