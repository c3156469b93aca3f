/*
 * kiln_runtime.h - core runtime of a Kiln generated model bundle.
 *
 * This is the firmware-safe part of the runtime: it needs only <stddef.h>
 * and <stdint.h>, never allocates, performs no I/O and uses no threads.
 * It builds as C99 (and C++) on hosted and freestanding toolchains.
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_RUNTIME_VERSION_MAJOR 1
#define KILN_RUNTIME_VERSION_MINOR 0

/*
 * Alignment in bytes of the workspace arena and of the weights blob.
 * Must be a power of two. Can be overridden with -DKILN_ALIGNMENT=N, but the
 * value must then be the same for every translation unit of the bundle.
 */
#ifndef KILN_ALIGNMENT
#define KILN_ALIGNMENT 64
#endif

#if (KILN_ALIGNMENT) <= 0 || ((KILN_ALIGNMENT) & ((KILN_ALIGNMENT) - 1)) != 0
#error "KILN_ALIGNMENT must be a positive power of two"
#endif

/*
 * KILN_ALIGNED: put in front of a static array definition to give it
 * KILN_ALIGNMENT alignment, e.g.
 *     KILN_ALIGNED static const float w0[4] = { ... };
 * Expands to nothing on compilers it does not know.
 */
#ifndef KILN_ALIGNED
#if defined(__GNUC__) || defined(__clang__)
#define KILN_ALIGNED __attribute__((aligned(KILN_ALIGNMENT)))
#elif defined(_MSC_VER)
#define KILN_ALIGNED __declspec(align(KILN_ALIGNMENT))
#else
#define KILN_ALIGNED
#endif
#endif

/* Status codes returned by generated run functions and by runtime helpers. */
typedef enum {
    KILN_OK = 0,
    KILN_ERR_NULL_ARGUMENT = 1,
    KILN_ERR_WORKSPACE_TOO_SMALL = 2,
    KILN_ERR_MISALIGNED = 3,
    KILN_ERR_BAD_WEIGHTS = 4,
    KILN_ERR_THREADS = 5,
    KILN_ERR_INTERNAL = 6
} kiln_status;

/* Human readable, static string for a status; "unknown status" otherwise. */
const char *kiln_status_string(kiln_status s);

/* Element types. The numeric values are part of the bundle ABI. */
typedef enum {
    KILN_FLOAT32 = 0,
    KILN_FLOAT64 = 1,
    KILN_FLOAT16 = 2,
    KILN_BFLOAT16 = 3,
    KILN_INT8 = 4,
    KILN_INT16 = 5,
    KILN_INT32 = 6,
    KILN_INT64 = 7,
    KILN_UINT8 = 8,
    KILN_UINT16 = 9,
    KILN_UINT32 = 10,
    KILN_UINT64 = 11,
    KILN_BOOL = 12
} kiln_dtype;

/* Size in bytes of one element (KILN_BOOL is one byte); 0 for an unknown value. */
size_t kiln_dtype_size(kiln_dtype t);

/* Lower-case name ("float32", "bfloat16", "bool", ...); "unknown" otherwise. */
const char *kiln_dtype_name(kiln_dtype t);

/* Static description of one model input or output (row-major, dense). */
typedef struct {
    const char *name;
    kiln_dtype dtype;
    int32_t rank;
    const int64_t *shape; /* rank entries; may be NULL when rank == 0 */
} kiln_tensor_info;

/*
 * Number of elements: the product of the shape (1 for rank 0).
 * Returns -1 for a NULL pointer, a negative rank, a NULL shape with a
 * positive rank, a negative dimension or an int64 overflow.
 */
int64_t kiln_tensor_numel(const kiln_tensor_info *t);

/* numel * element size; 0 when numel is invalid, the dtype is unknown or size_t overflows. */
size_t kiln_tensor_bytes(const kiln_tensor_info *t);

/*
 * Signature of a generated model entry point.
 *   inputs      one pointer per input, in model order
 *   outputs     one pointer per output, in model order
 *   workspace   scratch arena of kiln_model.workspace_bytes, KILN_ALIGNMENT-aligned
 *   weights     weights blob of kiln_model.weights_bytes (KILN_ALIGNMENT-aligned),
 *               or NULL when the weights are compiled in
 *   num_threads requested worker count (1 = single threaded)
 */
typedef kiln_status (*kiln_run_fn)(const void *const *inputs, void *const *outputs,
                                   void *workspace, const void *weights, int32_t num_threads);

/* Static description of a compiled model, emitted into the generated sources. */
typedef struct {
    const char *name;
    int32_t num_inputs;
    int32_t num_outputs;
    const kiln_tensor_info *inputs;
    const kiln_tensor_info *outputs;
    size_t workspace_bytes;
    size_t weights_bytes;      /* 0 when weights are compiled in */
    const char *weights_file;  /* e.g. "weights.bin", or NULL */
    uint64_t weights_hash;     /* FNV-1a 64 of the weights file, 0 when compiled in */
    kiln_run_fn run;
} kiln_model;

/* 1 when p is a multiple of KILN_ALIGNMENT (NULL counts as aligned), else 0. */
int kiln_is_aligned(const void *p);

/*
 * Validates a workspace pointer:
 * NULL -> KILN_ERR_NULL_ARGUMENT, not KILN_ALIGNMENT-aligned -> KILN_ERR_MISALIGNED.
 */
kiln_status kiln_check_workspace(const void *workspace);

/*
 * Validates an external weights pointer for a blob of weights_bytes bytes:
 * weights_bytes == 0 -> KILN_OK (compiled-in weights, pointer ignored);
 * NULL -> KILN_ERR_NULL_ARGUMENT; misaligned -> KILN_ERR_MISALIGNED.
 */
kiln_status kiln_check_weights(const void *weights, size_t weights_bytes);

/* FNV-1a 64-bit hash. The offset basis is KILN_FNV1A64_INIT. */
#define KILN_FNV1A64_INIT UINT64_C(0xcbf29ce484222325)
#define KILN_FNV1A64_PRIME UINT64_C(0x00000100000001b3)

/* Hash of n bytes at data (data may be NULL when n == 0). */
uint64_t kiln_fnv1a64(const void *data, size_t n);

/* Incremental form: h = KILN_FNV1A64_INIT, then feed chunks in order. */
uint64_t kiln_fnv1a64_update(uint64_t h, const void *data, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
