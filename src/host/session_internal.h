/*
 * Session internals shared by session.c, session_decode.c and
 * session_image.c.  Not for use outside src/host/session*.c.
 */
#ifndef VIVAC_HOST_SESSION_INTERNAL_H
#define VIVAC_HOST_SESSION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/encoder.h"
#include "host/engine.h"
#include "host/recorder.h"
#include "host/session.h"
#include "transport/arena.h"
#include "transport/channel.h"
#include "vivac/protocol.h"

#define VH_MAX_CAPS 64u

/* A surface object: the engine's vh_surface plus the message of its last
 * decode (returned by SYNC_SURFACE). */
struct vh_surface_obj {
    struct vh_surface surface;
    char last_message[VW_MESSAGE_TEXT_MAX];
    uint64_t bytes;               /* accounted against limits.max_bytes */
    uint64_t gpu_bytes;           /* accounted against limits.max_gpu_bytes */
};

/* One slice of an open frame; data_offset indexes vh_frame.data and points at
 * the NAL header (start code already stripped). */
struct vh_frame_slice {
    uint32_t data_offset;
    uint32_t size;
};

/* The wire parameter structs of every codec (enum vw_codec). */
union vh_wire_picture {
    struct vw_h264_picture h264;
    struct vw_vp9_picture vp9;
    struct vw_vp8_picture vp8;
    struct vw_mpeg2_picture mpeg2;
    struct vw_hevc_picture hevc;
    struct vw_jpeg_picture jpeg;
    struct vw_mpeg4_picture mpeg4;
    struct vw_av1_picture av1;
};
union vh_wire_extra {             /* the optional block (VW_DECODE_HAS_IQ_MATRIX) */
    struct vw_h264_iq_matrix h264;
    struct vw_vp8_extra vp8;
    struct vw_mpeg2_iq_matrix mpeg2;
    struct vw_hevc_iq_matrix hevc;
    struct vw_jpeg_tables jpeg;
    struct vw_mpeg4_iq_matrix mpeg4;
};

/* What DECODE_BITSTREAM/END_FRAME need to know about a codec's wire structs
 * (codec_rules.c). Every slice struct starts with slice_data_size,
 * slice_data_offset and slice_data_flag (uint32_t each). */
struct vh_codec_rules {
    uint32_t codec;               /* enum vw_codec */
    const char *name;
    size_t picture_size;
    size_t min_picture_size;          /* an older, shorter variant (0: none); its missing tail reads as 0 */
    size_t extra_size;            /* 0: the codec has no optional block */
    size_t slice_size;
    uint32_t max_slices;          /* per frame */
    /* The pictures a decoder of the codec holds at most: its reference
     * slots and those being decoded or output (libavcodec's, which the sw
     * engine keeps at the codec's size). CREATE_CODEC charges this many
     * pictures of the codec's size (session.c, codec_reserve_bytes). */
    uint32_t max_pictures;
    bool strip_start_code;        /* slice data may start with 00 00 (00) 01 */
    /* Optional (NULL: all of it): how many of a slice's `size` bytes (after
     * the start code) are the slice. What clients may send behind it and a
     * decoder skips (zero bytes after a NAL unit, a JPEG scan's fill bytes
     * and EOI) is dropped before check_slice and never reaches an engine. */
    uint32_t (*payload_size)(const uint8_t *data, uint32_t size);
    int (*check_picture)(const void *pic, const struct vh_surface *target,
                         struct vh_error *err);
    /* Optional (NULL: nothing to check): the optional block, when sent. */
    int (*check_extra)(const void *extra, struct vh_error *err);
    /* `data` is the slice's data (start code stripped if strip_start_code),
     * `size` >= 1 bytes. */
    int (*check_slice)(const void *slice, uint32_t index, const void *pic,
                       const uint8_t *data, uint32_t size, struct vh_error *err);
    /* The picture's coded size in pixels (H.264: in whole macroblocks, frame
     * height), checked against its codec's declared size. */
    void (*coded_size)(const void *pic, uint32_t *width, uint32_t *height);
    /* Fills ids[0..16) with the surfaces the picture references
     * (VW_INVALID_ID where none). */
    void (*ref_ids)(const void *pic, uint32_t ids[16]);
};

/* NULL for an unknown codec. */
const struct vh_codec_rules *vh_codec_rules_get(uint32_t codec);

/* A picture between BEGIN_FRAME and END_FRAME. Everything here is session
 * owned memory: nothing points into the shared arena. */
