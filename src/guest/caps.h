/*
 * The daemon's capabilities: QUERY_CAPS (decode and, from protocol 1.3,
 * encode entries) and QUERY_ENCODE_CAPS (the encode attributes).  The
 * driver advertises exactly what these say and nothing else.
 */
#ifndef VIVAC_GUEST_CAPS_H
#define VIVAC_GUEST_CAPS_H

#include "guest/driver.h"

/* The capability set of a session. */
struct vg_caps {
    struct vw_cap caps[VG_MAX_CAPS];
    uint32_t num_caps;
    struct vw_encode_cap enc[VG_MAX_CAPS];
    uint32_t num_enc;
};

/* Reads the capabilities this driver understands. An encode entry of
 * QUERY_CAPS is kept only with its QUERY_ENCODE_CAPS attributes, which a
 * daemon older than 1.3 has not: then the session offers decode only.
 * 0, -EPROTO (a malformed or failed reply), -ENOMEM, -ENOTCONN. */
int vg_query_caps(struct vg_conn *conn, struct vg_caps *out);
/* Puts a capability set into drv (caps, enc_caps) / compares one with it. */
void vg_caps_install(struct vg_driver *drv, const struct vg_caps *c);
bool vg_caps_same(const struct vg_driver *drv, const struct vg_caps *c);
/* The encode attributes of a profile (enum vw_profile), or NULL. */
const struct vw_encode_cap *vg_find_encode_cap(const struct vg_driver *drv, uint32_t vw_profile);
/* Whether an encode attribute entry is one the driver can advertise
 * truthfully (exported for tests). */
bool vg_encode_cap_valid(const struct vw_encode_cap *e);

#endif
