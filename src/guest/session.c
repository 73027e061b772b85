#include "guest/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "guest/caps.h"
#include "guest/image.h"

/* The loss hook: decides, at the moment of the loss, whether a new session
 * may replace the lost one. Surfaces still being created count: their
 * CREATE_SURFACE may have reached the daemon. */
static bool on_lost(void *user)
{
    struct vg_driver *drv = user;
    drv->lost_holding_objects = drv->num_surfaces != 0 || drv->contexts.count != 0;
    return !drv->lost_holding_objects && !drv->reconnect_refused;
}

void vg_session_watch(struct vg_driver *drv)
{
    drv->conn.on_lost = on_lost;
    drv->conn.on_lost_user = drv;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens a new session in place of the lost drv->conn. */
static int reconnect(struct vg_driver *drv)
{
    /* The old arena goes away: images move to guest memory first (an
     * image the application has mapped cannot move: -EBUSY). */
    int err = vg_images_leave_arena(drv);
    if (err)
        return err;
    /* Closed before the new one opens: a virtio-serial port opens once at
     * a time. A closed connection stays lost (nothing reads its channel). */
    vg_conn_close(&drv->conn);
    struct vg_conn fresh;
    err = vg_conn_open(&fresh, &drv->addr, drv->arena_request);
    if (err)
        return err;
    /* Configs, profiles and surface formats the application was given come
     * from the capabilities read at vaInitialize: they must still hold. */
    struct vg_caps *caps = malloc(sizeof(*caps));
    err = caps ? vg_query_caps(&fresh, caps) : -ENOMEM;
    if (!err && !vg_caps_same(drv, caps)) {
        vc_error("vivacd at %s now offers other capabilities (%u, was %u) than when the VA "
                 "display was opened: the lost session is not replaced; reopen the display",
                 drv->where, caps->num_caps, drv->num_caps);
        drv->reconnect_refused = true;
        err = -ENOTCONN;
    }
    free(caps);
    if (err) {
        vg_conn_close(&fresh);
        return err;
    }
    drv->conn = fresh;
    vg_session_watch(drv);
    vg_images_enter_arena(drv);
    return 0;
}

int vg_session_ensure(struct vg_driver *drv)
{
    if (vg_conn_check(&drv->conn) == 0)
        return 0;
    if (drv->lost_holding_objects || drv->reconnect_refused)
        return -ENOTCONN;
    /* A daemon that is down or refusing must not see a connection per VA
     * call of an application that retries in a loop. */
    int64_t now = now_ms();
    if (now < drv->next_reconnect_ms)
        return -ENOTCONN;
    int err = reconnect(drv);
    if (err) {
        uint32_t b = drv->reconnect_backoff_ms;
        b = b ? (b < VG_RECONNECT_BACKOFF_MAX_MS / 2 ? 2 * b : VG_RECONNECT_BACKOFF_MAX_MS)
              : VG_RECONNECT_BACKOFF_MS;
        drv->reconnect_backoff_ms = b;
        drv->next_reconnect_ms = now + b;
        if (!drv->reconnect_refused)
            vc_warn("cannot open a new session with vivacd at %s: %s; the call fails, the "
                    "next one tries again after %u ms", drv->where,
                    err == -EBUSY ? "an image of the old session is mapped" : strerror(-err), b);
        return -ENOTCONN;
    }
    drv->reconnect_backoff_ms = 0;
    drv->next_reconnect_ms = 0;
    vc_info("reconnected to vivacd at %s: the lost session held no surface and no decoder, "
            "nothing was lost", drv->where);
    return 0;
}
