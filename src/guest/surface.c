#include "guest/surface.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "guest/config.h"
#include "guest/image.h"
#include "guest/session.h"

struct vg_surface *vg_surface_get(struct vg_driver *drv, VASurfaceID id)
{
    return vg_table_get(&drv->surfaces, id);
}

void vg_log_failure_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    if (r->status != VW_OK && r->status != VG_STATUS_LOST)
        vc_warn("%s failed: %s: %.*s", vw_opcode_name(r->opcode), vw_status_name(r->status),
                (int)r->message_len, r->message ? r->message : "");
}

static void record_failure(struct vg_driver *drv, uint32_t id, struct vg_reply *r)
{
    struct vg_surface *s = vg_surface_get(drv, id);
    if (!s || r->status == VW_OK)
        return;
    if (s->decode_status == VW_OK) {
        s->decode_status = r->status;
        if (r->status != VG_STATUS_LOST)
            vc_warn("%s surface %u failed at %s: %s: %.*s",
                    s->encoding ? "encoding from" : "decoding into", id,
                    vw_opcode_name(r->opcode), vw_status_name(r->status),
                    (int)r->message_len, r->message ? r->message : "");
    }
}

void vg_surface_frame_begin_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    struct vg_surface *s = vg_surface_get(user, tag);
    if (s)
        s->decode_status = VW_OK; /* a new frame starts */
    record_failure(user, tag, r);
}

void vg_surface_frame_step_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    record_failure(user, tag, r);
}

void vg_surface_frame_end_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    record_failure(user, tag, r);
    struct vg_surface *s = vg_surface_get(user, tag);
    if (s && s->frames_in_flight)
        s->frames_in_flight--;
}

int vg_surface_post_frame(struct vg_driver *drv, uint32_t codec_id, VASurfaceID target,
                          uint32_t op, const void *msg, size_t msg_len, const void *data,
                          size_t data_len, uint64_t region)
{
    struct vg_surface *s = vg_surface_get(drv, target);
    struct vw_begin_frame begin = {.codec_id = codec_id, .surface_id = target};
    struct vw_end_frame end = {.codec_id = codec_id};
    uint32_t end_request;
    int err = vg_conn_post(&drv->conn, VW_OP_BEGIN_FRAME, &begin, sizeof(begin), NULL, 0,
                           vg_surface_frame_begin_cb, drv, target, VG_NO_REGION, NULL);
    if (!err)
        err = vg_conn_post(&drv->conn, op, msg, msg_len, data, data_len,
                           vg_surface_frame_step_cb, drv, target, region, NULL);
    else if (region != VG_NO_REGION)
        vg_conn_free(&drv->conn, region);
    if (!err)
        err = vg_conn_post(&drv->conn, VW_OP_END_FRAME, &end, sizeof(end), NULL, 0,
                           vg_surface_frame_end_cb, drv, target, VG_NO_REGION, &end_request);
    if (err)
        return err;
    s->encoding = false;
    s->frames_in_flight++;
    s->last_request = end_request;
    s->output_of = VA_INVALID_SURFACE;
    return 0;
}

static void create_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    struct vg_surface *s = vg_surface_get(user, tag);
    if (s && r->status != VW_OK) {
        s->create_status = r->status;
        if (r->status != VG_STATUS_LOST)
            vc_error("creating surface %u failed: %s: %.*s", tag, vw_status_name(r->status),
                     (int)r->message_len, r->message ? r->message : "");
    }
}

int vg_surface_wait_idle(struct vg_driver *drv, struct vg_surface *s)
{
    if (!s->frames_in_flight)
        return 0;
    return vg_conn_wait(&drv->conn, s->last_request);
}

static void destroy_one(struct vg_driver *drv, VASurfaceID id)
{
    struct vg_surface *s = vg_surface_get(drv, id);
    if (!s)
        return;
    /* Callbacks of in-flight frames look the surface up by id: let them run
     * before the id can be reused. */
    vg_surface_wait_idle(drv, s);
    vg_images_forget_surface(drv, id);
    if (!drv->conn.lost) {
        struct vw_surface_ref ref = {.surface_id = id};
        vg_conn_post(&drv->conn, VW_OP_DESTROY_SURFACE, &ref, sizeof(ref), NULL, 0,
                     vg_log_failure_cb, drv, id, VG_NO_REGION, NULL);
    }
    vg_table_remove(&drv->surfaces, id);
    drv->num_surfaces--;
    free(s);
}

void vg_surfaces_free_all(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->surfaces.capacity; id++)
        free(vg_table_remove(&drv->surfaces, id));
    drv->num_surfaces = 0;
    vg_table_finish(&drv->surfaces);
}

/* Checks the settable attributes. A pixel format vivac has decides the
 * surface's FOURCC and so its chroma format, whatever the RT format said
 * (as Intel's i965 does: libva's conformance suite passes a config's whole
 * surface attribute list with each of its RT formats); the last one given
 * wins. */
