/*
 * vivac wire protocol, version 1.
 *
 * This header is the ABI shared by the guest driver and the host daemon; the
 * normative description is docs/protocol.md.  Rules:
 *   - every integer is little-endian and fixed width; no bool, enum or
 *     bitfield appears on the wire;
 *   - every struct has explicit padding (reserved fields, which must be zero)
 *     and its size is checked with static_assert below;
 *   - a message is a vw_header followed by `length` payload bytes;
 *   - every request gets exactly one reply, in request order, whose opcode is
 *     the request's opcode | VW_REPLY_BIT and whose payload starts with
 *     vw_status.
 *
 * The structs are also used in memory on both sides (both are little-endian
 * targets today); a big-endian port would add byte swapping in
 * src/protocol/ only.
 */
#ifndef VIVAC_PROTOCOL_H
#define VIVAC_PROTOCOL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define VW_MAGIC 0x43564956u /* "VIVC" */
#define VW_VERSION_MAJOR 1u
#define VW_VERSION_MINOR 7u

/* Hard limits of the wire format (the daemon may enforce lower ones). */
#define VW_MAX_MESSAGE (64u << 20)  /* header.length upper bound */
#define VW_MAX_SLICES 1024u         /* slices in one picture */
#define VW_MAX_WIDTH 8192u
#define VW_MAX_HEIGHT 8192u
#define VW_MESSAGE_TEXT_MAX 256u    /* vw_status.message_len upper bound */

#define VW_REPLY_BIT 0x80000000u

enum vw_opcode {
    VW_OP_HELLO = 1,
    VW_OP_QUERY_CAPS = 2,
    VW_OP_CREATE_CODEC = 3,
    VW_OP_DESTROY_CODEC = 4,
    VW_OP_CREATE_SURFACE = 5,     /* "create video buffer" */
    VW_OP_DESTROY_SURFACE = 6,    /* "destroy video buffer" */
    VW_OP_BEGIN_FRAME = 7,
    VW_OP_DECODE_BITSTREAM = 8,
    VW_OP_END_FRAME = 9,
    VW_OP_SYNC_SURFACE = 10,
    VW_OP_QUERY_SURFACE = 11,
    VW_OP_GET_IMAGE = 12,
    VW_OP_PUT_IMAGE = 13,
    VW_OP_ERROR = 14,             /* server -> client only, request_id 0: session lost */
    VW_OP_QUERY_ENCODE_CAPS = 15, /* 1.3 */
    VW_OP_ENCODE_BITSTREAM = 16,  /* 1.3 */
    VW_OP_PROCESS = 17,           /* 1.4: one video processing job */
    VW_OP_COUNT_
};

/* Status codes carried in vw_status.status. 0 is success. */
enum vw_status_code {
    VW_OK = 0,
    VW_ERR_MALFORMED = 1,         /* sizes/reserved fields/counts wrong */
    VW_ERR_UNKNOWN_OPCODE = 2,
    VW_ERR_VERSION = 3,           /* incompatible protocol major */
    VW_ERR_STATE = 4,             /* command not valid now (e.g. END without BEGIN) */
    VW_ERR_INVALID_ID = 5,        /* id unknown or destroyed */
    VW_ERR_ID_IN_USE = 6,         /* create with an id that exists */
    VW_ERR_LIMIT = 7,             /* per-session object/byte limit reached */
    VW_ERR_OUT_OF_BOUNDS = 8,     /* arena range outside the arena */
    VW_ERR_UNSUPPORTED_PROFILE = 9,
    VW_ERR_UNSUPPORTED_ENTRYPOINT = 10,
    VW_ERR_UNSUPPORTED_FORMAT = 11,
    VW_ERR_RESOLUTION = 12,
    VW_ERR_UNSUPPORTED_STREAM = 13, /* valid request the engine cannot decode exactly */
    VW_ERR_DECODE = 14,           /* engine reported a decode error */
    VW_ERR_NO_MEMORY = 15,
    VW_ERR_INTERNAL = 16,
    VW_ERR_SURFACE_BUSY = 17,     /* surface in use (e.g. destroyed while referenced) */
    VW_STATUS_COUNT_
};

/* ---- framing ---------------------------------------------------------- */

struct vw_header {
    uint32_t opcode;
    uint32_t length;              /* payload bytes following this header */
    uint32_t request_id;          /* chosen by the client, echoed in the reply */
    uint32_t reserved;            /* must be 0 */
};
static_assert(sizeof(struct vw_header) == 16, "wire size");

/* First part of every reply payload. `message_len` bytes of UTF-8 text
 * (not NUL-terminated) follow the op-specific reply body. */
struct vw_status {
    int32_t status;               /* enum vw_status_code */
    uint32_t message_len;
};
static_assert(sizeof(struct vw_status) == 8, "wire size");

/* ---- data references ---------------------------------------------------- */

enum vw_location {
    VW_LOC_INLINE = 0,            /* bytes follow in this message */
    VW_LOC_ARENA = 1,             /* bytes are at [offset, offset+size) of the arena */
};

struct vw_data_ref {
    uint32_t location;            /* enum vw_location */
    uint32_t reserved;
    uint64_t offset;              /* ARENA: arena offset; INLINE: must be 0 */
    uint64_t size;
};
static_assert(sizeof(struct vw_data_ref) == 24, "wire size");

/* ---- HELLO ---------------------------------------------------------------- */

struct vw_hello {
    uint32_t magic;               /* VW_MAGIC */
    uint16_t version_major;
    uint16_t version_minor;
    uint64_t arena_size;          /* requested shared arena bytes; 0: none */
    char client_name[32];         /* NUL-padded, informational */
};
static_assert(sizeof(struct vw_hello) == 48, "wire size");

/* If arena_size != 0 the reply carries the arena's memfd (SCM_RIGHTS on Unix
 * sockets); the fd is sealed against shrinking. */
struct vw_hello_reply {
    uint32_t magic;
    uint16_t version_major;
    uint16_t version_minor;
    uint64_t arena_size;          /* granted; 0: no arena, use inline data */
    uint32_t max_surfaces;        /* per-session limits */
    uint32_t max_codecs;
    uint64_t max_bytes;           /* host memory budget of the session */
    char server_name[32];
    char engine_name[16];         /* engine that serves the session ("sw", ...) */
};
static_assert(sizeof(struct vw_hello_reply) == 80, "wire size");

/* Protocol 1.1: where the arena lives.  Sent after vw_hello_reply when the
 * client's HELLO had version_minor >= 1 (a 1.0 client gets the 80-byte reply
 * alone).  On a channel that cannot pass fds (virtio-serial, vsock) the arena
 * is a slice of a shared-memory region that the VM sees as an ivshmem-plain
 * PCI device's BAR2; the session's arena is [offset, offset + size) of that
 * region and arena offsets in requests are relative to `offset`. */
enum vw_arena_kind {
    VW_ARENA_NONE = 0,            /* inline data only */
    VW_ARENA_FD = 1,              /* memfd passed with the reply */
    VW_ARENA_SHM = 2,             /* slice of the shared region `shm_id` */
};

struct vw_hello_arena {
    uint32_t kind;                /* enum vw_arena_kind */
    uint32_t reserved;
    uint64_t shm_id;              /* SHM: the region's vw_shm_header.id */
    uint64_t offset;              /* SHM: start of the slice in the region (page aligned) */
    uint64_t size;                /* bytes; equal to vw_hello_reply.arena_size */
};
static_assert(sizeof(struct vw_hello_arena) == 32, "wire size");

/* First bytes of a shared region (written by the daemon, which never reads
 * them back): lets the guest tell the vivac region from other ivshmem
 * devices. Slices start at VW_SHM_FIRST_SLICE. */
#define VW_SHM_MAGIC 0x4d48534341564956ull /* "VIVACSHM" */
#define VW_SHM_FIRST_SLICE (1ull << 20)
struct vw_shm_header {
    uint64_t magic;               /* VW_SHM_MAGIC */
    uint64_t id;                  /* random, per daemon start */
    uint64_t size;                /* bytes of the region */
    uint64_t reserved[5];
};
static_assert(sizeof(struct vw_shm_header) == 64, "wire size");

/* ---- capabilities ------------------------------------------------------- */

enum vw_profile {
    VW_PROFILE_NONE = 0,
    VW_PROFILE_H264_CONSTRAINED_BASELINE = 1,
    VW_PROFILE_H264_MAIN = 2,
    VW_PROFILE_H264_HIGH = 3,
    VW_PROFILE_VP9_PROFILE0 = 4,  /* VAProfileVP9Profile0: 8-bit 4:2:0 */
    VW_PROFILE_VP8 = 5,           /* VAProfileVP8Version0_3 */
    VW_PROFILE_MPEG2_SIMPLE = 6,
    VW_PROFILE_MPEG2_MAIN = 7,
    VW_PROFILE_HEVC_MAIN = 8,     /* VAProfileHEVCMain: 8-bit 4:2:0 */
    VW_PROFILE_HEVC_MAIN10 = 9,   /* VAProfileHEVCMain10: 10-bit 4:2:0 (VW_RT_YUV420_10, P010) */
    VW_PROFILE_VP9_PROFILE2 = 10, /* VAProfileVP9Profile2: 10-bit 4:2:0 (VW_RT_YUV420_10, P010) */
    VW_PROFILE_JPEG_BASELINE = 11, /* VAProfileJPEGBaseline: 8-bit 4:2:0, 4:2:2, 4:4:4 */
    /* HEVC range extensions (protocol 1.2). The surface's chroma format is
     * the stream's; its depth is at least the stream's. */
    VW_PROFILE_HEVC_MAIN422_10 = 12, /* VAProfileHEVCMain422_10: 4:2:0/4:2:2, 8-10 bits */
    VW_PROFILE_HEVC_MAIN444 = 13,    /* VAProfileHEVCMain444: 4:2:0/4:2:2/4:4:4, 8 bits */
    VW_PROFILE_HEVC_MAIN444_10 = 14, /* VAProfileHEVCMain444_10: 4:2:0/4:2:2/4:4:4, 8-10 bits */
    VW_PROFILE_MPEG4_SIMPLE = 15,  /* VAProfileMPEG4Simple (MPEG-4 Part 2) */
    VW_PROFILE_MPEG4_ADVANCED_SIMPLE = 16, /* VAProfileMPEG4AdvancedSimple */
    VW_PROFILE_AV1_MAIN = 17,      /* VAProfileAV1Profile0: 8-bit (NV12) or 10-bit (P010) 4:2:0 */
    VW_PROFILE_COUNT_
};

enum vw_entrypoint {
    VW_ENTRYPOINT_DECODE = 1,     /* VAEntrypointVLD */
    VW_ENTRYPOINT_ENCODE = 2,     /* VAEntrypointEncSlice (1.3) */
    VW_ENTRYPOINT_VIDEOPROC = 3,  /* VAEntrypointVideoProc, profile NONE (1.4) */
};

enum vw_codec {
    VW_CODEC_H264 = 1,
    VW_CODEC_VP9 = 2,
    VW_CODEC_VP8 = 3,
    VW_CODEC_MPEG2 = 4,
    VW_CODEC_HEVC = 5,
    VW_CODEC_JPEG = 6,
    VW_CODEC_MPEG4 = 7,           /* MPEG-4 Part 2 */
    VW_CODEC_AV1 = 8,
};

