#include "guest/image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "guest/buffer.h"
#include "guest/surface.h"

static const VAImageFormat image_formats[VG_MAX_IMAGE_FORMATS] = {
    {.fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12},
    /* 2 bytes per sample, 10 bits in the high bits. */
    {.fourcc = VA_FOURCC_P010, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 24},
    {.fourcc = VA_FOURCC_422H, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 16},
    {.fourcc = VA_FOURCC_444P, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 24},
    {.fourcc = VA_FOURCC_Y210, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32},
    {.fourcc = VA_FOURCC_Y410, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32},
    /* YUV422 surfaces are 422H; YUY2 images of them are repacked by the
     * daemon (GStreamer's vaapi decoders ask 4:2:2 pictures as YUY2). */
    {.fourcc = VA_FOURCC_YUY2, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 16},
    /* RGB32 (video processing outputs): masks of the little-endian pixel. */
    {.fourcc = VA_FOURCC_BGRA, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32, .depth = 32,
     .red_mask = 0x00ff0000, .green_mask = 0x0000ff00, .blue_mask = 0x000000ff,
     .alpha_mask = 0xff000000},
    {.fourcc = VA_FOURCC_RGBA, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32, .depth = 32,
     .red_mask = 0x000000ff, .green_mask = 0x0000ff00, .blue_mask = 0x00ff0000,
     .alpha_mask = 0xff000000},
    {.fourcc = VA_FOURCC_BGRX, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32, .depth = 24,
     .red_mask = 0x00ff0000, .green_mask = 0x0000ff00, .blue_mask = 0x000000ff},
    {.fourcc = VA_FOURCC_RGBX, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32, .depth = 24,
     .red_mask = 0x000000ff, .green_mask = 0x0000ff00, .blue_mask = 0x00ff0000},
};

static const VAImageFormat *find_format(uint32_t fourcc)
{
    for (int i = 0; i < VG_MAX_IMAGE_FORMATS; i++)
        if (image_formats[i].fourcc == fourcc)
            return &image_formats[i];
    return NULL;
}

#define VG_PITCH_ALIGN 64u

static void free_image(struct vg_driver *drv, struct vg_image *img)
{
    vg_buffer_destroy(drv, img->va.buf);
    if (img->arena_offset != VG_NO_REGION)
        vg_conn_free(&drv->conn, img->arena_offset);
    else
        free(img->data);
    free(img);
}

void vg_images_free_all(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->images.capacity; id++) {
        struct vg_image *img = vg_table_remove(&drv->images, id);
        if (img)
            free_image(drv, img);
    }
    vg_table_finish(&drv->images);
}

/* Points the image and its buffer at new memory. */
static void image_move(struct vg_driver *drv, struct vg_image *img, uint8_t *data, uint64_t offset)
{
    struct vg_buffer *b = vg_buffer_get(drv, img->va.buf);
    memcpy(data, img->data, img->va.data_size);
    if (img->arena_offset != VG_NO_REGION)
        vg_conn_free(&drv->conn, img->arena_offset);
    else
        free(img->data);
    img->data = data;
    img->arena_offset = offset;
    if (b)
        b->data = data;
}

static bool image_mapped(struct vg_driver *drv, const struct vg_image *img)
{
    const struct vg_buffer *b = vg_buffer_get(drv, img->va.buf);
    return b && b->mapped;
}

int vg_images_leave_arena(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->images.capacity; id++) {
        struct vg_image *img = vg_table_get(&drv->images, id);
        if (img && img->arena_offset != VG_NO_REGION && image_mapped(drv, img))
            return -EBUSY;
    }
    for (uint32_t id = 1; id <= drv->images.capacity; id++) {
        struct vg_image *img = vg_table_get(&drv->images, id);
        if (!img || img->arena_offset == VG_NO_REGION)
            continue;
        uint8_t *data = malloc(img->va.data_size);
        if (!data)
            return -ENOMEM; /* the images moved so far are fine where they are */
        image_move(drv, img, data, VG_NO_REGION);
    }
    return 0;
}

void vg_images_enter_arena(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->images.capacity; id++) {
        struct vg_image *img = vg_table_get(&drv->images, id);
        uint64_t off;
        if (!img || img->arena_offset != VG_NO_REGION || image_mapped(drv, img))
            continue;
        if (vg_conn_alloc(&drv->conn, img->va.data_size, &off))
            return;
        image_move(drv, img, vg_conn_arena_ptr(&drv->conn, off), off);
    }
}

