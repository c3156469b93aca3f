/* Tests of the firmware-safe runtime: kiln_runtime.h / kiln_runtime.c. */
#include "kiln_runtime.h"
#include "kiln_test.h"

#include <stdint.h>
#include <string.h>

KILN_ALIGNED static unsigned char aligned_block[3 * KILN_ALIGNMENT];

static void test_status_strings(void)
{
    const char *s[7];
    int i, j;
    KT_CHECK_STR(kiln_status_string(KILN_OK), "ok");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_NULL_ARGUMENT), "null argument");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_WORKSPACE_TOO_SMALL), "workspace too small");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_MISALIGNED), "misaligned buffer");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_BAD_WEIGHTS), "bad weights");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_THREADS), "threading error");
    KT_CHECK_STR(kiln_status_string(KILN_ERR_INTERNAL), "internal error");
    KT_CHECK_STR(kiln_status_string((kiln_status)7), "unknown status");
    KT_CHECK_STR(kiln_status_string((kiln_status)-1), "unknown status");
    for (i = 0; i < 7; ++i) {
        s[i] = kiln_status_string((kiln_status)i);
    }
    for (i = 0; i < 7; ++i) {
        for (j = i + 1; j < 7; ++j) {
            KT_CHECK(strcmp(s[i], s[j]) != 0);
        }
    }
}

static void test_status_values(void)
{
    KT_CHECK_INT(KILN_OK, 0);
    KT_CHECK_INT(KILN_ERR_NULL_ARGUMENT, 1);
    KT_CHECK_INT(KILN_ERR_WORKSPACE_TOO_SMALL, 2);
    KT_CHECK_INT(KILN_ERR_MISALIGNED, 3);
    KT_CHECK_INT(KILN_ERR_BAD_WEIGHTS, 4);
    KT_CHECK_INT(KILN_ERR_THREADS, 5);
    KT_CHECK_INT(KILN_ERR_INTERNAL, 6);
}

static void test_dtype_order_sizes_names(void)
{
    static const struct {
        kiln_dtype t;
        int value;
        size_t size;
        const char *name;
    } table[] = {
        {KILN_FLOAT32, 0, 4, "float32"}, {KILN_FLOAT64, 1, 8, "float64"}, {KILN_FLOAT16, 2, 2, "float16"},
        {KILN_BFLOAT16, 3, 2, "bfloat16"}, {KILN_INT8, 4, 1, "int8"},     {KILN_INT16, 5, 2, "int16"},
        {KILN_INT32, 6, 4, "int32"},     {KILN_INT64, 7, 8, "int64"},     {KILN_UINT8, 8, 1, "uint8"},
        {KILN_UINT16, 9, 2, "uint16"},   {KILN_UINT32, 10, 4, "uint32"},  {KILN_UINT64, 11, 8, "uint64"},
        {KILN_BOOL, 12, 1, "bool"},
    };
    size_t i;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); ++i) {
        KT_CHECK_INT((int)table[i].t, table[i].value);
        KT_CHECK_INT(kiln_dtype_size(table[i].t), table[i].size);
        KT_CHECK_STR(kiln_dtype_name(table[i].t), table[i].name);
    }
    KT_CHECK_INT(kiln_dtype_size((kiln_dtype)13), 0);
    KT_CHECK_INT(kiln_dtype_size((kiln_dtype)-1), 0);
    KT_CHECK_STR(kiln_dtype_name((kiln_dtype)13), "unknown");
}

