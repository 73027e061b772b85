/* MPEG-4 Part 2 on libavcodec: VA gives the VOP's macroblock data (from
 * the byte holding its first bit) and the parameters of the VOL and VOP
 * headers; the packet is those headers rebuilt from the parameters with
 * the macroblock data spliced in behind them at the bit it starts
 * (src/host/codecs/mpeg4_headers.c). libavcodec keeps the references
 * itself: the guest's decode order is the stream's. */
#include "host/codecs/mpeg4_headers.h"
#include "host/engines/sw/sw_internal.h"

static int mpeg4_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                             struct vh_error *err)
{
    return vh_mpeg4_packet_size(pic, state, size, err);
}

static void mpeg4_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    vh_mpeg4_packet_write(pic, state, out);
}

const struct sw_frame_class sw_mpeg4_class = {
    .name = "MPEG-4",
    .codec_id = AV_CODEC_ID_MPEG4,
    .state_size = sizeof(struct vh_mpeg4_state),
    .packet_size = mpeg4_packet_size,
    .packet_write = mpeg4_packet_write,
};
