/* HEVC Annex-B access units from VA pictures (see hevc_annexb.h). */
#include <stdlib.h>
#include <string.h>

#include "host/codecs/hevc_annexb.h"

static const uint8_t start_code[4] = {0, 0, 0, 1};

/* Room for every slice rewritten, behind its start code. */
static int reserve_slices(struct vh_hevc_au_builder *b, const struct vh_picture *pic,
                          const char *prefix, struct vh_error *err)
{
    uint64_t bound = 0;
    for (uint32_t i = 0; i < pic->num_slices; i++)
        bound += 4 + (uint64_t)pic->slices[i].size + VH_HEVC_SLICE_GROWTH;
    if (bound > INT32_MAX)
        return vh_error_set(err, VW_ERR_DECODE, "%s: picture of %llu bytes too large", prefix,
                            (unsigned long long)bound);
    if (bound <= b->slices_cap)
        return VW_OK;
    size_t cap = (size_t)bound + (size_t)bound / 4;
    uint8_t *p = realloc(b->slices, cap);
    if (!p)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory for a %llu-byte picture",
                            prefix, (unsigned long long)bound);
    b->slices = p;
    b->slices_cap = cap;
    return VW_OK;
}

int vh_hevc_check_profile(uint32_t profile, const struct vw_hevc_picture *p, const char *prefix,
                          struct vh_error *err)
{
    static const struct {
        uint32_t profile;
        const char *name;
        unsigned max_chroma_idc, max_depth;
        bool rext;
    } rules[] = {
        {VW_PROFILE_HEVC_MAIN, "Main", 1, 8, false},
        {VW_PROFILE_HEVC_MAIN10, "Main10", 1, 10, false},
        {VW_PROFILE_HEVC_MAIN422_10, "Main422_10", 2, 10, true},
        {VW_PROFILE_HEVC_MAIN444, "Main444", 3, 8, true},
        {VW_PROFILE_HEVC_MAIN444_10, "Main444_10", 3, 10, true},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (rules[i].profile != profile)
            continue;
        unsigned depth_y = p->bit_depth_luma_minus8 + 8u, depth_c = p->bit_depth_chroma_minus8 + 8u;
        if (p->chroma_format_idc < 1 || p->chroma_format_idc > rules[i].max_chroma_idc ||
            depth_y > rules[i].max_depth || depth_c > rules[i].max_depth)
            return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                                "%s: HEVC chroma_format_idc %u at %u/%u bits is not in profile %s "
                                "(chroma_format_idc 1..%u, up to %u bits)",
                                prefix, p->chroma_format_idc, depth_y, depth_c, rules[i].name,
                                rules[i].max_chroma_idc, rules[i].max_depth);
        if (!rules[i].rext && vh_hevc_uses_range_extension(p))
            return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                                "%s: HEVC range extension tools in profile %s (only the "
                                "Main422_10/Main444/Main444_10 profiles have them)",
                                prefix, rules[i].name);
        return VW_OK;
    }
    return VW_OK;
}

int vh_hevc_au_plan(struct vh_hevc_au_builder *b, const struct vh_picture *pic,
                    struct vh_hevc_au_plan *plan, const char *prefix, struct vh_error *err)
{
    const struct vw_hevc_picture *p = pic->hevc;
    if (pic->codec != VW_CODEC_HEVC || !p || !pic->num_slices || !pic->slices || !pic->target)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: incomplete HEVC picture", prefix);
    int rc = vh_hevc_check_profile(b->profile, p, prefix, err);
    if (rc)
        return rc;
    rc = reserve_slices(b, pic, prefix, err);
    if (rc)
        return rc;