struct vh_frame {
    struct vh_surface_obj *target;
    struct vh_error error;        /* first error of the frame (status 0: none) */
    bool have_picture;
    union vh_wire_picture picture;
    bool have_iq;
    union vh_wire_extra iq;
    uint32_t num_slices;
    uint32_t cap_slices;
    uint8_t *slice_params;        /* num_slices x rules->slice_size bytes */
    struct vh_frame_slice *slices;
    uint8_t *data;                /* all slice data blobs, concatenated */
    size_t data_size;
    size_t data_cap;
    uint64_t bytes;               /* accounted against limits.max_bytes */
    /* Encode codecs: the picture's ENCODE_BITSTREAM, checked. */
    bool have_encode;
    struct vw_encode_bitstream encode;
    /* VIDEOPROC codecs: the frame's PROCESS job, checked. */
    bool have_process;
    struct vw_process process;
};

struct vh_codec_obj {
    uint32_t id;
    uint32_t codec;               /* enum vw_codec */
    struct vh_codec_desc desc;
    struct vh_codec *engine_codec;
    struct vh_frame *frame;       /* open frame or NULL */
    uint64_t bytes;               /* decoder memory charged to the session */
    uint64_t gpu_bytes;           /* decoder GPU memory charged to the session */
    struct vh_encode_codec *enc;  /* entrypoint ENCODE (session_encode.c); NULL: decode */
};

struct vh_session {
    uint32_t id;
    struct vh_engine *engine;
    struct vt_channel *ch;
    struct vh_limits limits;
    bool hello_done;
    char client_name[33];
    struct vt_arena arena;        /* zeroed (base NULL) when none */
    void *arena_handle;           /* engine's host_memory_register handle, NULL: none */
    /* VM arenas only: where the engine writes GET_IMAGE pixels before the
     * guarded copy into the region (session_arena.h). Grown to the largest
     * image asked for, registered with the engine, charged to bytes_used. */
    uint8_t *bounce;
    uint64_t bounce_size;
    void *bounce_handle;

    struct vw_cap caps[VH_MAX_CAPS];
    uint32_t num_caps;
    /* Protocol 1.3 clients: the encode capabilities, also listed in caps
     * (entrypoint ENCODE) from HELLO on. */
    uint16_t client_minor;
    struct vw_encode_cap enc_caps[VH_ENCODE_MAX_CAPS];
    uint32_t num_enc_caps;

    struct vh_surface_obj **surfaces;   /* max_surfaces slots, NULL = free */
    uint32_t num_surfaces;
    struct vh_codec_obj **codecs;       /* max_codecs slots */
    uint32_t num_codecs;
    uint64_t bytes_used;          /* also taken from limits.shared */
    uint64_t gpu_bytes_used;      /* also taken from limits.gpu_shared */

    struct vh_session_stats stats;

    /* Debug timing (log level debug only): handler milliseconds and counts
     * per opcode, and the first END_FRAME's, logged when the session ends. */
    bool timing;
    double t_hello_ms;
    double op_ms[VW_OP_COUNT_];
    uint32_t op_count[VW_OP_COUNT_];
    double first_end_frame_ms;

    const char *record_dir;       /* --record DIR (not owned) or NULL */
    struct vh_recorder *recorder; /* opened at HELLO when record_dir is set */

    struct vh_deadline *deadline; /* receive deadlines (session.h), NULL: none */
    _Atomic int64_t *busy_since_ms; /* vh_session_set_busy; NULL: not watched */
    struct vh_timeouts timeouts;
    struct vh_decode_gate *gate;  /* vh_session_set_gate; NULL: none */
};

/* A request being handled. */
struct vh_request {
    uint32_t opcode;
    uint32_t request_id;
    const uint8_t *payload;
    size_t size;
};

/* What a handler wants sent back. The dispatcher sends err.status and
 * err.message, then body + tail, passes fd, then frees tail_owned. */
struct vh_reply {
    struct vh_error err;
    const void *body;
    size_t body_len;
    const void *tail;
    size_t tail_len;
    void *tail_owned;
    int fd;
    bool close;                   /* end the session after the reply */
    /* Send err.message with an OK status too (informative text). */
    bool info;
    /* End the session with VW_OP_ERROR (err) instead of a reply: the
     * session cannot go on (its VM's shared region was truncated). */
    bool fatal;
    /* For the recorder: the bytes the handler copied out of the arena for
     * this request (valid until the reply is sent; arena_copy_owned, if set,
     * is freed then), NULL if it did not read the arena. */
    const uint8_t *arena_copy;
    uint64_t arena_copy_size;
    void *arena_copy_owned;
    union {                       /* storage for small reply bodies */
        struct vw_hello_reply hello;
        struct vw_caps_reply caps;
        struct vw_surface_state_reply state;
        struct vw_get_image_reply image;
        struct vw_encode_result encode;
    } body_buf;
};

/* Handler of one opcode: returns the reply status (enum vw_status_code; also
 * in rep->err.status). */
