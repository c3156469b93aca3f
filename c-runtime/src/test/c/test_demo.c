/*
 * End-to-end tests of the demo driver (kiln_demo_main) on the toy model.
 * Usage: test_demo SCRATCH_DIR
 * The weights file is also placed next to this executable and in its parent
 * directory to exercise the default lookup.
 */
#include "kiln_demo.h"
#include "kiln_npy.h"
#include "kiln_test.h"
#include "toy_model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *scratch = ".";
static char exe_dir[1024] = ".";

static const char *path_in(const char *dir, const char *name)
{
    /* a ring of buffers: each test builds a few argument lists from these */
    static char buf[128][1200];
    static int slot = 0;
    char *p = buf[slot];
    slot = (slot + 1) % 128;
    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

static const char *sp(const char *name)
{
    return path_in(scratch, name);
}

static int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL) {
        fprintf(stderr, "cannot create %s\n", path);
        return 0;
    }
    ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r"); /* text mode: Windows line ends read back as '\n' */
    char *buf;
    size_t n;
    if (f == NULL) {
        return NULL;
    }
    buf = (char *)malloc(65536);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    fclose(f);
    return 1;
}

/* Captured result of one kiln_demo_main_io call. */
typedef struct {
    int rc;
    char *out;
    char *err;
} demo_result;

/* Checks the exit code; on a mismatch also shows what the driver printed. */
#define CHECK_RC(r, expected)                                                                      \
    do {                                                                                           \
        int kt_before_ = kt_current_failures;                                                      \
        KT_CHECK_INT((r).rc, (expected));                                                          \
        if (kt_current_failures != kt_before_) {                                                   \
            fprintf(stderr, "  driver stdout: %s\n  driver stderr: %s\n",                        \
                    (r).out != NULL ? (r).out : "(none)", (r).err != NULL ? (r).err : "(none)");   \
        }                                                                                          \
    } while (0)

static void free_result(demo_result *r)
{
    free(r->out);
    free(r->err);
    r->out = NULL;
    r->err = NULL;
}

/* Runs the driver on model m with a NULL-terminated argument list (argv[0] included). */
static demo_result run_demo(const kiln_model *m, const char *const *args)
{
    demo_result r;
    char *argv[32];
    int argc = 0;
    const char *out_path = sp("stdout.txt");
    const char *err_path = sp("stderr.txt");
    FILE *out = fopen(out_path, "w");
    FILE *err = fopen(err_path, "w");
    r.rc = -100;
    r.out = NULL;
    r.err = NULL;
    if (out == NULL || err == NULL) {
        fprintf(stderr, "cannot create capture files in %s\n", scratch);
        if (out != NULL) {
            fclose(out);
        }
        if (err != NULL) {
            fclose(err);
        }
        return r;
    }
    while (args[argc] != NULL && argc < 31) {
        argv[argc] = (char *)(uintptr_t)args[argc]; /* the driver never writes to argv */
        ++argc;
    }
    argv[argc] = NULL;
    r.rc = kiln_demo_main_io(m, argc, argv, out, err);
    fclose(out);
    fclose(err);
    r.out = read_text(out_path);
    r.err = read_text(err_path);
    return r;
}

static void toy_weights(unsigned char *w)
{
    int i;
    for (i = 0; i < TOY_WEIGHTS_COUNT; ++i) {
        float v = 0.5f + (float)i;
        uint32_t bits;
        memcpy(&bits, &v, 4);
        w[4 * i + 0] = (unsigned char)(bits & 0xffu);
        w[4 * i + 1] = (unsigned char)((bits >> 8) & 0xffu);
        w[4 * i + 2] = (unsigned char)((bits >> 16) & 0xffu);
        w[4 * i + 3] = (unsigned char)((bits >> 24) & 0xffu);
    }
}

static const float x_values[6] = {0.0f, 0.25f, -0.5f, 1.0f, 2.5f, -3.0f};

