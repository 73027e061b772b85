#include "guest/caps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* The profiles VA can encode through vivac (docs/protocol.md §16). */
static bool encode_profile(uint32_t profile)
{
    switch (profile) {
    case VW_PROFILE_H264_CONSTRAINED_BASELINE:
    case VW_PROFILE_H264_MAIN:
    case VW_PROFILE_H264_HIGH:
    case VW_PROFILE_HEVC_MAIN:
    case VW_PROFILE_HEVC_MAIN10:
        return true;
    default:
        return false;
    }
}

/* The VIDEOPROC capability (1.4): profile NONE, NV12 at least. */
static bool proc_cap_usable(const struct vw_cap *c)
{
    return c->profile == VW_PROFILE_NONE && c->entrypoint == VW_ENTRYPOINT_VIDEOPROC &&
           (c->rt_formats & VW_RT_YUV420) && c->min_width != 0 && c->min_height != 0 &&
           c->min_width <= c->max_width && c->min_height <= c->max_height &&
           c->max_width <= VW_MAX_WIDTH && c->max_height <= VW_MAX_HEIGHT;
}

static bool cap_usable(const struct vw_cap *c, bool encode_ok, bool proc_ok)
{
    if (proc_ok && c->entrypoint == VW_ENTRYPOINT_VIDEOPROC)
        return proc_cap_usable(c);
    if (c->profile == VW_PROFILE_NONE || c->profile >= VW_PROFILE_COUNT_)
        return false;
    if (c->entrypoint != VW_ENTRYPOINT_DECODE &&
        !(encode_ok && c->entrypoint == VW_ENTRYPOINT_ENCODE && encode_profile(c->profile)))
        return false;
    return (c->rt_formats & (VW_RT_YUV420 | VW_RT_YUV420_10)) && c->min_width != 0 &&
           c->min_height != 0 && c->min_width <= c->max_width && c->min_height <= c->max_height &&
           c->max_width <= VW_MAX_WIDTH && c->max_height <= VW_MAX_HEIGHT;
}

bool vg_encode_cap_valid(const struct vw_encode_cap *e)
{
    const uint32_t rc = VW_RC_CQP | VW_RC_CBR | VW_RC_VBR;
    return encode_profile(e->profile) && (e->rt_formats & (VW_RT_YUV420 | VW_RT_YUV420_10)) &&
           (e->rc_modes & rc) && e->max_slices >= 1 && e->max_slices <= VW_MAX_SLICES &&
           e->min_qp <= e->max_qp && e->max_qp <= 255 && e->quality_levels <= 255;
}

/* One synchronous capability query: the reply's count entries of
 * entry_size bytes into a new array. */
static int query_list(struct vg_conn *conn, uint32_t opcode, size_t entry_size, uint8_t **list,
                      uint32_t *count)
{
    *list = NULL;
    *count = 0;
    size_t cap = sizeof(struct vw_caps_reply) + 256 * entry_size;
    uint8_t *body = malloc(cap);
    if (!body)
        return -ENOMEM;
    struct vg_result res = {.body = body, .body_cap = cap};
    int err = vg_conn_call(conn, opcode, NULL, 0, NULL, 0, &res);
    if (err)
        goto out;
    if (res.status != VW_OK) {
        vc_error("vivacd: %s failed: %s: %s", vw_opcode_name(opcode), vw_status_name(res.status),
                 res.message);
        err = -EPROTO;
        goto out;
    }
    struct vw_caps_reply head;
    if (res.body_len < sizeof(head) || res.body_len > cap) {
        err = -EPROTO;
        goto out;
    }
    memcpy(&head, body, sizeof(head));
    if (res.body_len != sizeof(head) + (size_t)head.count * entry_size) {
        vc_error("vivacd: malformed %s reply", vw_opcode_name(opcode));
        err = -EPROTO;
        goto out;
    }
    memmove(body, body + sizeof(head), res.body_len - sizeof(head));
    *list = body;
    *count = head.count;
    body = NULL;
out:
    free(body);
    return err;
}

/* QUERY_ENCODE_CAPS: one valid entry per encode capability in out->caps;
 * encode capabilities without one are dropped. */
