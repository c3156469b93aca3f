/*
 * kiln_runtime.c - core runtime of a Kiln generated model bundle.
 * Firmware-safe: no allocation, no I/O, no threads, no libc calls.
 */
#include "kiln_runtime.h"

const char *kiln_status_string(kiln_status s)
{
    switch (s) {
    case KILN_OK:
        return "ok";
    case KILN_ERR_NULL_ARGUMENT:
        return "null argument";
    case KILN_ERR_WORKSPACE_TOO_SMALL:
        return "workspace too small";
    case KILN_ERR_MISALIGNED:
        return "misaligned buffer";
    case KILN_ERR_BAD_WEIGHTS:
        return "bad weights";
    case KILN_ERR_THREADS:
        return "threading error";
    case KILN_ERR_INTERNAL:
        return "internal error";
    default:
        return "unknown status";
    }
}

size_t kiln_dtype_size(kiln_dtype t)
{
    switch (t) {
    case KILN_INT8:
    case KILN_UINT8:
    case KILN_BOOL:
        return 1u;
    case KILN_FLOAT16:
    case KILN_BFLOAT16:
    case KILN_INT16:
    case KILN_UINT16:
        return 2u;
    case KILN_FLOAT32:
    case KILN_INT32:
    case KILN_UINT32:
        return 4u;
    case KILN_FLOAT64:
    case KILN_INT64:
    case KILN_UINT64:
        return 8u;
    default:
        return 0u;
    }
}

const char *kiln_dtype_name(kiln_dtype t)
{
    switch (t) {
    case KILN_FLOAT32:
        return "float32";
    case KILN_FLOAT64:
        return "float64";
    case KILN_FLOAT16:
        return "float16";
    case KILN_BFLOAT16:
        return "bfloat16";
    case KILN_INT8:
        return "int8";
    case KILN_INT16:
        return "int16";
    case KILN_INT32:
        return "int32";
    case KILN_INT64:
        return "int64";
    case KILN_UINT8:
        return "uint8";
    case KILN_UINT16:
        return "uint16";
    case KILN_UINT32:
        return "uint32";
    case KILN_UINT64:
        return "uint64";
    case KILN_BOOL:
        return "bool";
    default:
        return "unknown";
    }
}

int64_t kiln_tensor_numel(const kiln_tensor_info *t)
{
    int64_t n = 1;
    int32_t i;
    if (t == NULL || t->rank < 0) {
        return -1;
    }
    if (t->rank > 0 && t->shape == NULL) {
        return -1;
    }
    for (i = 0; i < t->rank; ++i) {
        int64_t d = t->shape[i];
        if (d < 0) {
            return -1;
        }
        if (d != 0 && n > INT64_MAX / d) {
            return -1;
        }
        n *= d;
    }
    return n;
}

size_t kiln_tensor_bytes(const kiln_tensor_info *t)
{
    int64_t n = kiln_tensor_numel(t);
    size_t elem;
    if (n < 0) {
        return 0u;
    }
    elem = kiln_dtype_size(t->dtype);
    if (elem == 0u) {
        return 0u;
    }
    if ((uint64_t)n > (uint64_t)(SIZE_MAX / elem)) {
        return 0u;
    }
    return (size_t)n * elem;
}

int kiln_is_aligned(const void *p)
{
    return (((uintptr_t)p) & (uintptr_t)(KILN_ALIGNMENT - 1)) == 0u ? 1 : 0;
}

kiln_status kiln_check_workspace(const void *workspace)
{
    if (workspace == NULL) {
        return KILN_ERR_NULL_ARGUMENT;
    }
    if (!kiln_is_aligned(workspace)) {
        return KILN_ERR_MISALIGNED;
    }
    return KILN_OK;
}

kiln_status kiln_check_weights(const void *weights, size_t weights_bytes)
{
    if (weights_bytes == 0u) {
        return KILN_OK;
    }
    if (weights == NULL) {
        return KILN_ERR_NULL_ARGUMENT;
    }
    if (!kiln_is_aligned(weights)) {
        return KILN_ERR_MISALIGNED;
    }
    return KILN_OK;
}

uint64_t kiln_fnv1a64_update(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    if (p == NULL) {
        return h;
    }
    for (i = 0; i < n; ++i) {
        h ^= (uint64_t)p[i];
        h *= KILN_FNV1A64_PRIME;
    }
    return h;
}

uint64_t kiln_fnv1a64(const void *data, size_t n)
{
    return kiln_fnv1a64_update(KILN_FNV1A64_INIT, data, n);
}
