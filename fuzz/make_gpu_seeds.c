/*
 * Writes fuzz_gpu's seeds (fuzz/corpus_gpu): well-formed worker sessions
 * in its input format (fuzz_gpu.c), built from the wire structs themselves,
 * so that the fuzzer starts past the size and id checks:
 *   make_gpu_seeds DIR
 * 01_decode: decoder and surface created, a picture decoded, captured, read
 *   back through the staging buffer, both destroyed;
 * 02_shared: the same picture read into shared memory, then unshared;
 * 03_reconfigure: a decoder reconfigured to a smaller size, a surface
 *   written from staging, the device's caches trimmed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/engines/nvdec/nvdec_gpu_proto.h"

static unsigned char seed[1 << 16];
static size_t used;

static void packet(uint8_t type, uint8_t flags, const void *body, size_t len)
{
    if (used + 4 + len > sizeof(seed) || len > 0xffff)
        abort();
    seed[used++] = type;
    seed[used++] = flags;
    seed[used++] = (unsigned char)(len & 0xff);
    seed[used++] = (unsigned char)(len >> 8);
    memcpy(seed + used, body, len);
    used += len;
}

static void save(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(seed, 1, used, f) != used || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    used = 0;
}

/* The fake's size (fuzz_gpu.c: VIVAC_TEST_FAKE_NVDEC=64x64). */
#define W 64u
#define H 64u

static void create_both(void)
{
    struct ngp_dec_create dc = {
        .dec_id = 7, .codec_type = cudaVideoCodec_H264,
        .chroma_format = cudaVideoChromaFormat_420, .output_format = cudaVideoSurfaceFormat_NV12,
        .width = W, .height = H, .max_width = W, .max_height = H, .target_width = W,
        .target_height = H, .num_decode_surfaces = 4, .num_output_surfaces = 2,
        .deinterlace_mode = cudaVideoDeinterlaceMode_Weave,
        .creation_flags = cudaVideoCreate_PreferCUVID, .display_right = W, .display_bottom = H};
    packet(NGP_DEC_CREATE, 0, &dc, sizeof(dc));
    struct ngp_surf_create sc = {.surface = 100, .width = W, .height = H,
                                 .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    packet(NGP_SURF_CREATE, 0, &sc, sizeof(sc));
}

static void decode_and_capture(void)
{
    struct ngp_decode d;
    memset(&d, 0, sizeof(d));
    d.dec_id = 7;
    d.num_offsets = 1;
    d.bitstream_offset = 0;
    d.bitstream_size = 64;
    d.params.PicWidthInMbs = W / 16;
    d.params.FrameHeightInMbs = H / 16;
    d.params.CurrPicIdx = 0;
    d.params.nBitstreamDataLen = 64;
    d.params.nNumSlices = 1;
    d.params.intra_pic_flag = 1;
    for (int i = 0; i < 16; i++)
        d.params.CodecSpecific.h264.dpb[i].PicIdx = -1;
    /* The struct, then its one slice offset (0), with no padding between. */
    unsigned char body[sizeof(d) + sizeof(uint32_t)] = {0};
    memcpy(body, &d, sizeof(d));
    packet(NGP_DECODE, 0, body, sizeof(body));
    struct ngp_capture cap = {.dec_id = 7, .surface = 100, .idx = 0, .width = W, .height = H};
    packet(NGP_CAPTURE, 0, &cap, sizeof(cap));
}

static struct ngp_surf_io nv12(uint32_t memory, uint64_t offset)
{
    return (struct ngp_surf_io){
        .surface = 100, .width = W, .height = H, .memory = memory, .offset = offset,
        .size = (uint64_t)W * H * 3 / 2,
        .layout = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2, .pitches = {W, W},
                   .offsets = {0, W * H}}};
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_gpu_seeds DIR\n");
        return 2;
    }
    struct ngp_id dec = {.id = 7}, surf = {.id = 100}, mem = {.id = 300};

    create_both();
    decode_and_capture();
    struct ngp_surf_io rd = nv12(0, 4096);
    packet(NGP_SURF_READ, 0, &rd, sizeof(rd));
    packet(NGP_SURF_DESTROY, 0, &surf, sizeof(surf));
    packet(NGP_DEC_DESTROY, 0, &dec, sizeof(dec));
    save(argv[1], "01_decode");

    create_both();
    decode_and_capture();
    struct ngp_share_memory sh = {.id = 300, .size = 1u << 20};
    packet(NGP_SHARE_MEMORY, 3, &sh, sizeof(sh));      /* a sealed memfd */
    rd = nv12(300, 8192);
    packet(NGP_SURF_READ, 0, &rd, sizeof(rd));
    packet(NGP_UNSHARE_MEMORY, 0, &mem, sizeof(mem));
    save(argv[1], "02_shared");

    create_both();
    struct ngp_dec_reconfigure re = {.dec_id = 7, .width = 48, .height = 32, .target_width = 48,
                                     .target_height = 32, .num_decode_surfaces = 4,
                                     .display_right = 48, .display_bottom = 32};
    packet(NGP_DEC_RECONFIGURE, 0, &re, sizeof(re));
    struct ngp_surf_io wr = nv12(0, 0);
    packet(NGP_SURF_WRITE, 0, &wr, sizeof(wr));
    packet(NGP_TRIM, 0, NULL, 0);
    save(argv[1], "03_reconfigure");
    return 0;
}
