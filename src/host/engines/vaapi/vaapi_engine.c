/* The vaapi engine: lifetime, capabilities and the vtable. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/engines/engines.h"
#include "host/engines/vaapi/vaapi_internal.h"

static int vaapi_create(struct vh_engine **out, struct vh_error *err)
{
    *out = NULL;
    struct vaapi_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "vaapi: out of memory");
    e->base.ops = &vh_engine_vaapi;
    /* vivacd --vaapi-device sets it for the workers (main.c), and its
     * supervisor passes the nodes it opened (render_nodes.c). */
    int rc = vaapi_display_open(e, getenv("VIVAC_VAAPI_DEVICE"), getenv("VIVAC_VAAPI_FDS"), err);
    if (rc != VW_OK)
        goto err_display;
    if ((rc = vaapi_caps_probe(e, err)) != VW_OK)
        goto err_caps;
    vc_info("vaapi: %s: %s, %u profiles", e->device, vaQueryVendorString(e->display),
            e->num_caps);
    *out = &e->base;
    return VW_OK;

err_caps:
    vaapi_display_close(e);
err_display:
    free(e);
    return rc;
}

static void vaapi_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    struct vaapi_engine *e = vaapi_engine_get(*engine);
    vaapi_display_close(e);
    free(e);
    *engine = NULL;
}

static int vaapi_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                            uint32_t *count)
{
    struct vaapi_engine *e = vaapi_engine_get(engine);
    uint32_t n = e->num_caps < max ? e->num_caps : max;
    memcpy(caps, e->caps, n * sizeof(*caps));
    *count = n;
    return VW_OK;
}

const struct vh_engine_ops vh_engine_vaapi = {
    .name = "vaapi",
    .create = vaapi_create,
    .destroy = vaapi_destroy,
    .query_caps = vaapi_query_caps,
    .surface_init = vaapi_surface_init,
    .surface_fini = vaapi_surface_fini,
    .codec_create = vaapi_codec_create,
    .codec_destroy = vaapi_codec_destroy,
    .decode = vaapi_decode,
    .surface_read = vaapi_surface_read,
    .surface_write = vaapi_surface_write,
};
