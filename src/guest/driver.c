/*
 * Driver entry (__vaDriverInit_1_0, the only exported symbol), vaTerminate,
 * the vtable, the driver lock and the VAStatus mapping.
 */
#include "guest/driver.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "guest/buffer.h"
#include "guest/caps.h"
#include "guest/config.h"
#include "guest/context.h"
#include "guest/image.h"
#include "guest/put_surface.h"
#include "guest/session.h"
#include "guest/surface.h"
#include "guest/unsupported.h"
#include "guest/vpp.h"
#include "vivac_config.h"

#define VG_DEFAULT_ARENA_MB 64u
#define VG_MAX_ARENA_MB 4096u

/* ---- locking and status mapping ----------------------------------------- */

struct vg_driver *vg_lock(VADriverContextP ctx)
{
    struct vg_driver *drv = ctx->pDriverData;
    pthread_mutex_lock(&drv->lock);
    return drv;
}

void vg_unlock(struct vg_driver *drv)
{
    pthread_mutex_unlock(&drv->lock);
}

VAStatus vg_status_from_vw(int vw)
{
    static const VAStatus map[VW_STATUS_COUNT_] = {
        [VW_OK] = VA_STATUS_SUCCESS,
        [VW_ERR_MALFORMED] = VA_STATUS_ERROR_OPERATION_FAILED,
        [VW_ERR_UNKNOWN_OPCODE] = VA_STATUS_ERROR_UNIMPLEMENTED,
        [VW_ERR_VERSION] = VA_STATUS_ERROR_OPERATION_FAILED,
        [VW_ERR_STATE] = VA_STATUS_ERROR_OPERATION_FAILED,
        [VW_ERR_INVALID_ID] = VA_STATUS_ERROR_INVALID_PARAMETER,
        [VW_ERR_ID_IN_USE] = VA_STATUS_ERROR_OPERATION_FAILED,
        [VW_ERR_LIMIT] = VA_STATUS_ERROR_ALLOCATION_FAILED,
        [VW_ERR_OUT_OF_BOUNDS] = VA_STATUS_ERROR_INVALID_PARAMETER,
        [VW_ERR_UNSUPPORTED_PROFILE] = VA_STATUS_ERROR_UNSUPPORTED_PROFILE,
        [VW_ERR_UNSUPPORTED_ENTRYPOINT] = VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT,
        [VW_ERR_UNSUPPORTED_FORMAT] = VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT,
        [VW_ERR_RESOLUTION] = VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED,
        [VW_ERR_UNSUPPORTED_STREAM] = VA_STATUS_ERROR_DECODING_ERROR,
        [VW_ERR_DECODE] = VA_STATUS_ERROR_DECODING_ERROR,
        [VW_ERR_NO_MEMORY] = VA_STATUS_ERROR_ALLOCATION_FAILED,
        [VW_ERR_INTERNAL] = VA_STATUS_ERROR_OPERATION_FAILED,
        [VW_ERR_SURFACE_BUSY] = VA_STATUS_ERROR_SURFACE_BUSY,
    };
    if (vw == VG_STATUS_LOST)
        return VA_STATUS_ERROR_OPERATION_FAILED;
    if (vw < 0 || vw >= VW_STATUS_COUNT_)
        return VA_STATUS_ERROR_UNKNOWN;
    return map[vw];
}

VAStatus vg_status_of_frame(int vw, bool encode)
{
    if (vw == VW_OK)
        return VA_STATUS_SUCCESS;
    if (vw == VG_STATUS_LOST)
        return VA_STATUS_ERROR_OPERATION_FAILED;
    return encode ? VA_STATUS_ERROR_ENCODING_ERROR : VA_STATUS_ERROR_DECODING_ERROR;
}

VAStatus vg_status_from_errno(int err)
{
    switch (err) {
    case 0:
        return VA_STATUS_SUCCESS;
    case -ENOMEM:
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    case -EMSGSIZE:
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    case -ENOTCONN: /* session lost */
    default:
        return VA_STATUS_ERROR_OPERATION_FAILED;
    }
}

/* ---- init / terminate ------------------------------------------------------ */

/* VIVAC_SOCKET: a URI (unix:/path or a bare path, vsock:CID:PORT,
 * serial:/dev/virtio-ports/NAME); unset: the virtio-serial port
 * /dev/virtio-ports/vivac if the VM has one, else the default socket. */
/* vivacd is there but this user may not open it: say whose it is and
 * what to do, not "start a daemon". */
