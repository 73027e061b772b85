/*
 * Object tables: VA ids of one kind (config, surface, context, buffer, image)
 * mapped to driver objects.  Ids start at 1 (0 and VA_INVALID_ID are never
 * handed out) and are allocated next-fit, so a destroyed id is reused as late
 * as possible.  Not thread-safe: callers hold the driver lock.
 */
#ifndef VIVAC_GUEST_OBJECT_H
#define VIVAC_GUEST_OBJECT_H

#include <stdint.h>

struct vg_table {
    void **slots;                 /* slots[id - 1] */
    uint32_t capacity;
    uint32_t count;
    uint32_t next;                /* index where the next search starts */
};

/* Stores obj (non-NULL) and returns its id in *id. 0 or -ENOMEM. */
int vg_table_insert(struct vg_table *t, void *obj, uint32_t *id);
/* The object with this id, or NULL. */
void *vg_table_get(const struct vg_table *t, uint32_t id);
/* Removes and returns the object with this id, or NULL. */
void *vg_table_remove(struct vg_table *t, uint32_t id);
/* Frees the table itself (not the objects). */
void vg_table_finish(struct vg_table *t);

/* Iteration: for (uint32_t id = 1; id <= t->capacity; id++) if (vg_table_get(t, id)) ... */

#endif
