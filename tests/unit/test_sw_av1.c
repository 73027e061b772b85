/*
 * The sw engine's AV1 codec (sw_av1.c) driven without the guest: pictures
 * of made-up tile bytes (which dav1d decodes to some picture) with VA's
 * reference map as FFmpeg fills it. Checks: a key frame and inter frames
 * decode into their surfaces; film grain goes to the display surface only;
 * a picture found no free slot while the map held 8 different surfaces is
 * decoded again once the next map frees one, so that a picture reading it
 * decodes; a reference to a surface the decoder does not hold, slices that
 * are not the tiles, too many hidden key frames in a row, and more tile
 * data kept for pictures decoded again than the codec was charged for are
 * refused with the reason.
 */
#include <stdint.h>
#include <string.h>

#include "av1_pictures.h"
#include "check.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/engines/sw/sw_internal.h"

static const struct vh_engine_ops *ops = &vh_engine_sw;
static struct vh_surface surfaces[24];
static uint8_t tile_bytes[16384];
static uint32_t tile_size = 1024;  /* the bytes of each tile */

static struct vw_av1_picture key_frame(void)
{
    struct vw_av1_picture p = av1_key_frame(64, 64);
    p.display_surface = VW_INVALID_ID;
    for (int i = 0; i < 8; i++)
        p.ref_frame_map[i] = VW_INVALID_ID;
    return p;
}

/* An inter frame reading VA slots 0..6 of `map`. */
static struct vw_av1_picture inter_frame(const uint32_t map[8], uint8_t order_hint)
{
    struct vw_av1_picture p = key_frame();
    p.frame_type = VW_AV1_INTER_FRAME;
    p.error_resilient_mode = 0;
    p.showable_frame = 1;
    p.primary_ref_frame = 0;
    memcpy(p.ref_frame_map, map, sizeof(p.ref_frame_map));
    for (int i = 0; i < 7; i++)
        p.ref_frame_idx[i] = (uint8_t)i;
    p.order_hint = order_hint;
    p.interp_filter = 4;
    for (int r = 0; r < 7; r++)
        p.wm[r].wmmat[2] = p.wm[r].wmmat[5] = 65536;
    return p;
}

static int decode(struct vh_codec *codec, const struct vw_av1_picture *p, uint32_t target,
                  uint32_t num_slices, struct vh_error *err)
{
    struct vw_av1_slice sl[2];
    struct vh_slice slices[2];
    for (uint32_t i = 0; i < num_slices; i++) {
        sl[i] = (struct vw_av1_slice){.slice_data_size = tile_size};
        slices[i] = (struct vh_slice){.data = tile_bytes, .size = tile_size,
                                      .av1 = &sl[i]};
    }
    struct vh_picture pic = {.codec = VW_CODEC_AV1, .av1 = p, .num_slices = num_slices,
                             .slices = slices, .target = &surfaces[target]};
    for (int i = 0; i < 8; i++)
        pic.refs[i] = p->ref_frame_map[i] == VW_INVALID_ID ? NULL : &surfaces[p->ref_frame_map[i]];
    if (p->film_grain.apply_grain)
        pic.refs[8] = &surfaces[p->display_surface];
    memset(err, 0, sizeof(*err));
    return ops->decode(codec, &pic, err);
}

static bool written(uint32_t id)
{
    return sw_surface_get(&surfaces[id])->frame->buf[0] != NULL;
}

static bool same_pixels(uint32_t a, uint32_t b)
{
    const AVFrame *fa = sw_surface_get(&surfaces[a])->frame;
    const AVFrame *fb = sw_surface_get(&surfaces[b])->frame;
    for (int y = 0; y < 64; y++)
        if (memcmp(fa->data[0] + y * fa->linesize[0], fb->data[0] + y * fb->linesize[0], 64))
            return false;
    return true;
}