void vg_images_forget_surface(struct vg_driver *drv, VASurfaceID surface)
{
    for (uint32_t id = 1; id <= drv->images.capacity; id++) {
        struct vg_image *img = vg_table_get(&drv->images, id);
        if (img && img->derived_from == surface)
            img->derived_from = VA_INVALID_ID;
    }
}

/* Creates an image of a protocol pixel format, width x height: layout
 * (planes one after the other, rows 64-byte aligned), memory, buffer, id. */
static VAStatus create_image(struct vg_driver *drv, uint32_t fourcc, uint32_t width,
                             uint32_t height, struct vg_image **out)
{
    const VAImageFormat *format = find_format(fourcc);
    const struct vc_pixel_format *pf = vc_pixel_format_get(fourcc);
    if (!format || !pf)
        return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
    if (width == 0 || height == 0 || width > VW_MAX_WIDTH || height > VW_MAX_HEIGHT)
        return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
    uint32_t pitches[VC_MAX_PLANES] = {0}, offsets[VC_MAX_PLANES] = {0};
    uint64_t size = 0;
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t row;
        uint32_t rows;
        /* Even sizes: what the surface rounds to, so a derived image of an
         * odd-sized picture still covers the last chroma row. */
        vc_plane_extent(pf, p, (width + 1) & ~1u, (height + 1) & ~1u, &row, &rows);
        pitches[p] = (uint32_t)((row + VG_PITCH_ALIGN - 1) & ~(uint64_t)(VG_PITCH_ALIGN - 1));
        offsets[p] = (uint32_t)size;
        size += (uint64_t)pitches[p] * rows;
    }
    struct vg_image *img = calloc(1, sizeof(*img));
    if (!img)
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    img->derived_from = VA_INVALID_ID;
    img->arena_offset = VG_NO_REGION;
    uint64_t off;
    /* Not in the arena of a lost session: a new one brings a new arena. */
    if (vg_conn_check(&drv->conn) == 0 && vg_conn_alloc(&drv->conn, size, &off) == 0) {
        img->arena_offset = off;
        img->data = vg_conn_arena_ptr(&drv->conn, off);
    } else if (!(img->data = calloc(1, size))) {
        free(img);
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }
    VAImage *va = &img->va;
    va->format = *format;
    va->width = (uint16_t)width;
    va->height = (uint16_t)height;
    va->data_size = (uint32_t)size;
    va->num_planes = pf->num_planes;
    for (unsigned p = 0; p < pf->num_planes; p++) {
        va->pitches[p] = pitches[p];
        va->offsets[p] = offsets[p];
    }
    va->image_id = VA_INVALID_ID;
    va->buf = VA_INVALID_ID;

    uint32_t id;
    if (vg_table_insert(&drv->images, img, &id))
        goto err_mem;
    va->image_id = id;
    if (vg_buffer_create_for_image(drv, id, img->data, size, &va->buf)) {
        vg_table_remove(&drv->images, id);
        goto err_mem;
    }
    *out = img;
    return VA_STATUS_SUCCESS;

err_mem:
    va->buf = VA_INVALID_ID;
    free_image(drv, img);
    return VA_STATUS_ERROR_ALLOCATION_FAILED;
}

static struct vw_image_layout layout_of(const VAImage *va)
{
    struct vw_image_layout l = {.pixel_format = va->format.fourcc, .num_planes = va->num_planes};
    for (unsigned p = 0; p < va->num_planes && p < VC_MAX_PLANES; p++) {
        l.pitches[p] = va->pitches[p];
        l.offsets[p] = va->offsets[p];
    }
    return l;
}

/* GET_IMAGE of a rectangle of the surface into the image, at its origin. */
static VAStatus image_get(struct vg_driver *drv, struct vg_image *img, VASurfaceID surface,
                          uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
    struct vw_get_image req = {.surface_id = surface, .x = x, .y = y, .width = w, .height = h,
                               .layout = layout_of(&img->va)};
    bool inline_data = img->arena_offset == VG_NO_REGION;
    req.dst = (struct vw_data_ref){.location = inline_data ? VW_LOC_INLINE : VW_LOC_ARENA,
                                   .offset = inline_data ? 0 : img->arena_offset,
                                   .size = img->va.data_size};
    size_t cap = sizeof(struct vw_get_image_reply) + (inline_data ? img->va.data_size : 0);
    uint8_t *body = malloc(cap);
    if (!body)
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    struct vg_result res = {.body = body, .body_cap = cap};
    int err = vg_conn_call(&drv->conn, VW_OP_GET_IMAGE, &req, sizeof(req), NULL, 0, &res);
    VAStatus st;
    if (err) {
        st = vg_status_from_errno(err);
    } else if (res.status != VW_OK) {
        vc_warn("reading surface %u failed: %s: %s", surface, vw_status_name(res.status), res.message);
        st = vg_status_from_vw(res.status);
    } else {
        struct vw_get_image_reply rep = {0};
        if (res.body_len >= sizeof(rep))
            memcpy(&rep, body, sizeof(rep));
        size_t want = sizeof(rep) + (inline_data ? rep.size : 0);
        if (res.body_len < sizeof(rep) || res.body_len != want || rep.size > img->va.data_size) {
            vc_error("malformed GET_IMAGE reply");
            st = VA_STATUS_ERROR_OPERATION_FAILED;
        } else {
            if (inline_data)
                memcpy(img->data, body + sizeof(rep), rep.size);
            st = VA_STATUS_SUCCESS;
        }
    }
    free(body);
    return st;
}

