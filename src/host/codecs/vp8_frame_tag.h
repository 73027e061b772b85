/* The VP8 frame tag (RFC 6386 9.1) that VA strips from the frame: rebuilt
 * from VA's parameters in front of the slice data. */
#ifndef VIVAC_HOST_CODECS_VP8_FRAME_TAG_H
#define VIVAC_HOST_CODECS_VP8_FRAME_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

#define VH_VP8_TAG_MAX 10u

/* Writes the tag of a frame (3 bytes; 10 on key frames: start code 9d 01 2a
 * and the 14-bit width and height, scale bits 0) and returns its length.
 * show_frame is written as 1 (VA does not carry it; it changes only
 * whether a decoder outputs the frame). first_part_size = partition_size[0]
 * + ceil(macroblock_offset / 8). */
size_t vh_vp8_write_tag(const struct vw_vp8_picture *pic, const struct vw_vp8_slice *slice,
                        uint8_t out[VH_VP8_TAG_MAX]);

#endif
