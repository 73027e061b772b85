/*
 * vaPutSurface's plan (put_surface_plan.c): the destination clipped to the
 * drawable with the source shrunk in proportion, sources outside the
 * surface refused, nothing visible drawing nothing, and the flags' field,
 * colour standard and scaling mode.
 */
#include <errno.h>

#include "check.h"
#include "guest/put_surface.h"

static struct vg_put_plan plan;

static int put(struct vg_put_rect src, struct vg_put_rect dest, unsigned flags)
{
    memset(&plan, 0xa5, sizeof(plan));
    return vg_put_plan(352, 288, src, dest, 640, 480, flags, &plan);
}

#define SOURCE_IS(X, Y, W, H)                                                     \
    CHECK(plan.source.x == (X) && plan.source.y == (Y) && plan.source.width == (W) && \
          plan.source.height == (H))
#define OUT_IS(X, Y, W, H)                                                        \
    CHECK(plan.out_x == (X) && plan.out_y == (Y) && plan.out_w == (W) && plan.out_h == (H))

static void test_inside(void)
{
    CHECK_EQ(put((struct vg_put_rect){0, 0, 352, 288}, (struct vg_put_rect){10, 20, 320, 240}, 0), 1);
    SOURCE_IS(0, 0, 352, 288);
    OUT_IS(10, 20, 320, 240);
    CHECK_EQ(plan.field, -1);
    CHECK_EQ(plan.standard, VAProcColorStandardNone);
    CHECK_EQ(plan.scaling, VA_FILTER_SCALING_DEFAULT);
}

static void test_clipped(void)
{
    /* 2x magnification hanging over the left and bottom edges: the
     * visible 604x416 shows source pixels (50, 0) to (352, 208). */
    CHECK_EQ(put((struct vg_put_rect){0, 0, 352, 288}, (struct vg_put_rect){-100, 64, 704, 576}, 0), 1);
    SOURCE_IS(50, 0, 302, 208);
    OUT_IS(0, 64, 604, 416);
    /* A sub-rectangle shown 3:1 past the right edge: rounding to the
     * nearest source pixel. */
    CHECK_EQ(put((struct vg_put_rect){11, 7, 100, 90}, (struct vg_put_rect){400, 0, 300, 270}, 0), 1);
    SOURCE_IS(11, 7, 80, 90);
    OUT_IS(400, 0, 240, 270);
    /* One visible column of a huge magnification still reads a pixel. */
    CHECK_EQ(put((struct vg_put_rect){0, 0, 2, 2}, (struct vg_put_rect){639, 0, 5000, 5000}, 0), 1);
    SOURCE_IS(0, 0, 1, 1);
    OUT_IS(639, 0, 1, 480);
}

static void test_nothing_visible(void)
{
    struct vg_put_rect all = {0, 0, 352, 288};
    CHECK_EQ(put(all, (struct vg_put_rect){640, 0, 100, 100}, 0), 0);
    CHECK_EQ(put(all, (struct vg_put_rect){-100, 0, 100, 100}, 0), 0);
    CHECK_EQ(put(all, (struct vg_put_rect){0, 480, 100, 100}, 0), 0);
    CHECK_EQ(put(all, (struct vg_put_rect){0, 0, 0, 100}, 0), 0);
}

static void test_bad_source(void)
{
    struct vg_put_rect dest = {0, 0, 100, 100};
    CHECK_EQ(put((struct vg_put_rect){0, 0, 0, 288}, dest, 0), -EINVAL);
    CHECK_EQ(put((struct vg_put_rect){-1, 0, 100, 100}, dest, 0), -EINVAL);
    CHECK_EQ(put((struct vg_put_rect){300, 0, 53, 100}, dest, 0), -EINVAL);
    CHECK_EQ(put((struct vg_put_rect){0, 200, 100, 89}, dest, 0), -EINVAL);
    CHECK_EQ(put((struct vg_put_rect){300, 200, 52, 88}, dest, 0), 1);
}

static void test_flags(void)
{
    struct vg_put_rect all = {0, 0, 352, 288};
    CHECK_EQ(put(all, all, VA_TOP_FIELD | VA_SRC_BT709 | VA_FILTER_SCALING_HQ), 1);
    CHECK_EQ(plan.field, 0);
    CHECK_EQ(plan.standard, VAProcColorStandardBT709);
    CHECK_EQ(plan.scaling, VA_FILTER_SCALING_HQ);
    CHECK_EQ(put(all, all, VA_BOTTOM_FIELD | VA_SRC_BT601 | VA_FILTER_SCALING_FAST), 1);
    CHECK_EQ(plan.field, 1);
    CHECK_EQ(plan.standard, VAProcColorStandardBT601);
    CHECK_EQ(plan.scaling, VA_FILTER_SCALING_FAST);
    /* Both fields: the frame; 240M as BT.709; anamorphic as the default. */
    CHECK_EQ(put(all, all, VA_TOP_FIELD | VA_BOTTOM_FIELD | VA_SRC_SMPTE_240 |
                               VA_FILTER_SCALING_NL_ANAMORPHIC), 1);
    CHECK_EQ(plan.field, -1);
    CHECK_EQ(plan.standard, VAProcColorStandardBT709);
    CHECK_EQ(plan.scaling, VA_FILTER_SCALING_DEFAULT);
}

int main(void)
{
    test_inside();
    test_clipped();
    test_nothing_visible();
    test_bad_source();
    test_flags();
    return check_finish("test_put_surface");
}
