#include "guest/buffer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/coded.h"
#include "guest/context.h"
#include "guest/image.h"

/* A coded buffer takes what a picture may become: FFmpeg asks for about
 * 3 bytes per pixel, more than the message limit for 8K. Its memory is
 * touched only as far as a picture's bytes go. */
#define VG_CODED_MAX (1ull << 30)

struct vg_buffer *vg_buffer_get(struct vg_driver *drv, VABufferID id)
{
    return vg_table_get(&drv->buffers, id);
}

/* Whether a buffer of this type belongs to a decode (1), an encode (0) or
 * a VideoProc (2) context; -1 for types none takes. */
static int buffer_kind(VABufferType type)
{
    switch (type) {
    case VAPictureParameterBufferType:
    case VAIQMatrixBufferType:
    case VAProbabilityBufferType: /* VP8 */
    case VAHuffmanTableBufferType: /* JPEG */
    case VASliceParameterBufferType:
    case VASliceDataBufferType:
        return 1;
    case VAEncCodedBufferType:
    case VAEncSequenceParameterBufferType:
    case VAEncPictureParameterBufferType:
    case VAEncSliceParameterBufferType:
    case VAEncMiscParameterBufferType:
    /* Created, then refused by vaRenderPicture with a reason (none is
     * advertised: the host writes every header). */
    case VAEncPackedHeaderParameterBufferType:
    case VAEncPackedHeaderDataBufferType:
        return 0;
    /* Filter parameters are refused by vaRenderPicture's pipeline (none
     * is offered), with a reason. */
    case VAProcPipelineParameterBufferType:
    case VAProcFilterParameterBufferType:
        return 2;
    default:
        return -1;
    }
}

int vg_buffer_create_for_image(struct vg_driver *drv, VAImageID image, uint8_t *data,
                               uint32_t size, VABufferID *id)
{
    struct vg_buffer *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    *b = (struct vg_buffer){.type = VAImageBufferType, .context = VA_INVALID_ID, .size = size,
                            .num_elements = 1, .max_elements = 1, .data = data, .image = image};
    if (vg_table_insert(&drv->buffers, b, id)) {
        free(b);
        return -ENOMEM;
    }
    return 0;
}

void vg_buffer_destroy(struct vg_driver *drv, VABufferID id)
{
    struct vg_buffer *b = vg_table_remove(&drv->buffers, id);
    if (!b)
        return;
    if (b->image == VA_INVALID_ID)
        free(b->data);
    free(b->coded);
    free(b);
}

void vg_buffers_free_all(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->buffers.capacity; id++)
        vg_buffer_destroy(drv, id);
    vg_table_finish(&drv->buffers);
}

VAStatus vg_CreateBuffer(VADriverContextP ctx, VAContextID context, VABufferType type,
                         unsigned int size, unsigned int num_elements, void *data,
                         VABufferID *buf_id)
{
    if (!buf_id || size == 0 || num_elements == 0)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    int kind = buffer_kind(type);
    if (kind < 0)
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    bool coded = type == VAEncCodedBufferType;
    /* Nothing a picture needs comes near the message size limit. */
    if ((uint64_t)size * num_elements > (coded ? VG_CODED_MAX : VW_MAX_MESSAGE))
        return VA_STATUS_ERROR_ALLOCATION_FAILED;

    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = NULL;
    struct vg_context *c = vg_table_get(&drv->contexts, context);
    if (!c) {
        st = VA_STATUS_ERROR_INVALID_CONTEXT;
        goto out;
    }
    if (kind != (vg_context_is_encode(c) ? 0 : c->proc ? 2 : 1)) {
        st = VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
        goto out;
    }
    size_t total = (size_t)size * num_elements;
    b = calloc(1, sizeof(*b));
    if (!b || !(b->data = malloc(total)) || (coded && !(b->coded = calloc(1, sizeof(*b->coded))))) {
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto err_free;
    }
    if (data)
        memcpy(b->data, data, total);
    else if (!coded) /* a coded buffer is read only as far as a picture wrote it */
        memset(b->data, 0, total);
    b->type = type;
    b->context = context;
    b->size = size;
    b->num_elements = b->max_elements = num_elements;
    b->image = VA_INVALID_ID;
    uint32_t id;
    if (vg_table_insert(&drv->buffers, b, &id)) {
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto err_free;
    }
    *buf_id = id;
    goto out;

err_free:
    if (b) {
        free(b->data);
        free(b->coded);
    }
    free(b);
out:
    vg_unlock(drv);
    return st;
}

VAStatus vg_BufferSetNumElements(VADriverContextP ctx, VABufferID buf_id, unsigned int num_elements)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = vg_buffer_get(drv, buf_id);
    if (!b)
        st = VA_STATUS_ERROR_INVALID_BUFFER;
    else if (b->image != VA_INVALID_ID || b->coded || num_elements == 0 ||
             num_elements > b->max_elements)
        st = VA_STATUS_ERROR_INVALID_PARAMETER;
    else
        b->num_elements = num_elements;
    vg_unlock(drv);
    return st;
}

VAStatus vg_MapBuffer(VADriverContextP ctx, VABufferID buf_id, void **pbuf)
{
    if (!pbuf)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = vg_buffer_get(drv, buf_id);
    if (!b) {
        st = VA_STATUS_ERROR_INVALID_BUFFER;
    } else if (b->coded) {
        st = vg_coded_map(drv, b, pbuf); /* waits for the picture's END_FRAME */
        b->mapped |= st == VA_STATUS_SUCCESS;
    } else if (b->image != VA_INVALID_ID && !b->mapped) {
        st = vg_image_map(drv, b->image); /* derived images fetch the pixels here */
    }
    if (st == VA_STATUS_SUCCESS && !b->coded) {
        b->mapped = true;
        *pbuf = b->data;
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_UnmapBuffer(VADriverContextP ctx, VABufferID buf_id)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = vg_buffer_get(drv, buf_id);
    if (!b) {
        st = VA_STATUS_ERROR_INVALID_BUFFER;
    } else if (!b->mapped) {
        st = VA_STATUS_ERROR_OPERATION_FAILED;
    } else {
        b->mapped = false;
        if (b->image != VA_INVALID_ID)
            st = vg_image_unmap(drv, b->image); /* derived images write back here */
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_DestroyBuffer(VADriverContextP ctx, VABufferID buffer_id)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = vg_buffer_get(drv, buffer_id);
    if (!b)
        st = VA_STATUS_ERROR_INVALID_BUFFER;
    else if (b->image != VA_INVALID_ID)
        st = VA_STATUS_ERROR_INVALID_BUFFER; /* owned by its image: vaDestroyImage */
    else {
        /* A picture being written into it ends first (a lost session has
         * run every callback, so none can reach the buffer afterwards). */
        vg_coded_wait(drv, b);
        vg_buffer_destroy(drv, buffer_id);
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_BufferInfo(VADriverContextP ctx, VABufferID buf_id, VABufferType *type,
                       unsigned int *size, unsigned int *num_elements)
{
    if (!type || !size || !num_elements)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_buffer *b = vg_buffer_get(drv, buf_id);
    if (!b) {
        st = VA_STATUS_ERROR_INVALID_BUFFER;
    } else {
        *type = b->type;
        *size = b->size;
        *num_elements = b->num_elements;
    }
    vg_unlock(drv);
    return st;
}
