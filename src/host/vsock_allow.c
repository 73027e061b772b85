/* The vsock allow-list (vsock_allow.h). */
#include "host/vsock_allow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_GUEST_CID 3u        /* 0 hypervisor, 1 local, 2 host */
#define CID_ANY 0xffffffffu       /* VMADDR_CID_ANY */

int vh_vsock_allow_add(struct vh_vsock_allow *allow, const char *list, char *why,
                       size_t why_size)
{
    uint32_t cids[VH_VSOCK_ALLOW_MAX];
    unsigned n = 0;
    const char *p = list;
    for (;;) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        /* Digits only (strtoull would take blanks and signs too). */
        if (*p < '0' || *p > '9' || errno || (*end && *end != ',') || v < FIRST_GUEST_CID ||
            v >= CID_ANY) {
            snprintf(why, why_size, "\"%s\": want guest CIDs (%u to %u), comma separated", list,
                     FIRST_GUEST_CID, CID_ANY - 1);
            return -EINVAL;
        }
        if (allow->count + n >= VH_VSOCK_ALLOW_MAX) {
            snprintf(why, why_size, "more than %u CIDs", VH_VSOCK_ALLOW_MAX);
            return -ENOSPC;
        }
        cids[n++] = (uint32_t)v;
        if (!*end)
            break;
        p = end + 1;
    }
    memcpy(allow->cids + allow->count, cids, n * sizeof(cids[0]));
    allow->count += n;
    return 0;
}

bool vh_vsock_allowed(const struct vh_vsock_allow *allow, uint32_t cid)
{
    for (unsigned i = 0; i < allow->count; i++)
        if (allow->cids[i] == cid)
            return true;
    return false;
}