int main(void)
{
    if (!sw_av1_available()) {
        printf("test_sw_av1: built without libdav1d, skipped\n");
        return 77;
    }
    uint32_t rng = 99;
    for (size_t i = 0; i < sizeof(tile_bytes); i++) {
        rng = rng * 1103515245u + 12345u;
        tile_bytes[i] = (uint8_t)(rng >> 16);
    }
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&e, &err), VW_OK);
    for (uint32_t i = 0; i < 24; i++) {
        surfaces[i] = (struct vh_surface){.id = i, .width = 64, .height = 64,
                                          .rt_format = VW_RT_YUV420,
                                          .pixel_format = VW_FOURCC_NV12};
        CHECK_EQ(ops->surface_init(e, &surfaces[i], &err), VW_OK);
    }
    struct vh_codec_desc desc = {VW_PROFILE_AV1_MAIN, VW_ENTRYPOINT_DECODE, VW_RT_YUV420, 64, 64};
    struct vh_codec *codec = NULL;
    CHECK_EQ(ops->codec_create(e, &desc, &codec, &err), VW_OK);

    /* A key frame with film grain: the grain goes to the display surface. */
    struct vw_av1_picture k = key_frame();
    k.film_grain.apply_grain = 1;
    k.film_grain.grain_seed = 77;
    k.film_grain.num_y_points = 2;
    k.film_grain.point_y_value[1] = 255;
    k.film_grain.point_y_scaling[0] = k.film_grain.point_y_scaling[1] = 200;
    k.display_surface = 23;
    CHECK_EQ(decode(codec, &k, 1, 1, &err), VW_OK);
    CHECK(written(1) && written(23));
    CHECK(!same_pixels(1, 23));

    /* Inter frames, each refreshing VA slot i with its surface: after
     * seven of them the map holds 8 different surfaces. */
    uint32_t map[8];
    for (int i = 0; i < 8; i++)
        map[i] = 1;
    for (uint32_t i = 1; i < 8; i++) {
        struct vw_av1_picture p = inter_frame(map, (uint8_t)i);
        CHECK_EQ(decode(codec, &p, 1 + i, 1, &err), VW_OK);
        CHECK(written(1 + i));
        map[i] = 1 + i;
    }
    /* 8 different surfaces in the map: surface 9 finds no free slot, and
     * refreshes VA slot 0 (surface 1 leaves the map). */
    struct vw_av1_picture p9 = inter_frame(map, 8);
    CHECK_EQ(decode(codec, &p9, 9, 1, &err), VW_OK);
    map[0] = 9;
    /* Reading surface 9 (VA slot 0) works only if it was decoded again
     * into the slot surface 1 left. */
    struct vw_av1_picture p10 = inter_frame(map, 9);
    CHECK_EQ(decode(codec, &p10, 10, 1, &err), VW_OK);
    map[1] = 10;
    /* The tile data kept for a picture decoded again is bounded (one
     * 10-bit picture's bytes, 64x64x3). */
    tile_size = sizeof(tile_bytes);
    struct vw_av1_picture big = inter_frame(map, 10);
    CHECK_EQ(decode(codec, &big, 11, 1, &err), VW_ERR_LIMIT);
    CHECK(strstr(err.message, "would keep more than 12288 bytes") != NULL);
    tile_size = 1024;

    /* A reference to a surface the decoder never held. */
    uint32_t bad_map[8];
    memcpy(bad_map, map, sizeof(bad_map));
    bad_map[3] = 20;
    struct vw_av1_picture bad = inter_frame(bad_map, 10);
    CHECK_EQ(decode(codec, &bad, 11, 1, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "surface 20, which the decoder does not hold") != NULL);
    /* Two slices for a frame of one tile. */
    struct vw_av1_picture two = inter_frame(map, 10);
    CHECK_EQ(decode(codec, &two, 11, 2, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "1 tiles has 2 slices") != NULL);
    /* Still decoding after the refusals. */
    CHECK_EQ(decode(codec, &two, 11, 1, &err), VW_OK);

    /* Hidden key frames: at most 8 in a row. */
    struct vw_av1_picture hidden = key_frame();
    hidden.show_frame = 0;
    hidden.showable_frame = 1;
    hidden.error_resilient_mode = 0;
    int st = VW_OK;
    for (uint32_t i = 0; i < 9 && st == VW_OK; i++)
        st = decode(codec, &hidden, 12 + i, 1, &err);
    CHECK_EQ(st, VW_ERR_DECODE);
    CHECK(strstr(err.message, "hidden key frames in a row") != NULL);
    /* A shown key frame starts again. */
    CHECK_EQ(decode(codec, &k, 1, 1, &err), VW_OK);

    ops->codec_destroy(&codec);
    for (uint32_t i = 0; i < 24; i++)
        ops->surface_fini(e, &surfaces[i]);
    ops->destroy(&e);
    return check_finish("test_sw_av1");
}
