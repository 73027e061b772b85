/*
 * Packets on an AF_UNIX
 * SOCK_SEQPACKET socket, with at most one file descriptor attached.
 */
#ifndef VIVAC_HOST_SEQPACKET_H
#define VIVAC_HOST_SEQPACKET_H

#include <stddef.h>

/* Sends one packet of `len` bytes (fd >= 0: attached). 0 or -errno. */
int vh_packet_send(int sock, const void *buf, size_t len, int fd);

/* Receives one packet into buf (cap bytes). Returns its length, 0 at end
 * of stream, or -errno (-EBADMSG: truncated, or more than one fd). When fd
 * is non-NULL an attached descriptor goes there (else -1; received
 * close-on-exec); when fd is NULL an attached one is closed and the packet
 * refused (-EBADMSG). */
long vh_packet_recv(int sock, void *buf, size_t cap, int *fd);

#endif