static VAStatus check_surface_attribs(const VASurfaceAttrib *list, unsigned n, uint32_t *fourcc)
{
    for (unsigned i = 0; i < n; i++) {
        const VASurfaceAttrib *a = &list[i];
        if (!(a->flags & VA_SURFACE_ATTRIB_SETTABLE))
            continue;
        switch (a->type) {
        case VASurfaceAttribPixelFormat: {
            const struct vc_pixel_format *want =
                a->value.type == VAGenericValueTypeInteger
                    ? vc_pixel_format_get((uint32_t)a->value.value.i) : NULL;
            if (!want)
                return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
            *fourcc = want->fourcc;
            break;
        }
        case VASurfaceAttribMemoryType:
            if (a->value.type != VAGenericValueTypeInteger ||
                !((uint32_t)a->value.value.i & VA_SURFACE_ATTRIB_MEM_TYPE_VA))
                return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
            break;
        case VASurfaceAttribExternalBufferDescriptor:
            return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
        default:
            break; /* hints (usage, ...) do not change what we create */
        }
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus create_surfaces(struct vg_driver *drv, unsigned format, unsigned width,
                                unsigned height, VASurfaceID *surfaces, unsigned num,
                                VASurfaceAttrib *attrib_list, unsigned num_attribs)
{
    if (!surfaces || num == 0 || (num_attribs && !attrib_list))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    /* One FOURCC per chroma format (NV12, P010, 422H, 444P, Y210, Y410;
     * YUY2 for YUV422 when asked); the daemon's caps say which it has. */
    uint32_t fourcc = vg_fourcc_of_rt_format(format);
    if (!fourcc)
        return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
    uint32_t asked = fourcc;
    VAStatus st = check_surface_attribs(attrib_list, num_attribs, &fourcc);
    if (st)
        return st;
    uint32_t vw_rt = vc_pixel_format_get(fourcc)->rt_format;
    /* RGB FOURCCs for VA_RT_FORMAT_RGB32 only, and it for them only. */
    if ((vw_rt == VW_RT_RGB32) != (format == VA_RT_FORMAT_RGB32))
        return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
    bool listed = false;
    for (uint32_t i = 0; i < drv->num_caps; i++)
        listed |= (drv->caps[i].rt_formats & vw_rt) != 0;
    if (!listed)
        return fourcc == asked ? VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT
                               : VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
    uint32_t min_w, min_h, max_w, max_h;
    if (!vg_caps_size_range(drv, &min_w, &min_h, &max_w, &max_h) || width < min_w ||
        height < min_h || width > max_w || height > max_h || width == 0 || height == 0)
        return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
    /* Before the surfaces exist: a session lost meanwhile without objects
     * is replaced (and its replacement's limits apply). */
    int err = vg_session_ensure(drv);
    if (err)
        return vg_status_from_errno(err);
    uint32_t limit = drv->conn.hello.max_surfaces;
    if (limit && (num > limit || drv->num_surfaces > limit - num)) {
        vc_error("cannot create %u surfaces: the daemon allows %u per session, %u exist", num,
                 limit, drv->num_surfaces);
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }

    unsigned done = 0;
    for (; done < num; done++) {
        struct vg_surface *s = calloc(1, sizeof(*s));
        uint32_t id;
        if (!s || vg_table_insert(&drv->surfaces, s, &id)) {
            free(s);
            st = VA_STATUS_ERROR_ALLOCATION_FAILED;
            break;
        }
        *s = (struct vg_surface){.width = width, .height = height, .fourcc = fourcc,
                                 .output_of = VA_INVALID_SURFACE};
        drv->num_surfaces++;
        surfaces[done] = id;
        /* Pipelined: a failure shows in create_status and fails later use. */
        struct vw_create_surface req = {.surface_id = id, .width = width, .height = height,
                                        .rt_format = vw_rt, .pixel_format = fourcc};
        err = vg_conn_post(&drv->conn, VW_OP_CREATE_SURFACE, &req, sizeof(req), NULL, 0,
                           create_cb, drv, id, VG_NO_REGION, NULL);
        if (err) {
            done++;
            st = vg_status_from_errno(err);
            break;
        }
    }
    if (st) {
        for (unsigned i = 0; i < done; i++)
            destroy_one(drv, surfaces[i]);
        for (unsigned i = 0; i < num; i++)
            surfaces[i] = VA_INVALID_SURFACE;
    }
    return st;
}

VAStatus vg_CreateSurfaces2(VADriverContextP ctx, unsigned int format, unsigned int width,
                            unsigned int height, VASurfaceID *surfaces, unsigned int num_surfaces,
                            VASurfaceAttrib *attrib_list, unsigned int num_attribs)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = create_surfaces(drv, format, width, height, surfaces, num_surfaces, attrib_list,
                                  num_attribs);
    vg_unlock(drv);
    return st;
}

VAStatus vg_CreateSurfaces(VADriverContextP ctx, int width, int height, int format,
                           int num_surfaces, VASurfaceID *surfaces)
{
    if (width <= 0 || height <= 0 || num_surfaces <= 0)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    return vg_CreateSurfaces2(ctx, (unsigned)format, (unsigned)width, (unsigned)height, surfaces,
                              (unsigned)num_surfaces, NULL, 0);
}

VAStatus vg_DestroySurfaces(VADriverContextP ctx, VASurfaceID *surface_list, int num_surfaces)
{
    if (num_surfaces < 0 || (num_surfaces && !surface_list))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    for (int i = 0; i < num_surfaces; i++)
        if (!vg_surface_get(drv, surface_list[i]))
            st = VA_STATUS_ERROR_INVALID_SURFACE;
    if (st == VA_STATUS_SUCCESS)
        for (int i = 0; i < num_surfaces; i++)
            destroy_one(drv, surface_list[i]);
    vg_unlock(drv);
    return st;
}

static void sync_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    struct vg_surface *s = vg_surface_get(user, tag);
    if (!s)
        return;
    struct vw_surface_state_reply state;
    if (r->status == VW_OK && r->body_len == sizeof(state)) {
        memcpy(&state, r->body, sizeof(state));
        if (state.state == VW_SURFACE_FAILED && s->decode_status == VW_OK)
            s->decode_status = state.last_decode_status != VW_OK ? state.last_decode_status
                                                                 : VW_ERR_DECODE;
    } else if (s->decode_status == VW_OK) {
        s->decode_status = r->status == VW_OK ? VW_ERR_MALFORMED : r->status;
    }
}

