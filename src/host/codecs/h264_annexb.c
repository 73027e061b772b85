/* Annex-B access units from VA pictures (see h264_annexb.h). */
#include <stdlib.h>
#include <string.h>

#include "host/codecs/h264_annexb.h"

/* What one picture's slices require of each PPS they name. */
struct pps_needs {
    bool used[VH_H264_MAX_PPS];
    int16_t l0[VH_H264_MAX_PPS];              /* -1: any */
    int16_t l1[VH_H264_MAX_PPS];
};

static int need(int16_t *slot, unsigned value)
{
    if (*slot >= 0 && *slot != (int16_t)value)
        return -1;
    *slot = (int16_t)value;
    return 0;
}

/*
 * num_ref_idx_l0/l1_default_active_minus1 are not in VA, only each slice's
 * active counts. A slice without num_ref_idx_active_override_flag uses the
 * PPS defaults, so its active counts *are* the defaults: take them from such
 * slices. Slices with the override carry their own counts and do not care.
 */
static int collect_needs(const struct vh_picture *pic, struct pps_needs *needs,
                         struct vh_h264_slice_header *first, const char *prefix,
                         struct vh_error *err)
{
    memset(needs->used, 0, sizeof(needs->used));
    memset(needs->l0, 0xff, sizeof(needs->l0));
    memset(needs->l1, 0xff, sizeof(needs->l1));
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        const struct vh_slice *s = &pic->slices[i];
        struct vh_h264_slice_header h;
        if (vh_h264_parse_slice_header(s->data, s->size, pic->h264, &h) < 0)
            return vh_error_set(err, VW_ERR_DECODE, "%s: slice %u: bad or unsupported slice NAL "
                                "(type %u)", prefix, i, s->size ? s->data[0] & 0x1fu : 0u);
        if (i == 0)
            *first = h;
        needs->used[h.pps_id] = true;
        bool inter = h.slice_kind == VH_H264_SLICE_P || h.slice_kind == VH_H264_SLICE_SP ||
                     h.slice_kind == VH_H264_SLICE_B;
        if (!inter || h.num_ref_idx_override_flag)
            continue;
        if (s->h264->num_ref_idx_l0_active_minus1 > 31 || s->h264->num_ref_idx_l1_active_minus1 > 31 ||
            need(&needs->l0[h.pps_id], s->h264->num_ref_idx_l0_active_minus1) < 0 ||
            (h.slice_kind == VH_H264_SLICE_B &&
             need(&needs->l1[h.pps_id], s->h264->num_ref_idx_l1_active_minus1) < 0))
            return vh_error_set(err, VW_ERR_DECODE, "%s: slice %u: reference counts contradict "
                                "the other slices of PPS %u", prefix, i, h.pps_id);
    }
    return VW_OK;
}

int vh_h264_au_plan(struct vh_h264_au_builder *b, const struct vh_picture *pic,
                    struct vh_h264_au_plan *plan, const char *prefix, struct vh_error *err)
{
    const struct vw_h264_picture *p = pic->h264;
    if (pic->codec != VW_CODEC_H264 || !p || !pic->num_slices || !pic->slices || !pic->target)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: incomplete H.264 picture", prefix);
    int rc = vh_h264_check_params(p, pic->h264_iq, err);
    if (rc)
        return rc;

    struct pps_needs needs;
    memset(&plan->first, 0, sizeof(plan->first));
    rc = collect_needs(pic, &needs, &plan->first, prefix, err);
    if (rc)
        return rc;

    /* Parameter sets: build, compare with what the decoder has. */
    plan->sps_size = vh_h264_write_sps(p, plan->sps, sizeof(plan->sps));
    if (!plan->sps_size)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: SPS does not fit", prefix);
    plan->new_sps = plan->sps_size != b->sps_size ||
                    memcmp(plan->sps, b->sps, plan->sps_size) != 0;

    uint64_t total = plan->new_sps ? 4 + plan->sps_size : 0;
    for (unsigned id = 0; id < VH_H264_MAX_PPS; id++) {
        plan->pps_size[id] = 0;
        if (!needs.used[id])
            continue;
        struct vh_h264_pps_slot *slot = &b->pps[id];
        if (!slot->block) {
            if (!(slot->block = malloc(2 * VH_H264_PS_MAX)))
                return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", prefix);
            slot->bytes = slot->block;
            slot->next = slot->block + VH_H264_PS_MAX;
        }
        bool known = slot->size && !plan->new_sps;
        plan->extras[id] = (struct vh_h264_pps_extra){
            .pps_id = (uint8_t)id,
            /* A count no slice depends on: keep what was sent, so that the
             * PPS is not resent for nothing. */
            .num_ref_idx_l0_default_active_minus1 = needs.l0[id] >= 0 ? (uint8_t)needs.l0[id]
                : known ? slot->extra.num_ref_idx_l0_default_active_minus1 : 0,
            .num_ref_idx_l1_default_active_minus1 = needs.l1[id] >= 0 ? (uint8_t)needs.l1[id]
                : known ? slot->extra.num_ref_idx_l1_default_active_minus1 : 0,
        };
        size_t n = vh_h264_write_pps(p, pic->h264_iq, &plan->extras[id], slot->next,
                                     VH_H264_PS_MAX);
        if (!n)
            return vh_error_set(err, VW_ERR_INTERNAL, "%s: PPS does not fit", prefix);
        if (known && n == slot->size && memcmp(slot->next, slot->bytes, n) == 0)
            continue;
        plan->pps_size[id] = n;
        total += 4 + n;
    }
    for (uint32_t i = 0; i < pic->num_slices; i++)
        total += 4 + (uint64_t)pic->slices[i].size;
    plan->size = total;
    return VW_OK;
}

static void put_nal(uint8_t **p, const uint8_t *nal, size_t size)
{
    static const uint8_t start_code[4] = {0, 0, 0, 1};
    memcpy(*p, start_code, 4);
    memcpy(*p + 4, nal, size);
    *p += 4 + size;
}

void vh_h264_au_write(struct vh_h264_au_builder *b, const struct vh_picture *pic,
                      const struct vh_h264_au_plan *plan, uint8_t *dst)
{
    uint8_t *w = dst;
    if (plan->new_sps)
        put_nal(&w, plan->sps, plan->sps_size);
    for (unsigned id = 0; id < VH_H264_MAX_PPS; id++)
        if (plan->pps_size[id])
            put_nal(&w, b->pps[id].next, plan->pps_size[id]);
    for (uint32_t i = 0; i < pic->num_slices; i++)
        put_nal(&w, pic->slices[i].data, pic->slices[i].size);

    if (plan->new_sps) {
        memcpy(b->sps, plan->sps, plan->sps_size);
        b->sps_size = plan->sps_size;
        for (unsigned id = 0; id < VH_H264_MAX_PPS; id++)
            b->pps[id].size = 0;
    }
    for (unsigned id = 0; id < VH_H264_MAX_PPS; id++) {
        struct vh_h264_pps_slot *slot = &b->pps[id];
        if (!plan->pps_size[id])
            continue;
        uint8_t *t = slot->bytes;
        slot->bytes = slot->next;
        slot->next = t;
        slot->size = plan->pps_size[id];
        slot->extra = plan->extras[id];
    }
}

void vh_h264_au_fini(struct vh_h264_au_builder *b)
{
    for (size_t i = 0; i < VH_H264_MAX_PPS; i++)
        free(b->pps[i].block);
    memset(b, 0, sizeof(*b));
}
