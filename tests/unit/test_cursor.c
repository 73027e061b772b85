/* Bounds-checked cursor: reads inside the buffer succeed, anything past the
 * end fails stickily, and overflowing sizes never wrap. */
#include <stdint.h>

#include "check.h"
#include "common/cursor.h"

static void test_reads_in_bounds(void)
{
    const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct vc_cursor c = vc_cursor_make(data, sizeof(data));
    uint32_t a = 0;
    CHECK(vc_cursor_copy(&c, &a, sizeof(a)));
    CHECK_EQ(a, 0x04030201);
    const uint8_t *p = vc_cursor_take(&c, 4);
    CHECK(p == data + 4);
    CHECK(vc_cursor_done(&c));
}

static void test_truncated_input_fails_sticky(void)
{
    const uint8_t data[6] = {0};
    struct vc_cursor c = vc_cursor_make(data, sizeof(data));
    uint64_t v = 0xffff;
    CHECK(!vc_cursor_copy(&c, &v, sizeof(v)));
    CHECK_EQ(v, 0);              /* zeroed on failure */
    CHECK(c.failed);
    /* A later read that would fit still fails: the error is sticky. */
    CHECK(vc_cursor_take(&c, 1) == NULL);
    CHECK(!vc_cursor_done(&c));
}

static void test_oversized_counts_do_not_wrap(void)
{
    const uint8_t data[16] = {0};
    struct vc_cursor c = vc_cursor_make(data, sizeof(data));
    CHECK(vc_cursor_take_array(&c, SIZE_MAX / 2 + 2, 2) == NULL);
    CHECK(c.failed);
    c = vc_cursor_make(data, sizeof(data));
    CHECK(vc_cursor_take_array(&c, 4, 4) != NULL);
    CHECK(vc_cursor_done(&c));
    c = vc_cursor_make(data, sizeof(data));
    CHECK(vc_cursor_take(&c, SIZE_MAX) == NULL);
}

static void test_range_checks(void)
{
    CHECK(vc_range_ok(0, 10, 10));
    CHECK(vc_range_ok(10, 0, 10));
    CHECK(!vc_range_ok(11, 0, 10));
    CHECK(!vc_range_ok(5, 6, 10));
    CHECK(!vc_range_ok(UINT64_MAX, 2, 10));
    CHECK(!vc_range_ok(2, UINT64_MAX, 10));
}

int main(void)
{
    test_reads_in_bounds();
    test_truncated_input_fails_sticky();
    test_oversized_counts_do_not_wrap();
    test_range_checks();
    return check_finish("test_cursor");
}
