/* Video processing on the GPU (nvdec_vpp.h): which jobs, their checks,
 * the kernels' module and their launches on the local device. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/engines/nvdec/kernels/vpp_kernels.h"
#include "host/engines/nvdec/nvdec_internal.h"
#include "host/engines/nvdec/nvdec_vpp.h"
#include "host/image_check.h"

/* Threads of a block: 32 output positions of 8 rows. */
#define BLOCK_W 32u
#define BLOCK_H 8u

bool nvdec_vpp_load(struct nvdec_engine *e)
{
    if (!nvdec_vpp_ptx) {
        vc_info("nvdec: no GPU video processing in this build (no clang for CUDA): sw's");
        return false;
    }
    if (!e->cu->cuModuleLoadData || !e->cu->cuModuleGetFunction || !e->cu->cuLaunchKernel) {
        vc_warn("nvdec: the CUDA driver lacks module entry points: video processing is sw's");
        return false;
    }
    double t0 = nvdec_now_ms();
    CUresult r = e->cu->cuModuleLoadData(&e->vpp_module, nvdec_vpp_ptx);
    if (r == CUDA_SUCCESS) {
        r = e->cu->cuModuleGetFunction(&e->vpp_scale, e->vpp_module, "vivac_vpp_scale");
        if (r == CUDA_SUCCESS)
            r = e->cu->cuModuleGetFunction(&e->vpp_rgb, e->vpp_module, "vivac_vpp_rgb");
        if (r != CUDA_SUCCESS) {
            e->cu->cuModuleUnload(e->vpp_module);
            e->vpp_module = NULL;
        }
    }
    if (r != CUDA_SUCCESS) {
        struct vh_error err;
        nvdec_cu_error(e, r, VW_ERR_INTERNAL, "loading the video processing kernels", &err);
        vc_warn("%s: video processing is sw's", err.message);
        return false;
    }
    vc_debug("nvdec: video processing kernels loaded in %.1f ms", nvdec_now_ms() - t0);
    e->vpp = true;
    /* RGB32 surfaces need their opaque black fill. */
    e->rgb = e->memset_d32 != NULL;
    return true;
}

void nvdec_vpp_unload(struct nvdec_engine *e)
{
    if (e->vpp_module)
        e->cu->cuModuleUnload(e->vpp_module);
    e->vpp_module = NULL;
    e->vpp = e->rgb = false;
}

uint32_t nvdec_vpp_outputs(struct vh_engine *engine)
{
    return nvdec_engine_get(engine)->rgb ? VW_RT_RGB32 : 0;
}

static bool rgb32(uint32_t fourcc)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(fourcc);
    return pf && vc_pixel_format_is_rgb(pf);
}

static bool yuv420(uint32_t fourcc)
{
    return fourcc == VW_FOURCC_NV12 || fourcc == VW_FOURCC_P010;
}

bool nvdec_vpp_accepts(struct vh_engine *engine, const struct vh_process *job)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (!e->vpp)
        return false;
    if (!job)
        return true;
    /* What the kernels do; the range conversion sw makes between YUV
     * formats, the filters and the turns are sw's. */
    bool rgb = rgb32(job->output->pixel_format);
    bool range_kept = (job->source_range == VW_RANGE_FULL) == (job->output_range == VW_RANGE_FULL);
    return yuv420(job->source->pixel_format) &&
           (rgb ? e->rgb : yuv420(job->output->pixel_format) && range_kept) &&
           (job->deinterlace == 0 || job->deinterlace == VW_DEINTERLACE_BOB) &&
           !job->procamp && !job->denoise && !job->sharpen && !job->rotation && !job->mirror;
}

struct nvdec_vpp_job nvdec_vpp_job_of(const struct vh_process *job)
{
    struct nvdec_vpp_job j = {.src = job->source_rect, .dst = job->output_rect,
                              .field = job->deinterlace ? 1 + (job->field ? 1u : 0u) : 0};
    if (rgb32(job->output->pixel_format)) {
        /* As the sw engine: unspecified is BT.601 below 720 lines. */
        j.standard = job->source_standard;
        if (j.standard == VW_COLOR_UNSPECIFIED)
            j.standard = job->source->height < 720 ? VW_COLOR_BT601 : VW_COLOR_BT709;
        j.full_range = job->source_range == VW_RANGE_FULL;
    }
    return j;
}

