/*
 * kiln_demo.c - command line driver for a Kiln generated model.
 * Uses stdio and malloc: not part of the firmware library.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
/* -std=c99 hides readlink and mkdir unless a POSIX level is requested. */
#define _POSIX_C_SOURCE 200809L
#endif

#include "kiln_demo.h"
#include "kiln_npy.h"
#include "kiln_platform.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <direct.h>
#include <windows.h>
#define KILN_DEMO_SEP '\\'
#elif defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#define KILN_DEMO_HAVE_POSIX 1
#define KILN_DEMO_SEP '/'
#else
#define KILN_DEMO_SEP '/'
#endif

#define KILN_DEMO_PATH_MAX 4096
#define KILN_DEMO_MSG_MAX 2048

typedef struct {
    int32_t repeat;  /* 0: no timing */
    int32_t threads; /* passed to run */
    const char *weights;
    const char *output_dir;
    int num_inputs;
    char **inputs; /* points into argv */
} demo_args;

static const char *model_name(const kiln_model *m)
{
    return (m != NULL && m->name != NULL) ? m->name : "model";
}

static int is_sep(char c)
{
#if defined(_WIN32)
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}

static const char *base_name(const char *path)
{
    const char *b = path;
    const char *p;
    if (path == NULL || path[0] == '\0') {
        return "demo";
    }
    for (p = path; *p != '\0'; ++p) {
        if (is_sep(*p)) {
            b = p + 1;
        }
    }
    return b[0] != '\0' ? b : "demo";
}

static void print_tensor_list(FILE *f, const kiln_tensor_info *t, int32_t n)
{
    int32_t i;
    char shp[512];
    for (i = 0; i < n; ++i) {
        fprintf(f, "  %d: %s %s %s\n", (int)i, t[i].name != NULL ? t[i].name : "?", kiln_dtype_name(t[i].dtype),
                kiln_npy_format_shape(shp, sizeof(shp), t[i].rank, t[i].shape));
    }
}

static void print_usage(const kiln_model *m, const char *argv0, FILE *f)
{
    const char *prog = base_name(argv0);
    fprintf(f, "usage: %s [--repeat N] [--threads N] [--weights FILE] --output-dir DIR", prog);
    {
        int32_t i;
        for (i = 0; i < m->num_inputs; ++i) {
            fprintf(f, " IN_%d.npy", (int)i);
        }
    }
    fprintf(f, "\n\nRuns model '%s' on .npy inputs and writes DIR/output_<i>.npy.\n", model_name(m));
    fprintf(f, "inputs (in this order):\n");
    print_tensor_list(f, m->inputs, m->num_inputs);
    fprintf(f, "outputs:\n");
    print_tensor_list(f, m->outputs, m->num_outputs);
    fprintf(f, "options:\n"
               "  --repeat N        after the first run, one warm-up run and N timed runs;\n"
               "                    prints \"median_ms: <ms>\" to stdout\n"
               "  --threads N       worker threads requested from the model (default 1)\n");
    if (m->weights_bytes > 0u) {
        fprintf(f,
                "  --weights FILE    weights file (default: %s next to the executable,\n"
                "                    then in its parent directory)\n",
                m->weights_file != NULL ? m->weights_file : "<none named>");
    } else {
        fprintf(f, "  --weights FILE    accepted but unused: this model's weights are compiled in\n");
    }
    fprintf(f, "  --output-dir DIR  directory for output_<i>.npy (required; created if missing)\n"
               "  --help            show this help\n"
               "exit codes: 0 ok, 1 runtime failure, 2 usage or input error\n");
}

static int parse_count(const char *s, int32_t *out)
{
    char *end = NULL;
    long v;
    if (s == NULL || *s == '\0') {
        return 0;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > (long)INT32_MAX) {
        return 0;
    }
    *out = (int32_t)v;
    return 1;
}

