#include "guest/unsupported.h"

static VAStatus query_subpicture_formats(VADriverContextP ctx, VAImageFormat *format_list,
                                         unsigned int *flags, unsigned int *num_formats)
{
    if (!num_formats)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    *num_formats = 0;
    return VA_STATUS_SUCCESS;
}

static VAStatus create_subpicture(VADriverContextP ctx, VAImageID image, VASubpictureID *subpicture)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED;
}

/* No subpicture can exist, so every id is invalid. */
static VAStatus destroy_subpicture(VADriverContextP ctx, VASubpictureID subpicture)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus set_subpicture_image(VADriverContextP ctx, VASubpictureID subpicture, VAImageID image)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus set_subpicture_chromakey(VADriverContextP ctx, VASubpictureID subpicture,
                                         unsigned int chromakey_min, unsigned int chromakey_max,
                                         unsigned int chromakey_mask)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus set_subpicture_global_alpha(VADriverContextP ctx, VASubpictureID subpicture,
                                            float global_alpha)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus associate_subpicture(VADriverContextP ctx, VASubpictureID subpicture,
                                     VASurfaceID *target_surfaces, int num_surfaces, short src_x,
                                     short src_y, unsigned short src_width,
                                     unsigned short src_height, short dest_x, short dest_y,
                                     unsigned short dest_width, unsigned short dest_height,
                                     unsigned int flags)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus deassociate_subpicture(VADriverContextP ctx, VASubpictureID subpicture,
                                       VASurfaceID *target_surfaces, int num_surfaces)
{
    return VA_STATUS_ERROR_INVALID_SUBPICTURE;
}

static VAStatus query_display_attributes(VADriverContextP ctx, VADisplayAttribute *attr_list,
                                         int *num_attributes)
{
    if (!num_attributes)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    *num_attributes = 0;
    return VA_STATUS_SUCCESS;
}

/* There is no display: nothing to read or set, whatever is asked. */
static VAStatus get_display_attributes(VADriverContextP ctx, VADisplayAttribute *attr_list,
                                       int num_attributes)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus set_display_attributes(VADriverContextP ctx, VADisplayAttribute *attr_list,
                                       int num_attributes)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus lock_surface(VADriverContextP ctx, VASurfaceID surface, unsigned int *fourcc,
                             unsigned int *luma_stride, unsigned int *chroma_u_stride,
                             unsigned int *chroma_v_stride, unsigned int *luma_offset,
                             unsigned int *chroma_u_offset, unsigned int *chroma_v_offset,
                             unsigned int *buffer_name, void **buffer)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED;
}

static VAStatus unlock_surface(VADriverContextP ctx, VASurfaceID surface)
{
    return VA_STATUS_ERROR_UNIMPLEMENTED;
}

void vg_unsupported_fill_vtable(struct VADriverVTable *vt)
{
    vt->vaQuerySubpictureFormats = query_subpicture_formats;
    vt->vaCreateSubpicture = create_subpicture;
    vt->vaDestroySubpicture = destroy_subpicture;
    vt->vaSetSubpictureImage = set_subpicture_image;
    vt->vaSetSubpictureChromakey = set_subpicture_chromakey;
    vt->vaSetSubpictureGlobalAlpha = set_subpicture_global_alpha;
    vt->vaAssociateSubpicture = associate_subpicture;
    vt->vaDeassociateSubpicture = deassociate_subpicture;
    vt->vaQueryDisplayAttributes = query_display_attributes;
    vt->vaGetDisplayAttributes = get_display_attributes;
    vt->vaSetDisplayAttributes = set_display_attributes;
    vt->vaLockSurface = lock_surface;
    vt->vaUnlockSurface = unlock_surface;
}
