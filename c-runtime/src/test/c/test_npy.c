/* Tests of the .npy reader/writer (kiln_npy.h). Usage: test_npy [SCRATCH_DIR] */
#include "kiln_npy.h"
#include "kiln_platform.h"
#include "kiln_test.h"
#include "npy_fixtures.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *scratch = ".";

static const char *tmp_path(const char *name)
{
    static char buf[4][1024];
    static int slot = 0;
    char *p = buf[slot];
    slot = (slot + 1) % 4;
    snprintf(p, sizeof(buf[0]), "%s/%s", scratch, name);
    return p;
}

static int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL) {
        return 0;
    }
    ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Reads a whole file into a malloc'd buffer (NUL-terminated); *len gets the size. */
static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, r;
    if (f == NULL) {
        return NULL;
    }
    do {
        if (n + 4096 + 1 > cap) {
            unsigned char *nb;
            cap = (n + 4096 + 1) * 2;
            nb = (unsigned char *)realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, 4096, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static void test_roundtrip_float32(void)
{
    const int64_t shape[2] = {2, 3};
    const float v[6] = {0.0f, -1.5f, 3.25f, 1e-7f, -1e30f, 42.0f};
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("rt_f32.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_FLOAT32, 2, shape, v, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_FLOAT32);
    KT_CHECK_INT(a.rank, 2);
    KT_CHECK_INT(a.shape[0], 2);
    KT_CHECK_INT(a.shape[1], 3);
    KT_CHECK_INT(a.numel, 6);
    KT_CHECK_INT(a.nbytes, 24);
    KT_CHECK(a.data != NULL && memcmp(a.data, v, sizeof(v)) == 0);
    KT_CHECK(((uintptr_t)a.data % KILN_ALIGNMENT) == 0u);
    kiln_npy_free(&a);
    KT_CHECK(a.data == NULL);
    kiln_npy_free(&a); /* double free is harmless */
}

static void test_roundtrip_int64(void)
{
    const int64_t shape[1] = {4};
    const int64_t v[4] = {INT64_MIN, -1, 0, INT64_MAX};
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("rt_i64.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_INT64, 1, shape, v, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_INT64);
    KT_CHECK_INT(a.rank, 1);
    KT_CHECK_INT(a.shape[0], 4);
    KT_CHECK(a.data != NULL && memcmp(a.data, v, sizeof(v)) == 0);
    kiln_npy_free(&a);
}

static void test_roundtrip_bool(void)
{
    const int64_t shape[3] = {2, 2, 1};
    const unsigned char v[4] = {1, 0, 0, 1};
    kiln_npy_array a;
    char err[512];
    size_t len = 0;
    unsigned char *raw;
    const char *p = tmp_path("rt_bool.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_BOOL, 3, shape, v, err, sizeof(err)), KILN_NPY_OK);
    raw = read_all(p, &len);
    KT_CHECK(raw != NULL && strstr((const char *)raw + 10, "'descr': '|b1'") != NULL);
    KT_CHECK(raw != NULL && strstr((const char *)raw + 10, "'shape': (2, 2, 1)") != NULL);
    free(raw);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_BOOL);
    KT_CHECK_INT(a.rank, 3);
    KT_CHECK_INT(a.nbytes, 4);
    KT_CHECK(a.data != NULL && memcmp(a.data, v, sizeof(v)) == 0);
    kiln_npy_free(&a);
}

static void test_roundtrip_uint8(void)
{
    const int64_t shape[2] = {3, 100};
    unsigned char v[300];
    kiln_npy_array a;
    char err[512];
    int i;
    const char *p = tmp_path("rt_u8.npy");
    for (i = 0; i < 300; ++i) {
        v[i] = (unsigned char)(i * 7);
    }
    KT_CHECK_INT(kiln_npy_write(p, KILN_UINT8, 2, shape, v, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_UINT8);
    KT_CHECK_INT(a.shape[1], 100);
    KT_CHECK(a.data != NULL && memcmp(a.data, v, sizeof(v)) == 0);
    kiln_npy_free(&a);
}

static void test_roundtrip_scalar_empty_bfloat16(void)
{
    const int64_t empty_shape[2] = {0, 3};
    const double d = -2.5;
    const uint16_t bf[2] = {0x3f80u, 0xc000u}; /* 1.0, -2.0 */
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("rt_scalar.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_FLOAT64, 0, NULL, &d, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.rank, 0);
    KT_CHECK_INT(a.numel, 1);
    KT_CHECK(a.data != NULL && memcmp(a.data, &d, 8) == 0);
    kiln_npy_free(&a);

    p = tmp_path("rt_empty.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_INT32, 2, empty_shape, NULL, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.rank, 2);
    KT_CHECK_INT(a.numel, 0);
    KT_CHECK_INT(a.nbytes, 0);
    KT_CHECK(a.data != NULL);
    kiln_npy_free(&a);

    p = tmp_path("rt_bf16.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_BFLOAT16, 1, empty_shape + 1, NULL, err, sizeof(err)),
                 KILN_NPY_ERR_ARGUMENT); /* 3 elements but no data */
    {
        const int64_t two = 2;
        KT_CHECK_INT(kiln_npy_write(p, KILN_BFLOAT16, 1, &two, bf, err, sizeof(err)), KILN_NPY_OK);
    }
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_BFLOAT16);
    KT_CHECK(a.data != NULL && memcmp(a.data, bf, 4) == 0);
    kiln_npy_free(&a);
}

/* The writer produces exactly the bytes numpy.save produces. */
static void test_writer_matches_numpy(void)
{
    const int64_t shape[2] = {2, 3};
    const float v[6] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    const unsigned char u = 200;
    char err[512];
    size_t len = 0;
    unsigned char *raw;
    const char *p = tmp_path("match_f32.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_FLOAT32, 2, shape, v, err, sizeof(err)), KILN_NPY_OK);
    raw = read_all(p, &len);
    KT_CHECK_INT(len, sizeof(fx_f32_2x3));
    KT_CHECK(raw != NULL && len == sizeof(fx_f32_2x3) && memcmp(raw, fx_f32_2x3, len) == 0);
    free(raw);

    p = tmp_path("match_u8.npy");
    KT_CHECK_INT(kiln_npy_write(p, KILN_UINT8, 0, NULL, &u, err, sizeof(err)), KILN_NPY_OK);
    raw = read_all(p, &len);
    KT_CHECK_INT(len, sizeof(fx_u8_scalar));
    KT_CHECK(raw != NULL && len == sizeof(fx_u8_scalar) && memcmp(raw, fx_u8_scalar, len) == 0);
    free(raw);
}

static void test_read_numpy_files(void)
{
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("np_v2.npy");
    KT_CHECK(write_bytes(p, fx_i64_v2, sizeof(fx_i64_v2)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_INT64);
    KT_CHECK_INT(a.rank, 1);
    KT_CHECK_INT(a.shape[0], 3);
    if (a.data != NULL) {
        const int64_t *d = (const int64_t *)a.data;
        KT_CHECK_INT(d[0], 1);
        KT_CHECK_INT(d[1], -2);
        KT_CHECK_INT(d[2], 3);
    }
    kiln_npy_free(&a);

    p = tmp_path("np_v3.npy");
    KT_CHECK(write_bytes(p, fx_bool_v3, sizeof(fx_bool_v3)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_BOOL);
    KT_CHECK_INT(a.rank, 2);
    if (a.data != NULL) {
        const unsigned char *d = (const unsigned char *)a.data;
        KT_CHECK(d[0] == 1 && d[1] == 0 && d[2] == 0 && d[3] == 1);
    }
    kiln_npy_free(&a);

    p = tmp_path("np_fortran.npy");
    KT_CHECK(write_bytes(p, fx_f64_fortran, sizeof(fx_f64_fortran)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_FLOAT64);
    KT_CHECK_INT(a.rank, 2);
    KT_CHECK_INT(a.shape[0], 2);
    KT_CHECK_INT(a.shape[1], 3);
    if (a.data != NULL) {
        const double *d = (const double *)a.data;
        int i;
        for (i = 0; i < 6; ++i) {
            KT_CHECK(d[i] == (double)i); /* reordered to C order */
        }
    }
    kiln_npy_free(&a);

    p = tmp_path("np_big.npy");
    KT_CHECK(write_bytes(p, fx_i32_big, sizeof(fx_i32_big)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_INT32);
    if (a.data != NULL) {
        const int32_t *d = (const int32_t *)a.data;
        KT_CHECK(d[0] == 1 && d[1] == 2 && d[2] == -3);
    }
    kiln_npy_free(&a);

    p = tmp_path("np_scalar.npy");
    KT_CHECK(write_bytes(p, fx_u8_scalar, sizeof(fx_u8_scalar)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK_INT(a.dtype, KILN_UINT8);
    KT_CHECK_INT(a.rank, 0);
    KT_CHECK(a.data != NULL && *(const unsigned char *)a.data == 200);
    kiln_npy_free(&a);
}

static void test_error_missing(void)
{
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("does_not_exist.npy");
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_OPEN);
    KT_CHECK_CONTAINS(err, "does_not_exist.npy");
    KT_CHECK_CONTAINS(err, "not found");
    KT_CHECK(a.data == NULL);
}

static void test_error_truncated(void)
{
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("trunc_data.npy");
    /* data cut short */
    KT_CHECK(write_bytes(p, fx_f32_2x3, sizeof(fx_f32_2x3) - 3));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_TRUNCATED);
    KT_CHECK_CONTAINS(err, "truncated");
    KT_CHECK_CONTAINS(err, "needs 24 data bytes, file has 21");
    KT_CHECK(a.data == NULL);
    /* header cut short */
    p = tmp_path("trunc_header.npy");
    KT_CHECK(write_bytes(p, fx_f32_2x3, 40));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_TRUNCATED);
    KT_CHECK_CONTAINS(err, "truncated");
    /* preamble cut short */
    p = tmp_path("trunc_pre.npy");
    KT_CHECK(write_bytes(p, fx_f32_2x3, 7));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_TRUNCATED);
    /* empty file */
    p = tmp_path("empty.npy");
    KT_CHECK(write_bytes(p, "", 0));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_TRUNCATED);
}

static void test_error_bad_magic_and_header(void)
{
    kiln_npy_array a;
    char err[512];
    unsigned char buf[sizeof(fx_f32_2x3)];
    const char *p = tmp_path("bad_magic.npy");
    {
        static const char zip[] = "PK\003\004 this is a zip file, not npy";
        KT_CHECK(write_bytes(p, zip, sizeof(zip) - 1));
    }
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_BAD_MAGIC);
    KT_CHECK_CONTAINS(err, "bad magic");
    KT_CHECK(a.data == NULL);

    p = tmp_path("bad_magic_short.npy");
    KT_CHECK(write_bytes(p, "\x93NUX", 4));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_BAD_MAGIC);

    memcpy(buf, fx_f32_2x3, sizeof(buf));
    buf[6] = 4; /* unknown major version */
    p = tmp_path("bad_version.npy");
    KT_CHECK(write_bytes(p, buf, sizeof(buf)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_UNSUPPORTED);
    KT_CHECK_CONTAINS(err, "version 4.0");

    memcpy(buf, fx_f32_2x3, sizeof(buf));
    buf[10] = '['; /* dict does not open */
    p = tmp_path("bad_header.npy");
    KT_CHECK(write_bytes(p, buf, sizeof(buf)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_BAD_HEADER);

    memcpy(buf, fx_f32_2x3, sizeof(buf));
    memcpy(buf + 11, "'dexcr'", 7); /* unknown key */
    p = tmp_path("bad_key.npy");
    KT_CHECK(write_bytes(p, buf, sizeof(buf)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_BAD_HEADER);

    p = tmp_path("complex.npy");
    KT_CHECK(write_bytes(p, fx_c64, sizeof(fx_c64)));
    KT_CHECK_INT(kiln_npy_read(p, &a, err, sizeof(err)), KILN_NPY_ERR_UNSUPPORTED);
    KT_CHECK_CONTAINS(err, "unsupported dtype '<c8'");
}

static void test_error_shape_and_dtype_mismatch(void)
{
    static const int64_t s32[2] = {3, 2};
    static const int64_t s6[1] = {6};
    static const int64_t s23[2] = {2, 3};
    kiln_tensor_info t;
    kiln_npy_array a;
    char err[512];
    const char *p = tmp_path("mismatch.npy");
    KT_CHECK(write_bytes(p, fx_f32_2x3, sizeof(fx_f32_2x3)));
    t.name = "x";
    t.dtype = KILN_FLOAT32;
    t.rank = 2;
    t.shape = s32;
    KT_CHECK_INT(kiln_npy_read_expect(p, &t, &a, err, sizeof(err)), KILN_NPY_ERR_SHAPE_MISMATCH);
    KT_CHECK_CONTAINS(err, "shape mismatch");
    KT_CHECK_CONTAINS(err, "file has (2, 3)");
    KT_CHECK_CONTAINS(err, "expected (3, 2)");
    KT_CHECK_CONTAINS(err, "mismatch.npy");
    KT_CHECK(a.data == NULL);

    t.rank = 1;
    t.shape = s6;
    KT_CHECK_INT(kiln_npy_read_expect(p, &t, &a, err, sizeof(err)), KILN_NPY_ERR_SHAPE_MISMATCH);
    KT_CHECK_CONTAINS(err, "expected (6,)");

    t.rank = 0;
    t.shape = NULL;
    KT_CHECK_INT(kiln_npy_read_expect(p, &t, &a, err, sizeof(err)), KILN_NPY_ERR_SHAPE_MISMATCH);
    KT_CHECK_CONTAINS(err, "expected ()");

    t.rank = 2;
    t.shape = s23;
    t.dtype = KILN_INT32;
    KT_CHECK_INT(kiln_npy_read_expect(p, &t, &a, err, sizeof(err)), KILN_NPY_ERR_DTYPE_MISMATCH);
    KT_CHECK_CONTAINS(err, "dtype mismatch: file has float32, expected int32");
    KT_CHECK(a.data == NULL);

    t.dtype = KILN_FLOAT32;
    KT_CHECK_INT(kiln_npy_read_expect(p, &t, &a, err, sizeof(err)), KILN_NPY_OK);
    KT_CHECK(a.data != NULL);
    kiln_npy_free(&a);
}

static void test_write_errors(void)
{
    const int64_t shape[1] = {1};
    const float v = 1.0f;
    char err[512];
    KT_CHECK_INT(kiln_npy_write(tmp_path("no_such_dir/x.npy"), KILN_FLOAT32, 1, shape, &v, err, sizeof(err)),
                 KILN_NPY_ERR_WRITE);
    KT_CHECK_CONTAINS(err, "cannot create");
    KT_CHECK_INT(kiln_npy_write(tmp_path("x.npy"), (kiln_dtype)77, 1, shape, &v, err, sizeof(err)),
                 KILN_NPY_ERR_ARGUMENT);
    KT_CHECK_INT(kiln_npy_write(tmp_path("x.npy"), KILN_FLOAT32, 1, NULL, &v, err, sizeof(err)),
                 KILN_NPY_ERR_ARGUMENT);
    KT_CHECK_INT(kiln_npy_read(NULL, NULL, err, sizeof(err)), KILN_NPY_ERR_ARGUMENT);
}

static void test_descr_and_format_shape(void)
{
    static const int64_t s[3] = {2, 3, INT64_C(40000000000)};
    kiln_dtype t = KILN_FLOAT32;
    char buf[128];
    KT_CHECK_STR(kiln_npy_format_shape(buf, sizeof(buf), 0, NULL), "()");
    KT_CHECK_STR(kiln_npy_format_shape(buf, sizeof(buf), 1, s), "(2,)");
    KT_CHECK_STR(kiln_npy_format_shape(buf, sizeof(buf), 3, s), "(2, 3, 40000000000)");
    KT_CHECK(kiln_npy_parse_descr("<f2", &t) && t == KILN_FLOAT16);
    KT_CHECK(kiln_npy_parse_descr("<f8", &t) && t == KILN_FLOAT64);
    KT_CHECK(kiln_npy_parse_descr("|V2", &t) && t == KILN_BFLOAT16);
    KT_CHECK(kiln_npy_parse_descr("|i1", &t) && t == KILN_INT8);
    KT_CHECK(kiln_npy_parse_descr("<u2", &t) && t == KILN_UINT16);
    KT_CHECK(kiln_npy_parse_descr("<u4", &t) && t == KILN_UINT32);
    KT_CHECK(kiln_npy_parse_descr("<u8", &t) && t == KILN_UINT64);
    KT_CHECK(kiln_npy_parse_descr("<i2", &t) && t == KILN_INT16);
    KT_CHECK(kiln_npy_parse_descr("|b1", &t) && t == KILN_BOOL);
    KT_CHECK(kiln_npy_parse_descr(">f4", &t) && t == KILN_FLOAT32);
    KT_CHECK(!kiln_npy_parse_descr("<c8", &t));
    KT_CHECK(!kiln_npy_parse_descr("|f4", &t));
    KT_CHECK(!kiln_npy_parse_descr("<U3", &t));
    {
        int i;
        for (i = 0; i <= 12; ++i) {
            const char *d = kiln_npy_descr((kiln_dtype)i);
            KT_CHECK(d != NULL && kiln_npy_parse_descr(d, &t) && t == (kiln_dtype)i);
        }
    }
    KT_CHECK(kiln_npy_descr((kiln_dtype)13) == NULL);
}

static void test_int_text_and_aligned_alloc(void)
{
    char b[KILN_INT_TEXT_MAX];
    void *p;
    size_t al;
    KT_CHECK_STR(kiln_i64_text(b, 0), "0");
    KT_CHECK_STR(kiln_i64_text(b, -42), "-42");
    KT_CHECK_STR(kiln_i64_text(b, INT64_MIN), "-9223372036854775808");
    KT_CHECK_STR(kiln_i64_text(b, INT64_MAX), "9223372036854775807");
    KT_CHECK_STR(kiln_u64_text(b, UINT64_MAX), "18446744073709551615");
    KT_CHECK_STR(kiln_u64_hex_text(b, UINT64_C(0xe3347a4d222502d5)), "0xe3347a4d222502d5");
    KT_CHECK_STR(kiln_u64_hex_text(b, 1), "0x0000000000000001");
    for (al = 1; al <= 4096; al *= 2) {
        p = kiln_aligned_malloc(100, al);
        KT_CHECK(p != NULL && ((uintptr_t)p % al) == 0u);
        if (p != NULL) {
            memset(p, 0xab, 100); /* the whole block is usable (ASan checks) */
        }
        kiln_aligned_free(p);
    }
    p = kiln_aligned_malloc(0, 64);
    KT_CHECK(p != NULL);
    kiln_aligned_free(p);
    kiln_aligned_free(NULL);
    KT_CHECK(kiln_aligned_malloc(16, 48) == NULL); /* not a power of two */
    KT_CHECK(kiln_aligned_malloc(SIZE_MAX - 8, 64) == NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        scratch = argv[1];
    }
    KT_RUN(test_roundtrip_float32);
    KT_RUN(test_roundtrip_int64);
    KT_RUN(test_roundtrip_bool);
    KT_RUN(test_roundtrip_uint8);
    KT_RUN(test_roundtrip_scalar_empty_bfloat16);
    KT_RUN(test_writer_matches_numpy);
    KT_RUN(test_read_numpy_files);
    KT_RUN(test_error_missing);
    KT_RUN(test_error_truncated);
    KT_RUN(test_error_bad_magic_and_header);
    KT_RUN(test_error_shape_and_dtype_mismatch);
    KT_RUN(test_write_errors);
    KT_RUN(test_descr_and_format_shape);
    KT_RUN(test_int_text_and_aligned_alloc);
    return kt_finish("test_npy");
}