/* PUT_IMAGE of a rectangle of the image into the surface. */
static VAStatus image_put(struct vg_driver *drv, struct vg_image *img, VASurfaceID surface,
                          uint32_t sx, uint32_t sy, uint32_t w, uint32_t h, uint32_t dx, uint32_t dy)
{
    struct vw_put_image req = {.surface_id = surface, .src_x = sx, .src_y = sy, .width = w,
                               .height = h, .dst_x = dx, .dst_y = dy, .layout = layout_of(&img->va)};
    bool inline_data = img->arena_offset == VG_NO_REGION;
    req.src = (struct vw_data_ref){.location = inline_data ? VW_LOC_INLINE : VW_LOC_ARENA,
                                   .offset = inline_data ? 0 : img->arena_offset,
                                   .size = img->va.data_size};
    struct vg_result res = {0};
    int err = vg_conn_call(&drv->conn, VW_OP_PUT_IMAGE, &req, sizeof(req),
                           inline_data ? img->data : NULL, inline_data ? img->va.data_size : 0, &res);
    if (err)
        return vg_status_from_errno(err);
    if (res.status != VW_OK) {
        vc_warn("writing surface %u failed: %s: %s", surface, vw_status_name(res.status), res.message);
        return vg_status_from_vw(res.status);
    }
    return VA_STATUS_SUCCESS;
}

/* 64-bit content hash (word-wise, fast enough to run on every map). */
static uint64_t content_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The image `id` and, if it was derived from a surface, that surface
 * (*s NULL for an image of its own). */
static VAStatus derived_image(struct vg_driver *drv, VAImageID id, struct vg_image **img,
                              struct vg_surface **s)
{
    *img = vg_table_get(&drv->images, id);
    *s = NULL;
    if (!*img)
        return VA_STATUS_ERROR_INVALID_IMAGE;
    if ((*img)->derived_from == VA_INVALID_ID)
        return VA_STATUS_SUCCESS;
    *s = vg_surface_get(drv, (*img)->derived_from);
    return *s ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_SURFACE;
}

VAStatus vg_image_map(struct vg_driver *drv, VAImageID id)
{
    struct vg_image *img;
    struct vg_surface *s;
    VAStatus st = derived_image(drv, id, &img, &s);
    if (st != VA_STATUS_SUCCESS || !s)
        return st;
    st = image_get(drv, img, img->derived_from, 0, 0, s->width, s->height);
    if (st == VA_STATUS_SUCCESS)
        img->map_hash = content_hash(img->data, img->va.data_size);
    return st;
}

VAStatus vg_image_unmap(struct vg_driver *drv, VAImageID id)
{
    struct vg_image *img;
    struct vg_surface *s;
    VAStatus st = derived_image(drv, id, &img, &s);
    if (st != VA_STATUS_SUCCESS || !s)
        return st;
    if (content_hash(img->data, img->va.data_size) == img->map_hash)
        return VA_STATUS_SUCCESS; /* read-only use: nothing to write back */
    return image_put(drv, img, img->derived_from, 0, 0, s->width, s->height, 0, 0);
}

