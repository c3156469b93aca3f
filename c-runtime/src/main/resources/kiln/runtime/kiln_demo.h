/*
 * kiln_demo.h - command line driver for a Kiln generated model.
 * Uses stdio and malloc: not part of the firmware library.
 *
 *   demo [--repeat N] [--threads N] [--weights FILE] --output-dir DIR IN_0.npy [IN_1.npy ...]
 *
 * Inputs are given in the model's input order and must match its dtypes and
 * shapes. Outputs are written to DIR/output_<i>.npy (DIR is created when
 * missing). With --repeat N the model runs once more as warm-up, then N timed
 * runs, and the median is printed to stdout as "median_ms: <float>".
 * External weights (kiln_model.weights_bytes > 0) are read from --weights
 * FILE or, by default, from kiln_model.weights_file next to the executable,
 * then in the executable's parent directory; size and FNV-1a hash are checked.
 *
 * Exit codes: 0 success; 1 runtime failure (weights missing or wrong, out of
 * memory, the model returned an error, an output could not be written);
 * 2 usage error or input files that cannot be read or do not match the model.
 */
#ifndef KILN_DEMO_H
#define KILN_DEMO_H

#include <stdio.h>

#include "kiln_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_DEMO_EXIT_OK 0
#define KILN_DEMO_EXIT_FAILURE 1
#define KILN_DEMO_EXIT_USAGE 2

/* Runs the CLI with stdout/stderr. argv[0] is the program path. */
int kiln_demo_main(const kiln_model *m, int argc, char **argv);

/* Same, printing results to out and diagnostics to err (for embedding and tests). */
int kiln_demo_main_io(const kiln_model *m, int argc, char **argv, FILE *out, FILE *err);

#ifdef __cplusplus
}
#endif

#endif /* KILN_DEMO_H */