/* The codec (parameter struct family) of a profile; 0 if unknown. */
static inline uint32_t vw_codec_of_profile(uint32_t profile)
{
    switch (profile) {
    case VW_PROFILE_H264_CONSTRAINED_BASELINE:
    case VW_PROFILE_H264_MAIN:
    case VW_PROFILE_H264_HIGH:
        return VW_CODEC_H264;
    case VW_PROFILE_VP9_PROFILE0:
    case VW_PROFILE_VP9_PROFILE2:
        return VW_CODEC_VP9;
    case VW_PROFILE_VP8:
        return VW_CODEC_VP8;
    case VW_PROFILE_MPEG2_SIMPLE:
    case VW_PROFILE_MPEG2_MAIN:
        return VW_CODEC_MPEG2;
    case VW_PROFILE_HEVC_MAIN:
    case VW_PROFILE_HEVC_MAIN10:
    case VW_PROFILE_HEVC_MAIN422_10:
    case VW_PROFILE_HEVC_MAIN444:
    case VW_PROFILE_HEVC_MAIN444_10:
        return VW_CODEC_HEVC;
    case VW_PROFILE_JPEG_BASELINE:
        return VW_CODEC_JPEG;
    case VW_PROFILE_MPEG4_SIMPLE:
    case VW_PROFILE_MPEG4_ADVANCED_SIMPLE:
        return VW_CODEC_MPEG4;
    case VW_PROFILE_AV1_MAIN:
        return VW_CODEC_AV1;
    default:
        return 0;
    }
}

/* Chroma formats (rt_formats bitmask). Each has one surface FOURCC; the
 * memory layout of every FOURCC (planes, sample packing) is specified in
 * docs/protocol.md and implemented once, in src/common/pixel_format.c. */
#define VW_RT_YUV420 0x1u          /* 8-bit 4:2:0, surfaces NV12 */
#define VW_RT_YUV420_10 0x2u       /* 10-bit 4:2:0, surfaces P010 */
#define VW_RT_YUV422 0x4u          /* 8-bit 4:2:2, surfaces 422H (protocol 1.2) */
#define VW_RT_YUV444 0x8u          /* 8-bit 4:4:4, surfaces 444P (protocol 1.2) */
#define VW_RT_YUV422_10 0x10u      /* 10-bit 4:2:2, surfaces Y210 (protocol 1.2) */
#define VW_RT_YUV444_10 0x20u      /* 10-bit 4:4:4, surfaces Y410 (protocol 1.2) */
/* 8-bit RGB, 4 bytes a pixel, surfaces BGRA, RGBA, BGRX or RGBX (protocol
 * 1.6): outputs of video processing only, offered where the VIDEOPROC
 * capability lists it; never a decode target nor a processing source. */
#define VW_RT_RGB32 0x40u
#define VW_RT_ALL_ 0x7fu

/* Pixel formats are FOURCC codes, same values as VA_FOURCC. */
#define VW_FOURCC(a, b, c, d) \
    ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
/* NV12: a Y plane, then a plane of interleaved Cb Cr at half width and height. */
#define VW_FOURCC_NV12 VW_FOURCC('N', 'V', '1', '2')
/* P010: NV12's layout with 2 bytes (little-endian) per sample, the 10 bits
 * in the high bits (value << 6), the low 6 bits zero. */
#define VW_FOURCC_P010 VW_FOURCC('P', '0', '1', '0')
/* 422H: Y, Cb, Cr planes; Cb and Cr at half width, full height. */
#define VW_FOURCC_422H VW_FOURCC('4', '2', '2', 'H')
/* 444P: Y, Cb, Cr planes, all full size. */
#define VW_FOURCC_444P VW_FOURCC('4', '4', '4', 'P')
/* Y210: one plane of Y0 Cb Y1 Cr groups (two pixels), 16-bit little-endian
 * samples with the 10 bits in the high bits. */
#define VW_FOURCC_Y210 VW_FOURCC('Y', '2', '1', '0')
/* Y410: one plane of 32-bit little-endian pixels: Cb in bits 0-9, Y in
 * 10-19, Cr in 20-29, alpha (3: opaque) in 30-31. */
#define VW_FOURCC_Y410 VW_FOURCC('Y', '4', '1', '0')
/* YUY2: one plane of Y0 Cb Y1 Cr bytes (two pixels). An image format only
 * (1.2): YUV422 surfaces are 422H; GET/PUT_IMAGE repack between them. */
#define VW_FOURCC_YUY2 VW_FOURCC('Y', 'U', 'Y', '2')
/* RGB32 (1.6): one plane of 4-byte pixels, bytes in the order the name
 * gives (BGRA: B, G, R, A); X bytes are written 0xff and ignored on input. */
#define VW_FOURCC_BGRA VW_FOURCC('B', 'G', 'R', 'A')
#define VW_FOURCC_RGBA VW_FOURCC('R', 'G', 'B', 'A')
#define VW_FOURCC_BGRX VW_FOURCC('B', 'G', 'R', 'X')
#define VW_FOURCC_RGBX VW_FOURCC('R', 'G', 'B', 'X')

/* QUERY_CAPS has an empty request; its reply body is vw_caps_reply followed
 * by `count` vw_cap entries, then the status message. */
struct vw_cap {
    uint32_t profile;             /* enum vw_profile */
    uint32_t entrypoint;          /* enum vw_entrypoint */
    uint32_t rt_formats;          /* VW_RT_* bitmask */
    uint32_t pixel_format;        /* preferred surface FOURCC */
    uint32_t min_width;
    uint32_t min_height;
    uint32_t max_width;
    uint32_t max_height;
    char engine_name[16];
};
static_assert(sizeof(struct vw_cap) == 48, "wire size");

struct vw_caps_reply {
    uint32_t count;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_caps_reply) == 8, "wire size");

/* ---- objects -------------------------------------------------------------- */
/* Ids are chosen by the client (non-zero, unique per session and kind), so
 * that creation can be pipelined. */

struct vw_create_codec {
    uint32_t codec_id;
    uint32_t profile;             /* enum vw_profile */
    uint32_t entrypoint;          /* enum vw_entrypoint */
    uint32_t rt_format;           /* one VW_RT_* bit */
    uint32_t width;
    uint32_t height;
    uint32_t flags;               /* must be 0 */
    uint32_t reserved;
};
static_assert(sizeof(struct vw_create_codec) == 32, "wire size");

struct vw_destroy_codec {
    uint32_t codec_id;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_destroy_codec) == 8, "wire size");

struct vw_create_surface {
    uint32_t surface_id;
    uint32_t width;
    uint32_t height;
    uint32_t rt_format;           /* one VW_RT_* bit */
    uint32_t pixel_format;        /* FOURCC: the rt_format's (see VW_RT_*) */
    uint32_t reserved;
};
static_assert(sizeof(struct vw_create_surface) == 24, "wire size");

struct vw_surface_ref {
    uint32_t surface_id;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_surface_ref) == 8, "wire size");
/* DESTROY_SURFACE, SYNC_SURFACE and QUERY_SURFACE take a vw_surface_ref. */

enum vw_surface_state {
    VW_SURFACE_READY = 1,         /* nothing pending, last decode ok */
    VW_SURFACE_RENDERING = 2,     /* decode pending */
    VW_SURFACE_FAILED = 3,        /* last decode failed */
};

/* Reply body of SYNC_SURFACE and QUERY_SURFACE. The status of SYNC_SURFACE
 * is the status of the surface's last decode. */
struct vw_surface_state_reply {
    uint32_t state;               /* enum vw_surface_state */
    int32_t last_decode_status;   /* enum vw_status_code */
};
static_assert(sizeof(struct vw_surface_state_reply) == 8, "wire size");

/* ---- decoding ------------------------------------------------------------- */

struct vw_begin_frame {
    uint32_t codec_id;
    uint32_t surface_id;          /* render target */
};
static_assert(sizeof(struct vw_begin_frame) == 8, "wire size");

/* The optional block after the picture parameters ("IQ matrix" for H.264;
 * for other codecs see each codec's section below) is present. */
#define VW_DECODE_HAS_IQ_MATRIX 0x1u

/*
 * DECODE_BITSTREAM payload:
 *   vw_decode_bitstream
 *   picture parameters  (picture_params_size bytes, e.g. vw_h264_picture)
 *   IQ matrix           (iq_matrix_size bytes, 0 if absent)
 *   num_slices x slice parameters (slice_params_size bytes each)
 *   inline slice data   (data.size bytes, if data.location == INLINE)
 * The slice parameters' slice_data_offset/size index the slice data blob.
 * A frame may be sent in several DECODE_BITSTREAM commands; slices
 * accumulate and the last picture parameters win.
 */
struct vw_decode_bitstream {
    uint32_t codec_id;
    uint32_t codec;               /* enum vw_codec; selects the param structs */
    uint32_t flags;               /* VW_DECODE_* */
    uint32_t num_slices;
    uint32_t picture_params_size;
    uint32_t iq_matrix_size;
    uint32_t slice_params_size;
    uint32_t reserved;
    struct vw_data_ref data;      /* the slice data blob */
};
static_assert(sizeof(struct vw_decode_bitstream) == 56, "wire size");

struct vw_end_frame {
    uint32_t codec_id;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_end_frame) == 8, "wire size");

/* ---- H.264 parameters ------------------------------------------------------
 * Field for field what VAPictureParameterBufferH264, VAIQMatrixBufferH264 and
 * VASliceParameterBufferH264 carry, with bitfields widened to bytes. */

#define VW_INVALID_ID 0xffffffffu

#define VW_H264_PIC_INVALID 0x01u
#define VW_H264_PIC_TOP_FIELD 0x02u
#define VW_H264_PIC_BOTTOM_FIELD 0x04u
#define VW_H264_PIC_SHORT_TERM 0x08u
#define VW_H264_PIC_LONG_TERM 0x10u

struct vw_h264_ref {
    uint32_t surface_id;          /* VW_INVALID_ID if unused */
    uint32_t frame_idx;
    uint32_t flags;               /* VW_H264_PIC_* */
    int32_t top_field_order_cnt;
    int32_t bottom_field_order_cnt;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_h264_ref) == 24, "wire size");

