/* Supervisor <-> worker messages (worker_control.h). */
#include "host/worker_control.h"

#include <errno.h>
#include <unistd.h>

#include "host/seqpacket.h"

_Static_assert(sizeof(struct vh_control_msg) == 72, "control messages have one size");

int vh_control_send(int sock, const struct vh_control_msg *msg, int fd)
{
    return vh_packet_send(sock, msg, sizeof(*msg), fd);
}

int vh_control_recv(int sock, struct vh_control_msg *msg, int *fd)
{
    long n = vh_packet_recv(sock, msg, sizeof(*msg), fd);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return -ECONNRESET;
    if (n != (long)sizeof(*msg)) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return -EBADMSG;
    }
    return 0;
}
