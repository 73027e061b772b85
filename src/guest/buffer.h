/*
 * VA buffers.  Decode parameter/slice buffers live in guest memory and are
 * copied by vaRenderPicture (ffmpeg destroys them right after vaEndPicture).
 * Image buffers (VAImageBufferType) are created by image.c; their memory
 * belongs to the image (often an arena region) and map/unmap go through it.
 * Encode parameter buffers are copied by vaRenderPicture too; coded buffers
 * (VAEncCodedBufferType) are described in coded.h.
 */
#ifndef VIVAC_GUEST_BUFFER_H
#define VIVAC_GUEST_BUFFER_H

#include <stdbool.h>

#include "guest/driver.h"

struct vg_coded;

struct vg_buffer {
    VABufferType type;
    VAContextID context;
    uint32_t size;                /* bytes per element */
    uint32_t num_elements;
    uint32_t max_elements;        /* elements allocated at creation */
    uint8_t *data;                /* owned unless image != VA_INVALID_ID */
    VAImageID image;              /* image buffers: the owning image */
    bool mapped;
    struct vg_coded *coded;       /* VAEncCodedBufferType only (coded.h) */
};

struct vg_buffer *vg_buffer_get(struct vg_driver *drv, VABufferID id);
/* Creates an image buffer over memory the image owns. */
int vg_buffer_create_for_image(struct vg_driver *drv, VAImageID image, uint8_t *data,
                               uint32_t size, VABufferID *id);
/* Removes and frees a buffer (not image-owned memory). */
void vg_buffer_destroy(struct vg_driver *drv, VABufferID id);
void vg_buffers_free_all(struct vg_driver *drv);

VAStatus vg_CreateBuffer(VADriverContextP ctx, VAContextID context, VABufferType type,
                         unsigned int size, unsigned int num_elements, void *data,
                         VABufferID *buf_id);
VAStatus vg_BufferSetNumElements(VADriverContextP ctx, VABufferID buf_id, unsigned int num_elements);
VAStatus vg_MapBuffer(VADriverContextP ctx, VABufferID buf_id, void **pbuf);
VAStatus vg_UnmapBuffer(VADriverContextP ctx, VABufferID buf_id);
VAStatus vg_DestroyBuffer(VADriverContextP ctx, VABufferID buffer_id);
VAStatus vg_BufferInfo(VADriverContextP ctx, VABufferID buf_id, VABufferType *type,
                       unsigned int *size, unsigned int *num_elements);

#endif