struct vw_h264_picture {
    struct vw_h264_ref curr_pic;
    struct vw_h264_ref reference_frames[16];
    uint16_t picture_width_in_mbs_minus1;
    uint16_t picture_height_in_mbs_minus1;
    uint8_t bit_depth_luma_minus8;
    uint8_t bit_depth_chroma_minus8;
    uint8_t num_ref_frames;
    /* seq_fields */
    uint8_t chroma_format_idc;
    uint8_t residual_colour_transform_flag;
    uint8_t gaps_in_frame_num_value_allowed_flag;
    uint8_t frame_mbs_only_flag;
    uint8_t mb_adaptive_frame_field_flag;
    uint8_t direct_8x8_inference_flag;
    uint8_t min_luma_bi_pred_size8x8;
    uint8_t log2_max_frame_num_minus4;
    uint8_t pic_order_cnt_type;
    uint8_t log2_max_pic_order_cnt_lsb_minus4;
    uint8_t delta_pic_order_always_zero_flag;
    int8_t pic_init_qp_minus26;
    int8_t pic_init_qs_minus26;
    int8_t chroma_qp_index_offset;
    int8_t second_chroma_qp_index_offset;
    /* pic_fields */
    uint8_t entropy_coding_mode_flag;
    uint8_t weighted_pred_flag;
    uint8_t weighted_bipred_idc;
    uint8_t transform_8x8_mode_flag;
    uint8_t field_pic_flag;
    uint8_t constrained_intra_pred_flag;
    uint8_t pic_order_present_flag;
    uint8_t deblocking_filter_control_present_flag;
    uint8_t redundant_pic_cnt_present_flag;
    uint8_t reference_pic_flag;
    uint16_t frame_num;
    uint8_t num_slice_groups_minus1; /* FMO: deprecated in VA, must be 0 */
    uint8_t slice_group_map_type;
    uint16_t slice_group_change_rate_minus1;
    uint16_t reserved;
};
static_assert(sizeof(struct vw_h264_picture) == 24 * 17 + 40, "wire size");

struct vw_h264_iq_matrix {
    uint8_t scaling_list_4x4[6][16]; /* raster order, as VA */
    uint8_t scaling_list_8x8[2][64]; /* raster order; [0] intra Y, [1] inter Y */
};
static_assert(sizeof(struct vw_h264_iq_matrix) == 224, "wire size");

/* VASliceParameterBufferH264's fields that the wire carries under the
 * same names, one value each (the guest and the vaapi engine copy them with
 * this list, in opposite directions). */
#define VW_H264_SLICE_VA_SCALARS(X) \
    X(slice_data_bit_offset) X(first_mb_in_slice) X(slice_type) \
    X(direct_spatial_mv_pred_flag) X(num_ref_idx_l0_active_minus1) \
    X(num_ref_idx_l1_active_minus1) X(cabac_init_idc) X(slice_qp_delta) \
    X(disable_deblocking_filter_idc) X(slice_alpha_c0_offset_div2) \
    X(slice_beta_offset_div2) X(luma_log2_weight_denom) X(chroma_log2_weight_denom) \
    X(luma_weight_l0_flag) X(chroma_weight_l0_flag) X(luma_weight_l1_flag) \
    X(chroma_weight_l1_flag)

struct vw_h264_slice {
    uint32_t slice_data_size;     /* bytes of this slice's NAL in the data blob */
    uint32_t slice_data_offset;   /* offset of the NAL (header byte or start code) */
    uint32_t slice_data_flag;     /* must be 0 (VA_SLICE_DATA_FLAG_ALL) */
    uint16_t slice_data_bit_offset;
    uint16_t first_mb_in_slice;
    uint8_t slice_type;
    uint8_t direct_spatial_mv_pred_flag;
    uint8_t num_ref_idx_l0_active_minus1;
    uint8_t num_ref_idx_l1_active_minus1;
    uint8_t cabac_init_idc;
    int8_t slice_qp_delta;
    uint8_t disable_deblocking_filter_idc;
    int8_t slice_alpha_c0_offset_div2;
    int8_t slice_beta_offset_div2;
    uint8_t luma_log2_weight_denom;
    uint8_t chroma_log2_weight_denom;
    uint8_t luma_weight_l0_flag;
    uint8_t chroma_weight_l0_flag;
    uint8_t luma_weight_l1_flag;
    uint8_t chroma_weight_l1_flag;
    uint8_t reserved;
    struct vw_h264_ref ref_pic_list0[32];
    struct vw_h264_ref ref_pic_list1[32];
    int16_t luma_weight_l0[32];
    int16_t luma_offset_l0[32];
    int16_t chroma_weight_l0[32][2];
    int16_t chroma_offset_l0[32][2];
    int16_t luma_weight_l1[32];
    int16_t luma_offset_l1[32];
    int16_t chroma_weight_l1[32][2];
    int16_t chroma_offset_l1[32][2];
};
static_assert(sizeof(struct vw_h264_slice) == 32 + 24 * 64 + 2 * 384, "wire size");

/* ---- VP9 parameters -------------------------------------------------------
 * VADecPictureParameterBufferVP9 and VASliceParameterBufferVP9 (one slice per
 * frame: the whole frame, uncompressed header included), bitfields widened.
 * No optional block (flags 0, iq_matrix_size 0). */

struct vw_vp9_picture {
    uint16_t frame_width;
    uint16_t frame_height;
    uint32_t reference_frames[8]; /* surface ids, VW_INVALID_ID if none */
    /* pic_fields */
    uint8_t subsampling_x;
    uint8_t subsampling_y;
    uint8_t frame_type;           /* 0: key frame */
    uint8_t show_frame;
    uint8_t error_resilient_mode;
    uint8_t intra_only;
    uint8_t allow_high_precision_mv;
    uint8_t mcomp_filter_type;
    uint8_t frame_parallel_decoding_mode;
    uint8_t reset_frame_context;
    uint8_t refresh_frame_context;
    uint8_t frame_context_idx;
    uint8_t segmentation_enabled;
    uint8_t segmentation_temporal_update;
    uint8_t segmentation_update_map;
    uint8_t last_ref_frame;
    uint8_t last_ref_frame_sign_bias;
    uint8_t golden_ref_frame;
    uint8_t golden_ref_frame_sign_bias;
    uint8_t alt_ref_frame;
    uint8_t alt_ref_frame_sign_bias;
    uint8_t lossless_flag;
    /* the rest */
    uint8_t filter_level;
    uint8_t sharpness_level;
    uint8_t log2_tile_rows;
    uint8_t log2_tile_columns;
    uint8_t frame_header_length_in_bytes;
    uint8_t profile;
    uint16_t first_partition_size;
    uint8_t bit_depth;
    uint8_t mb_segment_tree_probs[7];
    uint8_t segment_pred_probs[3];
    uint8_t reserved[3];
};
static_assert(sizeof(struct vw_vp9_picture) == 80, "wire size");

struct vw_vp9_segment {
    /* segment_flags */
    uint8_t segment_reference_enabled;
    uint8_t segment_reference;
    uint8_t segment_reference_skipped;
    uint8_t reserved;
    uint8_t filter_level[4][2];
    int16_t luma_ac_quant_scale;
    int16_t luma_dc_quant_scale;
    int16_t chroma_ac_quant_scale;
    int16_t chroma_dc_quant_scale;
};
static_assert(sizeof(struct vw_vp9_segment) == 20, "wire size");

struct vw_vp9_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;     /* must be 0 (VA_SLICE_DATA_FLAG_ALL) */
    uint32_t reserved;
    struct vw_vp9_segment seg_param[8];
};
static_assert(sizeof(struct vw_vp9_slice) == 16 + 8 * 20, "wire size");

/* ---- VP8 parameters -------------------------------------------------------
 * VAPictureParameterBufferVP8, VASliceParameterBufferVP8 (one slice per
 * frame) and, as the optional block (VW_DECODE_HAS_IQ_MATRIX),
 * VAIQMatrixBufferVP8 + VAProbabilityDataBufferVP8 together. The slice data
 * is the frame without its frame tag (3 bytes, 10 on key frames): it starts
 * at the first partition's first byte, as VA gives it. */

struct vw_vp8_picture {
    uint32_t frame_width;
    uint32_t frame_height;
    uint32_t last_ref_frame;      /* surface ids, VW_INVALID_ID if none */
    uint32_t golden_ref_frame;
    uint32_t alt_ref_frame;
    uint32_t out_of_loop_frame;
    /* pic_fields */
    uint8_t key_frame;            /* as in the bitstream: 0 means a key frame */
    uint8_t version;
    uint8_t segmentation_enabled;
    uint8_t update_mb_segmentation_map;
    uint8_t update_segment_feature_data;
    uint8_t filter_type;
    uint8_t sharpness_level;
    uint8_t loop_filter_adj_enable;
    uint8_t mode_ref_lf_delta_update;
    uint8_t sign_bias_golden;
    uint8_t sign_bias_alternate;
    uint8_t mb_no_coeff_skip;
    uint8_t loop_filter_disable;
    /* the rest */
    uint8_t mb_segment_tree_probs[3];
    uint8_t loop_filter_level[4];
    int8_t loop_filter_deltas_ref_frame[4];
    int8_t loop_filter_deltas_mode[4];
    uint8_t prob_skip_false;
    uint8_t prob_intra;
    uint8_t prob_last;
    uint8_t prob_gf;
    uint8_t y_mode_probs[4];
    uint8_t uv_mode_probs[3];
    uint8_t mv_probs[2][19];
    uint8_t bool_coder_range;     /* bool_coder_ctx: partition 0 after the header */
    uint8_t bool_coder_value;
    uint8_t bool_coder_count;
};
static_assert(sizeof(struct vw_vp8_picture) == 104, "wire size");
/* The arrays of vw_vp8_picture of the same name and shape in
 * VAPictureParameterBufferVP8, copied whole both ways (the guest's packer,
 * the host's vaapi engine): X(field) for each. */
/* VAPictureParameterBufferVP8's pic_fields.bits and its probabilities
 * that the wire carries under the same names (guest and vaapi engine
 * copy them with these lists, in opposite directions). */
#define VW_VP8_PICTURE_VA_FLAGS(X) \
    X(key_frame) X(version) X(segmentation_enabled) X(update_mb_segmentation_map) \
    X(update_segment_feature_data) X(filter_type) X(sharpness_level) \
    X(loop_filter_adj_enable) X(mode_ref_lf_delta_update) X(sign_bias_golden) \
    X(sign_bias_alternate) X(mb_no_coeff_skip) X(loop_filter_disable)
#define VW_VP8_PICTURE_VA_PROBS(X) X(prob_skip_false) X(prob_intra) X(prob_last) X(prob_gf)
#define VW_VP8_PICTURE_VA_ARRAYS(X) \
    X(mb_segment_tree_probs) X(loop_filter_level) X(loop_filter_deltas_ref_frame) \
    X(loop_filter_deltas_mode) X(y_mode_probs) X(uv_mode_probs) X(mv_probs)

struct vw_vp8_extra {
    uint16_t quantization_index[4][6]; /* VAIQMatrixBufferVP8 */
    uint8_t dct_coeff_probs[4][8][3][11]; /* VAProbabilityDataBufferVP8 */
};
static_assert(sizeof(struct vw_vp8_extra) == 48 + 1056, "wire size");

struct vw_vp8_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;     /* must be 0 */
    uint32_t macroblock_offset;   /* bits of partition 0 before the macroblock data */
    uint8_t num_of_partitions;    /* 1 + DCT partitions (2, 3, 5 or 9) */
    uint8_t reserved[3];
    uint32_t partition_size[9];   /* [0]: partition 0 after macroblock_offset */
};
static_assert(sizeof(struct vw_vp8_slice) == 56, "wire size");

/* ---- MPEG-2 parameters -----------------------------------------------------
 * VAPictureParameterBufferMPEG2 (picture_coding_extension bits widened),
 * VAIQMatrixBufferMPEG2 as the optional block (VW_DECODE_HAS_IQ_MATRIX) and
 * VASliceParameterBufferMPEG2. Slice data starts with the slice's 4-byte
 * start code (00 00 01 xx), as VA gives it. */

