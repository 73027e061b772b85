/*
 * The rectangle and layout checks of GET_IMAGE / PUT_IMAGE, shared by the
 * session core (session_image.c) and the GPU process, which checks its
 * workers' surface reads and writes again (nvdec_gpu_server.c). No side
 * effects; VW_OK or the error (err set, messages prefixed with `what`).
 */
#ifndef VIVAC_HOST_IMAGE_CHECK_H
#define VIVAC_HOST_IMAGE_CHECK_H

#include <stdint.h>

#include "host/engine.h"

/* A layout of the surface's format (or one that only moves its samples)
 * holding the image rectangle (x, y, w, h) in image coordinates; *needed:
 * the bytes it spans from the data start. Overflow-checked. */
int vh_image_check_layout(const char *what, const struct vw_image_layout *l,
                          const struct vh_surface *surface, uint32_t x, uint32_t y, uint32_t w,
                          uint32_t h, uint64_t *needed, struct vh_error *err);

/* Rectangle (x, y, w, h) inside the surface, non-empty, not splitting a
 * chroma sample. */
int vh_image_check_rect(const char *what, const struct vh_surface *s, uint32_t x, uint32_t y,
                        uint32_t w, uint32_t h, struct vh_error *err);

#endif
