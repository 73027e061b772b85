/* `vivac info`: HELLO + QUERY_CAPS against a running vivacd, printed like
 * vainfo but for the host side. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cursor.h"
#include "tools/vivac.h"
#include "transport/channel.h"
#include "transport/message.h"
#include "vivac/protocol.h"

#define INFO_ARENA_REQUEST (64ull << 20)

/* Sends a request and reads its reply; checks opcode and id. The reply
 * payload stays in buf; *fd_out gets a passed fd (or -1). */
static int transact(struct vt_channel *ch, uint32_t opcode, uint32_t id, const void *req,
                    size_t req_len, struct vt_msgbuf *buf, struct vw_header *hdr,
                    struct vw_status *st, int *fd_out)
{
    int err = vt_msg_send(ch, opcode, id, req, req_len, NULL, 0, NULL, 0, -1);
    if (err)
        return err;
    err = vt_msg_recv(ch, hdr, buf, VW_MAX_MESSAGE, fd_out);
    if (err)
        return err;
    if (hdr->opcode == VW_OP_ERROR || hdr->opcode == (VW_OP_ERROR | VW_REPLY_BIT))
        return -ECONNABORTED;
    if (hdr->opcode != (opcode | VW_REPLY_BIT) || hdr->request_id != id ||
        hdr->length < sizeof(*st))
        return -EPROTO;
    memcpy(st, buf->data, sizeof(*st));
    if (st->message_len > hdr->length - sizeof(*st))
        return -EPROTO;
    return 0;
}

/* What vivac's driver offers VA clients on a daemon with VideoProc: the
 * filters of the protocol version both speak (src/guest/vpp.c decides so
 * too; every engine that processes serves all of its version's). */
static void print_videoproc_filters(uint32_t minor)
{
    printf("\n  video processing: scaling (VA default: bicubic, fast: fast_bilinear, hq: "
           "lanczos), conversion between the videoproc line's formats (the filters: 4:2:0 "
           "only), deinterlacing (bob%s)%s\n",
           minor >= 7 ? ", motion adaptive" : "",
           minor >= 5 ? ", ProcAmp (brightness, contrast, hue, saturation), denoise, "
                        "sharpening, rotation, mirroring"
                      : "");
}

static const char *profile_name(uint32_t p)
{
    switch (p) {
    case VW_PROFILE_H264_CONSTRAINED_BASELINE: return "H264ConstrainedBaseline";
    case VW_PROFILE_H264_MAIN: return "H264Main";
    case VW_PROFILE_H264_HIGH: return "H264High";
    case VW_PROFILE_VP9_PROFILE0: return "VP9Profile0";
    case VW_PROFILE_VP8: return "VP8Version0_3";
    case VW_PROFILE_MPEG2_SIMPLE: return "MPEG2Simple";
    case VW_PROFILE_MPEG2_MAIN: return "MPEG2Main";
    case VW_PROFILE_MPEG4_SIMPLE: return "MPEG4Simple";
    case VW_PROFILE_MPEG4_ADVANCED_SIMPLE: return "MPEG4AdvancedSimple";
    case VW_PROFILE_AV1_MAIN: return "AV1Profile0";
    case VW_PROFILE_HEVC_MAIN: return "HEVCMain";
    case VW_PROFILE_HEVC_MAIN10: return "HEVCMain10";
    case VW_PROFILE_VP9_PROFILE2: return "VP9Profile2";
    case VW_PROFILE_JPEG_BASELINE: return "JPEGBaseline";
    case VW_PROFILE_HEVC_MAIN422_10: return "HEVCMain422_10";
    case VW_PROFILE_HEVC_MAIN444: return "HEVCMain444";
    case VW_PROFILE_HEVC_MAIN444_10: return "HEVCMain444_10";
    case VW_PROFILE_NONE: return "None";
    default: return "unknown";
    }
}

/* The chroma formats by their VA names, joined by "+"; unknown bits in hex. */
static void format_names(uint32_t rt, char *out, size_t size)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {VW_RT_YUV420, "YUV420"},       {VW_RT_YUV420_10, "YUV420_10"},
        {VW_RT_YUV422, "YUV422"},       {VW_RT_YUV422_10, "YUV422_10"},
        {VW_RT_YUV444, "YUV444"},       {VW_RT_YUV444_10, "YUV444_10"},
        {VW_RT_RGB32, "RGB32"},
    };
    uint32_t known = 0;
    *out = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        known |= names[i].bit;
        if (rt & names[i].bit)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", *out ? "+" : "",
                     names[i].name);
    }
    if (rt & ~known)
        snprintf(out + strlen(out), size - strlen(out), "%s0x%x", *out ? "+" : "", rt & ~known);
}

