/* Minimal assertion helpers for the unit tests: each failed CHECK prints the
 * expression and location and makes the program exit non-zero at the end. */
#ifndef VIVAC_TESTS_CHECK_H
#define VIVAC_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(expr)                                                              \
    do {                                                                         \
        check_count++;                                                           \
        if (!(expr)) {                                                           \
            check_failures++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        check_count++;                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);          \
        if (check_a_ != check_b_) {                                              \
            check_failures++;                                                    \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);             \
        }                                                                        \
    } while (0)

/* Ends main(): prints a summary line, returns the exit status. */
static inline int check_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : (check_count ? 0 : 1);
}

#endif
