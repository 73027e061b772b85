/* Run-time loading of libcuda.so.1 and libnvcuvid.so.1 (ffnvcodec loader). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host/engines/nvdec/nvdec_internal.h"

void nvdec_loader_log(void *ctx, const char *fmt, ...)
{
    struct nvdec_loader_msg *m = ctx;
    if (!m || m->text[0])                     /* keep the first message */
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->text, sizeof(m->text), fmt, ap);
    va_end(ap);
    size_t n = strlen(m->text);
    if (n && m->text[n - 1] == '\n')
        m->text[n - 1] = '\0';
}

/* "Cannot load libcuda.so.1" -> "libcuda.so.1 not found or not loadable". */
static int load_error(const struct nvdec_loader_msg *m, const char *what, struct vh_error *err)
{
    const char *prefix = "Cannot load ";
    if (strncmp(m->text, prefix, strlen(prefix)) == 0 && strstr(m->text, ".so"))
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: %s not found or not loadable (%s)",
                            m->text + strlen(prefix), what);
    return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: loading %s failed: %s", what,
                        m->text[0] ? m->text : "unknown error");
}

int nvdec_load(struct nvdec_engine *e, struct vh_error *err)
{
    struct nvdec_loader_msg m = {{0}};
    if (cuda_load_functions(&e->cu, &m) < 0)
        return load_error(&m, "the CUDA driver", err);
    m.text[0] = '\0';
    if (cuvid_load_functions(&e->cv, &m) < 0) {
        cuda_free_functions(&e->cu);
        return load_error(&m, "the NVDEC library", err);
    }
    return VW_OK;
}

void nvdec_unload(struct nvdec_engine *e)
{
    if (e->borrowed_libs) {
        e->cu = NULL;
        e->cv = NULL;
        return;
    }
    cuvid_free_functions(&e->cv);
    cuda_free_functions(&e->cu);
}
