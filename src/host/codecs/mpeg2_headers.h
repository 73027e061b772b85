/* The MPEG-2 headers (ISO/IEC 13818-2 6.2) that VA leaves out of the slice
 * data: rebuilt from VA's parameters in front of a picture's slices. */
#ifndef VIVAC_HOST_CODECS_MPEG2_HEADERS_H
#define VIVAC_HOST_CODECS_MPEG2_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

struct vh_picture;

/* The largest picture the front door takes (validate_mpeg2.c) and the sw
 * engine offers: without the slice_vertical_position_extension (pictures
 * over 2800 lines) a slice start code names its row directly; 12 bits of
 * width, no horizontal size extension. */
#define VH_MPEG2_MAX_WIDTH 4095u
#define VH_MPEG2_MAX_HEIGHT 2800u

/* Sequence header 12 + sequence extension 10 + picture header 9 + picture
 * coding extension 9 + quant matrix extension 261 bytes. */
#define VH_MPEG2_HEADERS_MAX 301u

/* What a decoder of one VA stream remembers between pictures. Zeroed: no
 * matrix loaded yet, progressive_sequence undecided. */
struct vh_mpeg2_state {
    bool loaded[4];               /* intra, non-intra, chroma intra, chroma non-intra */
    uint8_t matrix[4][64];        /* zig-zag scan order */
    bool seq_decided;
    bool progressive_sequence;
};

/* Takes the picture's IQ block (NULL: none sent) and its coding flags into
 * the state. progressive_sequence, which VA does not carry, is 1 until a
 * picture is interlaced (progressive_frame 0 or a field picture); it only
 * matters where it changes the macroblock height of the picture (heights
 * whose rounding to 16 and to 32 differ). */
void vh_mpeg2_state_update(struct vh_mpeg2_state *st, const struct vw_mpeg2_picture *pic,
                           const struct vw_mpeg2_iq_matrix *iq);

/* Whether a picture starts a frame (a frame picture or a first field): only
 * those get a sequence header, which a decoder may take as the end of a
 * field pair. */
static inline bool vh_mpeg2_starts_frame(const struct vw_mpeg2_picture *pic)
{
    return pic->picture_structure == VW_MPEG2_PIC_FRAME || pic->is_first_field;
}

/* Writes, for `pic`: when it starts a frame, a sequence header (the
 * picture's size, square pixels, frame_rate_code 3, no matrices: defaults)
 * and a sequence extension (Main profile at High level, 4:2:0,
 * progressive_sequence from the state); then the picture header
 * (temporal_reference 0, vbv_delay 0xffff, MPEG-1 f_codes 7), the picture
 * coding extension (chroma_420_type = progressive_frame) and a quant matrix
 * extension loading every matrix the state holds. Returns the bytes written
 * (at most VH_MPEG2_HEADERS_MAX); every header ends byte aligned. */
size_t vh_mpeg2_write_headers(const struct vw_mpeg2_picture *pic,
                              const struct vh_mpeg2_state *st,
                              uint8_t out[VH_MPEG2_HEADERS_MAX]);

/* One VA picture's packet, the bytes both engines feed their decoder (sw:
 * libavcodec, nvdec: the cuvid parser): the headers above, written with
 * `st` updated by the picture, followed by the slices (each from its start
 * code) in the order the guest sent them. packet_size leaves `st` as it
 * is; packet_write, for the same picture right after it, takes the
 * picture into `st` and writes exactly that many bytes. */
size_t vh_mpeg2_packet_size(const struct vh_picture *pic, const struct vh_mpeg2_state *st);
void vh_mpeg2_packet_write(const struct vh_picture *pic, struct vh_mpeg2_state *st,
                           uint8_t *out);

#endif