/* Returns 0 to run, 1 for --help, -1 on a usage error (message already printed). */
static int parse_args(const kiln_model *m, int argc, char **argv, demo_args *a, FILE *err)
{
    int i;
    int only_positional = 0;
    const char *mname = model_name(m);
    a->repeat = 0;
    a->threads = 1;
    a->weights = NULL;
    a->output_dir = NULL;
    a->num_inputs = 0;
    for (i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        const char *value = NULL;
        const char *opt;
        size_t optlen;
        if (arg == NULL) {
            continue;
        }
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            a->inputs[a->num_inputs++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return 1;
        }
        opt = arg;
        optlen = strlen(arg);
        {
            const char *eq = strchr(arg, '=');
            if (eq != NULL) {
                optlen = (size_t)(eq - arg);
                value = eq + 1;
            }
        }
#define KILN_OPT_IS(name) (optlen == sizeof(name) - 1u && strncmp(opt, name, optlen) == 0)
        if (!(KILN_OPT_IS("--repeat") || KILN_OPT_IS("--threads") || KILN_OPT_IS("--weights") ||
              KILN_OPT_IS("--output-dir"))) {
            fprintf(err, "error: %s: unknown option '%s' (see --help)\n", mname, arg);
            return -1;
        }
        if (value == NULL) {
            if (i + 1 >= argc || argv[i + 1] == NULL) {
                fprintf(err, "error: %s: option '%s' needs a value (see --help)\n", mname, arg);
                return -1;
            }
            value = argv[++i];
        }
        if (KILN_OPT_IS("--repeat")) {
            if (!parse_count(value, &a->repeat)) {
                fprintf(err, "error: %s: --repeat needs an integer >= 1, got '%s'\n", mname, value);
                return -1;
            }
        } else if (KILN_OPT_IS("--threads")) {
            if (!parse_count(value, &a->threads)) {
                fprintf(err, "error: %s: --threads needs an integer >= 1, got '%s'\n", mname, value);
                return -1;
            }
        } else if (KILN_OPT_IS("--weights")) {
            a->weights = value;
        } else {
            a->output_dir = value;
        }
#undef KILN_OPT_IS
    }
    if (a->output_dir == NULL || a->output_dir[0] == '\0') {
        fprintf(err, "error: %s: --output-dir DIR is required (see --help)\n", mname);
        return -1;
    }
    if (a->num_inputs != (int)m->num_inputs) {
        int32_t k;
        fprintf(err, "error: %s: expected %d input file%s (", mname, (int)m->num_inputs,
                m->num_inputs == 1 ? "" : "s");
        for (k = 0; k < m->num_inputs; ++k) {
            fprintf(err, "%s%s", k > 0 ? ", " : "", m->inputs[k].name != NULL ? m->inputs[k].name : "?");
        }
        fprintf(err, "), got %d (see --help)\n", a->num_inputs);
        return -1;
    }
    return 0;
}

/* dir + SEP + name into buf; returns 0 when it does not fit. */
static int join_path(char *buf, size_t n, const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    int w;
    if (dl > 0u && is_sep(dir[dl - 1u])) {
        w = snprintf(buf, n, "%s%s", dir, name);
    } else {
        w = snprintf(buf, n, "%s%c%s", dir, KILN_DEMO_SEP, name);
    }
    return w >= 0 && (size_t)w < n;
}

/* Keeps the directory part of path in place ("." when there is none). */
static void strip_to_dir(char *path)
{
    char *last = NULL;
    char *p;
    for (p = path; *p != '\0'; ++p) {
        if (is_sep(*p)) {
            last = p;
        }
    }
    if (last == NULL) {
        path[0] = '.';
        path[1] = '\0';
    } else if (last == path) {
        path[1] = '\0'; /* file in the root directory */
    } else {
        *last = '\0';
    }
}

/* Directory holding the running executable. Returns 0 if unknown. */
static int executable_dir(const char *argv0, char *buf, size_t n)
{
    if (n < 2u) {
        return 0;
    }
#if defined(__linux__)
    {
        ssize_t r = readlink("/proc/self/exe", buf, n - 1u);
        if (r > 0 && (size_t)r < n - 1u) {
            buf[r] = '\0';
            strip_to_dir(buf);
            return 1;
        }
    }
#elif defined(_WIN32)
    {
        DWORD r = GetModuleFileNameA(NULL, buf, (DWORD)(n > 0x7fffffffu ? 0x7fffffffu : n));
        if (r > 0u && (size_t)r < n) {
            buf[r] = '\0';
            strip_to_dir(buf);
            return 1;
        }
    }
#endif
    if (argv0 == NULL || argv0[0] == '\0' || strlen(argv0) >= n) {
        return 0;
    }
    strcpy(buf, argv0);
    strip_to_dir(buf);
    return 1;
}

