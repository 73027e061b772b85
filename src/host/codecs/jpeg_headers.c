/* JPEG baseline interchange format synthesis (ITU-T T.81 B.2). */
#include <string.h>

#include "host/codecs/jpeg_headers.h"
#include "host/engine.h"

#define M_SOI 0xd8u
#define M_EOI 0xd9u
#define M_SOF0 0xc0u
#define M_DHT 0xc4u
#define M_DQT 0xdbu
#define M_DRI 0xddu
#define M_SOS 0xdau

void vh_jpeg_state_update(struct vh_jpeg_state *st, const struct vw_jpeg_tables *t)
{
    if (!t)
        return;
    for (int i = 0; i < 4; i++) {
        if (!t->load_quantiser_table[i])
            continue;
        st->tables.load_quantiser_table[i] = 1;
        memcpy(st->tables.quantiser_table[i], t->quantiser_table[i], 64);
    }
    for (int i = 0; i < 2; i++) {
        if (!t->load_huffman_table[i])
            continue;
        st->tables.load_huffman_table[i] = 1;
        st->tables.huffman_table[i] = t->huffman_table[i];
    }
}

/* Appends bytes at out + *n (out NULL: counts only). */
struct sink {
    uint8_t *out;
    size_t n;
};

static void put(struct sink *s, const void *p, size_t len)
{
    if (s->out)
        memcpy(s->out + s->n, p, len);
    s->n += len;
}

static void put8(struct sink *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(s, &b, 1);
}

static void put16(struct sink *s, unsigned v)
{
    put8(s, v >> 8);
    put8(s, v);
}

static void marker(struct sink *s, unsigned m)
{
    put8(s, 0xff);
    put8(s, m);
}

static unsigned count_codes(const uint8_t bits[16])
{
    unsigned n = 0;
    for (int i = 0; i < 16; i++)
        n += bits[i];
    return n;
}

static void dht(struct sink *s, unsigned tc, unsigned th, const uint8_t bits[16],
                const uint8_t *values, unsigned max_values)
{
    unsigned n = count_codes(bits);
    if (n > max_values)               /* validated; never truncate silently */
        n = max_values;
    marker(s, M_DHT);
    put16(s, 2 + 1 + 16 + n);
    put8(s, tc << 4 | th);
    put(s, bits, 16);
    put(s, values, n);
}

/* Bit i: quantiser table i is referenced by a component. */
static unsigned quant_used(const struct vw_jpeg_picture *p)
{
    unsigned used = 0;
    for (unsigned i = 0; i < p->num_components && i < VW_JPEG_MAX_COMPONENTS; i++)
        used |= 1u << (p->components[i].quantiser_table_selector & 3u);
    return used;
}

/* Bit i: DC / AC Huffman table i is referenced by a scan. */
static void huffman_used(const struct vh_picture *pic, unsigned *dc, unsigned *ac)
{
    *dc = *ac = 0;
    for (uint32_t k = 0; k < pic->num_slices; k++) {
        const struct vw_jpeg_slice *sl = pic->slices[k].jpeg;
        for (unsigned i = 0; i < sl->num_components && i < VW_JPEG_MAX_COMPONENTS; i++) {
            *dc |= 1u << (sl->components[i].dc_table_selector & 1u);
            *ac |= 1u << (sl->components[i].ac_table_selector & 1u);
        }
    }
}

static void emit(const struct vh_picture *pic, const struct vh_jpeg_state *st, struct sink *s)
{
    const struct vw_jpeg_picture *p = pic->jpeg;
    const struct vw_jpeg_tables *t = &st->tables;
    marker(s, M_SOI);
    for (unsigned i = 0; i < 4; i++) {
        if (!(quant_used(p) & 1u << i))
            continue;
        marker(s, M_DQT);
        put16(s, 2 + 1 + 64);
        put8(s, i);                   /* Pq 0 (8-bit), Tq i */
        put(s, t->quantiser_table[i], 64);
    }
    marker(s, M_SOF0);
    put16(s, 8 + 3 * p->num_components);
    put8(s, 8);
    put16(s, p->picture_height);
    put16(s, p->picture_width);
    put8(s, p->num_components);
    for (unsigned i = 0; i < p->num_components; i++) {
        put8(s, p->components[i].component_id);
        put8(s, p->components[i].h_sampling_factor << 4 | p->components[i].v_sampling_factor);
        put8(s, p->components[i].quantiser_table_selector);
    }
    unsigned dc, ac;
    huffman_used(pic, &dc, &ac);
    for (unsigned i = 0; i < 2; i++) {
        if (dc & 1u << i)
            dht(s, 0, i, t->huffman_table[i].num_dc_codes, t->huffman_table[i].dc_values, 12);
        if (ac & 1u << i)
            dht(s, 1, i, t->huffman_table[i].num_ac_codes, t->huffman_table[i].ac_values, 162);
    }
    unsigned prev_ri = 0;
    for (uint32_t k = 0; k < pic->num_slices; k++) {
        const struct vw_jpeg_slice *sl = pic->slices[k].jpeg;
        if (sl->restart_interval || prev_ri) {
            marker(s, M_DRI);
            put16(s, 4);
            put16(s, sl->restart_interval);
        }
        prev_ri = sl->restart_interval;
        marker(s, M_SOS);
        put16(s, 6 + 2 * sl->num_components);
        put8(s, sl->num_components);
        for (unsigned i = 0; i < sl->num_components; i++) {
            put8(s, sl->components[i].component_selector);
            put8(s, sl->components[i].dc_table_selector << 4 |
                        sl->components[i].ac_table_selector);
        }
        put8(s, 0);                   /* Ss */
        put8(s, 63);                  /* Se */
        put8(s, 0);                   /* Ah, Al */
        put(s, pic->slices[k].data, pic->slices[k].size);
    }
    marker(s, M_EOI);
}

size_t vh_jpeg_packet_size(const struct vh_picture *pic, const struct vh_jpeg_state *st)
{
    struct vh_jpeg_state next = *st;
    vh_jpeg_state_update(&next, pic->jpeg_tables);
    unsigned dc, ac, q = quant_used(pic->jpeg);
    huffman_used(pic, &dc, &ac);
    for (unsigned i = 0; i < 4; i++)
        if ((q & 1u << i) && !next.tables.load_quantiser_table[i])
            return 0;
    for (unsigned i = 0; i < 2; i++)
        if (((dc | ac) & 1u << i) && !next.tables.load_huffman_table[i])
            return 0;
    struct sink s = {NULL, 0};
    emit(pic, &next, &s);
    return s.n;
}

void vh_jpeg_packet_write(const struct vh_picture *pic, struct vh_jpeg_state *st, uint8_t *out)
{
    vh_jpeg_state_update(st, pic->jpeg_tables);
    struct sink s = {out, 0};
    emit(pic, st, &s);
}