int nvdec_vpp_check(const struct vh_surface *src, const struct vh_surface *dst,
                    const struct nvdec_vpp_job *job, struct vh_error *err)
{
    bool rgb = rgb32(dst->pixel_format);
    if (!yuv420(src->pixel_format) || !(yuv420(dst->pixel_format) || rgb))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "gpu: process: surfaces 0x%x -> 0x%x, not NV12/P010 to "
                            "NV12/P010/RGB32", src->pixel_format, dst->pixel_format);
    if (job->field > 2)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: process: field %u", job->field);
    bool matrix_ok = rgb ? job->standard >= VW_COLOR_BT601 && job->standard <= VW_COLOR_BT2020 &&
                               job->full_range <= 1
                         : job->standard == 0 && job->full_range == 0;
    if (!matrix_ok)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: process: matrix %u, range %u",
                            job->standard, job->full_range);
    const struct vh_rect *s = &job->src, *d = &job->dst;
    int rc = vh_image_check_rect("gpu: process source", src, s->x, s->y, s->width, s->height, err);
    if (!rc)
        rc = vh_image_check_rect("gpu: process output", dst, d->x, d->y, d->width, d->height, err);
    if (rc)
        return rc;
    /* A field has half the region's lines, and its chroma half of those. */
    if (job->field && s->height < 4)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: process: %u lines hold no field",
                            s->height);
    return VW_OK;
}

/* A region of plane p of a surface's buffer (chroma: pairs). */
static struct vk_plane plane_of(const struct vh_surface *surface, unsigned p,
                                const struct vh_rect *r)
{
    const struct nvdec_surface *s = surface->engine_data;
    unsigned sub = p ? s->pf->log2_chroma_w : 0;
    return (struct vk_plane){
        .base = s->ptr + s->pitch * s->plane_row[p], .pitch = (unsigned)s->pitch,
        .bytes = s->pf->container, .x = r->x >> sub, .y = r->y >> sub,
        .width = r->width >> sub, .height = r->height >> sub};
}

/* Kr and Kb of each matrix, in 1/10000. */
static const int32_t matrix_k[][2] = {
    [VW_COLOR_BT601] = {2990, 1140}, [VW_COLOR_BT709] = {2126, 722},
    [VW_COLOR_BT2020] = {2627, 593}};

/* The RGB kernel's matrix (VK_COEF bits, 16-bit sample units) and the
 * output's component positions. */
static void rgb_args(const struct nvdec_vpp_job *job, const struct vc_pixel_format *out,
                     struct vk_rgb *a)
{
    double kr = matrix_k[job->standard][0] / 10000.0, kb = matrix_k[job->standard][1] / 10000.0;
    double kg = 1 - kr - kb, one = 1 << VK_COEF;
    /* Samples are v << 8 (vk_load): limited range luma 16..235 and chroma
     * 16..240, full range 0..255, to RGB of 0..65535. */
    double y_gain = 65535.0 / ((job->full_range ? 255 : 219) << 8);
    double c_gain = 65535.0 / ((job->full_range ? 255 : 224) << 8);
    a->y_offset = job->full_range ? 0 : 16 << 8;
    a->y_gain = (int)(y_gain * one + 0.5);
    a->cr_r = (int)(2 * (1 - kr) * c_gain * one + 0.5);
    a->cb_g = (int)(2 * kb * (1 - kb) / kg * c_gain * one + 0.5);
    a->cr_g = (int)(2 * kr * (1 - kr) / kg * c_gain * one + 0.5);
    a->cb_b = (int)(2 * (1 - kb) * c_gain * one + 0.5);
    a->shift_r = out->comp[0].shift;
    a->shift_g = out->comp[1].shift;
    a->shift_b = out->comp[2].shift;
    a->alpha = 0xffu << 24;                   /* X formats too: opaque, as sw's black */
    a->field = job->field;
    a->chroma_dx = 1 << (VK_FRAC - 2);        /* MPEG-2 / H.264 siting (the wire has none) */
}

