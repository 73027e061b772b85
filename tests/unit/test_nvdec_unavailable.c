/*
 * The nvdec engine on a machine without the NVIDIA driver: create() must
 * fail cleanly with a message naming the missing library, so that `auto`
 * moves on to the next engine (sw when built) and `--engine nvdec` can say
 * why it cannot start. Exits 77 (skipped) where libcuda.so.1 loads: there
 * the GPU smoke test (bench/nvdec_smoke) applies instead.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "host/engine.h"
#include "host/engines/engines.h"

int main(void)
{
    void *cuda = dlopen("libcuda.so.1", RTLD_LAZY);
    if (cuda) {
        dlclose(cuda);
        printf("SKIP: libcuda.so.1 is loadable here; run bench/nvdec_smoke instead\n");
        return 77;
    }

    const struct vh_engine_ops *nv = vh_engine_find("nvdec");
    CHECK(nv == &vh_engine_nvdec);
    /* nvdec+sw (where sw is built) fails as nvdec does, leaving nothing
     * behind. */
    const struct vh_engine_ops *multi = vh_engine_find("nvdec+sw");
    if (multi) {
        CHECK(multi->parts && multi->parts[0] == &vh_engine_nvdec);
        struct vh_engine *m = (struct vh_engine *)&m;
        struct vh_error merr = {0};
        CHECK(multi->create(&m, &merr) != VW_OK);
        CHECK(m == NULL);
        CHECK(strstr(merr.message, "libcuda.so.1") != NULL);
    }

    struct vh_engine *e = (struct vh_engine *)&e;  /* must be reset to NULL */
    struct vh_error err = {0};
    int rc = nv->create(&e, &err);
    CHECK(rc != VW_OK);
    CHECK(e == NULL);
    CHECK_EQ(err.status, rc);
    printf("nvdec create: %s\n", err.message);
    CHECK(strncmp(err.message, "nvdec: ", 7) == 0);
    CHECK(strstr(err.message, "libcuda.so.1") != NULL);

    /* Twice in a row: nothing left behind by the failed attempt. */
    struct vh_error err2 = {0};
    CHECK(nv->create(&e, &err2) == rc);
    CHECK(strcmp(err.message, err2.message) == 0);

    nv->destroy(NULL);
    nv->destroy(&e);

    /* What vivacd's `auto` does: every engine that starts, joined; here
     * (no GPU, no render node) sw alone, nvdec's failure noted. */
    const struct vh_engine_ops *chosen = NULL;
    char failed[512];
    if (vh_engine_create_auto(&e, failed, sizeof(failed)) == VW_OK)
        chosen = e->ops;
    CHECK(strstr(failed, "libcuda.so.1") != NULL);
    const struct vh_engine_ops *sw = vh_engine_find("sw");
    CHECK(chosen == sw);                      /* NULL == NULL without the sw engine */
    if (chosen) {
        printf("auto chose: %s\n", chosen->name);
        chosen->destroy(&e);
        CHECK(e == NULL);
    }
    return check_finish("test_nvdec_unavailable");
}