static void test_numel_and_bytes(void)
{
    static const int64_t s23[] = {2, 3};
    static const int64_t s0[] = {4, 0, 5};
    static const int64_t sneg[] = {2, -1};
    static const int64_t sbig[] = {INT64_C(4294967296), INT64_C(4294967296)};
    static const int64_t sbig2[] = {INT64_C(3037000499), INT64_C(3037000499)};
    kiln_tensor_info t;
    t.name = "t";
    t.dtype = KILN_FLOAT32;
    t.rank = 2;
    t.shape = s23;
    KT_CHECK_INT(kiln_tensor_numel(&t), 6);
    KT_CHECK_INT(kiln_tensor_bytes(&t), 24);
    t.dtype = KILN_INT64;
    KT_CHECK_INT(kiln_tensor_bytes(&t), 48);
    t.dtype = KILN_BOOL;
    KT_CHECK_INT(kiln_tensor_bytes(&t), 6);

    t.rank = 0; /* scalar */
    t.shape = NULL;
    t.dtype = KILN_FLOAT64;
    KT_CHECK_INT(kiln_tensor_numel(&t), 1);
    KT_CHECK_INT(kiln_tensor_bytes(&t), 8);

    t.rank = 3;
    t.shape = s0;
    KT_CHECK_INT(kiln_tensor_numel(&t), 0);
    KT_CHECK_INT(kiln_tensor_bytes(&t), 0);

    t.rank = 2;
    t.shape = sneg;
    KT_CHECK_INT(kiln_tensor_numel(&t), -1);
    KT_CHECK_INT(kiln_tensor_bytes(&t), 0);

    t.shape = sbig; /* 2^64 overflows int64 */
    KT_CHECK_INT(kiln_tensor_numel(&t), -1);
    t.shape = sbig2; /* fits int64, but not as bytes of float64 on any platform */
    KT_CHECK_INT(kiln_tensor_numel(&t), INT64_C(3037000499) * INT64_C(3037000499));
    t.dtype = KILN_FLOAT64;
    KT_CHECK_INT(kiln_tensor_bytes(&t), 0);

    t.rank = 2;
    t.shape = NULL;
    KT_CHECK_INT(kiln_tensor_numel(&t), -1);
    t.rank = -1;
    t.shape = s23;
    KT_CHECK_INT(kiln_tensor_numel(&t), -1);
    KT_CHECK_INT(kiln_tensor_numel(NULL), -1);
    KT_CHECK_INT(kiln_tensor_bytes(NULL), 0);

    t.rank = 2;
    t.dtype = (kiln_dtype)99;
    KT_CHECK_INT(kiln_tensor_bytes(&t), 0);
}