typedef int (*vh_handler_fn)(struct vh_session *s, const struct vh_request *req,
                             struct vh_reply *rep);

int vh_handle_begin_frame(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);
int vh_handle_decode_bitstream(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);
int vh_handle_end_frame(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);
int vh_handle_get_image(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);
int vh_handle_put_image(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);

/* Encode (session_encode.c). */
int vh_handle_query_encode_caps(struct vh_session *s, const struct vh_request *req,
                                struct vh_reply *rep);
int vh_handle_encode_bitstream(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep);
/* Lists the encoder's capabilities for a 1.3 client (at HELLO). */
void vh_session_add_encode_caps(struct vh_session *s);
/* The encode state of a new encode codec (its encoder opens at the first
 * picture); VW_OK or err. */
int vh_encode_codec_create(struct vh_session *s, struct vh_codec_obj *c, struct vh_error *err);
void vh_encode_codec_free(struct vh_codec_obj *c);
/* END_FRAME of an encode codec: encodes the open frame, fills rep's body
 * (and tail: inline coded bytes). */
int vh_encode_end_frame(struct vh_session *s, struct vh_codec_obj *codec, struct vh_reply *rep);

/* Video processing (session_process.c). */
static inline bool vh_codec_processes(const struct vh_codec_obj *c)
{
    return c->desc.entrypoint == VW_ENTRYPOINT_VIDEOPROC;
}
int vh_handle_process(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep);
/* Lists the VIDEOPROC capability for a 1.4 client of an engine that
 * processes (at HELLO). */
void vh_session_add_process_caps(struct vh_session *s);
/* END_FRAME of a VIDEOPROC codec: runs the open frame's job. */
int vh_process_end_frame(struct vh_session *s, struct vh_codec_obj *codec, struct vh_error *err);

/* Runs fn behind the session's gate (the supervisor's scheduler), as one
 * picture of `cost_codec` (decode_cost.h) with `blocks` 16x16 blocks. */
int vh_session_gated(struct vh_session *s, uint32_t cost_codec, uint32_t blocks,
                     int (*fn)(void *arg, struct vh_error *err), void *arg,
                     struct vh_error *err);

/* Object tables. Lookups return NULL for unknown ids. */
struct vh_surface_obj *vh_session_surface(struct vh_session *s, uint32_t id);
struct vh_codec_obj *vh_session_codec(struct vh_session *s, uint32_t id);

/* Sets a frame's target state from its result (READY or FAILED). */
void vh_frame_finish_target(struct vh_surface_obj *target, const struct vh_error *err);

/* Frees an open frame of the codec (if any) and releases its target. */
void vh_frame_close(struct vh_session *s, struct vh_codec_obj *codec);

/* Checks that `size` is exactly `expected` for the opcode; fills rep. */
int vh_expect_size(struct vh_reply *rep, const char *what, size_t size, uint64_t expected);

/* Validation of wire H.264 structs (validate_h264.c). Each returns VW_OK or
 * sets err (naming the field) and returns its status. */
int vh_h264_check_picture(const struct vw_h264_picture *pic, const struct vh_surface *target,
                          struct vh_error *err);
/* `nal` points at the slice's data after the start code (nal_size >= 1). */
int vh_h264_check_slice(const struct vw_h264_slice *slice, uint32_t index,
                        const struct vw_h264_picture *pic, const uint8_t *nal,
                        uint32_t nal_size, struct vh_error *err);

/* A NAL unit without the zero bytes behind it (trailing_zero_8bits: a NAL
 * unit never ends in 00, H.264 7.4.1, H.265 7.4.2); H.264 and HEVC. */
uint32_t vh_nal_payload_size(const uint8_t *nal, uint32_t size);

/* VP9 (validate_vp9.c). */
/* What a VP9 frame's uncompressed header says about the picture the decoder
 * makes: read from its start up to render_size() (specification 6.2). */
struct vh_vp9_header {
    unsigned profile;                 /* 0..3 */
    bool show_existing_frame;         /* then only frame_to_show_map_idx is set */
    unsigned frame_to_show_map_idx;
    unsigned frame_type;              /* 0: key frame */
    bool show_frame;
    bool error_resilient_mode;
    bool intra_only;
    /* color_config(): key frames; intra-only frames (implied 8-bit 4:2:0
     * in profile 0). Inter frames keep their references'. */
    bool has_color_config;
    unsigned bit_depth;               /* 8, 10, 12 */
    unsigned color_space;
    unsigned subsampling_x, subsampling_y;
    unsigned refresh_frame_flags;
    unsigned ref_frame_idx[3];        /* inter frames */
    /* Inter frames: the first of ref_frame_idx[0..3) whose slot gives the
     * size (found_ref), -1 when the size is coded. */
    int found_ref;
    bool has_size;                    /* width/height coded in the header */
    uint32_t width, height;           /* frame_size() */
    uint32_t render_width, render_height; /* render_size(); 0 with found_ref */
};
/* Fills h from `size` bytes of frame data; NULL, or why the header is not
 * one a decoder takes (truncated, no marker or sync code, reserved bits
 * set, a chroma format the profile does not allow). */
