/* Entry points for what vivac does not offer (subpictures, display
 * attributes, surface locking; presentation: put_surface.h): each gives the VA status code
 * that says so, never a fake success. */
#ifndef VIVAC_GUEST_UNSUPPORTED_H
#define VIVAC_GUEST_UNSUPPORTED_H

#include "guest/driver.h"

#define VG_MAX_SUBPIC_FORMATS 1       /* libva needs >= 1; none is listed */
/* No display attribute: 0, with vaGet/SetDisplayAttributes answering
 * UNIMPLEMENTED, as libva's conformance suite expects of such a driver
 * (libva checks this maximum no more since 2.1; we need VA-API >= 1.10). */
#define VG_MAX_DISPLAY_ATTRIBUTES 0

/* Fills the vtable entries for everything above. */
void vg_unsupported_fill_vtable(struct VADriverVTable *vt);

#endif
