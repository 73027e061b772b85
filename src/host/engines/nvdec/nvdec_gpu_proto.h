/*
 * Worker <-> GPU process wire protocol (docs/security.md, design (a)).
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, one message a packet, each starting
 * with ngp_hdr {type, length (all of the packet), id, reserved 0}. The
 * worker sends requests, one at a time on a connection ("lane"); the GPU
 * process answers each with type | NGP_REPLY and the same id: ngp_reply
 * (status, message) then the type's reply body, if any. Every field is
 * fixed width; padding is explicit and must be zero.
 *
 * The first connection is the one the supervisor attached; its first
 * request is HELLO (versions must match). Every lane, the first included,
 * sends SET_STAGING before any request that moves bulk bytes: a memfd
 * created by the worker, sealed F_SEAL_SHRINK (the GPU process maps it
 * and must never SIGBUS), attached by SCM_RIGHTS. Bitstreams go to the
 * GPU process, and pixels both ways, through it; every offset and length
 * is checked against its size. OPEN_LANE attaches one end of a new
 * socketpair: another connection of the same worker, served on a thread
 * of its own, so that a worker's sessions do not wait for each other.
 *
 * Objects (decoders, surfaces) are named by ids the worker picks (non
 * zero), worker-wide: every lane of a worker sees the same objects, no
 * worker can name another's. When a worker's last lane closes, all its
 * objects are freed.
 *
 * DECODE carries CUVIDPICPARAMS as the parser filled it, as bytes: the two
 * ends are the same vivacd binary (sizes asserted below). The GPU process
 * never uses its pointers: it points pBitstreamData into the staging
 * buffer and pSliceDataOffsets at its own copy of the offsets carried in
 * the message, zeroes the H.264 FMO map, and checks every picture index.
 */
#ifndef VIVAC_NVDEC_GPU_PROTO_H
#define VIVAC_NVDEC_GPU_PROTO_H

#include <assert.h>
#include <stdint.h>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/dynlink_cuviddec.h>

#include "vivac/protocol.h"

#define NGP_VERSION 4u
#define NGP_REPLY 0x80000000u
#define NGP_MAX_MESSAGE (128u * 1024u)        /* a packet, header included */
#define NGP_MAX_SLICES 16384u                 /* offsets in one DECODE */
#define NGP_MAX_LANES 16u                     /* per worker, the first included */
#define NGP_STAGING_MAX (256ull << 20)        /* bytes of one staging buffer */
#define NGP_MAX_OBJECTS 4096u                 /* decoders + surfaces per worker */
#define NGP_NUM_KINDS 7u                      /* NVDEC_KIND_COUNT */
#define NGP_NUM_OUTPUTS 4u                    /* NVDEC_OUT_COUNT */
#define NGP_PICPARAMS_SIZE 4280u              /* sizeof(CUVIDPICPARAMS) */

enum ngp_type {
    NGP_HELLO = 1,
    NGP_SET_STAGING = 2,                      /* + fd */
    NGP_OPEN_LANE = 3,                        /* + fd */
    NGP_DEC_CREATE = 4,
    NGP_DEC_RECONFIGURE = 5,
    NGP_DEC_DESTROY = 6,
    NGP_DECODE = 7,
    NGP_CAPTURE = 8,
    NGP_SURF_CREATE = 9,
    NGP_SURF_DESTROY = 10,
    NGP_SURF_READ = 11,
    NGP_SURF_WRITE = 12,
    NGP_TRIM = 13,
    NGP_SHARE_MEMORY = 14,                    /* + fd */
    NGP_UNSHARE_MEMORY = 15,
    NGP_PROCESS = 16,                         /* version 4 */
};

struct ngp_hdr {
    uint32_t type;
    uint32_t length;                          /* bytes of the packet, this header included */
    uint32_t id;                              /* request id, echoed in the reply */
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_hdr) == 16, "wire size");

/* Every reply starts with this after the header. */
struct ngp_reply {
    int32_t status;                           /* enum vw_status_code */
    uint32_t reserved;
    char message[VW_MESSAGE_TEXT_MAX];        /* NUL-terminated */
};
static_assert(sizeof(struct ngp_reply) == 8 + VW_MESSAGE_TEXT_MAX, "wire size");

struct ngp_hello {
    uint32_t version;
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_hello) == 8, "wire size");

/* nvdec_caps of one codec kind at one output. */
struct ngp_caps {
    uint32_t supported;
    uint32_t min_width, min_height, max_width, max_height, max_mb_count;
};
static_assert(sizeof(struct ngp_caps) == 24, "wire size");

struct ngp_hello_reply {
    uint32_t version;
    uint32_t num_engines;
    uint32_t flags;                           /* NGP_HAS_* */
    uint32_t reserved;
    uint64_t total_mem;                       /* device memory; 0: unknown */
    uint64_t gpu_limit;                       /* this worker's limit in the GPU process; 0: none */
    char device_name[64];
    struct ngp_caps caps[NGP_NUM_KINDS][NGP_NUM_OUTPUTS];
};
static_assert(sizeof(struct ngp_hello_reply) == 96 + 24 * NGP_NUM_KINDS * NGP_NUM_OUTPUTS,
              "wire size");