static void report_permission_denied(const char *where)
{
    struct stat st;
    const char *path = strncmp(where, "serial:", 7) == 0 ? where + 7 : where;
    if (stat(path, &st) != 0) {
        vc_error("permission denied on %s", where);
        return;
    }
    struct group *g = getgrgid(st.st_gid);
    vc_error("permission denied on %s (mode %04o, group %s): %s", where,
             (unsigned)(st.st_mode & 07777), g ? g->gr_name : "?",
             S_ISSOCK(st.st_mode)
                 ? "vivacd is running there, but this user may not connect: join that group, "
                   "or ask for vivacd --socket-group/--socket-mode (docs/deployment.md)"
                 : "join that group, or install the udev rule of docs/deployment.md, \"Guest\"");
}

static int daemon_address(struct vt_address *addr)
{
    const char *env = getenv("VIVAC_SOCKET");
    if (!env || !*env || strcmp(env, "unix:") == 0) {
        vt_address_default(VIVAC_DEFAULT_SOCKET, addr);
        return 0;
    }
    int err = vt_address_parse(env, addr);
    if (err)
        vc_error("VIVAC_SOCKET=%s: not an address (want unix:/path, a path, vsock:CID:PORT "
                 "or serial:/dev/virtio-ports/NAME)", env);
    return err;
}

static uint64_t arena_request(void)
{
    const char *env = getenv("VIVAC_ARENA_MB");
    unsigned long mb = VG_DEFAULT_ARENA_MB;
    if (env && *env) {
        char *end;
        errno = 0;
        mb = strtoul(env, &end, 10);
        if (errno || *end || mb > VG_MAX_ARENA_MB) {
            vc_warn("ignoring VIVAC_ARENA_MB=%s (want 0..%u)", env, VG_MAX_ARENA_MB);
            mb = VG_DEFAULT_ARENA_MB;
        }
    }
    return (uint64_t)mb << 20;
}

static void free_driver(struct vg_driver *drv)
{
    /* Images first: they own arena regions and their buffers. */
    vg_images_free_all(drv);
    vg_buffers_free_all(drv);
    vg_contexts_free_all(drv);
    vg_surfaces_free_all(drv);
    for (uint32_t id = 1; id <= drv->configs.capacity; id++)
        free(vg_table_remove(&drv->configs, id));
    vg_table_finish(&drv->configs);
    vg_conn_close(&drv->conn);
    vg_put_surface_free(drv);
    pthread_mutex_destroy(&drv->present_lock);
    pthread_mutex_destroy(&drv->lock);
    free(drv);
}

static VAStatus vg_Terminate(VADriverContextP ctx)
{
    struct vg_driver *drv = vg_lock(ctx);
    /* Let the daemon answer what is in flight before the session ends. */
    while (!drv->conn.lost && drv->conn.count)
        if (vg_conn_wait(&drv->conn, drv->conn.pending[drv->conn.head].request_id))
            break;
    vg_unlock(drv);
    free_driver(drv);
    ctx->pDriverData = NULL;
    return VA_STATUS_SUCCESS;
}

static void fill_vtable(struct VADriverVTable *vt)
{
    vt->vaTerminate = vg_Terminate;
    vt->vaQueryConfigProfiles = vg_QueryConfigProfiles;
    vt->vaQueryConfigEntrypoints = vg_QueryConfigEntrypoints;
    vt->vaGetConfigAttributes = vg_GetConfigAttributes;
    vt->vaCreateConfig = vg_CreateConfig;
    vt->vaDestroyConfig = vg_DestroyConfig;
    vt->vaQueryConfigAttributes = vg_QueryConfigAttributes;
    vt->vaQuerySurfaceAttributes = vg_QuerySurfaceAttributes;
    vt->vaCreateSurfaces = vg_CreateSurfaces;
    vt->vaCreateSurfaces2 = vg_CreateSurfaces2;
    vt->vaDestroySurfaces = vg_DestroySurfaces;
    vt->vaSyncSurface = vg_SyncSurface;
    vt->vaSyncSurface2 = vg_SyncSurface2;
    vt->vaQuerySurfaceStatus = vg_QuerySurfaceStatus;
    vt->vaQuerySurfaceError = vg_QuerySurfaceError;
    vt->vaCreateContext = vg_CreateContext;
    vt->vaDestroyContext = vg_DestroyContext;
    vt->vaCreateBuffer = vg_CreateBuffer;
    vt->vaBufferSetNumElements = vg_BufferSetNumElements;
    vt->vaMapBuffer = vg_MapBuffer;
    vt->vaUnmapBuffer = vg_UnmapBuffer;
    vt->vaDestroyBuffer = vg_DestroyBuffer;
    vt->vaBufferInfo = vg_BufferInfo;
    vt->vaBeginPicture = vg_BeginPicture;
    vt->vaRenderPicture = vg_RenderPicture;
    vt->vaEndPicture = vg_EndPicture;
    vt->vaQueryImageFormats = vg_QueryImageFormats;
    vt->vaCreateImage = vg_CreateImage;
    vt->vaDeriveImage = vg_DeriveImage;
    vt->vaDestroyImage = vg_DestroyImage;
    vt->vaSetImagePalette = vg_SetImagePalette;
    vt->vaGetImage = vg_GetImage;
    vt->vaPutImage = vg_PutImage;
    vg_unsupported_fill_vtable(vt);
    vt->vaPutSurface = vg_PutSurface;
}

