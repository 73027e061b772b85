/* Trace reader: a good trace parses record by record; every truncation,
 * bad header field, non-request opcode, oversized length or arena reference
 * is refused with a reason, and nothing reads out of bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/trace.h"

static uint8_t buf[4096];

static size_t put(size_t at, const void *p, size_t n)
{
    memcpy(buf + at, p, n);
    return at + n;
}

/* header + BEGIN_FRAME + DECODE_BITSTREAM (inline, 4 data bytes) + END_FRAME */
static size_t make_trace(void)
{
    memset(buf, 0, sizeof(buf));
    struct vc_trace_file_header h = {.format_version = VC_TRACE_FORMAT_VERSION,
                                     .protocol_major = VW_VERSION_MAJOR,
                                     .flags = VC_TRACE_FLAG_NO_GET_IMAGE};
    memcpy(h.magic, VC_TRACE_MAGIC, 8);
    size_t at = put(0, &h, sizeof(h));
    struct vw_begin_frame bf = {.codec_id = 1, .surface_id = 2};
    struct vw_header rh = {.opcode = VW_OP_BEGIN_FRAME, .length = sizeof(bf), .request_id = 7};
    at = put(at, &rh, sizeof(rh));
    at = put(at, &bf, sizeof(bf));
    struct vw_decode_bitstream db = {.codec_id = 1, .data = {.location = VW_LOC_INLINE, .size = 4}};
    rh = (struct vw_header){.opcode = VW_OP_DECODE_BITSTREAM, .length = sizeof(db) + 4,
                            .request_id = 8, .reserved = VW_ERR_DECODE};
    at = put(at, &rh, sizeof(rh));
    at = put(at, &db, sizeof(db));
    at = put(at, "\0\0\1\x65", 4);
    struct vw_end_frame ef = {.codec_id = 1};
    rh = (struct vw_header){.opcode = VW_OP_END_FRAME, .length = sizeof(ef), .request_id = 9};
    at = put(at, &rh, sizeof(rh));
    at = put(at, &ef, sizeof(ef));
    return at;
}

static int parse(size_t size, char *why)
{
    struct vc_trace t;
    /* A copy of exactly `size` bytes so that ASan sees any overread. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, buf, size);
    int err = vc_trace_parse(copy, size, &t, why, 256);
    vc_trace_free(&t);
    free(copy);
    return err;
}

static void test_good_trace(void)
{
    size_t size = make_trace();
    struct vc_trace t;
    char why[256] = "";
    CHECK_EQ(vc_trace_parse(buf, size, &t, why, sizeof(why)), 0);
    CHECK_EQ(t.num_records, 3);
    if (t.num_records == 3) {
        CHECK_EQ(t.records[0].hdr.opcode, VW_OP_BEGIN_FRAME);
        CHECK_EQ(t.records[1].hdr.length, sizeof(struct vw_decode_bitstream) + 4);
        CHECK_EQ(t.records[1].hdr.reserved, VW_ERR_DECODE); /* recorded status */
        CHECK_EQ(t.records[2].hdr.request_id, 9);
        CHECK(t.records[2].payload == buf + size - sizeof(struct vw_end_frame));
    }
    vc_trace_free(&t);
}

static void test_every_truncation_refused(void)
{
    size_t size = make_trace();
    char why[256];
    for (size_t n = 0; n < size; n++) {
        make_trace();
        int err = parse(n, why);
        /* A cut exactly between records is a valid (shorter) trace. */
        if (n == 16 + 16 + 8 || n == 16 + 16 + 8 + 16 + 56 + 4)
            CHECK_EQ(err, 0);
        else
            CHECK_EQ(err, -EINVAL);
    }
    parse(16 + 16 + 3, why);
    CHECK(strstr(why, "truncated") != NULL);
    parse(10, why);
    CHECK(strstr(why, "shorter than the header") != NULL);
}

static void test_bad_fields_refused(void)
{
    char why[256];
    size_t size = make_trace();
    buf[0] = 'X';
    CHECK_EQ(parse(size, why), -EINVAL);
    CHECK(strstr(why, "magic") != NULL);

    make_trace();
    buf[8] = 2; /* format version */
    CHECK_EQ(parse(size, why), -EINVAL);
    CHECK(strstr(why, "format version") != NULL);

    make_trace();
    buf[10] = 9; /* protocol major */
    CHECK_EQ(parse(size, why), -EINVAL);

    make_trace();
    buf[14] = 0x80; /* unknown flag */
    CHECK_EQ(parse(size, why), -EINVAL);

    uint32_t v;
    make_trace();
    v = VW_OP_ERROR;
    memcpy(buf + 16, &v, 4);
    CHECK_EQ(parse(size, why), -EINVAL);
    CHECK(strstr(why, "not a request") != NULL);

    make_trace();
    v = VW_OP_BEGIN_FRAME | VW_REPLY_BIT;
    memcpy(buf + 16, &v, 4);
    CHECK_EQ(parse(size, why), -EINVAL);

    make_trace();
    v = 0xffffffffu; /* length */
    memcpy(buf + 20, &v, 4);
    CHECK_EQ(parse(size, why), -EINVAL);

    make_trace();
    v = VW_LOC_ARENA; /* DECODE_BITSTREAM data.location */
    memcpy(buf + 16 + 16 + 8 + 16 + 32, &v, 4);
    CHECK_EQ(parse(size, why), -EINVAL);
    CHECK(strstr(why, "self-contained") != NULL);

    /* Header only: no records. */
    make_trace();
    CHECK_EQ(parse(16, why), -EINVAL);
}

int main(void)
{
    test_good_trace();
    test_every_truncation_refused();
    test_bad_fields_refused();
    return check_finish("test_trace");
}
