/*
 * VA config attributes of an encode capability (VAEntrypointEncSlice),
 * answered from the daemon's vw_encode_cap (QUERY_ENCODE_CAPS) and nothing
 * else, and the check of the attributes given to vaCreateConfig.  The
 * attributes both directions share with decode (RTFormat, MaxPictureWidth,
 * MaxPictureHeight) stay in config.c.
 */
#ifndef VIVAC_GUEST_ENC_CONFIG_H
#define VIVAC_GUEST_ENC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <va/va.h>

#include "vivac/protocol.h"

/* The value vaGetConfigAttributes reports for `type`, VA_ATTRIB_NOT_SUPPORTED
 * for what the host encoder does not offer. */
uint32_t vg_enc_attribute(const struct vw_encode_cap *e, VAConfigAttribType type);
/* The rate control mode of a config without a RateControl attribute: CQP
 * where offered (FFmpeg's assumption without a bit rate), else CBR, VBR. */
uint32_t vg_enc_default_rc(const struct vw_encode_cap *e);
/* Checks one attribute given to vaCreateConfig; a RateControl attribute
 * sets *rc_mode (one VW_RC_* bit). VA_STATUS_SUCCESS, or
 * VA_STATUS_ERROR_INVALID_VALUE for a value the encoder cannot honour or an
 * attribute it does not offer (what libva's conformance suite expects). */
VAStatus vg_enc_check_attribute(const struct vw_encode_cap *e, const VAConfigAttrib *a,
                                uint32_t *rc_mode);
/* VA_RC_* of a VW_RC_* bit, 0 for none. */
uint32_t vg_enc_rc_to_va(uint32_t vw_rc);

#endif
