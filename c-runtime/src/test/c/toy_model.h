/*
 * toy_model.h - a hand-written model shaped like Kiln generated code, used by
 * the demo driver tests.
 *
 * inputs:  x float32 (2, 3), k int64 ()
 * outputs: y float32 (2, 3) = 2 * x + weights[0] + k
 *          threads int64 (1,) = the num_threads the model was called with
 * weights: 16 float32 values 0.5, 1.5, ..., 15.5 (64 bytes) in an external file;
 *          toy_model_compiled has them compiled in instead.
 * The run function fails with KILN_ERR_THREADS when asked for more than 4 threads.
 */
#ifndef TOY_MODEL_H
#define TOY_MODEL_H

#include "kiln_runtime.h"

#define TOY_WEIGHTS_COUNT 16
#define TOY_WEIGHTS_BYTES (TOY_WEIGHTS_COUNT * 4)
#define TOY_WEIGHTS_HASH UINT64_C(0xe3347a4d222502d5)

extern const kiln_model toy_model;          /* external weights "toy_weights.bin" */
extern const kiln_model toy_model_compiled; /* weights compiled in */

/* Number of times either run function has been called. */
extern long toy_run_count;

#endif /* TOY_MODEL_H */
