/*
 * Host encoder contract (protocol 1.3 encode). One implementation per build:
 * src/host/engines/avenc/ (libavcodec's encoder API: libx264, libx265,
 * h264_nvenc, hevc_nvenc behind one code path) when libavcodec is there,
 * else a stand-in that offers nothing. The encoder is apart from the decode
 * engines: the session reads the input surface's pixels through the
 * engine's surface_read (any engine), then hands them here.
 *
 * Input is validated by the session (session_encode.c, encode_rules.c)
 * before it reaches an encoder: encoders assume a valid sequence and
 * picture. Errors: an enum vw_status_code with a one-line reason in
 * vh_error, as engines do.
 *
 * Threads: vh_encoder_probe once per process before any session (the worker
 * calls it before its sandbox is locked: a GPU encoder opens device nodes);
 * vh_encoder_caps is then thread safe. A vh_encoder belongs to one session
 * thread.
 */
#ifndef VIVAC_HOST_ENCODER_H
#define VIVAC_HOST_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/engine.h"
#include "vivac/protocol.h"

#define VH_ENCODE_MAX_CAPS 8u
#define VH_ENCODE_MIN_SIZE 32u      /* display width and height */
#define VH_ENCODE_MAX_WIDTH 4096u
#define VH_ENCODE_MAX_HEIGHT 4096u

/* Finds the encoders this build and machine have, once (later calls do
 * nothing). `gpu`: also try the GPU encoders (NVENC), opening a tiny
 * context of each so that a GPU without NVENC is told apart from one with
 * it. Logs what it found; vh_encoder_report says it again. */
void vh_encoder_probe(bool gpu);

/* The encode capabilities found by the probe (probing without GPU encoders
 * if nothing probed yet): up to `max` of each, the vw_cap (entrypoint
 * ENCODE) and its vw_encode_cap at the same index. Returns the count. */
uint32_t vh_encoder_caps(struct vw_cap *caps, struct vw_encode_cap *enc, uint32_t max);

/* One line per encoder tried ("libx264: H.264 ...", "h264_nvenc: no NVENC
 * (...)"), for the log and `vivac info`. */
const char *vh_encoder_report(void);

/* What an encoder is opened with: the codec's profile, the display size
 * (coded size minus the crops) and the first picture's sequence. */
struct vh_encoder_config {
    uint32_t profile;             /* enum vw_profile */
    uint32_t width, height;       /* display size, even */
    uint32_t qp;                  /* CQP: the first picture's QP */
    struct vw_encode_sequence seq;
};

/* The picture's pixels: NV12 (8-bit) or P010 (10-bit) planes of the display
 * size, as surface_read wrote them. */
struct vh_encoder_input {
    const uint8_t *planes[2];
    uint32_t pitches[2];
};

/* One picture's coded bytes (Annex B, parameter sets before each IDR), in
 * the encoder's buffer: valid until the next call on the encoder. */
struct vh_encoded {
    const uint8_t *data;
    size_t size;
    uint32_t type;                /* enum vw_picture_type it was coded as */
    uint32_t qp;                  /* average QP, 0: unknown */
};

struct vh_encoder;

int vh_encoder_open(const struct vh_encoder_config *cfg, struct vh_encoder **out,
                    struct vh_error *err);

/* Encodes one picture; `seq` is this picture's sequence (its rate fields
 * may differ from the last picture's: the encoder reconfigures, or reopens
 * and codes the picture as IDR where it cannot). The picture's coded bytes
 * are final when it returns VW_OK: nothing is held back. */
int vh_encoder_encode(struct vh_encoder *e, const struct vw_encode_sequence *seq,
                      const struct vw_encode_picture *pic, const struct vh_encoder_input *in,
                      struct vh_encoded *out, struct vh_error *err);

/* The next picture is coded as IDR whatever its type (the client dropped
 * the last one: its coded bytes did not fit). */
void vh_encoder_force_idr(struct vh_encoder *e);

void vh_encoder_close(struct vh_encoder **e); /* accepts NULL / *NULL */

#endif /* VIVAC_HOST_ENCODER_H */