static int query_encode(struct vg_conn *conn, struct vg_caps *out)
{
    uint8_t *list;
    uint32_t n;
    int err = query_list(conn, VW_OP_QUERY_ENCODE_CAPS, sizeof(struct vw_encode_cap), &list, &n);
    if (err)
        return err;
    for (uint32_t i = 0; i < n && out->num_enc < VG_MAX_CAPS; i++) {
        struct vw_encode_cap e;
        memcpy(&e, list + (size_t)i * sizeof(e), sizeof(e));
        e.encoder_name[sizeof(e.encoder_name) - 1] = '\0';
        bool dup = false;
        for (uint32_t k = 0; k < out->num_enc; k++)
            dup |= out->enc[k].profile == e.profile;
        if (!vg_encode_cap_valid(&e) || dup) {
            vc_debug("ignoring encode capability %u (profile %u)", i, e.profile);
            continue;
        }
        out->enc[out->num_enc++] = e;
    }
    free(list);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < out->num_caps; i++) {
        const struct vw_cap *c = &out->caps[i];
        bool has = c->entrypoint != VW_ENTRYPOINT_ENCODE;
        for (uint32_t k = 0; k < out->num_enc && !has; k++)
            has = out->enc[k].profile == c->profile;
        if (has)
            out->caps[kept++] = *c;
        else
            vc_debug("encode capability of profile %u without encode attributes: ignored",
                     c->profile);
    }
    out->num_caps = kept;
    return 0;
}

int vg_query_caps(struct vg_conn *conn, struct vg_caps *out)
{
    memset(out, 0, sizeof(*out));
    /* The daemon lists encode entries only to 1.3 clients; an older daemon's
     * would be nonsense to us. */
    bool encode_ok = conn->hello.version_major == VW_VERSION_MAJOR &&
                     conn->hello.version_minor >= 3;
    bool proc_ok = conn->hello.version_major == VW_VERSION_MAJOR &&
                   conn->hello.version_minor >= 4;
    uint8_t *list;
    uint32_t n;
    int err = query_list(conn, VW_OP_QUERY_CAPS, sizeof(struct vw_cap), &list, &n);
    if (err)
        return err;
    bool any_encode = false;
    for (uint32_t i = 0; i < n && out->num_caps < VG_MAX_CAPS; i++) {
        struct vw_cap c;
        memcpy(&c, list + (size_t)i * sizeof(c), sizeof(c));
        c.engine_name[sizeof(c.engine_name) - 1] = '\0';
        if (!cap_usable(&c, encode_ok, proc_ok)) {
            vc_debug("ignoring capability %u (profile %u, entrypoint %u)", i, c.profile, c.entrypoint);
            continue;
        }
        any_encode |= c.entrypoint == VW_ENTRYPOINT_ENCODE;
        out->caps[out->num_caps++] = c;
    }
    free(list);
    if (any_encode) {
        err = query_encode(conn, out);
        if (err)
            return err;
    }
    if (out->num_caps == 0)
        vc_warn("vivacd reports no capability this driver can use");
    return 0;
}

void vg_caps_install(struct vg_driver *drv, const struct vg_caps *c)
{
    memcpy(drv->caps, c->caps, sizeof(c->caps));
    drv->num_caps = c->num_caps;
    memcpy(drv->enc_caps, c->enc, sizeof(c->enc));
    drv->num_enc_caps = c->num_enc;
}

bool vg_caps_same(const struct vg_driver *drv, const struct vg_caps *c)
{
    return c->num_caps == drv->num_caps && c->num_enc == drv->num_enc_caps &&
           memcmp(c->caps, drv->caps, c->num_caps * sizeof(c->caps[0])) == 0 &&
           memcmp(c->enc, drv->enc_caps, c->num_enc * sizeof(c->enc[0])) == 0;
}

const struct vw_encode_cap *vg_find_encode_cap(const struct vg_driver *drv, uint32_t vw_profile)
{
    for (uint32_t i = 0; i < drv->num_enc_caps; i++)
        if (drv->enc_caps[i].profile == vw_profile)
            return &drv->enc_caps[i];
    return NULL;
}
