/*
 * VA images in the protocol's formats (NV12, P010, 422H, 444P, Y210, Y410,
 * and YUY2 for 4:2:2 surfaces; an image has its surface's format or one
 * that only moves its samples, there is no conversion of values).  An image's bytes live in an arena region when one
 * fits, so GET_IMAGE writes straight into the memory the application maps
 * and PUT_IMAGE reads from it; otherwise they live in guest memory and
 * travel inline.  Every GET/PUT waits for its reply, so the bytes are never
 * shared with a request in flight when the application touches them.
 *
 * Derived images (vaDeriveImage) are copies, not aliases, of the surface:
 * mapping the image's buffer fetches the surface's current pixels
 * (GET_IMAGE of the whole surface), and unmapping it writes them back
 * (PUT_IMAGE) if the mapped bytes changed, so writers such as ffmpeg's
 * hwupload work.  Writes become visible to the surface at unmap time.
 */
#ifndef VIVAC_GUEST_IMAGE_H
#define VIVAC_GUEST_IMAGE_H

#include "guest/driver.h"

#define VG_MAX_IMAGE_FORMATS 11

struct vg_image {
    VAImage va;
    VASurfaceID derived_from;     /* VA_INVALID_ID unless derived (or surface gone) */
    uint8_t *data;
    uint64_t arena_offset;        /* VG_NO_REGION: data is malloc'ed */
    uint64_t map_hash;            /* content hash taken when a derived image was mapped */
};

/* Called by buffer.c when the image's buffer is mapped / unmapped. */
VAStatus vg_image_map(struct vg_driver *drv, VAImageID id);
VAStatus vg_image_unmap(struct vg_driver *drv, VAImageID id);
void vg_images_free_all(struct vg_driver *drv);
/* Before the connection's arena is unmapped (a new session replaces a lost
 * one): moves every image whose bytes live in the arena to guest memory,
 * so that no image or buffer keeps a pointer into the old mapping.
 * -EBUSY, nothing moved, if such an image's buffer is mapped (the
 * application holds a pointer into the arena); -ENOMEM. */
int vg_images_leave_arena(struct vg_driver *drv);
/* After a new session opened: moves images in guest memory whose buffer is
 * not mapped into the new arena while there is room (best effort). */
void vg_images_enter_arena(struct vg_driver *drv);
/* Detaches derived images from a surface that goes away. */
void vg_images_forget_surface(struct vg_driver *drv, VASurfaceID surface);

VAStatus vg_QueryImageFormats(VADriverContextP ctx, VAImageFormat *format_list, int *num_formats);
VAStatus vg_CreateImage(VADriverContextP ctx, VAImageFormat *format, int width, int height,
                        VAImage *image);
VAStatus vg_DeriveImage(VADriverContextP ctx, VASurfaceID surface, VAImage *image);
VAStatus vg_DestroyImage(VADriverContextP ctx, VAImageID image);
VAStatus vg_SetImagePalette(VADriverContextP ctx, VAImageID image, unsigned char *palette);
VAStatus vg_GetImage(VADriverContextP ctx, VASurfaceID surface, int x, int y, unsigned int width,
                     unsigned int height, VAImageID image);
VAStatus vg_PutImage(VADriverContextP ctx, VASurfaceID surface, VAImageID image, int src_x,
                     int src_y, unsigned int src_width, unsigned int src_height, int dest_x,
                     int dest_y, unsigned int dest_width, unsigned int dest_height);

#endif