#define VW_MPEG2_PIC_TOP_FIELD 1u
#define VW_MPEG2_PIC_BOTTOM_FIELD 2u
#define VW_MPEG2_PIC_FRAME 3u

struct vw_mpeg2_picture {
    uint16_t horizontal_size;
    uint16_t vertical_size;
    uint32_t forward_reference_picture;  /* surface ids, VW_INVALID_ID if none */
    uint32_t backward_reference_picture;
    uint16_t f_code;              /* VA packing: [0][0]<<12 | [0][1]<<8 | [1][0]<<4 | [1][1] */
    uint8_t picture_coding_type;  /* 1 I, 2 P, 3 B */
    /* picture_coding_extension */
    uint8_t intra_dc_precision;
    uint8_t picture_structure;    /* VW_MPEG2_PIC_* */
    uint8_t top_field_first;
    uint8_t frame_pred_frame_dct;
    uint8_t concealment_motion_vectors;
    uint8_t q_scale_type;
    uint8_t intra_vlc_format;
    uint8_t alternate_scan;
    uint8_t repeat_first_field;
    uint8_t progressive_frame;
    uint8_t is_first_field;       /* field pictures: 1 for the frame's first field */
    uint8_t reserved[2];
};
static_assert(sizeof(struct vw_mpeg2_picture) == 28, "wire size");

/* Matrices in zig-zag scan order (as VA and the bitstream have them). A load
 * flag of 0: the matrix last loaded (the default before any) stays. */
struct vw_mpeg2_iq_matrix {
    uint8_t load_intra_quantiser_matrix;
    uint8_t load_non_intra_quantiser_matrix;
    uint8_t load_chroma_intra_quantiser_matrix;
    uint8_t load_chroma_non_intra_quantiser_matrix;
    uint8_t intra_quantiser_matrix[64];
    uint8_t non_intra_quantiser_matrix[64];
    uint8_t chroma_intra_quantiser_matrix[64];
    uint8_t chroma_non_intra_quantiser_matrix[64];
};
static_assert(sizeof(struct vw_mpeg2_iq_matrix) == 260, "wire size");

struct vw_mpeg2_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;   /* the slice start code's first byte */
    uint32_t slice_data_flag;     /* must be 0 */
    uint32_t macroblock_offset;   /* bits from the start code to the first macroblock */
    uint32_t slice_horizontal_position; /* in macroblocks */
    uint32_t slice_vertical_position;   /* in macroblock rows of the picture (field) */
    uint8_t quantiser_scale_code;
    uint8_t intra_slice_flag;
    uint8_t reserved[2];
};
static_assert(sizeof(struct vw_mpeg2_slice) == 28, "wire size");

/* ---- MPEG-4 Part 2 parameters ----------------------------------------------
 * VAPictureParameterBufferMPEG4 (bitfields widened to bytes, the H.263
 * short header's GOB counts left out), VAIQMatrixBufferMPEG4 as the
 * optional block (VW_DECODE_HAS_IQ_MATRIX) and VASliceParameterBufferMPEG4.
 * As FFmpeg gives it, a picture is one slice: the VOP's data from the byte
 * holding its first macroblock bit (the VOP header's last bits come first:
 * macroblock_offset says how many) to the end of the VOP, video packets and
 * their resync markers included. No VOL or VOP header bytes are sent. */

#define VW_MPEG4_VOP_I 0u
#define VW_MPEG4_VOP_P 1u
#define VW_MPEG4_VOP_B 2u
#define VW_MPEG4_VOP_S 3u

struct vw_mpeg4_picture {
    uint16_t vop_width;
    uint16_t vop_height;
    uint32_t forward_reference_picture;  /* surface ids, VW_INVALID_ID if none */
    uint32_t backward_reference_picture;
    /* vol_fields */
    uint8_t short_video_header;
    uint8_t chroma_format;        /* 1: 4:2:0, the only one */
    uint8_t interlaced;
    uint8_t obmc_disable;
    uint8_t sprite_enable;        /* 0 none, 1 static, 2 GMC */
    uint8_t sprite_warping_accuracy;
    uint8_t quant_type;           /* 1: MPEG quantisation (matrices) */
    uint8_t quarter_sample;
    uint8_t data_partitioned;
    uint8_t reversible_vlc;
    uint8_t resync_marker_disable;
    uint8_t no_of_sprite_warping_points;
    int16_t sprite_trajectory_du[3];
    int16_t sprite_trajectory_dv[3];
    uint8_t quant_precision;      /* bits of vop_quant */
    /* vop_fields */
    uint8_t vop_coding_type;      /* VW_MPEG4_VOP_* */
    uint8_t backward_reference_vop_coding_type;
    uint8_t vop_rounding_type;
    uint8_t intra_dc_vlc_thr;
    uint8_t top_field_first;
    uint8_t alternate_vertical_scan_flag;
    uint8_t vop_fcode_forward;
    uint8_t vop_fcode_backward;
    uint8_t reserved;
    uint16_t vop_time_increment_resolution;
    int16_t TRB;                  /* ticks from the forward reference (B-VOPs) */
    int16_t TRD;                  /* ticks between the two references */
};
static_assert(sizeof(struct vw_mpeg4_picture) == 52, "wire size");
/* The fields of vw_mpeg4_picture of the same name in
 * VAPictureParameterBufferMPEG4, copied one to one both ways (the guest's
 * packer, the host's vaapi engine): outside its bitfields, then the bits of
 * its vol_fields and vop_fields. X(field) for each. */
#define VW_MPEG4_PICTURE_VA_FIELDS(X) \
    X(vop_width) X(vop_height) X(no_of_sprite_warping_points) X(quant_precision) \
    X(vop_fcode_forward) X(vop_fcode_backward) X(vop_time_increment_resolution) X(TRB) X(TRD)
#define VW_MPEG4_VOL_VA_BITS(X) \
    X(short_video_header) X(chroma_format) X(interlaced) X(obmc_disable) X(sprite_enable) \
    X(sprite_warping_accuracy) X(quant_type) X(quarter_sample) X(data_partitioned) \
    X(reversible_vlc) X(resync_marker_disable)
#define VW_MPEG4_VOP_VA_BITS(X) \
    X(vop_coding_type) X(backward_reference_vop_coding_type) X(vop_rounding_type) \
    X(intra_dc_vlc_thr) X(top_field_first) X(alternate_vertical_scan_flag)

/* Matrices in zig-zag scan order, as VA and the VOL header have them. A load
 * flag of 0: the matrix last loaded (the default before any) stays. */
struct vw_mpeg4_iq_matrix {
    uint8_t load_intra_quant_mat;
    uint8_t load_non_intra_quant_mat;
    uint8_t reserved[2];
    uint8_t intra_quant_mat[64];
    uint8_t non_intra_quant_mat[64];
};
static_assert(sizeof(struct vw_mpeg4_iq_matrix) == 132, "wire size");

struct vw_mpeg4_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;     /* must be 0 */
    uint32_t macroblock_offset;   /* bits of the first byte before the first macroblock (0..7) */
    uint32_t macroblock_number;   /* the first macroblock: 0 */
    uint16_t quant_scale;         /* vop_quant */
    uint8_t reserved[2];
};
static_assert(sizeof(struct vw_mpeg4_slice) == 24, "wire size");

/* ---- AV1 parameters --------------------------------------------------------
 * VADecPictureParameterBufferAV1 and VASliceParameterBufferAV1 (one per
 * tile), bitfields widened to bytes. No optional block. The data is the
 * tile group's payload after its header, as FFmpeg gives it (each tile's
 * tile_size_minus_1 included); the slices say where each tile's bytes are.
 * A tile group's data is sent once however many tiles point into it. No
 * OBU or header bytes are sent: the daemon rebuilds them (docs/codecs.md). */

#define VW_AV1_KEY_FRAME 0u
#define VW_AV1_INTER_FRAME 1u
#define VW_AV1_INTRA_ONLY_FRAME 2u
#define VW_AV1_SWITCH_FRAME 3u
#define VW_AV1_PRIMARY_REF_NONE 7u
#define VW_AV1_MAX_TILE_COLS 64u
#define VW_AV1_MAX_TILE_ROWS 64u

struct vw_av1_segmentation {
    uint8_t enabled;
    uint8_t update_map;
    uint8_t temporal_update;
    uint8_t update_data;
    uint8_t feature_mask[8];      /* bit j: feature j of segment i enabled */
    int16_t feature_data[8][8];   /* FeatureData[segment][feature], clipped */
};
static_assert(sizeof(struct vw_av1_segmentation) == 140, "wire size");

struct vw_av1_film_grain {
    uint8_t apply_grain;
    uint8_t chroma_scaling_from_luma;
    uint8_t grain_scaling_minus_8;
    uint8_t ar_coeff_lag;
    uint8_t ar_coeff_shift_minus_6;
    uint8_t grain_scale_shift;
    uint8_t overlap_flag;
    uint8_t clip_to_restricted_range;
    uint16_t grain_seed;
    uint8_t num_y_points;
    uint8_t point_y_value[14];
    uint8_t point_y_scaling[14];
    uint8_t num_cb_points;
    uint8_t point_cb_value[10];
    uint8_t point_cb_scaling[10];
    uint8_t num_cr_points;
    uint8_t point_cr_value[10];
    uint8_t point_cr_scaling[10];
    int8_t ar_coeffs_y[24];
    int8_t ar_coeffs_cb[25];
    int8_t ar_coeffs_cr[25];
    uint8_t reserved;
    uint8_t cb_mult;
    uint8_t cb_luma_mult;
    uint16_t cb_offset;
    uint8_t cr_mult;
    uint8_t cr_luma_mult;
    uint16_t cr_offset;
};
static_assert(sizeof(struct vw_av1_film_grain) == 164, "wire size");

struct vw_av1_global_motion {
    uint8_t wmtype;               /* 0 identity, 1 translation, 2 rotzoom, 3 affine */
    uint8_t invalid;
    uint8_t reserved[2];
    int32_t wmmat[6];             /* gm_params[ref][0..5] */
};
static_assert(sizeof(struct vw_av1_global_motion) == 28, "wire size");