const char *vh_vp9_read_header(const uint8_t *data, uint32_t size, struct vh_vp9_header *h);
/* Frames in the superframe index the data ends with, 0 if none. */
unsigned vh_vp9_superframe_frames(const uint8_t *data, uint32_t size);
int vh_vp9_check_picture(const struct vw_vp9_picture *pic, const struct vh_surface *target,
                         struct vh_error *err);
int vh_vp9_check_slice(const struct vw_vp9_slice *slice, uint32_t index,
                       const struct vw_vp9_picture *pic, const uint8_t *data, uint32_t size,
                       struct vh_error *err);

/* VP8 (validate_vp8.c). */
int vh_vp8_check_picture(const struct vw_vp8_picture *pic, const struct vh_surface *target,
                         struct vh_error *err);
int vh_vp8_check_slice(const struct vw_vp8_slice *slice, uint32_t index,
                       const struct vw_vp8_picture *pic, const uint8_t *data, uint32_t size,
                       struct vh_error *err);

/* MPEG-2 (validate_mpeg2.c). */
int vh_mpeg2_check_picture(const struct vw_mpeg2_picture *pic, const struct vh_surface *target,
                           struct vh_error *err);
int vh_mpeg2_check_iq_matrix(const struct vw_mpeg2_iq_matrix *iq, struct vh_error *err);
int vh_mpeg2_check_slice(const struct vw_mpeg2_slice *slice, uint32_t index,
                         const struct vw_mpeg2_picture *pic, const uint8_t *data, uint32_t size,
                         struct vh_error *err);

/* AV1 (validate_av1.c). */
int vh_av1_check_picture(const struct vw_av1_picture *pic, const struct vh_surface *target,
                         struct vh_error *err);
int vh_av1_check_slice(const struct vw_av1_slice *slice, uint32_t index,
                       const struct vw_av1_picture *pic, const uint8_t *data, uint32_t size,
                       struct vh_error *err);

/* MPEG-4 Part 2 (validate_mpeg4.c). */
int vh_mpeg4_check_picture(const struct vw_mpeg4_picture *pic, const struct vh_surface *target,
                           struct vh_error *err);
int vh_mpeg4_check_iq_matrix(const struct vw_mpeg4_iq_matrix *iq, struct vh_error *err);
int vh_mpeg4_check_slice(const struct vw_mpeg4_slice *slice, uint32_t index,
                         const struct vw_mpeg4_picture *pic, const uint8_t *data, uint32_t size,
                         struct vh_error *err);

/* HEVC (validate_hevc.c). */
int vh_hevc_check_picture(const struct vw_hevc_picture *pic, const struct vh_surface *target,
                          struct vh_error *err);
int vh_hevc_check_iq_matrix(const struct vw_hevc_iq_matrix *iq, struct vh_error *err);
int vh_hevc_check_slice(const struct vw_hevc_slice *slice, uint32_t index,
                        const struct vw_hevc_picture *pic, const uint8_t *data, uint32_t size,
                        struct vh_error *err);

/* JPEG baseline (validate_jpeg.c). */
int vh_jpeg_check_picture(const struct vw_jpeg_picture *pic, const struct vh_surface *target,
                          struct vh_error *err);
int vh_jpeg_check_tables(const struct vw_jpeg_tables *tables, struct vh_error *err);
/* Scan data without the fill bytes and EOI behind it (FFmpeg sends its
 * packet to the end, EOI included). */
uint32_t vh_jpeg_scan_size(const uint8_t *scan, uint32_t size);
int vh_jpeg_check_slice(const struct vw_jpeg_slice *slice, uint32_t index,
                        const struct vw_jpeg_picture *pic, const uint8_t *data, uint32_t size,
                        struct vh_error *err);

/* Answers a request whose payload is not read (session_recv.c drops it)
 * with err: status, message and the opcode's reply body zeroed. Returns 0
 * or the channel's -errno. */
int vh_session_refuse(struct vh_session *s, const struct vw_header *hdr,
                      const struct vh_error *err);

/* Sets err for a charge of n bytes the daemon-wide budget refused
 * (VW_ERR_LIMIT, with what is used of it). */
int vh_daemon_memory_full(struct vh_error *err, const char *what,
                          const struct vh_memory_budget *b, uint64_t n);

#endif