static VAStatus decode_result(const struct vg_surface *s)
{
    if (s->create_status != VW_OK)
        return vg_status_from_vw(s->create_status);
    return vg_status_of_frame(s->decode_status, s->encoding);
}

/* follow: a surface another picture wrote as its second output is synced
 * as that picture's render target (one step only). */
static VAStatus sync_surface_from(struct vg_driver *drv, VASurfaceID id, bool follow)
{
    struct vg_surface *s = vg_surface_get(drv, id);
    if (!s)
        return VA_STATUS_ERROR_INVALID_SURFACE;
    if (follow && s->output_of != VA_INVALID_SURFACE && vg_surface_get(drv, s->output_of))
        return sync_surface_from(drv, s->output_of, false);
    if (s->frames_in_flight && s->encoding) {
        /* An encode is final in its END_FRAME reply (protocol §16): wait
         * for it; SYNC_SURFACE speaks of decodes into the surface. */
        int err = vg_surface_wait_idle(drv, s);
        if (err)
            return vg_status_from_errno(err);
    } else if (s->frames_in_flight) {
        struct vw_surface_ref ref = {.surface_id = id};
        uint32_t req;
        int err = vg_conn_post(&drv->conn, VW_OP_SYNC_SURFACE, &ref, sizeof(ref), NULL, 0, sync_cb,
                               drv, id, VG_NO_REGION, &req);
        if (!err)
            err = vg_conn_wait(&drv->conn, req);
        if (err)
            return vg_status_from_errno(err);
    }
    return decode_result(s);
}

static VAStatus sync_surface(struct vg_driver *drv, VASurfaceID id)
{
    return sync_surface_from(drv, id, true);
}

VAStatus vg_SyncSurface(VADriverContextP ctx, VASurfaceID render_target)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = sync_surface(drv, render_target);
    vg_unlock(drv);
    return st;
}

VAStatus vg_SyncSurface2(VADriverContextP ctx, VASurfaceID surface, uint64_t timeout_ns)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st;
    struct vg_surface *s = vg_surface_get(drv, surface);
    if (s && timeout_ns == 0 && vg_conn_drain(&drv->conn) == 0 && s->frames_in_flight)
        st = VA_STATUS_ERROR_TIMEDOUT; /* a poll: do not block */
    else
        st = sync_surface(drv, surface); /* waits without a time limit */
    vg_unlock(drv);
    return st;
}

VAStatus vg_QuerySurfaceStatus(VADriverContextP ctx, VASurfaceID render_target,
                               VASurfaceStatus *status)
{
    if (!status)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_surface *s = vg_surface_get(drv, render_target);
    if (!s) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else {
        vg_conn_drain(&drv->conn); /* update frames_in_flight with what has arrived */
        *status = s->frames_in_flight ? VASurfaceRendering : VASurfaceReady;
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_QuerySurfaceError(VADriverContextP ctx, VASurfaceID surface, VAStatus error_status,
                              void **error_info)
{
    if (!error_info)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_surface *s = vg_surface_get(drv, surface);
    if (!s) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else if (error_status != VA_STATUS_ERROR_DECODING_ERROR) {
        st = VA_STATUS_ERROR_UNIMPLEMENTED;
    } else {
        /* The daemon reports failures per picture, not per macroblock: report
         * the whole picture as one erroneous range (list ends with status -1). */
        memset(s->mb_errors, 0, sizeof(s->mb_errors));
        s->mb_errors[0].status = -1;
        if (s->decode_status != VW_OK) {
            uint32_t mbs = ((s->width + 15) / 16) * ((s->height + 15) / 16);
            s->mb_errors[0] = (VASurfaceDecodeMBErrors){
                .status = 1, .start_mb = 0, .end_mb = mbs ? mbs - 1 : 0,
                .decode_error_type = VADecodeMBError, .num_mb = mbs};
            s->mb_errors[1].status = -1;
        }
        *error_info = s->mb_errors;
    }
    vg_unlock(drv);
    return st;
}
