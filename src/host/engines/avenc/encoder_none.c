/* encoder.h without libavcodec: no encoder, no encode capabilities. */
#include "host/encoder.h"

void vh_encoder_probe(bool gpu)
{
    (void)gpu;
}

uint32_t vh_encoder_caps(struct vw_cap *caps, struct vw_encode_cap *enc, uint32_t max)
{
    return 0;
}

const char *vh_encoder_report(void)
{
    return "none: vivacd was built without libavcodec\n";
}

int vh_encoder_open(const struct vh_encoder_config *cfg, struct vh_encoder **out,
                    struct vh_error *err)
{
    *out = NULL;
    return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT, "no encoder in this build");
}

int vh_encoder_encode(struct vh_encoder *e, const struct vw_encode_sequence *seq,
                      const struct vw_encode_picture *pic, const struct vh_encoder_input *in,
                      struct vh_encoded *out, struct vh_error *err)
{
    return vh_error_set(err, VW_ERR_INTERNAL, "no encoder in this build");
}

void vh_encoder_force_idr(struct vh_encoder *e)
{
}

void vh_encoder_close(struct vh_encoder **e)
{
}
