/* The vsock allow-list (src/host/vsock_allow.h): the decision accept_channel
 * makes for every vsock peer. Tested here rather than end to end because
 * build machines have no vsock transport (no vhost_vsock / vsock_loopback
 * to connect through). */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "host/vsock_allow.h"

static void test_empty_refuses_all(void)
{
    struct vh_vsock_allow a = {0};
    /* No --vsock-allow: no guest, whatever its CID. */
    CHECK(!vh_vsock_allowed(&a, 3));
    CHECK(!vh_vsock_allowed(&a, 4));
    CHECK(!vh_vsock_allowed(&a, 0));
    CHECK(!vh_vsock_allowed(&a, 2));
    CHECK(!vh_vsock_allowed(&a, 0xffffffffu));
}

static void test_listed_only(void)
{
    struct vh_vsock_allow a = {0};
    char why[256];
    CHECK(vh_vsock_allow_add(&a, "3,7", why, sizeof(why)) == 0);
    CHECK(vh_vsock_allow_add(&a, "4000000000", why, sizeof(why)) == 0);
    CHECK_EQ(a.count, 3);
    CHECK(vh_vsock_allowed(&a, 3));
    CHECK(vh_vsock_allowed(&a, 7));
    CHECK(vh_vsock_allowed(&a, 4000000000u));
    /* Not on the list: refused. */
    CHECK(!vh_vsock_allowed(&a, 4));
    CHECK(!vh_vsock_allowed(&a, 5));
    CHECK(!vh_vsock_allowed(&a, 1));
    CHECK(!vh_vsock_allowed(&a, 2));
    CHECK(!vh_vsock_allowed(&a, 0xffffffffu));
}

static void test_bad_lists(void)
{
    static const char *const bad[] = {
        "", ",", "3,", ",3", "3,,4", "x", "3x", "-3", "+3", " 3",
        "0", "1", "2",                       /* hypervisor, local, host */
        "4294967295",                        /* VMADDR_CID_ANY */
        "4294967296", "99999999999999999999",
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vh_vsock_allow a = {0};
        char why[256] = "";
        CHECK(vh_vsock_allow_add(&a, bad[i], why, sizeof(why)) == -EINVAL);
        CHECK_EQ(a.count, 0);   /* nothing half added */
        CHECK(why[0] != '\0');
    }
    /* A bad entry after good ones adds none of them. */
    struct vh_vsock_allow a = {0};
    char why[256];
    CHECK(vh_vsock_allow_add(&a, "3,4,1", why, sizeof(why)) == -EINVAL);
    CHECK_EQ(a.count, 0);
    CHECK(!vh_vsock_allowed(&a, 3));
}

static void test_full(void)
{
    struct vh_vsock_allow a = {0};
    char why[256];
    for (unsigned i = 0; i < VH_VSOCK_ALLOW_MAX; i++) {
        char cid[16];
        snprintf(cid, sizeof(cid), "%u", 3 + i);
        CHECK(vh_vsock_allow_add(&a, cid, why, sizeof(why)) == 0);
    }
    CHECK(vh_vsock_allow_add(&a, "9999", why, sizeof(why)) == -ENOSPC);
    CHECK(!vh_vsock_allowed(&a, 9999));
}

int main(void)
{
    test_empty_refuses_all();
    test_listed_only();
    test_bad_lists();
    test_full();
    return check_finish("test_vsock_allow");
}
