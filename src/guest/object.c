#include "guest/object.h"

#include <errno.h>
#include <stdlib.h>

#define VG_TABLE_MAX (1u << 20)  /* ids per kind; far beyond any real use */

int vg_table_insert(struct vg_table *t, void *obj, uint32_t *id)
{
    if (t->count == t->capacity) {
        uint32_t cap = t->capacity ? t->capacity * 2 : 64;
        if (cap > VG_TABLE_MAX)
            return -ENOMEM;
        void **slots = realloc(t->slots, sizeof(*slots) * cap);
        if (!slots)
            return -ENOMEM;
        for (uint32_t i = t->capacity; i < cap; i++)
            slots[i] = NULL;
        t->next = t->capacity;
        t->slots = slots;
        t->capacity = cap;
    }
    for (uint32_t n = 0; n < t->capacity; n++) {
        uint32_t i = (t->next + n) % t->capacity;
        if (!t->slots[i]) {
            t->slots[i] = obj;
            t->count++;
            t->next = (i + 1) % t->capacity;
            *id = i + 1;
            return 0;
        }
    }
    return -ENOMEM; /* unreachable: count < capacity */
}

void *vg_table_get(const struct vg_table *t, uint32_t id)
{
    if (id == 0 || id > t->capacity)
        return NULL;
    return t->slots[id - 1];
}

void *vg_table_remove(struct vg_table *t, uint32_t id)
{
    void *obj = vg_table_get(t, id);
    if (obj) {
        t->slots[id - 1] = NULL;
        t->count--;
    }
    return obj;
}

void vg_table_finish(struct vg_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->capacity = t->count = t->next = 0;
}
