/*
 * Which vsock peers vivacd serves (--vsock-allow): an allow-list of guest
 * CIDs. A guest cannot choose its CID: the host gives it (QEMU's
 * vhost-vsock-pci guest-cid=, libvirt's <cid address=>) and the host's
 * vhost driver stamps it on every connection, so the peer CID names the VM.
 * Without a list no vsock guest is served: a --vsock port open to every VM
 * of the host would let any of them (and any tenant in it) in.
 */
#ifndef VIVAC_HOST_VSOCK_ALLOW_H
#define VIVAC_HOST_VSOCK_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VH_VSOCK_ALLOW_MAX 256u

struct vh_vsock_allow {
    uint32_t cids[VH_VSOCK_ALLOW_MAX];
    unsigned count;
};

/* Adds the CIDs of "CID[,CID...]" (guest CIDs: 3 to 0xfffffffe; 0, 1 and 2
 * are the hypervisor, local and host addresses). Returns 0, or -EINVAL /
 * -ENOSPC with a reason in why (nothing added then). */
int vh_vsock_allow_add(struct vh_vsock_allow *allow, const char *list, char *why,
                       size_t why_size);

/* True if a peer with this CID may connect: only CIDs on the list (an
 * empty list allows none). */
bool vh_vsock_allowed(const struct vh_vsock_allow *allow, uint32_t cid);

#endif