struct vw_av1_picture {
    /* sequence */
    uint8_t profile;
    uint8_t order_hint_bits_minus_1;
    uint8_t bit_depth_idx;        /* 0: 8-bit, 1: 10-bit, 2: 12-bit */
    uint8_t matrix_coefficients;
    uint8_t still_picture;
    uint8_t use_128x128_superblock;
    uint8_t enable_filter_intra;
    uint8_t enable_intra_edge_filter;
    uint8_t enable_interintra_compound;
    uint8_t enable_masked_compound;
    uint8_t enable_dual_filter;
    uint8_t enable_order_hint;
    uint8_t enable_jnt_comp;
    uint8_t enable_cdef;
    uint8_t mono_chrome;
    uint8_t color_range;
    uint8_t subsampling_x;
    uint8_t subsampling_y;
    uint8_t chroma_sample_position;
    uint8_t film_grain_params_present;
    /* picture */
    uint32_t display_surface;     /* current_display_picture: the film-grain output, or VW_INVALID_ID */
    uint16_t frame_width_minus1;  /* the upscaled width with superres */
    uint16_t frame_height_minus1;
    uint32_t ref_frame_map[8];    /* surface ids, VW_INVALID_ID if none */
    uint8_t ref_frame_idx[7];
    uint8_t primary_ref_frame;    /* VW_AV1_PRIMARY_REF_NONE: none */
    uint8_t order_hint;
    uint8_t tile_cols;
    uint8_t tile_rows;
    uint8_t large_scale_tile;     /* refused */
    uint16_t width_in_sbs_minus_1[64];  /* [tile_cols - 1] is not read (the rest of the frame) */
    uint16_t height_in_sbs_minus_1[64];
    uint16_t context_update_tile_id;
    uint8_t anchor_frames_num;    /* refused unless 0 */
    uint8_t frame_type;           /* VW_AV1_*_FRAME */
    uint8_t show_frame;
    uint8_t showable_frame;
    uint8_t error_resilient_mode;
    uint8_t disable_cdf_update;
    uint8_t allow_screen_content_tools;
    uint8_t force_integer_mv;
    uint8_t allow_intrabc;
    uint8_t use_superres;
    uint8_t allow_high_precision_mv;
    uint8_t is_motion_mode_switchable;
    uint8_t use_ref_frame_mvs;
    uint8_t disable_frame_end_update_cdf;
    uint8_t uniform_tile_spacing_flag;
    uint8_t allow_warped_motion;
    uint8_t superres_scale_denominator;
    uint8_t interp_filter;        /* 0..3, 4: switchable */
    uint8_t filter_level[2];
    uint8_t filter_level_u;
    uint8_t filter_level_v;
    uint8_t sharpness_level;
    uint8_t mode_ref_delta_enabled;
    uint8_t mode_ref_delta_update;
    int8_t ref_deltas[8];
    int8_t mode_deltas[2];
    uint8_t base_qindex;
    int8_t y_dc_delta_q;
    int8_t u_dc_delta_q;
    int8_t u_ac_delta_q;
    int8_t v_dc_delta_q;
    int8_t v_ac_delta_q;
    uint8_t using_qmatrix;
    uint8_t qm_y;
    uint8_t qm_u;
    uint8_t qm_v;
    uint8_t delta_q_present_flag;
    uint8_t log2_delta_q_res;
    uint8_t delta_lf_present_flag;
    uint8_t log2_delta_lf_res;
    uint8_t delta_lf_multi;
    uint8_t tx_mode;              /* 0 only 4x4, 1 largest, 2 select */
    uint8_t reference_select;
    uint8_t reduced_tx_set_used;
    uint8_t skip_mode_present;
    uint8_t cdef_damping_minus_3;
    uint8_t cdef_bits;
    uint8_t cdef_y_strengths[8];  /* primary << 2 | secondary (coded 0..3) */
    uint8_t cdef_uv_strengths[8];
    uint8_t lr_type[3];           /* FrameRestorationType: 0 none, 1 Wiener, 2 self-guided, 3 switchable */
    uint8_t lr_unit_shift;        /* 0..2 */
    uint8_t lr_uv_shift;
    uint8_t reserved[5];
    struct vw_av1_segmentation seg;
    struct vw_av1_film_grain film_grain;
    struct vw_av1_global_motion wm[7];
};
static_assert(sizeof(struct vw_av1_picture) == 912, "wire size");
/* The fields of vw_av1_picture (and its film grain) of the same name in
 * VADecPictureParameterBufferAV1 (and VAFilmGrainStructAV1), copied one to
 * one both ways (the guest's packer, the host's vaapi engine): outside the
 * bitfields, then the bits of each VA bitfield. X(field) for each;
 * ..._ARRAYS: arrays of the same shape, copied whole. */
#define VW_AV1_PICTURE_VA_FIELDS(X) \
    X(profile) X(order_hint_bits_minus_1) X(bit_depth_idx) X(matrix_coefficients) \
    X(frame_width_minus1) X(frame_height_minus1) X(primary_ref_frame) X(order_hint) \
    X(tile_cols) X(tile_rows) X(context_update_tile_id) X(anchor_frames_num) \
    X(superres_scale_denominator) X(interp_filter) X(filter_level_u) X(filter_level_v) \
    X(base_qindex) X(y_dc_delta_q) X(u_dc_delta_q) X(u_ac_delta_q) X(v_dc_delta_q) \
    X(v_ac_delta_q) X(cdef_damping_minus_3) X(cdef_bits)
#define VW_AV1_PICTURE_VA_ARRAYS(X) \
    X(ref_frame_idx) X(filter_level) X(ref_deltas) X(mode_deltas) X(cdef_y_strengths) \
    X(cdef_uv_strengths)
#define VW_AV1_SEQ_INFO_VA_BITS(X) \
    X(still_picture) X(use_128x128_superblock) X(enable_filter_intra) \
    X(enable_intra_edge_filter) X(enable_interintra_compound) X(enable_masked_compound) \
    X(enable_dual_filter) X(enable_order_hint) X(enable_jnt_comp) X(enable_cdef) \
    X(mono_chrome) X(color_range) X(subsampling_x) X(subsampling_y) \
    X(film_grain_params_present)
#define VW_AV1_PIC_INFO_VA_BITS(X) \
    X(frame_type) X(show_frame) X(showable_frame) X(error_resilient_mode) \
    X(disable_cdf_update) X(allow_screen_content_tools) X(force_integer_mv) X(allow_intrabc) \
    X(use_superres) X(allow_high_precision_mv) X(is_motion_mode_switchable) \
    X(use_ref_frame_mvs) X(disable_frame_end_update_cdf) X(uniform_tile_spacing_flag) \
    X(allow_warped_motion) X(large_scale_tile)
#define VW_AV1_LOOP_FILTER_VA_BITS(X) \
    X(sharpness_level) X(mode_ref_delta_enabled) X(mode_ref_delta_update)
#define VW_AV1_QMATRIX_VA_BITS(X) X(using_qmatrix) X(qm_y) X(qm_u) X(qm_v)
#define VW_AV1_MODE_CONTROL_VA_BITS(X) \
    X(delta_q_present_flag) X(log2_delta_q_res) X(delta_lf_present_flag) \
    X(log2_delta_lf_res) X(delta_lf_multi) X(tx_mode) X(reference_select) \
    X(reduced_tx_set_used) X(skip_mode_present)
#define VW_AV1_FILM_GRAIN_VA_FIELDS(X) \
    X(grain_seed) X(num_y_points) X(num_cb_points) X(num_cr_points) X(cb_mult) \
    X(cb_luma_mult) X(cb_offset) X(cr_mult) X(cr_luma_mult) X(cr_offset)
#define VW_AV1_FILM_GRAIN_VA_ARRAYS(X) \
    X(point_y_value) X(point_y_scaling) X(point_cb_value) X(point_cb_scaling) \
    X(point_cr_value) X(point_cr_scaling) X(ar_coeffs_y) X(ar_coeffs_cb) X(ar_coeffs_cr)
#define VW_AV1_FILM_GRAIN_VA_BITS(X) \
    X(apply_grain) X(chroma_scaling_from_luma) X(grain_scaling_minus_8) X(ar_coeff_lag) \
    X(ar_coeff_shift_minus_6) X(grain_scale_shift) X(overlap_flag) X(clip_to_restricted_range)

struct vw_av1_slice {
    uint32_t slice_data_size;     /* the tile's bytes */
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;     /* must be 0 */
    uint16_t tile_row;
    uint16_t tile_column;
    uint32_t reserved;
};
static_assert(sizeof(struct vw_av1_slice) == 20, "wire size");

/* ---- HEVC parameters -------------------------------------------------------
 * VAPictureParameterBufferHEVC, VAIQMatrixBufferHEVC as the optional block
 * (VW_DECODE_HAS_IQ_MATRIX) and VASliceParameterBufferHEVC, field for field,
 * bitfields widened to bytes. The slice data is the slice segment NAL from
 * its 2-byte header (an Annex-B start code in front is accepted and
 * stripped), emulation prevention bytes kept, as VA gives it. Like VA, this
 * carries only the *number* of the SPS's short-term RPS sets and no VPS:
 * engines that feed a bitstream decoder rebuild the slice headers
 * (docs/codecs.md). */

#define VW_HEVC_PIC_INVALID 0x01u
#define VW_HEVC_PIC_FIELD_PIC 0x02u
#define VW_HEVC_PIC_BOTTOM_FIELD 0x04u
#define VW_HEVC_PIC_LONG_TERM 0x08u
#define VW_HEVC_PIC_RPS_ST_CURR_BEFORE 0x10u
#define VW_HEVC_PIC_RPS_ST_CURR_AFTER 0x20u
#define VW_HEVC_PIC_RPS_LT_CURR 0x40u
#define VW_HEVC_MAX_REFS 15u
#define VW_HEVC_REF_NONE 0xffu    /* empty vw_hevc_slice.ref_pic_list entry */

struct vw_hevc_ref {
    uint32_t surface_id;          /* VW_INVALID_ID if unused */
    int32_t pic_order_cnt;
    uint32_t flags;               /* VW_HEVC_PIC_* */
    uint32_t reserved;
};
static_assert(sizeof(struct vw_hevc_ref) == 16, "wire size");

/* The SPS/PPS range extension fields (H.265 7.3.2.2.2, 7.3.2.3.2), as
 * VAPictureParameterBufferHEVCRext has them. */
struct vw_hevc_range_extension {
    uint8_t transform_skip_rotation_enabled_flag;
    uint8_t transform_skip_context_enabled_flag;
    uint8_t implicit_rdpcm_enabled_flag;
    uint8_t explicit_rdpcm_enabled_flag;
    uint8_t extended_precision_processing_flag;
    uint8_t intra_smoothing_disabled_flag;
    uint8_t high_precision_offsets_enabled_flag;
    uint8_t persistent_rice_adaptation_enabled_flag;
    uint8_t cabac_bypass_alignment_enabled_flag;
    uint8_t cross_component_prediction_enabled_flag;
    uint8_t chroma_qp_offset_list_enabled_flag;
    uint8_t diff_cu_chroma_qp_offset_depth;
    uint8_t chroma_qp_offset_list_len_minus1;
    uint8_t log2_sao_offset_scale_luma;
    uint8_t log2_sao_offset_scale_chroma;
    uint8_t log2_max_transform_skip_block_size_minus2;
    int8_t cb_qp_offset_list[6];
    int8_t cr_qp_offset_list[6];
    uint8_t reserved[4];
};
static_assert(sizeof(struct vw_hevc_range_extension) == 32, "wire size");
/* Its fields of the same name in VAPictureParameterBufferHEVCRext, copied
 * one to one both ways: the bits of range_extension_pic_fields, then the
 * others (the two qp offset lists besides). X(field) for each. */
#define VW_HEVC_RANGE_EXTENSION_VA_BITS(X) \
    X(transform_skip_rotation_enabled_flag) X(transform_skip_context_enabled_flag) \
    X(implicit_rdpcm_enabled_flag) X(explicit_rdpcm_enabled_flag) \
    X(extended_precision_processing_flag) X(intra_smoothing_disabled_flag) \
    X(high_precision_offsets_enabled_flag) X(persistent_rice_adaptation_enabled_flag) \
    X(cabac_bypass_alignment_enabled_flag) X(cross_component_prediction_enabled_flag) \
    X(chroma_qp_offset_list_enabled_flag)
