/* MPEG-2 on libavcodec: VA gives the slices (each from its start code) and
 * the parameters of the headers; the packet is the headers rebuilt from the
 * parameters followed by the slices, in the order the guest sent them
 * (src/host/codecs/mpeg2_headers.c, shared with nvdec_mpeg2.c). libavcodec
 * keeps the references itself: the guest's decode order is the stream's. A field picture is two packets
 * (two VA pictures) into one surface; the second allocates nothing
 * (sw_frame.c). */
#include "host/codecs/mpeg2_headers.h"
#include "host/engines/sw/sw_internal.h"

static int mpeg2_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                             struct vh_error *err)
{
    *size = vh_mpeg2_packet_size(pic, state);
    return VW_OK;
}

static void mpeg2_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    vh_mpeg2_packet_write(pic, state, out);
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