static void fourcc_name(uint32_t f, char out[5])
{
    for (int i = 0; i < 4; i++) {
        char c = (char)((f >> (8 * i)) & 0xff);
        out[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    out[4] = '\0';
}

/* Copies a fixed-size NUL-padded name into a C string. */
static void fixed_name(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    dst[i] = '\0';
}

/* QUERY_ENCODE_CAPS (protocol 1.3): each encode capability's attributes,
 * then the daemon's note on the encoders it tried (why NVENC is not used). */
static int print_encode_caps(struct vt_channel *ch, struct vt_msgbuf *buf)
{
    struct vw_header hdr;
    struct vw_status st;
    int err = transact(ch, VW_OP_QUERY_ENCODE_CAPS, 3, NULL, 0, buf, &hdr, &st, NULL);
    if (err || st.status != VW_OK) {
        fprintf(stderr, "vivac: QUERY_ENCODE_CAPS failed: %s\n",
                err ? strerror(-err) : vw_status_name(st.status));
        return 1;
    }
    size_t body = hdr.length - sizeof(st) - st.message_len;
    struct vc_cursor c = vc_cursor_make(buf->data + sizeof(st), body);
    struct vw_caps_reply cr;
    if (!vc_cursor_copy(&c, &cr, sizeof(cr)) ||
        cr.count > c.left / sizeof(struct vw_encode_cap)) {
        fprintf(stderr, "vivac: malformed QUERY_ENCODE_CAPS reply\n");
        return 1;
    }
    printf("\n  %-26s %-11s %-12s %-9s %-6s %-7s %-6s\n", "encode profile", "encoder",
           "rate control", "refs L0/L1", "slices", "quality", "QP");
    for (uint32_t i = 0; i < cr.count; i++) {
        struct vw_encode_cap e;
        vc_cursor_copy(&c, &e, sizeof(e));
        char name[17], rc[24] = "", refs[16], qp[16];
        fixed_name(name, e.encoder_name, sizeof(e.encoder_name));
        static const char *const modes[] = {"CQP", "CBR", "VBR"};
        for (unsigned m = 0; m < 3; m++)
            if (e.rc_modes & (1u << m))
                snprintf(rc + strlen(rc), sizeof(rc) - strlen(rc), "%s%s", *rc ? "+" : "",
                         modes[m]);
        snprintf(refs, sizeof(refs), "%u/%u", e.max_refs_l0, e.max_refs_l1);
        snprintf(qp, sizeof(qp), "%u-%u", e.min_qp, e.max_qp);
        printf("  %-26s %-11s %-12s %-10s %-6u %-7u %s\n", profile_name(e.profile), name, rc,
               refs, e.max_slices, e.quality_levels, qp);
    }
    if (cr.count == 0)
        printf("  (no encode capabilities)\n");
    if (st.message_len) {
        char note[VW_MESSAGE_TEXT_MAX + 1];
        memcpy(note, buf->data + hdr.length - st.message_len, st.message_len);
        note[st.message_len] = '\0';
        printf("  encoders: ");
        for (char *p = note; *p; p++)
            if (*p == ';')
                printf("\n            ");
            else
                putchar(*p >= 0x20 && *p < 0x7f ? *p : '?');
        printf("\n");
    }
    return 0;
}

int vivac_cmd_info(int argc, char **argv)
{
    static const struct option options[] = {
        {"socket", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = vivac_default_socket();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+s:h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            path = optarg;
            break;
        case 'h':
            printf("Usage: vivac info [--socket PATH]\n");
            return 0;
        default:
            fprintf(stderr, "Usage: vivac info [--socket PATH]\n");
            return 2;
        }
    }

    struct vt_channel *ch = NULL;
    int err = vt_unix_connect(path, &ch);
    if (err == -EACCES || err == -EPERM) {
        fprintf(stderr,
                "vivac: permission denied on %s: vivacd is running there, but this user\n"
                "       may not connect: join the socket's group, or ask for vivacd\n"
                "       --socket-group/--socket-mode (docs/deployment.md)\n", path);
        return 1;
    }
    if (err) {
        fprintf(stderr,
                "vivac: cannot connect to vivacd at %s: %s\n"
                "       start it with `vivacd --socket %s`, or run a program with a private\n"
                "       daemon: `vivac run -- PROGRAM`\n",
                path, strerror(-err), path);
        return 1;
    }

    int rc = 1;
    struct vt_msgbuf buf = {0};
    struct vw_header hdr;
    struct vw_status st;
    int fd = -1;
    struct vw_hello hello = {.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR,
                             .version_minor = VW_VERSION_MINOR,
                             .arena_size = INFO_ARENA_REQUEST};
    snprintf(hello.client_name, sizeof(hello.client_name), "vivac info");
    err = transact(ch, VW_OP_HELLO, 1, &hello, sizeof(hello), &buf, &hdr, &st, &fd);
    if (fd >= 0)
        close(fd);  /* only the granted size is of interest */
    if (err) {
        fprintf(stderr, "vivac: HELLO to vivacd at %s failed: %s\n", path,
                err == -ECONNABORTED ? "the daemon closed the session" : strerror(-err));
        goto out;
    }
    struct vw_hello_reply hr;
    struct vc_cursor c = vc_cursor_make(buf.data + sizeof(st), hdr.length - sizeof(st));
    if (st.status != VW_OK || !vc_cursor_copy(&c, &hr, sizeof(hr))) {
        fprintf(stderr, "vivac: HELLO refused by vivacd at %s: %s\n", path,
                vw_status_name(st.status));
        goto out;
    }
    char server[33], engine[17];
    fixed_name(server, hr.server_name, sizeof(hr.server_name));
    fixed_name(engine, hr.engine_name, sizeof(hr.engine_name));
    printf("vivacd at %s\n", path);
    printf("  server:    %s (protocol %u.%u)\n", server, hr.version_major, hr.version_minor);
    printf("  engine:    %s\n", engine);
    printf("  limits:    %u surfaces, %u codecs, %llu MiB per session\n", hr.max_surfaces,
           hr.max_codecs, (unsigned long long)(hr.max_bytes >> 20));
    printf("  arena:     %llu MiB granted (%llu MiB requested)\n",
           (unsigned long long)(hr.arena_size >> 20),
           (unsigned long long)(INFO_ARENA_REQUEST >> 20));

    err = transact(ch, VW_OP_QUERY_CAPS, 2, NULL, 0, &buf, &hdr, &st, NULL);
    if (err || st.status != VW_OK) {
        fprintf(stderr, "vivac: QUERY_CAPS failed: %s\n",
                err ? strerror(-err) : vw_status_name(st.status));
        goto out;
    }
    c = vc_cursor_make(buf.data + sizeof(st), hdr.length - sizeof(st) - st.message_len);
    struct vw_caps_reply cr;
    if (!vc_cursor_copy(&c, &cr, sizeof(cr)) || cr.count > c.left / sizeof(struct vw_cap)) {
        fprintf(stderr, "vivac: malformed QUERY_CAPS reply\n");
        goto out;
    }
    printf("\n  %-26s %-10s %-6s %-11s %-11s %-8s %s\n", "profile", "entrypoint", "pixel",
           "min size", "max size", "engine", "formats");
    bool videoproc = false;
    for (uint32_t i = 0; i < cr.count; i++) {
        struct vw_cap cap;
        vc_cursor_copy(&c, &cap, sizeof(cap));
        videoproc |= cap.entrypoint == VW_ENTRYPOINT_VIDEOPROC;
        char formats[96], fourcc[5], eng[17], minsz[24], maxsz[24];
        format_names(cap.rt_formats, formats, sizeof(formats));
        fourcc_name(cap.pixel_format, fourcc);
        fixed_name(eng, cap.engine_name, sizeof(cap.engine_name));
        snprintf(minsz, sizeof(minsz), "%ux%u", cap.min_width, cap.min_height);
        snprintf(maxsz, sizeof(maxsz), "%ux%u", cap.max_width, cap.max_height);
        printf("  %-26s %-10s %-6s %-11s %-11s %-8s %s\n", profile_name(cap.profile),
               cap.entrypoint == VW_ENTRYPOINT_DECODE   ? "decode"
               : cap.entrypoint == VW_ENTRYPOINT_ENCODE    ? "encode"
               : cap.entrypoint == VW_ENTRYPOINT_VIDEOPROC ? "videoproc"
                                                           : "unknown", fourcc, minsz,
               maxsz, eng, formats);
    }
    if (cr.count == 0)
        printf("  (no capabilities)\n");
    if (videoproc)
        print_videoproc_filters(hr.version_minor);
    /* A daemon older than 1.3 has no encode and no QUERY_ENCODE_CAPS. */
    rc = hr.version_major == VW_VERSION_MAJOR && hr.version_minor >= 3
             ? print_encode_caps(ch, &buf)
             : 0;
out:
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&ch);
    return rc;
}