#define VW_HEVC_RANGE_EXTENSION_VA_FIELDS(X) \
    X(diff_cu_chroma_qp_offset_depth) X(chroma_qp_offset_list_len_minus1) \
    X(log2_sao_offset_scale_luma) X(log2_sao_offset_scale_chroma) \
    X(log2_max_transform_skip_block_size_minus2)

struct vw_hevc_picture {
    struct vw_hevc_ref curr_pic;
    struct vw_hevc_ref reference_frames[15];
    uint16_t pic_width_in_luma_samples;
    uint16_t pic_height_in_luma_samples;
    /* pic_fields */
    uint8_t chroma_format_idc;
    uint8_t separate_colour_plane_flag;
    uint8_t pcm_enabled_flag;
    uint8_t scaling_list_enabled_flag;
    uint8_t transform_skip_enabled_flag;
    uint8_t amp_enabled_flag;
    uint8_t strong_intra_smoothing_enabled_flag;
    uint8_t sign_data_hiding_enabled_flag;
    uint8_t constrained_intra_pred_flag;
    uint8_t cu_qp_delta_enabled_flag;
    uint8_t weighted_pred_flag;
    uint8_t weighted_bipred_flag;
    uint8_t transquant_bypass_enabled_flag;
    uint8_t tiles_enabled_flag;
    uint8_t entropy_coding_sync_enabled_flag;
    uint8_t pps_loop_filter_across_slices_enabled_flag;
    uint8_t loop_filter_across_tiles_enabled_flag;
    uint8_t pcm_loop_filter_disabled_flag;
    uint8_t no_pic_reordering_flag;
    uint8_t no_bi_pred_flag;
    /* the rest */
    uint8_t sps_max_dec_pic_buffering_minus1;
    uint8_t bit_depth_luma_minus8;
    uint8_t bit_depth_chroma_minus8;
    uint8_t pcm_sample_bit_depth_luma_minus1;
    uint8_t pcm_sample_bit_depth_chroma_minus1;
    uint8_t log2_min_luma_coding_block_size_minus3;
    uint8_t log2_diff_max_min_luma_coding_block_size;
    uint8_t log2_min_transform_block_size_minus2;
    uint8_t log2_diff_max_min_transform_block_size;
    uint8_t log2_min_pcm_luma_coding_block_size_minus3;
    uint8_t log2_diff_max_min_pcm_luma_coding_block_size;
    uint8_t max_transform_hierarchy_depth_intra;
    uint8_t max_transform_hierarchy_depth_inter;
    int8_t init_qp_minus26;
    uint8_t diff_cu_qp_delta_depth;
    int8_t pps_cb_qp_offset;
    int8_t pps_cr_qp_offset;
    uint8_t log2_parallel_merge_level_minus2;
    uint8_t num_tile_columns_minus1;
    uint8_t num_tile_rows_minus1;
    uint16_t column_width_minus1[19];
    uint16_t row_height_minus1[21];
    /* slice_parsing_fields */
    uint8_t lists_modification_present_flag;
    uint8_t long_term_ref_pics_present_flag;
    uint8_t sps_temporal_mvp_enabled_flag;
    uint8_t cabac_init_present_flag;
    uint8_t output_flag_present_flag;
    uint8_t dependent_slice_segments_enabled_flag;
    uint8_t pps_slice_chroma_qp_offsets_present_flag;
    uint8_t sample_adaptive_offset_enabled_flag;
    uint8_t deblocking_filter_override_enabled_flag;
    uint8_t pps_disable_deblocking_filter_flag;
    uint8_t slice_segment_header_extension_present_flag;
    uint8_t rap_pic_flag;
    uint8_t idr_pic_flag;
    uint8_t intra_pic_flag;
    /* the rest */
    uint8_t log2_max_pic_order_cnt_lsb_minus4;
    uint8_t num_short_term_ref_pic_sets;
    uint8_t num_long_term_ref_pic_sps;
    uint8_t num_ref_idx_l0_default_active_minus1;
    uint8_t num_ref_idx_l1_default_active_minus1;
    int8_t pps_beta_offset_div2;
    int8_t pps_tc_offset_div2;
    uint8_t num_extra_slice_header_bits;
    uint8_t reserved[2];
    uint32_t st_rps_bits;         /* bits of the slice header's own st_ref_pic_set() */
    /* Since protocol 1.2 (VAPictureParameterBufferHEVCRext); a 1.1 client
     * sends the picture without it (picture_params_size
     * VW_HEVC_PICTURE_V11_SIZE), which reads as all zero: no range
     * extension. */
    struct vw_hevc_range_extension range_extension;
};
static_assert(sizeof(struct vw_hevc_picture) == 16 * 16 + 152 + 32, "wire size");
#define VW_HEVC_PICTURE_V11_SIZE (16u * 16u + 152u)
/* The fields of vw_hevc_picture and vw_hevc_slice of the same name in
 * VAPictureParameterBufferHEVC and VASliceParameterBufferHEVC (outside
 * their bitfields), copied one to one both ways (the guest's packer, the
 * host's vaapi engine): X(field) for each. */
#define VW_HEVC_PICTURE_VA_FIELDS(X) \
    X(sps_max_dec_pic_buffering_minus1) X(bit_depth_luma_minus8) X(bit_depth_chroma_minus8) \
    X(pcm_sample_bit_depth_luma_minus1) X(pcm_sample_bit_depth_chroma_minus1) \
    X(log2_min_luma_coding_block_size_minus3) X(log2_diff_max_min_luma_coding_block_size) \
    X(log2_min_transform_block_size_minus2) X(log2_diff_max_min_transform_block_size) \
    X(log2_min_pcm_luma_coding_block_size_minus3) \
    X(log2_diff_max_min_pcm_luma_coding_block_size) X(max_transform_hierarchy_depth_intra) \
    X(max_transform_hierarchy_depth_inter) X(init_qp_minus26) X(diff_cu_qp_delta_depth) \
    X(pps_cb_qp_offset) X(pps_cr_qp_offset) X(log2_parallel_merge_level_minus2) \
    X(num_tile_columns_minus1) X(num_tile_rows_minus1) X(log2_max_pic_order_cnt_lsb_minus4) \
    X(num_short_term_ref_pic_sets) X(num_long_term_ref_pic_sps) \
    X(num_ref_idx_l0_default_active_minus1) X(num_ref_idx_l1_default_active_minus1) \
    X(pps_beta_offset_div2) X(pps_tc_offset_div2) X(num_extra_slice_header_bits) X(st_rps_bits)
/* Likewise the bits of VA's pic_fields, slice_parsing_fields and
 * LongSliceFlags of the same name as a wire field. */
#define VW_HEVC_PIC_FIELDS_VA_BITS(X) \
    X(chroma_format_idc) X(separate_colour_plane_flag) X(pcm_enabled_flag) \
    X(scaling_list_enabled_flag) X(transform_skip_enabled_flag) X(amp_enabled_flag) \
    X(strong_intra_smoothing_enabled_flag) X(sign_data_hiding_enabled_flag) \
    X(constrained_intra_pred_flag) X(cu_qp_delta_enabled_flag) X(weighted_pred_flag) \
    X(weighted_bipred_flag) X(transquant_bypass_enabled_flag) X(tiles_enabled_flag) \
    X(entropy_coding_sync_enabled_flag) X(pps_loop_filter_across_slices_enabled_flag) \
    X(loop_filter_across_tiles_enabled_flag) X(pcm_loop_filter_disabled_flag)
#define VW_HEVC_SLICE_PARSING_VA_BITS(X) \
    X(lists_modification_present_flag) X(long_term_ref_pics_present_flag) \
    X(sps_temporal_mvp_enabled_flag) X(cabac_init_present_flag) X(output_flag_present_flag) \
    X(dependent_slice_segments_enabled_flag) X(pps_slice_chroma_qp_offsets_present_flag) \
    X(sample_adaptive_offset_enabled_flag) X(deblocking_filter_override_enabled_flag) \
    X(pps_disable_deblocking_filter_flag) X(slice_segment_header_extension_present_flag)
#define VW_HEVC_LONG_SLICE_VA_BITS(X) \
    X(dependent_slice_segment_flag) X(slice_type) X(color_plane_id) X(slice_sao_luma_flag) \
    X(slice_sao_chroma_flag) X(mvd_l1_zero_flag) X(cabac_init_flag) \
    X(slice_temporal_mvp_enabled_flag) X(slice_deblocking_filter_disabled_flag) \
    X(collocated_from_l0_flag) X(slice_loop_filter_across_slices_enabled_flag)
#define VW_HEVC_SLICE_VA_FIELDS(X) \
    X(collocated_ref_idx) X(num_ref_idx_l0_active_minus1) X(num_ref_idx_l1_active_minus1) \
    X(slice_qp_delta) X(slice_cb_qp_offset) X(slice_cr_qp_offset) X(slice_beta_offset_div2) \
    X(slice_tc_offset_div2) X(luma_log2_weight_denom) X(delta_chroma_log2_weight_denom) \
    X(five_minus_max_num_merge_cand) X(num_entry_point_offsets) \
    X(entry_offset_to_subset_array) X(slice_data_num_emu_prevn_bytes)

/* The scaling lists in use (PPS lists if the PPS has them, else the SPS's),
 * each in raster order (ScalingList[sizeId][matrixId][j] of H.265 7.4.5
 * placed at its position in the 4x4/8x8 matrix), as VA has them.
 * 32x32: [0] intra Y, [1] inter Y. */
struct vw_hevc_iq_matrix {
    uint8_t scaling_list_4x4[6][16];
    uint8_t scaling_list_8x8[6][64];
    uint8_t scaling_list_16x16[6][64];
    uint8_t scaling_list_32x32[2][64];
    uint8_t scaling_list_dc_16x16[6];
    uint8_t scaling_list_dc_32x32[2];
};
static_assert(sizeof(struct vw_hevc_iq_matrix) == 1000, "wire size");

/* Weights and offsets as in VASliceParameterBufferHEVC; the offsets are
 * widened to 16 bits (the RExt structs' width). */