#define NGP_HAS_D16 1u                        /* P010/Y410 surfaces */
#define NGP_HAS_VPP 2u                        /* PROCESS: the kernels loaded */
#define NGP_HAS_RGB 4u                        /* RGB32 surfaces, PROCESS writes them */

/* SHARE_MEMORY: a sealed memfd of the worker's (a session's arena or image
 * buffer) that surface reads and writes may name instead of the staging
 * buffer, so that a picture is copied once, straight into it. */
struct ngp_share_memory {
    uint32_t id;                              /* the worker's, as for objects */
    uint32_t reserved;
    uint64_t size;                            /* what the worker mapped; the fd must hold it */
};
static_assert(sizeof(struct ngp_share_memory) == 16, "wire size");

struct ngp_set_staging {
    uint64_t size;                            /* what the worker mapped; the fd must hold it */
};
static_assert(sizeof(struct ngp_set_staging) == 8, "wire size");

/* The CUVIDDECODECREATEINFO fields a decoder is made of (the GPU process
 * builds the struct; what is not here is zero or its own). */
struct ngp_dec_create {
    uint32_t dec_id;
    uint32_t codec_type;                      /* cudaVideoCodec */
    uint32_t chroma_format;                   /* cudaVideoChromaFormat */
    uint32_t output_format;                   /* cudaVideoSurfaceFormat */
    uint32_t bit_depth_minus8;
    uint32_t width, height;
    uint32_t max_width, max_height;
    uint32_t target_width, target_height;
    uint32_t num_decode_surfaces;
    uint32_t num_output_surfaces;
    uint32_t deinterlace_mode;                /* cudaVideoDeinterlaceMode */
    uint32_t creation_flags;                  /* cudaVideoCreateFlags */
    int16_t display_left, display_top, display_right, display_bottom;
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_dec_create) == 72, "wire size");

struct ngp_dec_reconfigure {
    uint32_t dec_id;
    uint32_t width, height;
    uint32_t target_width, target_height;
    uint32_t num_decode_surfaces;
    int16_t display_left, display_top, display_right, display_bottom;
};
static_assert(sizeof(struct ngp_dec_reconfigure) == 32, "wire size");

struct ngp_id {
    uint32_t id;                              /* dec_id or surface handle */
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_id) == 8, "wire size");

/* Followed by num_offsets uint32_t slice offsets (== params.nNumSlices). */
struct ngp_decode {
    uint32_t dec_id;
    uint32_t num_offsets;
    uint64_t bitstream_offset;                /* in the lane's staging buffer */
    uint64_t bitstream_size;                  /* == params.nBitstreamDataLen */
    CUVIDPICPARAMS params;                    /* pointers ignored */
};
/* The ffnvcodec headers both ends were built with (x86-64). */
static_assert(sizeof(CUVIDPICPARAMS) == NGP_PICPARAMS_SIZE, "CUVIDPICPARAMS changed size");
static_assert(sizeof(struct ngp_decode) == 24 + sizeof(CUVIDPICPARAMS), "wire size");

struct ngp_capture {
    uint32_t dec_id;
    uint32_t surface;                         /* target handle */
    int32_t idx;
    uint32_t flags;                           /* NGP_FIELD_* */
    uint32_t width, height;
};
static_assert(sizeof(struct ngp_capture) == 24, "wire size");
#define NGP_FIELD_PIC 1u
#define NGP_BOTTOM_FIELD 2u
#define NGP_SECOND_FIELD 4u

struct ngp_surf_create {
    uint32_t surface;                         /* handle */
    uint32_t width, height;
    uint32_t rt_format;                       /* VW_RT_* */
    uint32_t pixel_format;                    /* VW_FOURCC_* */
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_surf_create) == 24, "wire size");

/* READ: rect of the surface into the staging buffer at `offset` with
 * `layout` (offsets relative to it); WRITE: the image rectangle at (x, y)
 * of width x height from the staging buffer lands at (dst_x, dst_y). */
struct ngp_surf_io {
    uint32_t surface;
    uint32_t x, y, width, height;
    uint32_t dst_x, dst_y;
    uint32_t memory;                          /* 0: the lane's staging; else a shared memory */
    uint64_t offset, size;                    /* of the image in that memory */
    struct vw_image_layout layout;
};
static_assert(sizeof(struct ngp_surf_io) == 48 + sizeof(struct vw_image_layout), "wire size");

/* PROCESS: a video processing job (nvdec_vpp.h) between two surfaces. */
struct ngp_process {
    uint32_t source, output;                  /* surface handles, different */
    uint32_t src[4], dst[4];                  /* regions: x, y, width, height */
    uint32_t field;                           /* 0 frame, 1 top, 2 bottom */
    uint32_t standard;                        /* RGB outputs: VW_COLOR_BT601..BT2020 */
    uint32_t full_range;                      /* RGB outputs: 0 or 1 */
    uint32_t reserved;
};
static_assert(sizeof(struct ngp_process) == 56, "wire size");

#endif