/* Reads and verifies the weights file. Returns 0 ok, 1 file absent, 2 error (printed). */
static int load_weights_file(const kiln_model *m, const char *path, void **out, FILE *err)
{
    FILE *f;
    unsigned char *buf;
    size_t got;
    uint64_t extra = 0, hash;
    int e;
    errno = 0;
    f = fopen(path, "rb");
    if (f == NULL) {
        e = errno;
        if (e == ENOENT) {
            return 1;
        }
        fprintf(err, "error: %s: weights file %s: cannot open: %s\n", model_name(m), path,
                e != 0 ? strerror(e) : "unknown error");
        return 2;
    }
    buf = (unsigned char *)kiln_aligned_malloc(m->weights_bytes, KILN_ALIGNMENT);
    if (buf == NULL) {
        fclose(f);
        char num[KILN_INT_TEXT_MAX];
        fprintf(err, "error: %s: out of memory for %s bytes of weights\n", model_name(m),
                kiln_u64_text(num, (uint64_t)m->weights_bytes));
        return 2;
    }
    got = fread(buf, 1u, m->weights_bytes, f);
    if (got == m->weights_bytes) {
        unsigned char tmp[4096];
        size_t r;
        while ((r = fread(tmp, 1u, sizeof(tmp), f)) > 0u) {
            extra += (uint64_t)r;
        }
    }
    if (ferror(f)) {
        fclose(f);
        kiln_aligned_free(buf);
        fprintf(err, "error: %s: weights file %s: read error\n", model_name(m), path);
        return 2;
    }
    fclose(f);
    if (got != m->weights_bytes || extra != 0u) {
        char have[KILN_INT_TEXT_MAX], want[KILN_INT_TEXT_MAX];
        kiln_aligned_free(buf);
        fprintf(err, "error: %s: weights file %s: size mismatch: file has %s bytes, model expects %s\n",
                model_name(m), path, kiln_u64_text(have, (uint64_t)got + extra),
                kiln_u64_text(want, (uint64_t)m->weights_bytes));
        return 2;
    }
    hash = kiln_fnv1a64(buf, m->weights_bytes);
    if (hash != m->weights_hash) {
        char have[KILN_INT_TEXT_MAX], want[KILN_INT_TEXT_MAX];
        kiln_aligned_free(buf);
        fprintf(err,
                "error: %s: weights file %s: hash mismatch: file FNV-1a64 is %s, model expects %s "
                "(weights from a different build?)\n",
                model_name(m), path, kiln_u64_hex_text(have, hash), kiln_u64_hex_text(want, m->weights_hash));
        return 2;
    }
    *out = buf;
    return 0;
}

/* Finds and loads the model's external weights. Returns 0 ok, else prints and returns non-zero. */
static int load_weights(const kiln_model *m, const demo_args *a, const char *argv0, void **out, FILE *err)
{
    char dir[KILN_DEMO_PATH_MAX];
    char cand[2][KILN_DEMO_PATH_MAX];
    int ncand = 0, i, r;
    *out = NULL;
    if (a->weights != NULL) {
        r = load_weights_file(m, a->weights, out, err);
        if (r == 1) {
            fprintf(err, "error: %s: weights file %s: file not found\n", model_name(m), a->weights);
        }
        return r;
    }
    if (m->weights_file == NULL || m->weights_file[0] == '\0') {
        char num[KILN_INT_TEXT_MAX];
        fprintf(err,
                "error: %s: the model needs %s bytes of weights but names no weights file; "
                "use --weights FILE\n",
                model_name(m), kiln_u64_text(num, (uint64_t)m->weights_bytes));
        return 2;
    }
    if (executable_dir(argv0, dir, sizeof(dir))) {
        if (join_path(cand[ncand], sizeof(cand[0]), dir, m->weights_file)) {
            ++ncand;
        }
        {
            char parent[KILN_DEMO_PATH_MAX];
            if (join_path(parent, sizeof(parent), dir, "..") &&
                join_path(cand[ncand], sizeof(cand[0]), parent, m->weights_file)) {
                ++ncand;
            }
        }
    }
    for (i = 0; i < ncand; ++i) {
        r = load_weights_file(m, cand[i], out, err);
        if (r != 1) {
            return r;
        }
    }
    fprintf(err, "error: %s: weights file %s not found; looked in:", model_name(m), m->weights_file);
    for (i = 0; i < ncand; ++i) {
        fprintf(err, " %s", cand[i]);
    }
    fprintf(err, "%s; use --weights FILE\n", ncand == 0 ? " (executable location unknown)" : "");
    return 2;
}