struct vw_hevc_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;   /* the NAL's first byte (or its start code) */
    uint32_t slice_data_flag;     /* must be 0 */
    uint32_t slice_data_byte_offset; /* slice data in the NAL, as VA */
    uint32_t slice_segment_address;
    uint8_t ref_pic_list[2][15];  /* indices into reference_frames, VW_HEVC_REF_NONE */
    /* LongSliceFlags */
    uint8_t last_slice_of_pic;
    uint8_t dependent_slice_segment_flag;
    uint8_t slice_type;           /* 0 B, 1 P, 2 I */
    uint8_t color_plane_id;
    uint8_t slice_sao_luma_flag;
    uint8_t slice_sao_chroma_flag;
    uint8_t mvd_l1_zero_flag;
    uint8_t cabac_init_flag;
    uint8_t slice_temporal_mvp_enabled_flag;
    uint8_t slice_deblocking_filter_disabled_flag;
    uint8_t collocated_from_l0_flag;
    uint8_t slice_loop_filter_across_slices_enabled_flag;
    /* the rest */
    uint8_t collocated_ref_idx;
    uint8_t num_ref_idx_l0_active_minus1;
    uint8_t num_ref_idx_l1_active_minus1;
    int8_t slice_qp_delta;
    int8_t slice_cb_qp_offset;
    int8_t slice_cr_qp_offset;
    int8_t slice_beta_offset_div2;
    int8_t slice_tc_offset_div2;
    uint8_t luma_log2_weight_denom;
    int8_t delta_chroma_log2_weight_denom;
    int8_t delta_luma_weight_l0[15];
    int8_t delta_chroma_weight_l0[15][2];
    int8_t delta_luma_weight_l1[15];
    int8_t delta_chroma_weight_l1[15][2];
    uint8_t five_minus_max_num_merge_cand;
    uint8_t cu_chroma_qp_offset_enabled_flag; /* range extension (1.2); 0 before */
    int16_t luma_offset_l0[15];
    int16_t chroma_offset_l0[15][2];
    int16_t luma_offset_l1[15];
    int16_t chroma_offset_l1[15][2];
    uint16_t num_entry_point_offsets;
    uint16_t entry_offset_to_subset_array;
    uint16_t slice_data_num_emu_prevn_bytes;
    uint16_t reserved1;
};
static_assert(sizeof(struct vw_hevc_slice) == 352, "wire size");

/* ---- JPEG baseline parameters ----------------------------------------------
 * VAPictureParameterBufferJPEGBaseline (at most 4 components, no rotation),
 * VAIQMatrixBufferJPEGBaseline + VAHuffmanTableBufferJPEGBaseline together
 * as the optional block (VW_DECODE_HAS_IQ_MATRIX; the guest sends it only
 * when the picture had both buffers) and VASliceParameterBufferJPEGBaseline
 * (one a scan). Slice data: a scan's entropy-coded data, byte stuffing and
 * RSTn markers included, as it follows the SOS segment in the file. */

#define VW_JPEG_MAX_COMPONENTS 4u

struct vw_jpeg_picture {
    uint16_t picture_width;
    uint16_t picture_height;
    struct {
        uint8_t component_id;         /* Ci */
        uint8_t h_sampling_factor;    /* Hi, 1..4 */
        uint8_t v_sampling_factor;    /* Vi, 1..4 */
        uint8_t quantiser_table_selector; /* Tqi, 0..3 */
    } components[4];
    uint8_t num_components;           /* 1..4 */
    uint8_t color_space;              /* VA: 0 YUV, 1 RGB, 2 BGR; only 0 is decoded */
    uint8_t reserved[2];
};
static_assert(sizeof(struct vw_jpeg_picture) == 24, "wire size");

/* Tables as DQT/DHT carry them: quantiser tables in zig-zag scan order
 * (as VA has them), Huffman tables as BITS (code counts by length 1..16)
 * and HUFFVAL. Table i is DC/AC table Th=i. A load flag of 0: the table
 * last loaded (none before any) stays. */
struct vw_jpeg_tables {
    uint8_t load_quantiser_table[4];
    uint8_t quantiser_table[4][64];
    uint8_t load_huffman_table[2];
    uint8_t reserved[2];
    struct {
        uint8_t num_dc_codes[16];
        uint8_t dc_values[12];
        uint8_t num_ac_codes[16];
        uint8_t ac_values[162];
        uint8_t pad[2];               /* must be 0 */
    } huffman_table[2];
};
static_assert(sizeof(struct vw_jpeg_tables) == 680, "wire size");

struct vw_jpeg_slice {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;         /* must be 0 */
    uint32_t slice_horizontal_position; /* must be 0 */
    uint32_t slice_vertical_position;   /* must be 0 */
    struct {
        uint8_t component_selector;   /* Csj: a picture component_id */
        uint8_t dc_table_selector;    /* Tdj, 0..1 */
        uint8_t ac_table_selector;    /* Taj, 0..1 */
    } components[4];
    uint8_t num_components;           /* Ns, 1..4 */
    uint8_t reserved;
    uint16_t restart_interval;        /* Ri in MCUs; 0: no DRI */
    uint32_t num_mcus;
};
static_assert(sizeof(struct vw_jpeg_slice) == 40, "wire size");
/* The fields of the JPEG structs of the same name in VA's
 * (VAPictureParameterBufferJPEGBaseline's components[i],
 * VASliceParameterBufferJPEGBaseline and its components[i]), copied one to
 * one both ways (the guest's packer, the host's vaapi engine): X(field). */
#define VW_JPEG_PICTURE_COMPONENT_VA_FIELDS(X) \
    X(component_id) X(h_sampling_factor) X(v_sampling_factor) X(quantiser_table_selector)
#define VW_JPEG_SLICE_VA_FIELDS(X) \
    X(slice_horizontal_position) X(slice_vertical_position) X(num_components) \
    X(restart_interval) X(num_mcus)
#define VW_JPEG_SLICE_COMPONENT_VA_FIELDS(X) \
    X(component_selector) X(dc_table_selector) X(ac_table_selector)

/* ---- images ------------------------------------------------------------------
 * GET_IMAGE copies a rectangle of a surface into client memory (the arena or
 * inline in the reply); PUT_IMAGE writes one into a surface.  The image is
 * laid out with the given plane offsets and pitches, relative to the start of
 * the data (arena offset or the inline bytes). */

struct vw_image_layout {
    uint32_t pixel_format;        /* FOURCC: the surface's */
    uint32_t num_planes;          /* the FOURCC's: NV12, P010 2; 422H, 444P 3; Y210, Y410 1 */
    uint32_t pitches[3];
    uint32_t offsets[3];
};
static_assert(sizeof(struct vw_image_layout) == 32, "wire size");

struct vw_get_image {
    uint32_t surface_id;
    uint32_t x, y, width, height; /* rectangle of the surface (multiples of the chroma subsampling) */
    uint32_t reserved;
    struct vw_image_layout layout;
    struct vw_data_ref dst;       /* ARENA: where to write; INLINE: in the reply */
};
static_assert(sizeof(struct vw_get_image) == 80, "wire size");

/* GET_IMAGE reply body; when dst was INLINE, `size` bytes of image follow. */
struct vw_get_image_reply {
    uint64_t size;
};
static_assert(sizeof(struct vw_get_image_reply) == 8, "wire size");

struct vw_put_image {
    uint32_t surface_id;
    uint32_t src_x, src_y;        /* rectangle in the image */
    uint32_t width, height;
    uint32_t dst_x, dst_y;        /* where it lands in the surface */
    uint32_t reserved;
    struct vw_image_layout layout;
    struct vw_data_ref src;       /* INLINE: image bytes follow this struct */
};
static_assert(sizeof(struct vw_put_image) == 88, "wire size");

/* ERROR: vw_status only (message explains why the session is being closed). */

/* ---- encoding (1.3) ----------------------------------------------------------
 * A codec created with VW_ENTRYPOINT_ENCODE encodes pictures: BEGIN_FRAME
 * names the input surface (its pixels are the picture), ENCODE_BITSTREAM
 * carries the picture's parameters and where its coded bytes go, END_FRAME
 * encodes it and replies vw_encode_result. The host encoder writes the
 * whole stream (parameter sets, slice headers, SEI): the guest advertises no
 * packed headers and references are the encoder's own choice within what
 * the capability allows (max_refs_l0/l1). Every picture's coded bytes are
 * final in the reply to its own END_FRAME: nothing is held back for a later
 * picture. */

/* Rate control modes (bit mask in caps, one value in a sequence). */
#define VW_RC_CQP 0x1u            /* constant QP: the picture's qp */
#define VW_RC_CBR 0x2u            /* bits_per_second, HRD-conformant, padded */
#define VW_RC_VBR 0x4u            /* target bits_per_second, peak max_bits_per_second */

/* Encode attributes of one encode capability (a vw_cap with entrypoint
 * ENCODE). QUERY_ENCODE_CAPS has an empty request; its reply body is
 * vw_caps_reply then `count` vw_encode_cap. */
struct vw_encode_cap {
    uint32_t profile;             /* enum vw_profile */
    uint32_t rt_formats;          /* VW_RT_* of the input surfaces */
    uint32_t rc_modes;            /* VW_RC_* */
    uint16_t max_refs_l0;         /* reference pictures a P picture may use */
    uint16_t max_refs_l1;         /* 0: no B pictures */
    uint32_t max_slices;          /* slices per picture, >= 1 */
    uint32_t quality_levels;      /* 0: none; else levels 1 (best) .. N (fastest) */
    uint32_t min_qp, max_qp;      /* range of qp, min_qp and max_qp */
    uint32_t reserved[4];
    char encoder_name[16];        /* e.g. "libx264", "h264_nvenc" */
};
static_assert(sizeof(struct vw_encode_cap) == 64, "wire size");

enum vw_picture_type {
    VW_PICTURE_IDR = 1,           /* starts a closed GOP; parameter sets repeated before it */
    VW_PICTURE_I = 2,
    VW_PICTURE_P = 3,
    VW_PICTURE_B = 4,             /* only where max_refs_l1 > 0 */
};

/* The sequence: what VA's sequence and misc (rate control, HRD, frame rate,
 * quality level) buffers say, codec-neutral. Sent with every picture; a
 * change of a rate field reconfigures the encoder from that picture on,
 * a change of any other field is refused (STATE): a new sequence needs a
 * new codec. */
struct vw_encode_sequence {
    uint32_t rc_mode;             /* one VW_RC_* bit the capability lists */
    uint32_t bits_per_second;     /* CBR: the rate; VBR: the target; CQP: 0 */
    uint32_t max_bits_per_second; /* VBR: the peak (>= target); else 0 */
    uint32_t hrd_buffer_bits;     /* 0: the encoder's default */
    uint32_t hrd_initial_bits;    /* <= hrd_buffer_bits; 0: default */
    uint32_t frame_rate_num;      /* frames per second = num / den; both > 0 */
    uint32_t frame_rate_den;
    uint32_t intra_period;        /* pictures from one I to the next; 0: only the first */
    uint32_t idr_period;          /* pictures from one IDR to the next; 0: only the first */
    uint32_t ip_period;           /* 1: no B pictures */
    uint8_t min_qp, max_qp;       /* 0, 0: the encoder's range */
    uint8_t level_idc;            /* H.264 level_idc; HEVC general_level_idc; 0: the encoder's */
    uint8_t bit_depth;            /* 8, or 10 (HEVC Main10 from P010) */
    uint8_t entropy_cabac;        /* H.264: 1 CABAC, 0 CAVLC (Constrained Baseline: 0) */
    uint8_t transform_8x8;        /* H.264 High: 8x8 transform allowed */
    uint8_t quality_level;        /* 0: default, else 1..quality_levels */
    uint8_t reserved0;
    /* Cropping of the coded picture to the display size, luma samples. */
    uint16_t crop_left, crop_right, crop_top, crop_bottom;
    /* VUI (H.264 E.1.1, H.265 E.2.1); a *_present of 0 leaves its fields 0. */
    uint8_t aspect_ratio_present;
    uint8_t video_signal_present; /* video_full_range and colour description */
    uint8_t video_full_range;
    uint8_t colour_description_present;
    uint8_t colour_primaries;
    uint8_t transfer_characteristics;
    uint8_t matrix_coefficients;
    uint8_t timing_info_present;  /* frame_rate_num/den written as timing info */
    uint16_t sar_width, sar_height;
    uint32_t reserved[5];
};
static_assert(sizeof(struct vw_encode_sequence) == 88, "wire size");

