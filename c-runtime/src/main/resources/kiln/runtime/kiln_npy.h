/*
 * kiln_npy.h - minimal NumPy .npy reader/writer for the Kiln demo driver.
 * Uses stdio and malloc: not part of the firmware library.
 *
 * Reading accepts format versions 1.0, 2.0 and 3.0, little-endian (or
 * single-byte) element types, C or Fortran order (Fortran data is
 * reordered to C order on load). Writing produces version 1.0 files laid
 * out exactly like numpy.save.
 *
 * dtype mapping: f2 f4 f8 -> float16/32/64, i1 i2 i4 i8, u1 u2 u4 u8, b1 -> bool.
 * numpy has no bfloat16: it is stored as raw two-byte values, descr '|V2'
 * (e.g. what an ml_dtypes bfloat16 array saves as), and '|V2' reads back as
 * KILN_BFLOAT16.
 */
#ifndef KILN_NPY_H
#define KILN_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest rank accepted when reading (numpy itself allows at most 64). */
#define KILN_NPY_MAX_RANK 64

typedef enum {
    KILN_NPY_OK = 0,
    KILN_NPY_ERR_ARGUMENT = 1,       /* NULL or invalid argument */
    KILN_NPY_ERR_OPEN = 2,           /* file missing or cannot be opened */
    KILN_NPY_ERR_TRUNCATED = 3,      /* file ends early */
    KILN_NPY_ERR_BAD_MAGIC = 4,      /* not a .npy file */
    KILN_NPY_ERR_BAD_HEADER = 5,     /* header dictionary cannot be parsed */
    KILN_NPY_ERR_UNSUPPORTED = 6,    /* version, byte order or dtype not supported */
    KILN_NPY_ERR_DTYPE_MISMATCH = 7, /* dtype differs from the expected tensor */
    KILN_NPY_ERR_SHAPE_MISMATCH = 8, /* shape differs from the expected tensor */
    KILN_NPY_ERR_NO_MEMORY = 9,
    KILN_NPY_ERR_WRITE = 10          /* cannot create or write the output file */
} kiln_npy_status;

/* An array loaded from a .npy file. data is KILN_ALIGNMENT-aligned. */
typedef struct {
    kiln_dtype dtype;
    int32_t rank;
    int64_t shape[KILN_NPY_MAX_RANK];
    int64_t numel;
    size_t nbytes;
    void *data; /* owned; release with kiln_npy_free */
} kiln_npy_array;

/*
 * Reads path into *out. On failure *out is left empty (data == NULL) and a
 * one-line message naming the file is written to err (err may be NULL).
 */
kiln_npy_status kiln_npy_read(const char *path, kiln_npy_array *out, char *err, size_t err_size);

/*
 * Checks a loaded array against the expected dtype and shape. On mismatch
 * the message shows both dtypes or both shapes, e.g.
 * "shape mismatch: file has (2, 3), expected (3, 2)".
 */
kiln_npy_status kiln_npy_check(const kiln_npy_array *a, const kiln_tensor_info *expect, char *err,
                               size_t err_size);

/* kiln_npy_read followed by kiln_npy_check; the array is freed on mismatch. */
kiln_npy_status kiln_npy_read_expect(const char *path, const kiln_tensor_info *expect,
                                     kiln_npy_array *out, char *err, size_t err_size);

/* Releases the data of an array (safe on an empty or already freed array). */
void kiln_npy_free(kiln_npy_array *a);

/* Writes a C-order little-endian .npy v1.0 file. data may be NULL when the array is empty. */
kiln_npy_status kiln_npy_write(const char *path, kiln_dtype dtype, int32_t rank, const int64_t *shape,
                               const void *data, char *err, size_t err_size);

/* Writes the described tensor (dtype and shape from info). */
kiln_npy_status kiln_npy_write_tensor(const char *path, const kiln_tensor_info *info, const void *data,
                                      char *err, size_t err_size);

/* Formats a shape the way Python prints a tuple: "()", "(5,)", "(2, 3)". Returns buf. */
char *kiln_npy_format_shape(char *buf, size_t buf_size, int32_t rank, const int64_t *shape);

/* Maps a numpy descr such as "<f4" or "|b1" to a dtype. Returns 1 on success, 0 otherwise. */
int kiln_npy_parse_descr(const char *descr, kiln_dtype *out);

/* The descr written for a dtype ("<f4", "|u1", "|V2" for bfloat16, ...); NULL if unknown. */
const char *kiln_npy_descr(kiln_dtype dtype);

#ifdef __cplusplus
}
#endif

#endif /* KILN_NPY_H */
