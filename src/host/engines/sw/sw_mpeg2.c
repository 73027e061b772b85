/* MPEG-2 on libavcodec: VA gives the slices (each from its start code) and
 * the parameters of the headers; the packet is the headers rebuilt from the
 * parameters (src/host/codecs/mpeg2_headers.c) followed by the slices, in
 * the order the guest sent them. libavcodec keeps the references itself:
 * the guest's decode order is the stream's. A field picture is two packets
 * (two VA pictures) into one surface; the second allocates nothing
 * (sw_frame.c). */
#include <string.h>

#include "host/codecs/mpeg2_headers.h"
#include "host/engines/sw/sw_internal.h"

/* The state the packet will be written with: the stored one updated by
 * this picture (packet_size may not change it). */
static void next_state(const struct vh_picture *pic, const void *state,
                       struct vh_mpeg2_state *out)
{
    memcpy(out, state, sizeof(*out));
    vh_mpeg2_state_update(out, pic->mpeg2, pic->mpeg2_iq);
}

static int mpeg2_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                             struct vh_error *err)
{
    struct vh_mpeg2_state st;
    uint8_t hdr[VH_MPEG2_HEADERS_MAX];
    next_state(pic, state, &st);
    size_t n = vh_mpeg2_write_headers(pic->mpeg2, &st, hdr);
    for (uint32_t i = 0; i < pic->num_slices; i++)
        n += pic->slices[i].size;
    *size = n;
    return VW_OK;
}

static void mpeg2_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    struct vh_mpeg2_state *st = state;
    uint8_t hdr[VH_MPEG2_HEADERS_MAX];
    vh_mpeg2_state_update(st, pic->mpeg2, pic->mpeg2_iq);
    size_t n = vh_mpeg2_write_headers(pic->mpeg2, st, hdr);
    memcpy(out, hdr, n);
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        memcpy(out + n, pic->slices[i].data, pic->slices[i].size);
        n += pic->slices[i].size;
    }
}

static bool mpeg2_second_field(const struct vh_picture *pic)
{
    return !vh_mpeg2_starts_frame(pic->mpeg2);
}

const struct sw_frame_class sw_mpeg2_class = {
    .name = "MPEG-2",
    .codec_id = AV_CODEC_ID_MPEG2VIDEO,
    .state_size = sizeof(struct vh_mpeg2_state),
    .packet_size = mpeg2_packet_size,
    .packet_write = mpeg2_packet_write,
    .second_field = mpeg2_second_field,
};
