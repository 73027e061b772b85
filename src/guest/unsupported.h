/* Entry points for what vivac does not offer (subpictures, display
 * attributes, presentation, surface locking): each gives the VA status code
 * that says so, never a fake success. */
#ifndef VIVAC_GUEST_UNSUPPORTED_H
#define VIVAC_GUEST_UNSUPPORTED_H

#include "guest/driver.h"

#define VG_MAX_SUBPIC_FORMATS 1       /* libva needs >= 1; none is listed */
#define VG_MAX_DISPLAY_ATTRIBUTES 1   /* likewise */

/* Fills the vtable entries for everything above. */
void vg_unsupported_fill_vtable(struct VADriverVTable *vt);

#endif