static void test_fnv1a64(void)
{
    const char *foobar = "foobar";
    uint64_t h;
    KT_CHECK(kiln_fnv1a64("", 0) == UINT64_C(0xcbf29ce484222325));
    KT_CHECK(kiln_fnv1a64(NULL, 0) == UINT64_C(0xcbf29ce484222325));
    KT_CHECK(kiln_fnv1a64("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
    KT_CHECK(kiln_fnv1a64(foobar, 6) == UINT64_C(0x85944171f73967e8));
    h = KILN_FNV1A64_INIT;
    h = kiln_fnv1a64_update(h, foobar, 2);
    h = kiln_fnv1a64_update(h, foobar + 2, 0);
    h = kiln_fnv1a64_update(h, foobar + 2, 4);
    KT_CHECK(h == UINT64_C(0x85944171f73967e8));
    {
        /* 16 little-endian float32 values 0.5, 1.5, ... (the toy weights of test_demo). */
        unsigned char w[64];
        int i;
        for (i = 0; i < 16; ++i) {
            float v = 0.5f + (float)i;
            uint32_t bits;
            memcpy(&bits, &v, 4);
            w[4 * i + 0] = (unsigned char)(bits & 0xffu);
            w[4 * i + 1] = (unsigned char)((bits >> 8) & 0xffu);
            w[4 * i + 2] = (unsigned char)((bits >> 16) & 0xffu);
            w[4 * i + 3] = (unsigned char)((bits >> 24) & 0xffu);
        }
        KT_CHECK(kiln_fnv1a64(w, sizeof(w)) == UINT64_C(0xe3347a4d222502d5));
    }
}

static void test_workspace_alignment(void)
{
    unsigned char *base = aligned_block;
    int off;
    KT_CHECK_INT(KILN_ALIGNMENT, 64);
    KT_CHECK(((uintptr_t)base % KILN_ALIGNMENT) == 0u); /* KILN_ALIGNED works */
    KT_CHECK_INT(kiln_check_workspace(NULL), KILN_ERR_NULL_ARGUMENT);
    KT_CHECK_INT(kiln_check_workspace(base), KILN_OK);
    KT_CHECK_INT(kiln_check_workspace(base + KILN_ALIGNMENT), KILN_OK);
    for (off = 1; off < KILN_ALIGNMENT; off += 7) {
        KT_CHECK_INT(kiln_check_workspace(base + off), KILN_ERR_MISALIGNED);
    }
    KT_CHECK_INT(kiln_check_workspace(base + 8), KILN_ERR_MISALIGNED);
    KT_CHECK_INT(kiln_check_workspace(base + 32), KILN_ERR_MISALIGNED);
    KT_CHECK_INT(kiln_is_aligned(base), 1);
    KT_CHECK_INT(kiln_is_aligned(base + 16), 0);
    KT_CHECK_INT(kiln_is_aligned(NULL), 1);
}

static void test_weights_check(void)
{
    unsigned char *base = aligned_block;
    KT_CHECK_INT(kiln_check_weights(NULL, 0), KILN_OK);
    KT_CHECK_INT(kiln_check_weights(base + 3, 0), KILN_OK);
    KT_CHECK_INT(kiln_check_weights(NULL, 16), KILN_ERR_NULL_ARGUMENT);
    KT_CHECK_INT(kiln_check_weights(base + 4, 16), KILN_ERR_MISALIGNED);
    KT_CHECK_INT(kiln_check_weights(base, 16), KILN_OK);
}

static kiln_status copy_model(const void *const *inputs, void *const *outputs, void *workspace,
                              const void *weights, int32_t num_threads)
{
    kiln_status s = kiln_check_workspace(workspace);
    (void)weights;
    if (s != KILN_OK) {
        return s;
    }
    if (num_threads < 1) {
        return KILN_ERR_THREADS;
    }
    memcpy(outputs[0], inputs[0], 4);
    return KILN_OK;
}

static void test_model_descriptor(void)
{
    static const int64_t shape[] = {1};
    static const kiln_tensor_info io[] = {{"x", KILN_FLOAT32, 1, shape}};
    kiln_model m;
    float in = 3.25f, out = 0.0f;
    const void *ins[1];
    void *outs[1];
    m.name = "copy";
    m.num_inputs = 1;
    m.num_outputs = 1;
    m.inputs = io;
    m.outputs = io;
    m.workspace_bytes = 0;
    m.weights_bytes = 0;
    m.weights_file = NULL;
    m.weights_hash = 0;
    m.run = copy_model;
    ins[0] = &in;
    outs[0] = &out;
    KT_CHECK_INT(m.run(ins, outs, aligned_block, NULL, 1), KILN_OK);
    KT_CHECK(out == 3.25f);
    KT_CHECK_INT(m.run(ins, outs, aligned_block + 1, NULL, 1), KILN_ERR_MISALIGNED);
    KT_CHECK_INT(m.run(ins, outs, aligned_block, NULL, 0), KILN_ERR_THREADS);
    KT_CHECK_INT(kiln_tensor_bytes(&m.inputs[0]), 4);
}

int main(void)
{
    KT_RUN(test_status_strings);
    KT_RUN(test_status_values);
    KT_RUN(test_dtype_order_sizes_names);
    KT_RUN(test_numel_and_bytes);
    KT_RUN(test_fnv1a64);
    KT_RUN(test_workspace_alignment);
    KT_RUN(test_weights_check);
    KT_RUN(test_model_descriptor);
    return kt_finish("test_runtime");
}
