/* Shadow surfaces: where a codec of a later part decodes before its
 * picture is uploaded into part 0's surface. Made on first use, one per
 * session surface and part at most, freed with it. sw's are host memory
 * within what the session already charged for the surface (session.c
 * charges every surface its frame's bytes whatever the engine, a charge a
 * GPU part 0 leaves unused); vaapi's are the host driver's, as its own
 * surfaces are. A guest gets no more shadows than its surface limits
 * allow, times the parts (at most MULTI_MAX_PARTS - 1). */
#include <stdlib.h>
#include <string.h>

#include "host/engines/multi/multi_internal.h"

/* Index of owner's shadow in `part` (any part: MULTI_MAX_PARTS), or
 * num_shadows. Under m->lock. */
static size_t find(const struct multi_engine *m, uint32_t part, const struct vh_surface *owner)
{
    size_t i = 0;
    while (i < m->num_shadows && (m->shadows[i]->owner != owner ||
                                  (part != MULTI_MAX_PARTS && m->shadows[i]->part != part)))
        i++;
    return i;
}

struct vh_surface *multi_shadow_get(struct multi_engine *m, uint32_t part,
                                    const struct vh_surface *owner, struct vh_error *err)
{
    struct vh_engine *engine = m->parts[part].engine;
    pthread_mutex_lock(&m->lock);
    size_t i = find(m, part, owner);
    struct multi_shadow *found = i < m->num_shadows ? m->shadows[i] : NULL;
    pthread_mutex_unlock(&m->lock);
    if (found)
        return &found->surface;

    struct multi_shadow *sh = calloc(1, sizeof(*sh));
    if (!sh) {
        vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", m->base.ops->name);
        return NULL;
    }
    sh->owner = owner;
    sh->part = part;
    sh->surface = (struct vh_surface){.id = owner->id, .width = owner->width,
                                      .height = owner->height, .rt_format = owner->rt_format,
                                      .pixel_format = owner->pixel_format,
                                      .state = VW_SURFACE_READY, .last_status = VW_OK};
    if (engine->ops->surface_init(engine, &sh->surface, err) != VW_OK) {
        free(sh);
        return NULL;
    }
    pthread_mutex_lock(&m->lock);
    if (m->num_shadows == m->room_shadows) {
        size_t room = m->room_shadows ? 2 * m->room_shadows : 64;
        struct multi_shadow **grown = realloc(m->shadows, room * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&m->lock);
            engine->ops->surface_fini(engine, &sh->surface);
            free(sh);
            vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", m->base.ops->name);
            return NULL;
        }
        m->shadows = grown;
        m->room_shadows = room;
    }
    m->shadows[m->num_shadows++] = sh;
    pthread_mutex_unlock(&m->lock);
    return &sh->surface;
}

void multi_shadow_drop(struct multi_engine *m, const struct vh_surface *owner)
{
    for (;;) {
        pthread_mutex_lock(&m->lock);
        size_t i = find(m, MULTI_MAX_PARTS, owner);
        struct multi_shadow *sh = NULL;
        if (i < m->num_shadows) {
            sh = m->shadows[i];
            m->shadows[i] = m->shadows[--m->num_shadows];
        }
        pthread_mutex_unlock(&m->lock);
        if (!sh)
            return;
        struct vh_engine *engine = m->parts[sh->part].engine;
        engine->ops->surface_fini(engine, &sh->surface);
        free(sh);
    }
}

void multi_shadow_drop_all(struct multi_engine *m)
{
    for (size_t i = 0; i < m->num_shadows; i++) {
        struct vh_engine *engine = m->parts[m->shadows[i]->part].engine;
        engine->ops->surface_fini(engine, &m->shadows[i]->surface);
        free(m->shadows[i]);
    }
    free(m->shadows);
    m->shadows = NULL;
    m->num_shadows = m->room_shadows = 0;
}
