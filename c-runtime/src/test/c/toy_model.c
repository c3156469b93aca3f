/* toy_model.c - see toy_model.h. */
#include "toy_model.h"

#include <string.h>

long toy_run_count = 0;

static const int64_t toy_xy_shape[2] = {2, 3};
static const int64_t toy_threads_shape[1] = {1};

static const kiln_tensor_info toy_inputs[2] = {
    {"x", KILN_FLOAT32, 2, toy_xy_shape},
    {"k", KILN_INT64, 0, NULL},
};

static const kiln_tensor_info toy_outputs[2] = {
    {"y", KILN_FLOAT32, 2, toy_xy_shape},
    {"threads", KILN_INT64, 1, toy_threads_shape},
};

KILN_ALIGNED static const float toy_weights_compiled[TOY_WEIGHTS_COUNT] = {
    0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f, 9.5f, 10.5f, 11.5f, 12.5f, 13.5f, 14.5f, 15.5f,
};

static kiln_status toy_compute(const void *const *inputs, void *const *outputs, void *workspace,
                               const float *w, int32_t num_threads)
{
    const float *x;
    int64_t k;
    float *tmp;
    int i;
    kiln_status s = kiln_check_workspace(workspace);
    ++toy_run_count;
    if (s != KILN_OK) {
        return s;
    }
    if (inputs == NULL || outputs == NULL || inputs[0] == NULL || inputs[1] == NULL || outputs[0] == NULL ||
        outputs[1] == NULL) {
        return KILN_ERR_NULL_ARGUMENT;
    }
    if (num_threads < 1 || num_threads > 4) {
        return KILN_ERR_THREADS;
    }
    x = (const float *)inputs[0];
    memcpy(&k, inputs[1], sizeof(k));
    tmp = (float *)workspace; /* stage the result in the arena like generated code does */
    for (i = 0; i < 6; ++i) {
        tmp[i] = 2.0f * x[i] + w[0] + (float)k;
    }
    memcpy(outputs[0], tmp, 6 * sizeof(float));
    ((int64_t *)outputs[1])[0] = (int64_t)num_threads;
    return KILN_OK;
}

static kiln_status toy_run(const void *const *inputs, void *const *outputs, void *workspace, const void *weights,
                           int32_t num_threads)
{
    kiln_status s = kiln_check_weights(weights, TOY_WEIGHTS_BYTES);
    if (s != KILN_OK) {
        ++toy_run_count;
        return s;
    }
    return toy_compute(inputs, outputs, workspace, (const float *)weights, num_threads);
}

static kiln_status toy_run_compiled(const void *const *inputs, void *const *outputs, void *workspace,
                                    const void *weights, int32_t num_threads)
{
    (void)weights; /* NULL: nothing external */
    return toy_compute(inputs, outputs, workspace, toy_weights_compiled, num_threads);
}

const kiln_model toy_model = {
    "toy", 2, 2, toy_inputs, toy_outputs, 6 * sizeof(float), TOY_WEIGHTS_BYTES, "toy_weights.bin",
    TOY_WEIGHTS_HASH, toy_run,
};

const kiln_model toy_model_compiled = {
    "toy_compiled", 2, 2, toy_inputs, toy_outputs, 6 * sizeof(float), 0, NULL, 0, toy_run_compiled,
};
