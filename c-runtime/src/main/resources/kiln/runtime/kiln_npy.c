/*
 * kiln_npy.c - minimal NumPy .npy reader/writer for the Kiln demo driver.
 * Uses stdio and malloc: not part of the firmware library.
 */
#include "kiln_npy.h"
#include "kiln_platform.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_MAGIC_LEN 6
#define NPY_ARRAY_ALIGN 64
/* numpy leaves room so that the leading axis can grow to this many digits in place. */
#define NPY_GROWTH_AXIS_MAX_DIGITS 21
/* Upper bound for a header we are willing to parse (numpy caps at 10000 by default). */
#define NPY_MAX_HEADER_LEN (1u << 20)

static const unsigned char npy_magic[NPY_MAGIC_LEN] = {0x93u, 'N', 'U', 'M', 'P', 'Y'};

#if defined(__GNUC__) && !defined(_WIN32)
static void set_err(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || err_size == 0u) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

static int host_is_little_endian(void)
{
    const uint16_t probe = 1u;
    unsigned char first;
    memcpy(&first, &probe, 1u);
    return first == 1u;
}

static void swap_elements(unsigned char *p, size_t nbytes, size_t elem)
{
    size_t off;
    if (elem <= 1u) {
        return;
    }
    for (off = 0; off + elem <= nbytes; off += elem) {
        size_t i = 0, j = elem - 1u;
        while (i < j) {
            unsigned char t = p[off + i];
            p[off + i] = p[off + j];
            p[off + j] = t;
            ++i;
            --j;
        }
    }
}

char *kiln_npy_format_shape(char *buf, size_t buf_size, int32_t rank, const int64_t *shape)
{
    size_t used = 0;
    int32_t i;
    int n;
    if (buf == NULL || buf_size == 0u) {
        return buf;
    }
    buf[0] = '\0';
    if (rank < 0 || (rank > 0 && shape == NULL)) {
        (void)snprintf(buf, buf_size, "(?)");
        return buf;
    }
    n = snprintf(buf, buf_size, "(");
    if (n < 0 || (size_t)n >= buf_size) {
        return buf;
    }
    used = (size_t)n;
    for (i = 0; i < rank; ++i) {
        char num[KILN_INT_TEXT_MAX];
        n = snprintf(buf + used, buf_size - used, i == 0 ? "%s" : ", %s", kiln_i64_text(num, shape[i]));
        if (n < 0 || (size_t)n >= buf_size - used) {
            return buf;
        }
        used += (size_t)n;
    }
    (void)snprintf(buf + used, buf_size - used, rank == 1 ? ",)" : ")");
    return buf;
}

const char *kiln_npy_descr(kiln_dtype dtype)
{
    switch (dtype) {
    case KILN_FLOAT32:
        return "<f4";
    case KILN_FLOAT64:
        return "<f8";
    case KILN_FLOAT16:
        return "<f2";
    case KILN_BFLOAT16:
        return "|V2";
    case KILN_INT8:
        return "|i1";
    case KILN_INT16:
        return "<i2";
    case KILN_INT32:
        return "<i4";
    case KILN_INT64:
        return "<i8";
    case KILN_UINT8:
        return "|u1";
    case KILN_UINT16:
        return "<u2";
    case KILN_UINT32:
        return "<u4";
    case KILN_UINT64:
        return "<u8";
    case KILN_BOOL:
        return "|b1";
    default:
        return NULL;
    }
}