__attribute__((visibility("default"))) VAStatus __vaDriverInit_1_0(VADriverContextP ctx);

VAStatus __vaDriverInit_1_0(VADriverContextP ctx)
{
    vc_log_set_prefix("vivac");
    if (!ctx || !ctx->vtable)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = calloc(1, sizeof(*drv));
    if (!drv)
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    if (pthread_mutex_init(&drv->lock, NULL)) {
        free(drv);
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }
    if (pthread_mutex_init(&drv->present_lock, NULL)) {
        pthread_mutex_destroy(&drv->lock);
        free(drv);
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    }

    int err = daemon_address(&drv->addr);
    if (err)
        goto err_free;
    const char *where = drv->where;
    if (drv->addr.kind == VT_ADDR_UNIX)
        snprintf(drv->where, sizeof(drv->where), "%s", drv->addr.path);
    else
        vt_address_format(&drv->addr, drv->where, sizeof(drv->where));
    drv->arena_request = arena_request();
    err = vg_conn_open(&drv->conn, &drv->addr, drv->arena_request);
    if (err) {
        if (err == -EACCES || err == -EPERM)
            report_permission_denied(where);
        else if (drv->addr.kind == VT_ADDR_UNIX && (err == -ENOENT || err == -ECONNREFUSED ||
                                                    err == -ENAMETOOLONG))
            vc_error("the vivac daemon is not reachable at %s (%s): start it with "
                     "`vivacd --socket %s` or run your program under `vivac run -- CMD` "
                     "(VIVAC_SOCKET selects another socket)",
                     where, strerror(-err), where);
        else if (err == -EBUSY)
            vc_error("%s is in use by another process (a virtio-serial port serves one "
                     "process at a time; see docs/deployment.md)", where);
        else
            vc_error("cannot start a session with the vivac daemon at %s: %s", where,
                     strerror(-err));
        goto err_free;
    }
    struct vg_caps *caps = malloc(sizeof(*caps));
    err = caps ? vg_query_caps(&drv->conn, caps) : -ENOMEM;
    if (!err)
        vg_caps_install(drv, caps);
    free(caps);
    if (err) {
        vc_error("cannot read the capabilities of the vivac daemon at %s: %s", where, strerror(-err));
        goto err_free;
    }
    vg_session_watch(drv);
    snprintf(drv->vendor, sizeof(drv->vendor), "vivac %s (engine %s via %.100s)", VIVAC_VERSION,
             drv->conn.hello.engine_name[0] ? drv->conn.hello.engine_name : "?", where);

    ctx->pDriverData = drv;
    ctx->max_profiles = VG_MAX_PROFILES;
    ctx->max_entrypoints = VG_MAX_ENTRYPOINTS;
    ctx->max_attributes = VG_MAX_CONFIG_ATTRIBUTES;
    ctx->max_image_formats = VG_MAX_IMAGE_FORMATS;
    ctx->max_subpic_formats = VG_MAX_SUBPIC_FORMATS;
    ctx->max_display_attributes = VG_MAX_DISPLAY_ATTRIBUTES;
    ctx->str_vendor = drv->vendor;
    fill_vtable(ctx->vtable);
    if (ctx->vtable_vpp)
        vg_vpp_fill_vtable(ctx->vtable_vpp);
    vc_info("%s: %u capabilities (%u encode)", drv->vendor, drv->num_caps, drv->num_enc_caps);
    return VA_STATUS_SUCCESS;

err_free:
    free_driver(drv);
    return VA_STATUS_ERROR_UNKNOWN;
}