VAStatus vg_QueryImageFormats(VADriverContextP ctx, VAImageFormat *format_list, int *num_formats)
{
    if (!format_list || !num_formats)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    for (int i = 0; i < VG_MAX_IMAGE_FORMATS; i++)
        format_list[i] = image_formats[i];
    *num_formats = VG_MAX_IMAGE_FORMATS;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_CreateImage(VADriverContextP ctx, VAImageFormat *format, int width, int height,
                        VAImage *image)
{
    if (!format || !image || width <= 0 || height <= 0)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    if (!find_format(format->fourcc))
        return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_image *img;
    VAStatus st = create_image(drv, format->fourcc, (uint32_t)width, (uint32_t)height, &img);
    if (st == VA_STATUS_SUCCESS)
        *image = img->va;
    vg_unlock(drv);
    return st;
}

VAStatus vg_DeriveImage(VADriverContextP ctx, VASurfaceID surface, VAImage *image)
{
    if (!image)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_image *img;
    VAStatus st;
    struct vg_surface *s = vg_surface_get(drv, surface);
    if (!s) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else {
        st = create_image(drv, s->fourcc, s->width, s->height, &img);
        if (st == VA_STATUS_SUCCESS) {
            img->derived_from = surface;
            *image = img->va;
        }
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_DestroyImage(VADriverContextP ctx, VAImageID image)
{
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_image *img = vg_table_remove(&drv->images, image);
    if (img)
        free_image(drv, img);
    vg_unlock(drv);
    return img ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_IMAGE;
}

VAStatus vg_SetImagePalette(VADriverContextP ctx, VAImageID image, unsigned char *palette)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED; /* YUV formats only: no paletted ones */
}

/* Checks [x, x+w) x [y, y+h) against a w_lim x h_lim plane of a FOURCC:
 * origin and size must not split a chroma sample or a pixel group
 * (multiples of 2 for 4:2:0 both ways, for 4:2:2 horizontally). */
static bool rect_ok(uint32_t fourcc, int64_t x, int64_t y, uint64_t w, uint64_t h,
                    uint64_t w_lim, uint64_t h_lim)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(fourcc);
    if (!pf)
        return false;
    int64_t ax = vc_pixel_format_align_x(pf), ay = vc_pixel_format_align_y(pf);
    return x >= 0 && y >= 0 && x % ax == 0 && y % ay == 0 && w % (uint64_t)ax == 0 &&
           h % (uint64_t)ay == 0 && w > 0 && h > 0 && (uint64_t)x + w <= w_lim &&
           (uint64_t)y + h <= h_lim;
}

VAStatus vg_GetImage(VADriverContextP ctx, VASurfaceID surface, int x, int y, unsigned int width,
                     unsigned int height, VAImageID image)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st;
    struct vg_surface *s = vg_surface_get(drv, surface);
    struct vg_image *img = vg_table_get(&drv->images, image);
    if (!s) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else if (!img) {
        st = VA_STATUS_ERROR_INVALID_IMAGE;
    } else if (!vc_pixel_format_repackable(vc_pixel_format_get(img->va.format.fourcc),
                                           vc_pixel_format_get(s->fourcc))) {
        st = VA_STATUS_ERROR_INVALID_IMAGE_FORMAT; /* no conversion, repacking only */
    } else if (!rect_ok(s->fourcc, x, y, width, height, s->width, s->height) ||
               width > img->va.width || height > img->va.height) {
        st = VA_STATUS_ERROR_INVALID_PARAMETER;
    } else {
        st = image_get(drv, img, surface, (uint32_t)x, (uint32_t)y, width, height);
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_PutImage(VADriverContextP ctx, VASurfaceID surface, VAImageID image, int src_x,
                     int src_y, unsigned int src_width, unsigned int src_height, int dest_x,
                     int dest_y, unsigned int dest_width, unsigned int dest_height)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st;
    struct vg_surface *s = vg_surface_get(drv, surface);
    struct vg_image *img = vg_table_get(&drv->images, image);
    if (!s) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else if (!img) {
        st = VA_STATUS_ERROR_INVALID_IMAGE;
    } else if (!vc_pixel_format_repackable(vc_pixel_format_get(img->va.format.fourcc),
                                           vc_pixel_format_get(s->fourcc))) {
        st = VA_STATUS_ERROR_INVALID_IMAGE_FORMAT; /* no conversion, repacking only */
    } else if (src_width != dest_width || src_height != dest_height) {
        vc_warn("vaPutImage: scaling (%ux%u -> %ux%u) is not supported", src_width, src_height,
                dest_width, dest_height);
        st = VA_STATUS_ERROR_UNIMPLEMENTED;
    } else if (!rect_ok(s->fourcc, src_x, src_y, src_width, src_height, img->va.width,
                        img->va.height) ||
               !rect_ok(s->fourcc, dest_x, dest_y, dest_width, dest_height, s->width, s->height)) {
        st = VA_STATUS_ERROR_INVALID_PARAMETER;
    } else {
        st = image_put(drv, img, surface, (uint32_t)src_x, (uint32_t)src_y, src_width, src_height,
                       (uint32_t)dest_x, (uint32_t)dest_y);
    }
    vg_unlock(drv);
    return st;
}