static CUresult launch_one(struct nvdec_engine *e, CUfunction f, void *args, uint32_t w,
                           uint32_t h, CUstream stream)
{
    void *params[] = {args};
    return e->cu->cuLaunchKernel(f, (w + BLOCK_W - 1) / BLOCK_W, (h + BLOCK_H - 1) / BLOCK_H, 1,
                                 BLOCK_W, BLOCK_H, 1, 0, stream, params, NULL);
}

/* Context pushed: the job's launches on `stream` (YUV: one a plane). */
static CUresult launch(struct nvdec_engine *e, const struct vh_surface *src,
                       const struct vh_surface *dst, const struct nvdec_vpp_job *job,
                       CUstream stream)
{
    const struct nvdec_surface *d = dst->engine_data;
    if (vc_pixel_format_is_rgb(d->pf)) {
        struct vk_rgb a = {.luma = plane_of(src, 0, &job->src), .chroma = plane_of(src, 1, &job->src),
                           .dst = plane_of(dst, 0, &job->dst)};
        rgb_args(job, d->pf, &a);
        return launch_one(e, e->vpp_rgb, &a, a.dst.width, a.dst.height, stream);
    }
    CUresult r = CUDA_SUCCESS;
    for (unsigned p = 0; p < 2 && r == CUDA_SUCCESS; p++) {
        struct vk_scale a = {.src = plane_of(src, p, &job->src), .dst = plane_of(dst, p, &job->dst),
                             .comps = p ? 2 : 1, .field = job->field};
        r = launch_one(e, e->vpp_scale, &a, a.dst.width, a.dst.height, stream);
    }
    return r;
}

int nvdec_vpp_run(struct vh_engine *engine, struct vh_surface *src, struct vh_surface *dst,
                  const struct nvdec_vpp_job *job, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (!e->vpp)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "nvdec: no video processing kernels on this GPU");
    CUstream stream;
    int rc = nvdec_call_begin(e, &stream, err);
    if (rc)
        return rc;
    /* A source never written is black; the output outside its region
     * turns black, as on sw (a new picture). */
    bool whole = job->dst.x == 0 && job->dst.y == 0 && job->dst.width == dst->width &&
                 job->dst.height == dst->height;
    bool fresh;
    rc = nvdec_surface_alloc(e, src, stream, true, &fresh, err);
    if (!rc)
        rc = nvdec_surface_alloc(e, dst, stream, !whole, &fresh, err);
    CUresult r = CUDA_SUCCESS;
    if (!rc && !whole && !fresh)
        r = nvdec_surface_fill_black(e, dst, stream);
    if (!rc && r == CUDA_SUCCESS)
        r = launch(e, src, dst, job, stream);
    CUresult sync = e->cu->cuStreamSynchronize(stream);
    if (r == CUDA_SUCCESS)
        r = sync;
    if (!rc && r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "video processing", err);
    if (sync == CUDA_SUCCESS)
        nvdec_stream_put(e, stream);
    else
        e->cu->cuStreamDestroy(stream);
    nvdec_pop(e);
    return rc;
}

/* ---- the VIDEOPROC codec ---------------------------------------------------- */

int nvdec_vpp_codec_create(struct vh_engine *engine, struct vh_codec **out,
                           struct vh_error *err)
{
    *out = NULL;
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (!e->vpp)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "nvdec: no video processing kernels on this GPU");
    /* A codec without a class: nvdec_codec_destroy frees it alone. */
    struct nvdec_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    c->base.engine = engine;
    c->e = e;
    *out = &c->base;
    return VW_OK;
}

int nvdec_vpp_process(struct vh_codec *codec, const struct vh_process *job,
                      struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(codec->engine);
    if (!nvdec_vpp_accepts(codec->engine, job))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "nvdec: this job (filters, rotation or a range change) "
                            "runs on sw only: use --engine auto");
    struct nvdec_vpp_job j = nvdec_vpp_job_of(job);
    return e->dev->process(codec->engine, job->source, job->output, &j, err);
}