static int setup(void)
{
    static const int64_t s23[2] = {2, 3};
    static const int64_t s32[2] = {3, 2};
    const double x64[6] = {0, 0, 0, 0, 0, 0};
    const int64_t k = 3;
    unsigned char w[TOY_WEIGHTS_BYTES + 4];
    char err[512];
    int ok = 1;
    toy_weights(w);
    w[TOY_WEIGHTS_BYTES] = 0;
    ok &= kiln_npy_write(sp("x.npy"), KILN_FLOAT32, 2, s23, x_values, err, sizeof(err)) == KILN_NPY_OK;
    ok &= kiln_npy_write(sp("k.npy"), KILN_INT64, 0, NULL, &k, err, sizeof(err)) == KILN_NPY_OK;
    ok &= kiln_npy_write(sp("x_shape.npy"), KILN_FLOAT32, 2, s32, x_values, err, sizeof(err)) == KILN_NPY_OK;
    ok &= kiln_npy_write(sp("x_dtype.npy"), KILN_FLOAT64, 2, s23, x64, err, sizeof(err)) == KILN_NPY_OK;
    ok &= write_bytes(sp("w.bin"), w, TOY_WEIGHTS_BYTES);
    ok &= write_bytes(sp("w_short.bin"), w, TOY_WEIGHTS_BYTES - 4);
    ok &= write_bytes(sp("w_long.bin"), w, TOY_WEIGHTS_BYTES + 4);
    /* default lookup: next to the executable, and in its parent directory */
    ok &= write_bytes(path_in(exe_dir, "toy_weights.bin"), w, TOY_WEIGHTS_BYTES);
    ok &= write_bytes(path_in(exe_dir, "../toy_weights_parent.bin"), w, TOY_WEIGHTS_BYTES);
    w[5] ^= 0x40u;
    ok &= write_bytes(sp("w_bad_hash.bin"), w, TOY_WEIGHTS_BYTES);
    return ok;
}