    /* The slices first, as the first slice names the PPS. */
    uint8_t *sp = b->slices;
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        struct vh_hevc_slice_header hdr;
        const char *why = "";
        size_t n = vh_hevc_rewrite_slice(p, pic->slices[i].hevc, pic->slices[i].data,
                                         pic->slices[i].size, sp + 4,
                                         pic->slices[i].size + VH_HEVC_SLICE_GROWTH, &hdr, &why);
        if (n == 0)
            return vh_error_set(err, VW_ERR_DECODE, "%s: HEVC slice %u: %s", prefix, i, why);
        if (i == 0)
            plan->pps_id = hdr.pps_id;
        memcpy(sp, start_code, 4);
        sp += 4 + n;
    }
    plan->slices_size = (size_t)(sp - b->slices);
    if (plan->pps_id >= VH_HEVC_MAX_PPS)      /* the parser allows 0..63 */
        return vh_error_set(err, VW_ERR_DECODE, "%s: HEVC pps_id %u", prefix, plan->pps_id);

    /* Parameter sets: build, compare with what the decoder has. A new VPS
     * resends the SPS, a new SPS every PPS. */
    plan->vps_size = vh_hevc_write_vps(p, b->profile, plan->vps, sizeof(plan->vps));
    if (!plan->vps_size)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: VPS does not fit", prefix);
    plan->new_vps = plan->vps_size != b->vps_size ||
                    memcmp(plan->vps, b->vps, plan->vps_size) != 0;
    plan->sps_size = vh_hevc_write_sps(p, b->profile, plan->sps, sizeof(plan->sps));
    if (!plan->sps_size)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: SPS does not fit", prefix);
    plan->new_sps = plan->new_vps || plan->sps_size != b->sps_size ||
                    memcmp(plan->sps, b->sps, plan->sps_size) != 0;
    if (!b->pps[plan->pps_id] && !(b->pps[plan->pps_id] = malloc(VH_HEVC_PS_MAX)))
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", prefix);
    plan->pps_size = vh_hevc_write_pps(p, pic->hevc_iq, plan->pps_id, plan->pps,
                                       sizeof(plan->pps));
    if (!plan->pps_size)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: PPS does not fit", prefix);
    size_t sent = plan->new_sps ? 0 : b->pps_size[plan->pps_id];
    plan->new_pps = plan->pps_size != sent ||
                    memcmp(plan->pps, b->pps[plan->pps_id], plan->pps_size) != 0;

    uint64_t total = plan->slices_size;
    if (plan->new_vps)
        total += 4 + plan->vps_size;
    if (plan->new_sps)
        total += 4 + plan->sps_size;
    if (plan->new_pps)
        total += 4 + plan->pps_size;
    plan->size = total;
    return VW_OK;
}

static void put_nal(uint8_t **p, const uint8_t *nal, size_t size)
{
    memcpy(*p, start_code, 4);
    memcpy(*p + 4, nal, size);
    *p += 4 + size;
}

void vh_hevc_au_write(struct vh_hevc_au_builder *b, const struct vh_hevc_au_plan *plan,
                      uint8_t *dst)
{
    uint8_t *w = dst;
    if (plan->new_vps) {
        put_nal(&w, plan->vps, plan->vps_size);
        memcpy(b->vps, plan->vps, plan->vps_size);
        b->vps_size = plan->vps_size;
    }
    if (plan->new_sps) {
        put_nal(&w, plan->sps, plan->sps_size);
        memcpy(b->sps, plan->sps, plan->sps_size);
        b->sps_size = plan->sps_size;
        for (unsigned id = 0; id < VH_HEVC_MAX_PPS; id++)
            b->pps_size[id] = 0;
    }
    if (plan->new_pps) {
        put_nal(&w, plan->pps, plan->pps_size);
        memcpy(b->pps[plan->pps_id], plan->pps, plan->pps_size);
        b->pps_size[plan->pps_id] = plan->pps_size;
    }
    memcpy(w, b->slices, plan->slices_size);
}

void vh_hevc_au_fini(struct vh_hevc_au_builder *b)
{
    for (size_t i = 0; i < VH_HEVC_MAX_PPS; i++)
        free(b->pps[i]);
    free(b->slices);
    memset(b, 0, sizeof(*b));
}