struct vw_encode_picture {
    uint32_t type;                /* enum vw_picture_type */
    uint32_t display_order;       /* the picture's place in display order (POC / 2) */
    uint32_t qp;                  /* CQP: the picture's QP; else 0 */
    uint32_t num_slices;          /* 1 .. max_slices */
    uint32_t reserved[2];
};
static_assert(sizeof(struct vw_encode_picture) == 24, "wire size");

/* ENCODE_BITSTREAM payload: one per picture, between BEGIN_FRAME and
 * END_FRAME of an encode codec. `coded` is where the picture's coded bytes
 * go: ARENA: the coded buffer in the arena (its size is the most bytes the
 * picture may take); INLINE: offset 0, size the most bytes the client takes
 * inline in END_FRAME's reply. */
struct vw_encode_bitstream {
    uint32_t codec_id;
    uint32_t codec;               /* enum vw_codec: H264 or HEVC */
    uint32_t flags;               /* must be 0 */
    uint32_t reserved;
    struct vw_encode_sequence sequence;
    struct vw_encode_picture picture;
    struct vw_data_ref coded;
};
static_assert(sizeof(struct vw_encode_bitstream) == 152, "wire size");

#define VW_ENCODED_KEYFRAME 0x1u  /* the picture is an IDR (or I) picture */

/* END_FRAME reply body of an encode codec; when `coded` was INLINE, `size`
 * bytes of coded data follow it (before the status message). A picture
 * whose coded bytes do not fit `coded` fails with LIMIT, naming both sizes. */
struct vw_encode_result {
    uint64_t size;                /* coded bytes of the picture (Annex B / byte stream) */
    uint32_t flags;               /* VW_ENCODED_* */
    uint32_t type;                /* enum vw_picture_type the encoder gave it */
    uint32_t qp;                  /* average QP the encoder used, 0 if unknown */
    uint32_t reserved;
};
static_assert(sizeof(struct vw_encode_result) == 24, "wire size");

/* ---- video processing (1.4) -------------------------------------------------
 * A codec created with profile NONE and VW_ENTRYPOINT_VIDEOPROC processes
 * pictures: BEGIN_FRAME names the output surface, PROCESS carries the job
 * (one per frame), END_FRAME runs it; the output surface's state and status
 * are the job's, as after a decode. The capability (a vw_cap with profile
 * NONE, entrypoint VIDEOPROC, listed only to 1.4 clients and only by
 * engines that process) gives the formats of input and output surfaces
 * (rt_formats) and the largest surface either may be. Pixels of the output
 * surface outside `output` are black. */

/* Scaling quality (VA's filter_flags VA_FILTER_SCALING_*); each engine
 * documents its filter for each (docs/codecs.md, Video processing). */
enum vw_scaling {
    VW_SCALING_DEFAULT = 0,
    VW_SCALING_FAST = 1,
    VW_SCALING_HQ = 2,
};

/* Colour matrices (VAProcColorStandard*) a surface's samples are in. */
enum vw_color_standard {
    VW_COLOR_UNSPECIFIED = 0,     /* the engine's default: BT.601 below 720 lines, else BT.709 */
    VW_COLOR_BT601 = 1,           /* also SMPTE 170M, BT.470 BG */
    VW_COLOR_BT709 = 2,
    VW_COLOR_BT2020 = 3,
};

enum vw_color_range {
    VW_RANGE_UNSPECIFIED = 0,     /* limited */
    VW_RANGE_LIMITED = 1,         /* 16-235 (8 bits) */
    VW_RANGE_FULL = 2,            /* 0-255 */
};

/* Filters of a job (vw_process.filters). */
#define VW_FILTER_DEINTERLACE 0x1u /* vw_process.deinterlace, .field */
#define VW_FILTER_PROCAMP 0x2u     /* 1.5: vw_process.brightness .. saturation */
#define VW_FILTER_DENOISE 0x4u     /* 1.5: vw_process.denoise */
#define VW_FILTER_SHARPEN 0x8u     /* 1.5: vw_process.sharpen */
#define VW_FILTERS_KNOWN \
    (VW_FILTER_DEINTERLACE | VW_FILTER_PROCAMP | VW_FILTER_DENOISE | VW_FILTER_SHARPEN)

/* ProcAmp's ranges (VA's VAProcFilterColorBalance values x 1000; VA's
 * conventional ranges, which FFmpeg's procamp_vaapi maps its options to). */
#define VW_PROCAMP_BRIGHTNESS_MIN (-100000)
#define VW_PROCAMP_BRIGHTNESS_MAX 100000
#define VW_PROCAMP_CONTRAST_MAX 10000     /* min 0, identity 1000 */
#define VW_PROCAMP_HUE_MIN (-180000)
#define VW_PROCAMP_HUE_MAX 180000
#define VW_PROCAMP_SATURATION_MAX 10000   /* min 0, identity 1000 */
#define VW_PROCAMP_ONE 1000               /* the wire's unit: 1/1000 */
/* Denoise (VAProcFilterNoiseReduction) and sharpening
 * (VAProcFilterSharpening): VA's value 0..64 x 1000, FFmpeg's
 * denoise_vaapi / sharpness_vaapi range; 0 is the identity. */
#define VW_DENOISE_MAX 64000
#define VW_SHARPEN_MAX 64000

enum vw_deinterlace {
    /* One field (vw_process.field) of the source region, its lines
     * interpolated to the output region's height by the scaling filter:
     * the engine's scaler run on the field's lines. */
    VW_DEINTERLACE_BOB = 1,
    /* 1.7: motion adaptive (VA's VAProcDeinterlacingMotionAdaptive): the
     * field vw_process.field of the source kept, the other field's lines
     * interpolated from the source and the pictures before and after it
     * (vw_process.past_ids[0], future_ids[0]; the source itself where
     * none is given), as each engine documents (docs/codecs.md). */
    VW_DEINTERLACE_MOTION_ADAPTIVE = 2,
};

/* vw_process.field_order (1.7): which field of the source comes first in
 * time (VA's VA_DEINTERLACING_BOTTOM_FIELD_FIRST); with
 * vw_process.field it says whether the job shows the frame's first or
 * second field. */
#define VW_FIELD_ORDER_TOP_FIRST 0u
#define VW_FIELD_ORDER_BOTTOM_FIRST 1u

/* References of a job each way (1.7): VA's forward references are the
 * pictures before the source in display order (past), backward ones those
 * after it (future). */
#define VW_PROCESS_MAX_REFS 4u

/* Rotation and mirroring (1.5; VA's rotation_state / mirror_state): the
 * job's picture, scaled to the output region's size before the turn
 * (width and height swapped for 90 and 270), is turned clockwise by
 * vw_process.rotation x 90 degrees, then mirrored. */
#define VW_ROTATION_MAX 3u
#define VW_MIRROR_HORIZONTAL 0x1u /* left <-> right (VA_MIRROR_HORIZONTAL) */
#define VW_MIRROR_VERTICAL 0x2u   /* top <-> bottom (VA_MIRROR_VERTICAL) */

/* A rectangle in pixels of a surface; width and height >= 1. */
struct vw_rect {
    uint32_t x, y, width, height;
};
static_assert(sizeof(struct vw_rect) == 16, "wire size");

/* PROCESS payload: one job between BEGIN_FRAME (the output surface) and
 * END_FRAME of a VIDEOPROC codec. `source` lies inside the source surface,
 * `output` inside the output surface, both aligned to their formats'
 * chroma subsampling (even for NV12 and P010; with DEINTERLACE the
 * source's y and height are multiples of 4: whole 4:2:0 field lines); the
 * source is not the output surface. */
struct vw_process {
    uint32_t codec_id;
    uint32_t source_id;           /* the surface read */
    struct vw_rect source;        /* region of the source surface read */
    struct vw_rect output;        /* region of the output surface written */
    uint32_t scaling;             /* enum vw_scaling */
    uint32_t source_standard;     /* enum vw_color_standard */
    uint32_t source_range;        /* enum vw_color_range */
    uint32_t output_standard;     /* enum vw_color_standard */
    uint32_t output_range;        /* enum vw_color_range */
    uint32_t rotation;            /* 1.5: degrees clockwise / 90, 0..3 (1.4: 0) */
    uint32_t mirror;              /* 1.5: VW_MIRROR_* bits, after the rotation (1.4: 0) */
    uint32_t filters;             /* VW_FILTER_* bits */
    uint32_t flags;               /* must be 0 */
    uint32_t deinterlace;         /* DEINTERLACE: enum vw_deinterlace; else 0 */
    uint32_t field;               /* DEINTERLACE: the field shown, 0 top, 1 bottom; else 0 */
    uint32_t reserved[3];         /* must be 0 */
    /* 1.5. A PROCESS payload of VW_PROCESS_SIZE_V14 bytes (a 1.4 client's)
     * ends here: the fields below read as 0. */
    int32_t brightness;           /* PROCAMP: VA's value x 1000, -100000..100000 (identity 0); else 0 */
    int32_t contrast;             /* PROCAMP: x 1000, 0..10000 (identity 1000); else 0 */
    int32_t hue;                  /* PROCAMP: degrees x 1000, -180000..180000 (identity 0); else 0 */
    int32_t saturation;           /* PROCAMP: x 1000, 0..10000 (identity 1000); else 0 */
    uint32_t denoise;             /* DENOISE: x 1000, 0..VW_DENOISE_MAX; else 0 */
    uint32_t sharpen;             /* SHARPEN: x 1000, 0..VW_SHARPEN_MAX; else 0 */
    uint32_t reserved2[2];        /* must be 0 */
    /* 1.7. A PROCESS payload of VW_PROCESS_SIZE_V15 bytes (a 1.5 or 1.6
     * client's) ends here: the fields below read as 0 (no references). */
    uint32_t field_order;         /* DEINTERLACE: VW_FIELD_ORDER_*; else 0 */
    uint32_t num_past;            /* entries of past_ids, 0..VW_PROCESS_MAX_REFS */
    uint32_t num_future;          /* entries of future_ids, 0..VW_PROCESS_MAX_REFS */
    uint32_t reserved3;           /* must be 0 */
    /* Surfaces of the same size and format as the source, [0] the nearest
     * in time; entries past num_* are 0. Only MOTION_ADAPTIVE takes any. */
    uint32_t past_ids[VW_PROCESS_MAX_REFS];   /* VA's forward_references */
    uint32_t future_ids[VW_PROCESS_MAX_REFS]; /* VA's backward_references */
};
static_assert(sizeof(struct vw_process) == 176, "wire size");
#define VW_PROCESS_SIZE_V14 96u   /* the 1.4 struct: up to reserved[] */
static_assert(offsetof(struct vw_process, brightness) == VW_PROCESS_SIZE_V14, "1.4 prefix");
#define VW_PROCESS_SIZE_V15 128u  /* the 1.5 and 1.6 struct: up to reserved2[] */
static_assert(offsetof(struct vw_process, field_order) == VW_PROCESS_SIZE_V15, "1.5 prefix");

#endif /* VIVAC_PROTOCOL_H */