/* Checks DIR/output_0.npy and DIR/output_1.npy against the toy model's math. */
static void check_outputs(const char *dir, int64_t expect_threads)
{
    kiln_npy_array y, t;
    char err[512];
    KT_CHECK_INT(kiln_npy_read(path_in(dir, "output_0.npy"), &y, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(y.dtype, KILN_FLOAT32);
    KT_CHECK_INT(y.rank, 2);
    KT_CHECK_INT(y.shape[0], 2);
    KT_CHECK_INT(y.shape[1], 3);
    if (y.data != NULL && y.numel == 6) {
        const float *v = (const float *)y.data;
        int i;
        for (i = 0; i < 6; ++i) {
            KT_CHECK(v[i] == 2.0f * x_values[i] + 0.5f + 3.0f);
        }
    }
    kiln_npy_free(&y);
    KT_CHECK_INT(kiln_npy_read(path_in(dir, "output_1.npy"), &t, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(t.dtype, KILN_INT64);
    KT_CHECK_INT(t.rank, 1);
    if (t.data != NULL && t.numel == 1) {
        KT_CHECK_INT(((const int64_t *)t.data)[0], expect_threads);
    }
    kiln_npy_free(&t);
}

/* argv[0] handed to the driver: on Linux a bogus one proves /proc/self/exe is used. */
static const char *prog(void)
{
#if defined(__linux__)
    return "no/such/dir/demo";
#else
    return path_in(exe_dir, "test_demo");
#endif
}

static void test_run_with_weights_flag(void)
{
    const char *args[] = {prog(), "--weights", sp("w.bin"), "--output-dir", sp("out_flag"), sp("x.npy"),
                          sp("k.npy"), NULL};
    demo_result r;
    long before = toy_run_count;
    r = run_demo(&toy_model, args);
    CHECK_RC(r, 0);
    KT_CHECK_STR(r.out, "");
    KT_CHECK_STR(r.err, "");
    KT_CHECK_INT(toy_run_count - before, 1);
    check_outputs(sp("out_flag"), 1);
    free_result(&r);
}

static void test_default_weights_next_to_executable(void)
{
    const char *args[] = {prog(), "--output-dir", sp("out_default"), sp("x.npy"), sp("k.npy"), NULL};
    demo_result r = run_demo(&toy_model, args);
    CHECK_RC(r, 0);
    check_outputs(sp("out_default"), 1);
    free_result(&r);
}

static void test_default_weights_in_parent_directory(void)
{
    kiln_model m = toy_model;
    const char *args[] = {prog(), "--output-dir", sp("out_parent"), sp("x.npy"), sp("k.npy"), NULL};
    demo_result r;
    m.weights_file = "toy_weights_parent.bin";
    r = run_demo(&m, args);
    CHECK_RC(r, 0);
    check_outputs(sp("out_parent"), 1);
    free_result(&r);
}

static void test_compiled_in_weights(void)
{
    const char *args[] = {prog(), "--output-dir", sp("out_compiled"), sp("x.npy"), sp("k.npy"), NULL};
    demo_result r = run_demo(&toy_model_compiled, args);
    CHECK_RC(r, 0);
    check_outputs(sp("out_compiled"), 1);
    free_result(&r);
}

static void test_repeat_prints_median(void)
{
    const char *args[] = {prog(), "--repeat", "5", "--threads", "3", "--weights", sp("w.bin"), "--output-dir",
                          sp("out_repeat"), sp("x.npy"), sp("k.npy"), NULL};
    demo_result r;
    long before = toy_run_count;
    r = run_demo(&toy_model, args);
    CHECK_RC(r, 0);
    KT_CHECK_INT(toy_run_count - before, 1 + 1 + 5); /* first run, warm-up, 5 timed */
    KT_CHECK(r.out != NULL && strncmp(r.out, "median_ms: ", 11) == 0);
    if (r.out != NULL && strncmp(r.out, "median_ms: ", 11) == 0) {
        char *end = NULL;
        double v = strtod(r.out + 11, &end);
        KT_CHECK(end != r.out + 11 && v >= 0.0);
        KT_CHECK(end != NULL && strcmp(end, "\n") == 0); /* exactly one line */
        KT_CHECK(strchr(r.out + 11, '.') != NULL);
    }
    check_outputs(sp("out_repeat"), 3);
    free_result(&r);
}

static void test_equals_form_and_nested_output_dir(void)
{
    const char *args[] = {prog(), "--threads=2", "--weights=w_unused_name_is_overridden_below",
                          "--output-dir=placeholder", NULL, NULL, NULL};
    char wopt[1300], dopt[1300];
    demo_result r;
    snprintf(wopt, sizeof(wopt), "--weights=%s", sp("w.bin"));
    snprintf(dopt, sizeof(dopt), "--output-dir=%s", sp("nested/a/b"));
    args[2] = wopt;
    args[3] = dopt;
    args[4] = sp("x.npy");
    args[5] = sp("k.npy");
    r = run_demo(&toy_model, args);
    CHECK_RC(r, 0);
    KT_CHECK(file_exists(sp("nested/a/b/output_0.npy")));
    check_outputs(sp("nested/a/b"), 2);
    free_result(&r);
}

static void test_help(void)
{
    const char *args[] = {prog(), "--help", NULL};
    demo_result r = run_demo(&toy_model, args);
    CHECK_RC(r, 0);
    KT_CHECK_CONTAINS(r.out, "usage: ");
    KT_CHECK_CONTAINS(r.out, " [--repeat N] [--threads N] [--weights FILE] --output-dir DIR IN_0.npy IN_1.npy\n");
    KT_CHECK_CONTAINS(r.out, "0: x float32 (2, 3)");
    KT_CHECK_CONTAINS(r.out, "1: k int64 ()");
    KT_CHECK_CONTAINS(r.out, "toy_weights.bin");
    free_result(&r);
}

static void test_wrong_input_count(void)
{
    const char *one[] = {prog(), "--output-dir", sp("out_bad"), sp("x.npy"), NULL};
    const char *three[] = {prog(), "--output-dir", sp("out_bad"), sp("x.npy"), sp("k.npy"), sp("k.npy"), NULL};
    demo_result r = run_demo(&toy_model, one);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "error: toy: expected 2 input files (x, k), got 1");
    free_result(&r);
    r = run_demo(&toy_model, three);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "got 3");
    free_result(&r);
}

static void test_wrong_shape_dtype_and_missing_input(void)
{
    const char *shape[] = {prog(), "--output-dir", sp("out_bad"), sp("x_shape.npy"), sp("k.npy"), NULL};
    const char *dtype[] = {prog(), "--output-dir", sp("out_bad"), sp("x_dtype.npy"), sp("k.npy"), NULL};
    const char *swapped[] = {prog(), "--output-dir", sp("out_bad"), sp("k.npy"), sp("x.npy"), NULL};
    const char *missing[] = {prog(), "--output-dir", sp("out_bad"), sp("x.npy"), sp("nope.npy"), NULL};
    long before = toy_run_count;
    demo_result r = run_demo(&toy_model, shape);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "error: toy: input 0 'x'");
    KT_CHECK_CONTAINS(r.err, "shape mismatch: file has (3, 2), expected (2, 3)");
    free_result(&r);
    r = run_demo(&toy_model, dtype);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "dtype mismatch: file has float64, expected float32");
    free_result(&r);
    r = run_demo(&toy_model, swapped);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "dtype mismatch: file has int64, expected float32");
    free_result(&r);
    r = run_demo(&toy_model, missing);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "input 1 'k'");
    KT_CHECK_CONTAINS(r.err, "not found");
    free_result(&r);
    KT_CHECK_INT(toy_run_count - before, 0); /* never ran */
}

