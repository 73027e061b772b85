/* CBR filler for encoders that do not pad their own CBR (avenc_internal.h):
 * a leaky bucket of the bits the client's rate allows and the pictures did
 * not take, paid out as filler data NAL units after the picture's slices
 * (H.264 nal_unit_type 12, HEVC FD_NUT 38: both may follow the VCL NAL
 * units of an access unit and every decoder drops them). */
#include "host/engines/avenc/avenc_internal.h"

#include <string.h>

#include "vivac/protocol.h"

void avenc_filler_reset(struct avenc_filler *f)
{
    f->owed_bits = 0;
}

int avenc_filler_pad(struct avenc_filler *f, uint32_t codec, const struct vw_encode_sequence *q,
                     AVPacket *pkt)
{
    if (q->rc_mode != VW_RC_CBR || !q->frame_rate_num)
        return 0;
    double per_picture = (double)q->bits_per_second * q->frame_rate_den / q->frame_rate_num;
    f->owed_bits += per_picture - 8.0 * pkt->size;
    /* Never more than the HRD buffer holds: a CBR buffer that has been
     * empty for a while cannot owe more than it can take. */
    double cap = q->hrd_buffer_bits ? q->hrd_buffer_bits : q->bits_per_second;
    if (f->owed_bits > cap)
        f->owed_bits = cap;
    /* start code, header (1 byte H.264, 2 HEVC), 0xFF..., trailing 0x80 */
    int header = codec == VW_CODEC_HEVC ? 6 : 5;
    int bytes = (int)(f->owed_bits / 8.0);
    if (bytes < header + 1)
        return 0;
    int old = pkt->size;
    int ret = av_grow_packet(pkt, bytes);
    if (ret < 0)
        return ret;
    uint8_t *p = pkt->data + old;
    static const uint8_t h264[] = {0, 0, 0, 1, 12};
    static const uint8_t hevc[] = {0, 0, 0, 1, 38 << 1, 1};
    memcpy(p, codec == VW_CODEC_HEVC ? hevc : h264, (size_t)header);
    memset(p + header, 0xff, (size_t)(bytes - header - 1));
    p[bytes - 1] = 0x80;
    f->owed_bits -= 8.0 * bytes;
    return 0;
}
