/*
 * kiln_test.h - a very small test harness for the Kiln C runtime tests.
 *
 *   static void test_something(void) { KT_CHECK(1 + 1 == 2); }
 *   int main(void) { KT_RUN(test_something); return kt_finish("suite"); }
 *
 * A test passes when none of its checks fail. kt_finish prints
 * "<suite>: N passed, N failed" and returns non-zero if anything failed.
 */
#ifndef KILN_TEST_H
#define KILN_TEST_H

#include <stdio.h>
#include <string.h>

static int kt_passed = 0;
static int kt_failed = 0;
static int kt_current_failures = 0;

#define KT_CHECK(cond)                                                                     \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            ++kt_current_failures;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

#define KT_CHECK_INT(actual, expected)                                                     \
    do {                                                                                   \
        long long kt_a_ = (long long)(actual), kt_e_ = (long long)(expected);              \
        if (kt_a_ != kt_e_) {                                                              \
            ++kt_current_failures;                                                         \
            fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,      \
                    #actual, kt_a_, kt_e_);                                                \
        }                                                                                  \
    } while (0)

#define KT_CHECK_STR(actual, expected)                                                     \
    do {                                                                                   \
        const char *kt_a_ = (actual), *kt_e_ = (expected);                                 \
        if (kt_a_ == NULL || strcmp(kt_a_, kt_e_) != 0) {                                  \
            ++kt_current_failures;                                                         \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
                    #actual, kt_a_ != NULL ? kt_a_ : "(null)", kt_e_);                     \
        }                                                                                  \
    } while (0)

/* Checks that haystack contains needle. */
#define KT_CHECK_CONTAINS(haystack, needle)                                                \
    do {                                                                                   \
        const char *kt_h_ = (haystack), *kt_n_ = (needle);                                 \
        if (kt_h_ == NULL || strstr(kt_h_, kt_n_) == NULL) {                               \
            ++kt_current_failures;                                                         \
            fprintf(stderr, "%s:%d: %s does not contain \"%s\"; it is \"%s\"\n", __FILE__, \
                    __LINE__, #haystack, kt_n_, kt_h_ != NULL ? kt_h_ : "(null)");         \
        }                                                                                  \
    } while (0)

#define KT_RUN(test_fn)                                                                    \
    do {                                                                                   \
        kt_current_failures = 0;                                                           \
        test_fn();                                                                         \
        if (kt_current_failures == 0) {                                                    \
            ++kt_passed;                                                                   \
        } else {                                                                           \
            ++kt_failed;                                                                   \
            fprintf(stderr, "FAILED: %s\n", #test_fn);                                     \
        }                                                                                  \
    } while (0)

static int kt_finish(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, kt_passed, kt_failed);
    fflush(stdout);
    return kt_failed == 0 ? 0 : 1;
}

#endif /* KILN_TEST_H */
