/*
 * Wire-level encode for test programs (protocol 1.3): an encode codec, its
 * input surfaces filled with a synthetic moving pattern by PUT_IMAGE, and
 * one picture's BEGIN_FRAME / ENCODE_BITSTREAM / END_FRAME with its coded
 * bytes. Used by wire_encode.c (a stream to a file) and hostile_encode.c.
 */
#ifndef VIVAC_TESTS_ENCODE_CLIENT_H
#define VIVAC_TESTS_ENCODE_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wire_client.h"

/* CREATE_CODEC with entrypoint ENCODE (rt_format from the profile). */
int enc_create_codec(struct client *c, uint32_t codec_id, uint32_t profile, uint32_t width,
                     uint32_t height);
/* CREATE_SURFACE: NV12, or P010 when ten_bit. */
int enc_create_surface(struct client *c, uint32_t id, uint32_t w, uint32_t h, bool ten_bit);
/* The pattern of picture `index` (w x h, NV12 or P010 layout, pitch w or
 * 2w), into buf of enc_image_size bytes. */
size_t enc_image_size(uint32_t w, uint32_t h, bool ten_bit);
void enc_pattern(uint8_t *buf, uint32_t w, uint32_t h, bool ten_bit, uint32_t index);
/* PUT_IMAGE of the pattern into the surface's top-left w x h. */
int enc_put_pattern(struct client *c, uint32_t surface, uint32_t w, uint32_t h, bool ten_bit,
                    uint32_t index);
/* Writes the pattern as 8-bit yuv420p (10-bit: yuv420p10le) planes. */
void enc_write_source(FILE *f, uint32_t w, uint32_t h, bool ten_bit, uint32_t index);

/* A sequence for the profile: rate control mode, rate, 30/1 frames/s. */
struct vw_encode_sequence enc_sequence(uint32_t profile, uint32_t rc_mode,
                                       uint32_t bits_per_second);

struct enc_picture_result {
    int encode_status;            /* ENCODE_BITSTREAM's reply */
    int status;                   /* END_FRAME's reply (or the first that failed) */
    struct vw_encode_result result;
    const uint8_t *coded;         /* result.size bytes: the reply or the arena */
};

/* BEGIN_FRAME, ENCODE_BITSTREAM (eb, its codec_id set), END_FRAME. */
void enc_picture(struct client *c, uint32_t surface, const struct vw_encode_bitstream *eb,
                 struct enc_picture_result *out);

#endif