/* Splits a descr into byte order ('<', '>', '|') and dtype. Returns 1 on success. */
static int parse_descr_order(const char *descr, kiln_dtype *out, char *order)
{
    static const struct {
        const char *code;
        kiln_dtype dtype;
    } table[] = {
        {"f2", KILN_FLOAT16}, {"f4", KILN_FLOAT32}, {"f8", KILN_FLOAT64}, {"V2", KILN_BFLOAT16},
        {"i1", KILN_INT8},    {"i2", KILN_INT16},   {"i4", KILN_INT32},   {"i8", KILN_INT64},
        {"u1", KILN_UINT8},   {"u2", KILN_UINT16},  {"u4", KILN_UINT32},  {"u8", KILN_UINT64},
        {"b1", KILN_BOOL},    {"?", KILN_BOOL},
    };
    char bo = '=';
    size_t i;
    if (descr == NULL) {
        return 0;
    }
    if (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') {
        bo = descr[0];
        ++descr;
    }
    for (i = 0; i < sizeof(table) / sizeof(table[0]); ++i) {
        if (strcmp(descr, table[i].code) == 0) {
            if (bo == '=') {
                /* numpy always writes an explicit order; '=' is taken as little-endian. */
                bo = '<';
            }
            if (bo == '|' && kiln_dtype_size(table[i].dtype) > 1u) {
                /* '|V2' (raw bytes) is stored in little-endian order by convention. */
                if (table[i].dtype != KILN_BFLOAT16) {
                    return 0;
                }
                bo = '<';
            }
            if (out != NULL) {
                *out = table[i].dtype;
            }
            if (order != NULL) {
                *order = bo;
            }
            return 1;
        }
    }
    return 0;
}

int kiln_npy_parse_descr(const char *descr, kiln_dtype *out)
{
    return parse_descr_order(descr, out, NULL);
}

/* ---- header dictionary parser (the subset of Python literals numpy writes) ---- */

typedef struct {
    const char *p;
    const char *end;
} npy_cursor;

static void skip_ws(npy_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
        ++c->p;
    }
}

static int accept_char(npy_cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        ++c->p;
        return 1;
    }
    return 0;
}

/* Parses a quoted Python string (no escapes needed for numpy headers) into buf. */
static int parse_string(npy_cursor *c, char *buf, size_t buf_size)
{
    char quote;
    size_t n = 0;
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
        return 0;
    }
    quote = *c->p++;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || n + 1u >= buf_size) {
            return 0;
        }
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end) {
        return 0;
    }
    ++c->p;
    buf[n] = '\0';
    return 1;
}

static int parse_word(npy_cursor *c, const char *word)
{
    size_t len = strlen(word);
    skip_ws(c);
    if ((size_t)(c->end - c->p) >= len && memcmp(c->p, word, len) == 0) {
        c->p += len;
        return 1;
    }
    return 0;
}

