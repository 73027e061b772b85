/* Session recorder: one trace file per session (docs/trace.md). */
#include "host/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/trace.h"

/* Per-trace cap, so that a client cannot fill the disk through --record. */
#define VH_RECORD_MAX_BYTES (4ull << 30)

struct vh_recorder {
    int fd;                       /* -1 once failed */
    uint32_t session_id;
    uint64_t good_size;           /* bytes of complete records written */
    uint64_t records;
    char path[PATH_MAX];
};

/* Writes every byte of iov (retrying short writes). Returns 0 or -errno. */
static int write_all(int fd, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        ssize_t n = writev(fd, iov, iovcnt);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* Turns recording off after a failure, keeping the complete records. */
static void rec_fail(struct vh_recorder *rec, const char *what, int err)
{
    vc_warn("session %u: recording stopped: %s %s: %s (the trace keeps its first %llu "
            "requests)",
            rec->session_id, what, rec->path, strerror(-err), (unsigned long long)rec->records);
    if (ftruncate(rec->fd, (off_t)rec->good_size) != 0) {
        /* Nothing more to do: a reader refuses the incomplete last record. */
    }
    close(rec->fd);
    rec->fd = -1;
}

int vh_recorder_open(const char *dir, uint32_t session_id, struct vh_recorder **out)
{
    struct vh_recorder *rec = calloc(1, sizeof(*rec));
    if (!rec)
        return -ENOMEM;
    rec->session_id = session_id;
    int n = snprintf(rec->path, sizeof(rec->path), "%s/session-%ld-%u.vtrace", dir,
                     (long)getpid(), session_id);
    if (n < 0 || (size_t)n >= sizeof(rec->path)) {
        vc_warn("session %u: not recording: directory name %s too long", session_id, dir);
        free(rec);
        return -ENAMETOOLONG;
    }
    /* 0600: a trace holds the tenant's bitstreams (and with them what it
     * watches); only the daemon's user may read it back. */
    rec->fd = open(rec->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (rec->fd < 0) {
        int err = -errno;
        vc_warn("session %u: not recording: %s: %s", session_id, rec->path, strerror(errno));
        free(rec);
        return err;
    }
    struct vc_trace_file_header h = {.format_version = VC_TRACE_FORMAT_VERSION,
                                     .protocol_major = VW_VERSION_MAJOR,
                                     .protocol_minor = VW_VERSION_MINOR,
                                     .flags = VC_TRACE_FLAG_NO_GET_IMAGE};
    memcpy(h.magic, VC_TRACE_MAGIC, sizeof(h.magic));
    struct iovec iov = {.iov_base = &h, .iov_len = sizeof(h)};
    int err = write_all(rec->fd, &iov, 1);
    if (err) {
        vc_warn("session %u: not recording: %s: %s", session_id, rec->path, strerror(-err));
        close(rec->fd);
        unlink(rec->path);
        free(rec);
        return err;
    }
    rec->good_size = sizeof(h);
    vc_info("session %u: recording to %s", session_id, rec->path);
    *out = rec;
    return 0;
}

void vh_recorder_write(struct vh_recorder *rec, const struct vw_header *hdr,
                       const uint8_t *payload, size_t size, const struct vh_record_inline *in,
                       int status)
{
    if (!rec || rec->fd < 0)
        return;
    struct vw_header h = *hdr;
    h.reserved = (uint32_t)status;
    h.length = (uint32_t)size;
    struct vw_data_ref ref;
    struct iovec iov[5];
    int n = 0;
    iov[n++] = (struct iovec){.iov_base = &h, .iov_len = sizeof(h)};
    if (!in) {
        iov[n++] = (struct iovec){.iov_base = (void *)payload, .iov_len = size};
    } else {
        /* The caller found the reference at ref_offset when it parsed the
         * request; check again rather than trust that. */
        if (in->ref_offset > size || sizeof(ref) > size - in->ref_offset) {
            rec_fail(rec, "internal: bad inline reference for", -EINVAL);
            return;
        }
        uint64_t data_size = in->data ? in->size : 0;
        if (data_size > VW_MAX_MESSAGE - size) {
            rec_fail(rec, "request too large to inline in", -EFBIG);
            return;
        }
        memcpy(&ref, payload + in->ref_offset, sizeof(ref));
        if (in->data)
            ref = (struct vw_data_ref){.location = VW_LOC_INLINE, .size = data_size};
        else if (in->refused)
            ref.location = VC_TRACE_LOC_REFUSED;
        h.length = (uint32_t)(size + data_size);
        iov[n++] = (struct iovec){.iov_base = (void *)payload, .iov_len = in->ref_offset};
        iov[n++] = (struct iovec){.iov_base = &ref, .iov_len = sizeof(ref)};
        size_t after = in->ref_offset + sizeof(ref);
        iov[n++] = (struct iovec){.iov_base = (void *)(payload + after), .iov_len = size - after};
        if (data_size)
            iov[n++] = (struct iovec){.iov_base = (void *)in->data, .iov_len = (size_t)data_size};
    }
    if (sizeof(h) + h.length > VH_RECORD_MAX_BYTES - rec->good_size) {
        rec_fail(rec, "trace reached its 4 GiB cap:", -EFBIG);
        return;
    }
    int err = write_all(rec->fd, iov, n);
    if (err) {
        rec_fail(rec, "cannot write", err);
        return;
    }
    rec->good_size += sizeof(h) + h.length;
    rec->records++;
}

void vh_recorder_close(struct vh_recorder **rec)
{
    if (!rec || !*rec)
        return;
    struct vh_recorder *r = *rec;
    if (r->fd >= 0) {
        if (close(r->fd) != 0)
            vc_warn("session %u: closing %s: %s", r->session_id, r->path, strerror(errno));
        else
            vc_info("session %u: recorded %llu requests to %s", r->session_id,
                    (unsigned long long)r->records, r->path);
    }
    free(r);
    *rec = NULL;
}