static void test_missing_weights(void)
{
    kiln_model m = toy_model;
    const char *dflt[] = {prog(), "--output-dir", sp("out_bad"), sp("x.npy"), sp("k.npy"), NULL};
    const char *flag[] = {prog(), "--weights", sp("absent.bin"), "--output-dir", sp("out_bad"), sp("x.npy"),
                          sp("k.npy"), NULL};
    demo_result r;
    m.weights_file = "toy_weights_missing.bin";
    r = run_demo(&m, dflt);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "error: toy: weights file toy_weights_missing.bin not found; looked in:");
    KT_CHECK_CONTAINS(r.err, "--weights FILE");
    free_result(&r);
    r = run_demo(&toy_model, flag);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "absent.bin: file not found");
    free_result(&r);
    m.weights_file = NULL;
    r = run_demo(&m, dflt);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "names no weights file");
    free_result(&r);
}

static void test_bad_weights(void)
{
    const char *hash[] = {prog(), "--weights", sp("w_bad_hash.bin"), "--output-dir", sp("out_bad"), sp("x.npy"),
                          sp("k.npy"), NULL};
    const char *shrt[] = {prog(), "--weights", sp("w_short.bin"), "--output-dir", sp("out_bad"), sp("x.npy"),
                          sp("k.npy"), NULL};
    const char *lng[] = {prog(), "--weights", sp("w_long.bin"), "--output-dir", sp("out_bad"), sp("x.npy"),
                         sp("k.npy"), NULL};
    demo_result r = run_demo(&toy_model, hash);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "hash mismatch");
    KT_CHECK_CONTAINS(r.err, "model expects 0xe3347a4d222502d5");
    free_result(&r);
    r = run_demo(&toy_model, shrt);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "size mismatch: file has 60 bytes, model expects 64");
    free_result(&r);
    r = run_demo(&toy_model, lng);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "size mismatch: file has 68 bytes, model expects 64");
    free_result(&r);
}