static int parse_dim(npy_cursor *c, int64_t *out)
{
    int64_t v = 0;
    int digits = 0;
    skip_ws(c);
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        int d = *c->p - '0';
        if (v > (INT64_MAX - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
        ++digits;
        ++c->p;
    }
    if (digits == 0) {
        return 0;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) {
        ++c->p; /* Python 2 long suffix in old files */
    }
    *out = v;
    return 1;
}

static int parse_shape(npy_cursor *c, int32_t *rank, int64_t *shape)
{
    int32_t n = 0;
    if (!accept_char(c, '(')) {
        return 0;
    }
    if (accept_char(c, ')')) {
        *rank = 0;
        return 1;
    }
    for (;;) {
        if (n >= KILN_NPY_MAX_RANK || !parse_dim(c, &shape[n])) {
            return 0;
        }
        ++n;
        if (accept_char(c, ')')) {
            break;
        }
        if (!accept_char(c, ',')) {
            return 0;
        }
        if (accept_char(c, ')')) {
            break;
        }
    }
    *rank = n;
    return 1;
}

/* Parses the header dict. Writes a reason into why on failure. */
static kiln_npy_status parse_header(const char *text, size_t len, char *descr, size_t descr_size,
                                    int *fortran, int32_t *rank, int64_t *shape, const char **why)
{
    npy_cursor c;
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    char key[32];
    c.p = text;
    c.end = text + len;
    if (!accept_char(&c, '{')) {
        *why = "header does not start with '{'";
        return KILN_NPY_ERR_BAD_HEADER;
    }
    for (;;) {
        if (accept_char(&c, '}')) {
            break;
        }
        if (!parse_string(&c, key, sizeof(key)) || !accept_char(&c, ':')) {
            *why = "malformed header dictionary";
            return KILN_NPY_ERR_BAD_HEADER;
        }
        if (strcmp(key, "descr") == 0) {
            skip_ws(&c);
            if (c.p < c.end && *c.p == '[') {
                *why = "structured dtypes are not supported";
                return KILN_NPY_ERR_UNSUPPORTED;
            }
            if (!parse_string(&c, descr, descr_size)) {
                *why = "malformed 'descr' value";
                return KILN_NPY_ERR_BAD_HEADER;
            }
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (parse_word(&c, "True")) {
                *fortran = 1;
            } else if (parse_word(&c, "False")) {
                *fortran = 0;
            } else {
                *why = "malformed 'fortran_order' value";
                return KILN_NPY_ERR_BAD_HEADER;
            }
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (!parse_shape(&c, rank, shape)) {
                *why = "malformed 'shape' value (or rank above KILN_NPY_MAX_RANK)";
                return KILN_NPY_ERR_BAD_HEADER;
            }
            have_shape = 1;
        } else {
            *why = "unexpected key in header dictionary";
            return KILN_NPY_ERR_BAD_HEADER;
        }
        if (accept_char(&c, '}')) {
            break;
        }
        if (!accept_char(&c, ',')) {
            *why = "expected ',' or '}' in header dictionary";
            return KILN_NPY_ERR_BAD_HEADER;
        }
    }
    if (!have_descr || !have_fortran || !have_shape) {
        *why = "header lacks 'descr', 'fortran_order' or 'shape'";
        return KILN_NPY_ERR_BAD_HEADER;
    }
    return KILN_NPY_OK;
}

/* Reorders Fortran-order (column-major) data into C order. */
static void fortran_to_c(const unsigned char *src, unsigned char *dst, int32_t rank, const int64_t *shape,
                         int64_t numel, size_t elem)
{
    int64_t idx[KILN_NPY_MAX_RANK];
    int64_t fstride[KILN_NPY_MAX_RANK];
    int64_t e, s = 1;
    int32_t d;
    for (d = 0; d < rank; ++d) {
        idx[d] = 0;
        fstride[d] = s;
        s *= shape[d];
    }
    for (e = 0; e < numel; ++e) {
        int64_t off = 0;
        for (d = 0; d < rank; ++d) {
            off += idx[d] * fstride[d];
        }
        memcpy(dst + (size_t)e * elem, src + (size_t)off * elem, elem);
        /* advance the C-order multi-index (last axis fastest) */
        for (d = rank - 1; d >= 0; --d) {
            if (++idx[d] < shape[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}

static void clear_array(kiln_npy_array *a)
{
    memset(a, 0, sizeof(*a));
    a->data = NULL;
}

void kiln_npy_free(kiln_npy_array *a)
{
    if (a == NULL) {
        return;
    }
    kiln_aligned_free(a->data);
    a->data = NULL;
    a->nbytes = 0u;
}

static unsigned read_le16(const unsigned char *b)
{
    return (unsigned)b[0] | ((unsigned)b[1] << 8);
}

static uint32_t read_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

kiln_npy_status kiln_npy_read(const char *path, kiln_npy_array *out, char *err, size_t err_size)
{
    FILE *f;
    unsigned char pre[NPY_MAGIC_LEN + 2 + 4];
    size_t got, hlen, lenbytes, elem;
    char *header = NULL;
    char descr[32];
    int fortran = 0;
    char order = '<';
    const char *why = "";
    kiln_npy_status st;
    int64_t numel = 1;
    int32_t d;
    unsigned char *data = NULL;

    if (err != NULL && err_size > 0u) {
        err[0] = '\0';
    }
    if (out == NULL || path == NULL) {
        set_err(err, err_size, "kiln_npy_read: NULL argument");
        return KILN_NPY_ERR_ARGUMENT;
    }
    clear_array(out);
    errno = 0;
    f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        if (e == ENOENT) {
            set_err(err, err_size, "%s: file not found", path);
        } else {
            set_err(err, err_size, "%s: cannot open: %s", path, e != 0 ? strerror(e) : "unknown error");
        }
        return KILN_NPY_ERR_OPEN;
    }

    got = fread(pre, 1u, NPY_MAGIC_LEN + 2u, f);
    if (memcmp(pre, npy_magic, got < NPY_MAGIC_LEN ? got : NPY_MAGIC_LEN) != 0) {
        set_err(err, err_size, "%s: bad magic: not a .npy file", path);
        st = KILN_NPY_ERR_BAD_MAGIC;
        goto fail;
    }
    if (got < NPY_MAGIC_LEN + 2u) {
        set_err(err, err_size, "%s: truncated: file ends inside the .npy preamble", path);
        st = KILN_NPY_ERR_TRUNCATED;
        goto fail;
    }
    if (pre[NPY_MAGIC_LEN] == 1u) {
        lenbytes = 2u;
    } else if (pre[NPY_MAGIC_LEN] == 2u || pre[NPY_MAGIC_LEN] == 3u) {
        lenbytes = 4u;
    } else {
        set_err(err, err_size, "%s: unsupported .npy format version %u.%u", path, (unsigned)pre[NPY_MAGIC_LEN],
                (unsigned)pre[NPY_MAGIC_LEN + 1]);
        st = KILN_NPY_ERR_UNSUPPORTED;
        goto fail;
    }
    if (fread(pre + NPY_MAGIC_LEN + 2, 1u, lenbytes, f) != lenbytes) {
        set_err(err, err_size, "%s: truncated: file ends inside the header length", path);
        st = KILN_NPY_ERR_TRUNCATED;
        goto fail;
    }
    hlen = lenbytes == 2u ? (size_t)read_le16(pre + NPY_MAGIC_LEN + 2) : (size_t)read_le32(pre + NPY_MAGIC_LEN + 2);
    if (hlen > NPY_MAX_HEADER_LEN) {
        set_err(err, err_size, "%s: header length %lu is implausibly large", path, (unsigned long)hlen);
        st = KILN_NPY_ERR_BAD_HEADER;
        goto fail;
    }
    header = (char *)malloc(hlen + 1u);
    if (header == NULL) {
        set_err(err, err_size, "%s: out of memory", path);
        st = KILN_NPY_ERR_NO_MEMORY;
        goto fail;
    }
    if (fread(header, 1u, hlen, f) != hlen) {
        set_err(err, err_size, "%s: truncated: file ends inside the header", path);
        st = KILN_NPY_ERR_TRUNCATED;
        goto fail;
    }
    header[hlen] = '\0';

    st = parse_header(header, hlen, descr, sizeof(descr), &fortran, &out->rank, out->shape, &why);
    if (st != KILN_NPY_OK) {
        set_err(err, err_size, "%s: %s", path, why);
        goto fail;
    }
    if (!parse_descr_order(descr, &out->dtype, &order)) {
        set_err(err, err_size, "%s: unsupported dtype '%s'", path, descr);
        st = KILN_NPY_ERR_UNSUPPORTED;
        goto fail;
    }
    elem = kiln_dtype_size(out->dtype);
    for (d = 0; d < out->rank; ++d) {
        int64_t dim = out->shape[d];
        if (dim != 0 && numel > INT64_MAX / dim) {
            numel = -1;
            break;
        }
        numel *= dim;
    }
    if (numel < 0 || (uint64_t)numel > (uint64_t)(SIZE_MAX / elem)) {
        set_err(err, err_size, "%s: array too large for this platform", path);
        st = KILN_NPY_ERR_UNSUPPORTED;
        goto fail;
    }
    out->numel = numel;
    out->nbytes = (size_t)numel * elem;

    data = (unsigned char *)kiln_aligned_malloc(out->nbytes, KILN_ALIGNMENT);
    if (data == NULL) {
        char num[KILN_INT_TEXT_MAX];
        set_err(err, err_size, "%s: out of memory (%s bytes)", path, kiln_u64_text(num, (uint64_t)out->nbytes));
        st = KILN_NPY_ERR_NO_MEMORY;
        goto fail;
    }
    got = fread(data, 1u, out->nbytes, f);
    if (got != out->nbytes) {
        char shp[256], need[KILN_INT_TEXT_MAX], have[KILN_INT_TEXT_MAX];
        set_err(err, err_size, "%s: truncated: shape %s of %s needs %s data bytes, file has %s", path,
                kiln_npy_format_shape(shp, sizeof(shp), out->rank, out->shape), kiln_dtype_name(out->dtype),
                kiln_u64_text(need, (uint64_t)out->nbytes), kiln_u64_text(have, (uint64_t)got));
        st = KILN_NPY_ERR_TRUNCATED;
        goto fail;
    }
    if ((order == '<') != (host_is_little_endian() != 0)) {
        swap_elements(data, out->nbytes, elem);
    }
    if (fortran && out->rank > 1 && numel > 1) {
        unsigned char *c_order = (unsigned char *)kiln_aligned_malloc(out->nbytes, KILN_ALIGNMENT);
        if (c_order == NULL) {
            set_err(err, err_size, "%s: out of memory", path);
            st = KILN_NPY_ERR_NO_MEMORY;
            goto fail;
        }
        fortran_to_c(data, c_order, out->rank, out->shape, numel, elem);
        kiln_aligned_free(data);
        data = c_order;
    }
    free(header);
    fclose(f);
    out->data = data;
    return KILN_NPY_OK;

fail:
    free(header);
    kiln_aligned_free(data);
    fclose(f);
    clear_array(out);
    return st;
}

kiln_npy_status kiln_npy_check(const kiln_npy_array *a, const kiln_tensor_info *expect, char *err,
                               size_t err_size)
{
    int32_t d;
    int same;
    if (a == NULL || expect == NULL) {
        set_err(err, err_size, "kiln_npy_check: NULL argument");
        return KILN_NPY_ERR_ARGUMENT;
    }
    if (a->dtype != expect->dtype) {
        set_err(err, err_size, "dtype mismatch: file has %s, expected %s", kiln_dtype_name(a->dtype),
                kiln_dtype_name(expect->dtype));
        return KILN_NPY_ERR_DTYPE_MISMATCH;
    }
    same = a->rank == expect->rank && (expect->rank == 0 || expect->shape != NULL);
    for (d = 0; same && d < a->rank; ++d) {
        same = a->shape[d] == expect->shape[d];
    }
    if (!same) {
        char have[512], want[512];
        set_err(err, err_size, "shape mismatch: file has %s, expected %s",
                kiln_npy_format_shape(have, sizeof(have), a->rank, a->shape),
                kiln_npy_format_shape(want, sizeof(want), expect->rank, expect->shape));
        return KILN_NPY_ERR_SHAPE_MISMATCH;
    }
    return KILN_NPY_OK;
}

kiln_npy_status kiln_npy_read_expect(const char *path, const kiln_tensor_info *expect, kiln_npy_array *out,
                                     char *err, size_t err_size)
{
    kiln_npy_status st = kiln_npy_read(path, out, err, err_size);
    char why[1200];
    if (st != KILN_NPY_OK) {
        return st;
    }
    st = kiln_npy_check(out, expect, why, sizeof(why));
    if (st != KILN_NPY_OK) {
        set_err(err, err_size, "%s: %s", path, why);
        kiln_npy_free(out);
    }
    return st;
}

/* Builds the header exactly as numpy.save does for format version 1.0. */
static int build_header(char *buf, size_t buf_size, const char *descr, int32_t rank, const int64_t *shape,
                        size_t *out_len)
{
    char shp[KILN_NPY_MAX_RANK * 24 + 8];
    char lead[KILN_INT_TEXT_MAX];
    int n;
    size_t len, hlen, pad;
    kiln_npy_format_shape(shp, sizeof(shp), rank, shape);
    n = snprintf(buf + 10, buf_size - 10u, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shp);
    if (n < 0 || (size_t)n >= buf_size - 10u) {
        return 0;
    }
    len = (size_t)n;
    if (rank > 0) {
        size_t digits;
        digits = strlen(kiln_i64_text(lead, shape[0]));
        if (digits < NPY_GROWTH_AXIS_MAX_DIGITS) {
            size_t extra = NPY_GROWTH_AXIS_MAX_DIGITS - digits;
            if (len + extra >= buf_size - 10u) {
                return 0;
            }
            memset(buf + 10 + len, ' ', extra);
            len += extra;
        }
    }
    hlen = len + 1u; /* trailing newline */
    pad = NPY_ARRAY_ALIGN - ((NPY_MAGIC_LEN + 2u + 2u + hlen) % NPY_ARRAY_ALIGN);
    if (10u + len + pad + 1u > buf_size || hlen + pad > 0xffffu) {
        return 0;
    }
    memset(buf + 10 + len, ' ', pad);
    len += pad;
    buf[10 + len] = '\n';
    ++len;
    memcpy(buf, npy_magic, NPY_MAGIC_LEN);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (char)(unsigned char)(len & 0xffu);
    buf[9] = (char)(unsigned char)((len >> 8) & 0xffu);
    *out_len = 10u + len;
    return 1;
}

kiln_npy_status kiln_npy_write(const char *path, kiln_dtype dtype, int32_t rank, const int64_t *shape,
                               const void *data, char *err, size_t err_size)
{
    char header[KILN_NPY_MAX_RANK * 24 + 256];
    const char *descr = kiln_npy_descr(dtype);
    size_t header_len = 0, nbytes, elem;
    int64_t numel = 1;
    int32_t d;
    FILE *f;
    int ok;

    if (err != NULL && err_size > 0u) {
        err[0] = '\0';
    }
    if (path == NULL || descr == NULL || rank < 0 || rank > KILN_NPY_MAX_RANK || (rank > 0 && shape == NULL)) {
        set_err(err, err_size, "kiln_npy_write: invalid argument");
        return KILN_NPY_ERR_ARGUMENT;
    }
    elem = kiln_dtype_size(dtype);
    for (d = 0; d < rank; ++d) {
        if (shape[d] < 0 || (shape[d] != 0 && numel > INT64_MAX / shape[d])) {
            set_err(err, err_size, "kiln_npy_write: invalid shape");
            return KILN_NPY_ERR_ARGUMENT;
        }
        numel *= shape[d];
    }
    if ((uint64_t)numel > (uint64_t)(SIZE_MAX / elem)) {
        set_err(err, err_size, "kiln_npy_write: array too large");
        return KILN_NPY_ERR_ARGUMENT;
    }
    nbytes = (size_t)numel * elem;
    if (nbytes > 0u && data == NULL) {
        set_err(err, err_size, "kiln_npy_write: NULL data");
        return KILN_NPY_ERR_ARGUMENT;
    }
    if (!build_header(header, sizeof(header), descr, rank, shape, &header_len)) {
        set_err(err, err_size, "kiln_npy_write: header too large");
        return KILN_NPY_ERR_ARGUMENT;
    }
    errno = 0;
    f = fopen(path, "wb");
    if (f == NULL) {
        int e = errno;
        set_err(err, err_size, "%s: cannot create: %s", path, e != 0 ? strerror(e) : "unknown error");
        return KILN_NPY_ERR_WRITE;
    }
    ok = fwrite(header, 1u, header_len, f) == header_len;
    if (ok && nbytes > 0u) {
        if (host_is_little_endian() || elem == 1u) {
            ok = fwrite(data, 1u, nbytes, f) == nbytes;
        } else {
            /* big-endian host: swap through a bounce buffer, whole elements at a time */
            unsigned char tmp[4096];
            const unsigned char *src = (const unsigned char *)data;
            size_t done = 0, chunk_max = sizeof(tmp) - sizeof(tmp) % elem;
            while (ok && done < nbytes) {
                size_t chunk = nbytes - done < chunk_max ? nbytes - done : chunk_max;
                memcpy(tmp, src + done, chunk);
                swap_elements(tmp, chunk, elem);
                ok = fwrite(tmp, 1u, chunk, f) == chunk;
                done += chunk;
            }
        }
    }
    if (fclose(f) != 0) {
        ok = 0;
    }
    if (!ok) {
        set_err(err, err_size, "%s: write failed", path);
        return KILN_NPY_ERR_WRITE;
    }
    return KILN_NPY_OK;
}

kiln_npy_status kiln_npy_write_tensor(const char *path, const kiln_tensor_info *info, const void *data,
                                      char *err, size_t err_size)
{
    if (info == NULL) {
        set_err(err, err_size, "kiln_npy_write_tensor: NULL tensor info");
        return KILN_NPY_ERR_ARGUMENT;
    }
    return kiln_npy_write(path, info->dtype, info->rank, info->shape, data, err, err_size);
}
