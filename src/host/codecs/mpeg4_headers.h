/* The MPEG-4 Part 2 headers (ISO/IEC 14496-2 6.2.3, 6.2.5) that VA leaves
 * out of the slice data: a video object layer and a VOP header rebuilt from
 * VA's parameters in front of the VOP's macroblock data. */
#ifndef VIVAC_HOST_CODECS_MPEG4_HEADERS_H
#define VIVAC_HOST_CODECS_MPEG4_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/engine.h"
#include "vivac/protocol.h"

struct vh_picture;

/* The largest picture the front door takes (validate_mpeg4.c) and the sw
 * engine offers. The VOL's 13-bit sizes allow 8191; Advanced Simple level 5
 * is 720x576 and NVDEC stops at 2048x2048: 4096 a side covers every stream
 * seen with room to spare. */
#define VH_MPEG4_MAX_WIDTH 4096u
#define VH_MPEG4_MAX_HEIGHT 4096u

/* The longest gap between two VOPs the rebuilt time codes express, in
 * seconds (modulo_time_base is one '1' bit a second). */
#define VH_MPEG4_MAX_GAP_SECONDS 255u

/* Video object start code 4 + VOL 4 + 22 + two matrices 128 bytes, rounded
 * up; then the VOP header: 4 + 9 bytes and a bit a second of gap. */
#define VH_MPEG4_VOL_MAX 192u
#define VH_MPEG4_HEADERS_MAX 256u

/* What a decoder of one VA stream remembers between pictures. Zeroed: no
 * matrix loaded yet, no VOP seen. VA gives each VOP's distances (TRD
 * between the references, TRB from the forward one) but no time codes, so
 * the headers carry time codes of a clock rebuilt from them that gives
 * libavcodec the same distances (direct mode and interlaced field times
 * are computed from them). */
struct vh_mpeg4_state {
    bool loaded[2];               /* intra, non-intra */
    uint8_t matrix[2][64];        /* zig-zag scan order */
    uint16_t resolution;          /* vop_time_increment_resolution of the clock; 0: none yet */
    bool have_anchor;             /* an I or P VOP was seen on this clock */
    int32_t anchor_trd;           /* its TRD */
    int64_t anchor_time;          /* its time, in ticks */
    int64_t anchor_seconds;       /* its time_base: whole seconds */
    int64_t prev_seconds;         /* the time_base of the anchor before it */
    uint8_t vol[VH_MPEG4_VOL_MAX];  /* the last VOL header, from its start codes */
    uint16_t vol_bytes;
    bool send_vol;                /* the picture taken last gets the VOL in front */
};

/* One VOP's time code: modulo_time_base (whole seconds since the reference
 * time base) and vop_time_increment; its time on the clock and whether it
 * starts a new clock. */
struct vh_mpeg4_time {
    uint32_t modulo_seconds;
    uint32_t increment;
    int64_t time;                 /* ticks */
    bool new_clock;
};

/* anchor_trd of a reference VOP that started a new clock: no B-VOP's TRD. */
#define VH_MPEG4_NO_TRD INT32_MIN

/* The time code of `pic` on the clock `st`, or VW_ERR_MALFORMED (err set)
 * when a B-VOP's distances do not fit the clock: no reference VOP before it,
 * a TRD that is not its backward reference's (or one that started a new
 * clock), not 0 < TRB < TRD, a gap above VH_MPEG4_MAX_GAP_SECONDS. An I or
 * P-VOP starts a new clock where it is the first, its TRD is negative (the
 * guest's decoder was flushed) or its gap too long. */
int vh_mpeg4_vop_time(const struct vh_mpeg4_state *st, const struct vw_mpeg4_picture *pic,
                      struct vh_mpeg4_time *t, struct vh_error *err);

/* Takes the picture (its time `t` from vh_mpeg4_vop_time) and its IQ
 * block (NULL: none sent) into the state, and decides whether the picture's
 * packet starts with a VOL header: the first, every I-VOP's and where the
 * VOL's fields change (libavcodec resets its interlaced frame period at
 * each VOL, as it would at the stream's own). */
void vh_mpeg4_state_update(struct vh_mpeg4_state *st, const struct vw_mpeg4_picture *pic,
                           const struct vw_mpeg4_iq_matrix *iq, const struct vh_mpeg4_time *t);

/* Writes, for `pic` (checked by validate_mpeg4.c; `st` already updated by
 * it): where `st` says so, a video object start code and a video object
 * layer (verid 2, Advanced Simple object type, rectangular, the picture's
 * size and VOL flags, the matrices `st` holds); then the VOP header with time `t` and
 * vop_quant `quant`. Returns the bits written (at most
 * VH_MPEG4_HEADERS_MAX * 8); the VOP header ends where the macroblock data
 * begins, not byte aligned. */
size_t vh_mpeg4_write_headers(const struct vw_mpeg4_picture *pic, const struct vh_mpeg4_state *st,
                              const struct vh_mpeg4_time *t, uint32_t quant,
                              uint8_t out[VH_MPEG4_HEADERS_MAX]);

/* One VA picture's packet for libavcodec: the headers above, then the
 * slice's bits from macroblock_offset on, zero bits up to the last byte.
 * packet_size leaves `st` as it is (errors: vh_mpeg4_vop_time's);
 * packet_write, for the same picture right after it, takes the picture
 * into `st` and writes exactly that many bytes. */
int vh_mpeg4_packet_size(const struct vh_picture *pic, const struct vh_mpeg4_state *st,
                         size_t *size, struct vh_error *err);
void vh_mpeg4_packet_write(const struct vh_picture *pic, struct vh_mpeg4_state *st,
                           uint8_t *out);

#endif
