/* Supervisor -> GPU process attach messages (gpu_attach.h). */
#include "host/gpu_attach.h"

#include <errno.h>
#include <unistd.h>

#include "host/seqpacket.h"

int vh_gpu_attach_send(int sock, const struct vh_gpu_attach *msg, int fd)
{
    if (fd < 0)
        return -EBADF;
    return vh_packet_send(sock, msg, sizeof(*msg), fd);
}

int vh_gpu_attach_recv(int sock, struct vh_gpu_attach *msg, int *fd)
{
    *fd = -1;
    long n = vh_packet_recv(sock, msg, sizeof(*msg), fd);
    if (n == 0)
        return -ECONNRESET;
    if (n < 0)
        return (int)n;
    if (n != (long)sizeof(*msg) || *fd < 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return -EBADMSG;
    }
    return 0;
}