/* Creates dir and its missing parents; existing directories are fine. */
static void make_dirs(const char *dir)
{
#if defined(_WIN32) || defined(KILN_DEMO_HAVE_POSIX)
    char buf[KILN_DEMO_PATH_MAX];
    size_t i, n = strlen(dir);
    if (n == 0u || n >= sizeof(buf)) {
        return;
    }
    memcpy(buf, dir, n + 1u);
    for (i = 1; i <= n; ++i) {
        if (i == n || is_sep(buf[i])) {
            char saved = buf[i];
            buf[i] = '\0';
#if defined(_WIN32)
            (void)_mkdir(buf);
#else
            (void)mkdir(buf, 0777);
#endif
            buf[i] = saved;
        }
    }
#else
    (void)dir; /* no portable way to create directories: it must exist */
#endif
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static int run_once(const kiln_model *m, const void *const *in, void *const *outp, void *ws, const void *w,
                    int32_t threads, FILE *err)
{
    kiln_status s = m->run(in, outp, ws, w, threads);
    if (s != KILN_OK) {
        fprintf(err, "error: %s: %s\n", model_name(m), kiln_status_string(s));
        return 0;
    }
    return 1;
}

int kiln_demo_main_io(const kiln_model *m, int argc, char **argv, FILE *out, FILE *err)
{
    demo_args a;
    int rc = KILN_DEMO_EXIT_FAILURE;
    int parsed, i;
    char msg[KILN_DEMO_MSG_MAX];
    kiln_npy_array *arrays = NULL;
    const void **in_ptrs = NULL;
    void **out_ptrs = NULL;
    void *workspace = NULL;
    void *weights = NULL;
    double *times = NULL;
    const char *argv0 = (argc > 0 && argv != NULL) ? argv[0] : NULL;
    int n_in, n_out;

    if (out == NULL) {
        out = stdout;
    }
    if (err == NULL) {
        err = stderr;
    }
    if (m == NULL || m->run == NULL || m->num_inputs < 0 || m->num_outputs < 0 ||
        (m->num_inputs > 0 && m->inputs == NULL) || (m->num_outputs > 0 && m->outputs == NULL)) {
        fprintf(err, "error: %s: invalid model description\n", model_name(m));
        return KILN_DEMO_EXIT_FAILURE;
    }
    n_in = (int)m->num_inputs;
    n_out = (int)m->num_outputs;

    a.inputs = (char **)malloc(sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
    if (a.inputs == NULL) {
        fprintf(err, "error: %s: out of memory\n", model_name(m));
        return KILN_DEMO_EXIT_FAILURE;
    }
    parsed = parse_args(m, argc, argv, &a, err);
    if (parsed != 0) {
        if (parsed > 0) {
            print_usage(m, argv0, out);
            fflush(out);
        }
        free(a.inputs);
        return parsed > 0 ? KILN_DEMO_EXIT_OK : KILN_DEMO_EXIT_USAGE;
    }

    arrays = (kiln_npy_array *)calloc((size_t)(n_in > 0 ? n_in : 1), sizeof(kiln_npy_array));
    in_ptrs = (const void **)calloc((size_t)(n_in > 0 ? n_in : 1), sizeof(void *));
    out_ptrs = (void **)calloc((size_t)(n_out > 0 ? n_out : 1), sizeof(void *));
    if (arrays == NULL || in_ptrs == NULL || out_ptrs == NULL) {
        fprintf(err, "error: %s: out of memory\n", model_name(m));
        goto done;
    }

    for (i = 0; i < n_in; ++i) {
        const kiln_tensor_info *ti = &m->inputs[i];
        if (kiln_npy_read_expect(a.inputs[i], ti, &arrays[i], msg, sizeof(msg)) != KILN_NPY_OK) {
            fprintf(err, "error: %s: input %d '%s': %s\n", model_name(m), i, ti->name != NULL ? ti->name : "?",
                    msg);
            rc = KILN_DEMO_EXIT_USAGE;
            goto done;
        }
        in_ptrs[i] = arrays[i].data;
    }

    for (i = 0; i < n_out; ++i) {
        const kiln_tensor_info *ti = &m->outputs[i];
        size_t nb = kiln_tensor_bytes(ti);
        if (nb == 0u && kiln_tensor_numel(ti) != 0) {
            fprintf(err, "error: %s: output %d has an invalid shape or dtype\n", model_name(m), i);
            goto done;
        }
        out_ptrs[i] = kiln_aligned_malloc(nb, KILN_ALIGNMENT);
        if (out_ptrs[i] == NULL) {
            fprintf(err, "error: %s: out of memory for output %d\n", model_name(m), i);
            goto done;
        }
        memset(out_ptrs[i], 0, nb);
    }

    /* Never hand the model a NULL workspace, even when it needs none. */
    workspace = kiln_aligned_malloc(m->workspace_bytes > 0u ? m->workspace_bytes : (size_t)KILN_ALIGNMENT,
                                    KILN_ALIGNMENT);
    if (workspace == NULL) {
        char num[KILN_INT_TEXT_MAX];
        fprintf(err, "error: %s: out of memory for a %s-byte workspace\n", model_name(m),
                kiln_u64_text(num, (uint64_t)m->workspace_bytes));
        goto done;
    }

    if (m->weights_bytes > 0u) {
        if (load_weights(m, &a, argv0, &weights, err) != 0) {
            goto done;
        }
    }

    if (!run_once(m, in_ptrs, out_ptrs, workspace, weights, a.threads, err)) {
        goto done;
    }

    make_dirs(a.output_dir);
    for (i = 0; i < n_out; ++i) {
        char name[64];
        char path[KILN_DEMO_PATH_MAX];
        (void)snprintf(name, sizeof(name), "output_%d.npy", i);
        if (!join_path(path, sizeof(path), a.output_dir, name)) {
            fprintf(err, "error: %s: output path too long\n", model_name(m));
            goto done;
        }
        if (kiln_npy_write_tensor(path, &m->outputs[i], out_ptrs[i], msg, sizeof(msg)) != KILN_NPY_OK) {
            fprintf(err, "error: %s: output %d: %s\n", model_name(m), i, msg);
            goto done;
        }
    }

    if (a.repeat > 0) {
        int32_t r;
        double median;
        times = (double *)malloc(sizeof(double) * (size_t)a.repeat);
        if (times == NULL) {
            fprintf(err, "error: %s: out of memory for %d timings\n", model_name(m), (int)a.repeat);
            goto done;
        }
        if (!run_once(m, in_ptrs, out_ptrs, workspace, weights, a.threads, err)) {
            goto done; /* warm-up */
        }
        for (r = 0; r < a.repeat; ++r) {
            double t0 = kiln_now_ms();
            if (!run_once(m, in_ptrs, out_ptrs, workspace, weights, a.threads, err)) {
                goto done;
            }
            times[r] = kiln_now_ms() - t0;
        }
        qsort(times, (size_t)a.repeat, sizeof(double), cmp_double);
        if (a.repeat % 2 == 1) {
            median = times[a.repeat / 2];
        } else {
            median = 0.5 * (times[a.repeat / 2 - 1] + times[a.repeat / 2]);
        }
        fprintf(out, "median_ms: %.6f\n", median);
        fflush(out);
    }
    rc = KILN_DEMO_EXIT_OK;

done:
    free(times);
    kiln_aligned_free(weights);
    kiln_aligned_free(workspace);
    if (out_ptrs != NULL) {
        for (i = 0; i < n_out; ++i) {
            kiln_aligned_free(out_ptrs[i]);
        }
    }
    if (arrays != NULL) {
        for (i = 0; i < n_in; ++i) {
            kiln_npy_free(&arrays[i]);
        }
    }
    free(out_ptrs);
    free((void *)in_ptrs);
    free(arrays);
    free(a.inputs);
    return rc;
}

int kiln_demo_main(const kiln_model *m, int argc, char **argv)
{
    return kiln_demo_main_io(m, argc, argv, stdout, stderr);
}