static void test_run_failure_status(void)
{
    const char *args[] = {prog(), "--threads", "8", "--weights", sp("w.bin"), "--output-dir", sp("out_fail"),
                          sp("x.npy"), sp("k.npy"), NULL};
    demo_result r = run_demo(&toy_model, args);
    CHECK_RC(r, 1);
    KT_CHECK_STR(r.err, "error: toy: threading error\n");
    KT_CHECK(!file_exists(sp("out_fail/output_0.npy")));
    free_result(&r);
}

static void test_usage_errors(void)
{
    const char *no_dir[] = {prog(), sp("x.npy"), sp("k.npy"), NULL};
    const char *rep0[] = {prog(), "--repeat", "0", "--output-dir", sp("o"), sp("x.npy"), sp("k.npy"), NULL};
    const char *repx[] = {prog(), "--repeat", "3x", "--output-dir", sp("o"), sp("x.npy"), sp("k.npy"), NULL};
    const char *thr[] = {prog(), "--threads", "-1", "--output-dir", sp("o"), sp("x.npy"), sp("k.npy"), NULL};
    const char *unk[] = {prog(), "--fast", "--output-dir", sp("o"), sp("x.npy"), sp("k.npy"), NULL};
    const char *noval[] = {prog(), sp("x.npy"), sp("k.npy"), "--output-dir", NULL};
    demo_result r = run_demo(&toy_model, no_dir);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "--output-dir DIR is required");
    free_result(&r);
    r = run_demo(&toy_model, rep0);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "--repeat needs an integer >= 1, got '0'");
    free_result(&r);
    r = run_demo(&toy_model, repx);
    CHECK_RC(r, 2);
    free_result(&r);
    r = run_demo(&toy_model, thr);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "--threads needs an integer >= 1");
    free_result(&r);
    r = run_demo(&toy_model, unk);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "unknown option '--fast'");
    free_result(&r);
    r = run_demo(&toy_model, noval);
    CHECK_RC(r, 2);
    KT_CHECK_CONTAINS(r.err, "needs a value");
    free_result(&r);
}

static void test_invalid_model(void)
{
    kiln_model m = toy_model;
    const char *args[] = {prog(), "--output-dir", sp("o"), sp("x.npy"), sp("k.npy"), NULL};
    demo_result r;
    m.run = NULL;
    r = run_demo(&m, args);
    CHECK_RC(r, 1);
    KT_CHECK_CONTAINS(r.err, "invalid model description");
    free_result(&r);
    r = run_demo(NULL, args);
    CHECK_RC(r, 1);
    free_result(&r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_demo SCRATCH_DIR\n");
        return 2;
    }
    scratch = argv[1];
    {
        /* directory of this executable, taken from argv[0] (the Makefile runs it by path) */
        const char *a0 = argv[0];
        const char *slash = strrchr(a0, '/');
        const char *bslash = strrchr(a0, '\\');
        if (bslash != NULL && (slash == NULL || bslash > slash)) {
            slash = bslash;
        }
        if (slash != NULL && (size_t)(slash - a0) < sizeof(exe_dir)) {
            memcpy(exe_dir, a0, (size_t)(slash - a0));
            exe_dir[slash - a0] = '\0';
        }
    }
    if (!setup()) {
        fprintf(stderr, "test_demo: setup failed (scratch dir %s, executable dir %s)\n", scratch, exe_dir);
        return 1;
    }
    KT_RUN(test_run_with_weights_flag);
    KT_RUN(test_default_weights_next_to_executable);
    KT_RUN(test_default_weights_in_parent_directory);
    KT_RUN(test_compiled_in_weights);
    KT_RUN(test_repeat_prints_median);
    KT_RUN(test_equals_form_and_nested_output_dir);
    KT_RUN(test_help);
    KT_RUN(test_wrong_input_count);
    KT_RUN(test_wrong_shape_dtype_and_missing_input);
    KT_RUN(test_missing_weights);
    KT_RUN(test_bad_weights);
    KT_RUN(test_run_failure_status);
    KT_RUN(test_usage_errors);
    KT_RUN(test_invalid_model);
    return kt_finish("test_demo");
}
