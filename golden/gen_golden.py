#!/usr/bin/python3
"""Builds Kiln's small golden ONNX models and their expected outputs.

For every model this writes golden/models/<name>/:
  model.onnx      built with onnx.helper (opset 17, IR version 8, float32 weights)
  input_<i>.npy   one file per graph input, in graph input order
  output_<i>.npy  one file per graph output, in graph output order
  meta.json       only for models with symbolic dimensions: the concrete input shapes used

Expected outputs come from the numpy interpreter in this file, which executes the ONNX graph
node by node following the operator specifications, in float64, and rounds the graph outputs to
float32 at the end. The interpreter is checked three ways before anything is written:
  * every Conv, MaxPool and AveragePool it executes is recomputed by a naive loop implementation;
  * each model is recomputed by an independent torch (float64) implementation written from the
    model's intent with torch.nn.functional, when torch can be imported (see --torch);
  * onnx.checker (full check, with shape inference) validates the model, and the inferred output
    shapes must match the computed ones.
Piecewise ops (Relu, Clip, HardSwish, ...) must see inputs on every side of their break points so
the goldens really exercise them.

Usage:  /usr/bin/python3 golden/gen_golden.py [--out DIR] [--torch auto|require|skip] [NAME...]
"""

import argparse
import json
import math
import os
import shutil
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, mapping, numpy_helper

from list_ops import print_inventory

OPSET = 17
IR_VERSION = 8
BASE_SEED = 20240517

# ------------------------------------------------------------------------------------------------
# Graph building


class Graph:
    """A small builder over onnx.helper that keeps nodes in topological (creation) order."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.feeds = []
        self.meta_shapes = None  # input name -> concrete shape, for models with symbolic dims
        self.dim_values = {}  # symbolic dim name -> the value the golden inputs use
        self.count = {}
        self.shared_consts = {}

    def fresh(self, base):
        k = self.count.get(base, 0)
        self.count[base] = k + 1
        return base if k == 0 else '%s_%d' % (base, k)

    def input(self, name, array, shape=None):
        """A graph input fed with `array`; `shape` may name symbolic dims (defaults to array.shape)."""
        elem = mapping.NP_TYPE_TO_TENSOR_TYPE[array.dtype]
        self.inputs.append(helper.make_tensor_value_info(name, elem, list(shape or array.shape)))
        self.feeds.append(array)
        return name

    def const(self, name, array):
        name = self.fresh(name)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def shared(self, name, array):
        """An initializer that is reused when the same name is asked for with the same value."""
        prev = self.shared_consts.get(name)
        if prev is not None and prev[1].dtype == array.dtype and np.array_equal(prev[1], array):
            return prev[0]
        real = self.const(name, array)
        self.shared_consts[name] = (real, array)
        return real

    def ints(self, name, values):
        return self.shared(name, np.array(values, dtype=np.int64))

    def scalar(self, name, value):
        return self.shared(name, np.array(value, dtype=np.float32))

    def weight(self, name, shape, std):
        return self.const(name, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def uniform(self, name, shape, lo, hi):
        return self.const(name, self.rng.uniform(lo, hi, size=shape).astype(np.float32))

    def op(self, op_type, inputs, n_out=1, out=None, **attrs):
        base = out or op_type.lower()
        outs = [self.fresh(base) for _ in range(n_out)] if out is None or n_out > 1 else [out]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self.fresh('n_' + op_type), **attrs))
        return outs[0] if n_out == 1 else outs

    def output(self, tensor, elem=TensorProto.FLOAT, shape=None):
        self.outputs.append(helper.make_tensor_value_info(tensor, elem, shape))

    def model(self, doc):
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(graph, producer_name='kiln-gen_golden', producer_version='1',
                              opset_imports=[helper.make_opsetid('', OPSET)], doc_string=doc)
        m.ir_version = IR_VERSION
        return m

    def bn(self, x, channels, prefix):
        """BatchNormalization with non-trivial running statistics and affine parameters."""
        scale = self.uniform(prefix + '_gamma', [channels], 0.6, 1.4)
        bias = self.weight(prefix + '_beta', [channels], 0.2)
        mean = self.weight(prefix + '_mean', [channels], 0.3)
        var = self.uniform(prefix + '_var', [channels], 0.4, 2.0)
        return self.op('BatchNormalization', [x, scale, bias, mean, var], epsilon=1e-5)


def f32(v):
    """A constant as the model stores it: ONNX float attributes and float32 initializers are float32."""
    return float(np.float32(v))


def he(fan_in):
    return math.sqrt(2.0 / fan_in)


# ------------------------------------------------------------------------------------------------
# Models. Each builder returns the Graph; each torch_* function recomputes the same model from its
# weights with torch in float64, independently of the numpy interpreter.


def build_mlp(seed):
    g = Graph('mlp', seed)
    x = g.input('x', g.rng.standard_normal((4, 16)).astype(np.float32))
    h = g.op('Gemm', [x, g.weight('w1', [32, 16], he(16)), g.weight('b1', [32], 0.3)], transB=1)
    h = g.op('Relu', [h])
    h = g.op('MatMul', [h, g.weight('w2', [32, 24], he(32))])
    h = g.op('Add', [h, g.weight('b2', [24], 0.3)])
    h = g.op('Tanh', [h])
    h = g.op('Gemm', [h, g.weight('w3', [24, 24], 2 * he(24)), g.weight('b3', [24], 0.5)], alpha=0.5, beta=1.5)
    h = g.op('Sigmoid', [h])
    h = g.op('MatMul', [h, g.weight('w4', [24, 10], 3 * he(24))])
    h = g.op('Add', [h, g.weight('b4', [10], 0.5)])
    g.op('Softmax', [h], out='y', axis=-1)
    g.output('y', shape=[4, 10])
    return g


def torch_mlp(t, F, w, x):
    h = F.relu(F.linear(x, w['w1'], w['b1']))
    h = t.tanh(h @ w['w2'] + w['b2'])
    h = t.sigmoid(t.addmm(w['b3'], h, w['w3'], beta=1.5, alpha=0.5))
    return [F.softmax(h @ w['w4'] + w['b4'], dim=-1)]


def build_mlp_dynamic(seed):
    g = Graph('mlp_dynamic', seed)
    x = g.input('x', g.rng.standard_normal((2, 16)).astype(np.float32), shape=['N', 16])
    g.meta_shapes = {'x': [2, 16]}
    g.dim_values = {'N': 2}
    h = g.op('Gemm', [x, g.weight('w1', [24, 16], he(16)), g.weight('b1', [24], 0.3)], transB=1)
    h = g.op('Relu', [h])
    h = g.op('MatMul', [h, g.weight('w2', [24, 8], 2 * he(24))])
    h = g.op('Add', [h, g.weight('b2', [8], 0.3)])
    g.op('Softmax', [h], out='y', axis=1)
    g.output('y', shape=['N', 8])
    return g


def torch_mlp_dynamic(t, F, w, x):
    h = F.relu(F.linear(x, w['w1'], w['b1']))
    return [F.softmax(h @ w['w2'] + w['b2'], dim=1)]


def build_cnn(seed):
    g = Graph('cnn', seed)
    x = g.input('x', g.rng.standard_normal((2, 3, 16, 16)).astype(np.float32))
    h = g.op('Conv', [x, g.weight('c1_w', [8, 3, 3, 3], he(27)), g.weight('c1_b', [8], 0.2)],
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    h = g.bn(h, 8, 'bn1')
    h = g.op('Relu', [h])
    h = g.op('MaxPool', [h], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    # Asymmetric padding (begin H, begin W, end H, end W) = (0, 0, 1, 1), as TensorFlow's SAME.
    h = g.op('Conv', [h, g.weight('c2_w', [16, 8, 3, 3], 3 * he(72)), g.weight('c2_b', [16], 1.0)],
             kernel_shape=[3, 3], pads=[0, 0, 1, 1], strides=[2, 2])
    h = g.op('Clip', [h, g.scalar('relu6_min', 0.0), g.scalar('relu6_max', 6.0)])
    h = g.op('AveragePool', [h], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=0)
    h = g.op('GlobalAveragePool', [h])
    h = g.op('Flatten', [h], axis=1)
    g.op('Gemm', [h, g.weight('fc_w', [10, 16], he(16)), g.weight('fc_b', [10], 0.1)], out='y', transB=1)
    g.output('y', shape=[2, 10])
    return g


def torch_bn(F, w, x, p):
    return F.batch_norm(x, w[p + '_mean'], w[p + '_var'], w[p + '_gamma'], w[p + '_beta'], training=False, eps=1e-5)


def torch_cnn(t, F, w, x):
    h = F.conv2d(x, w['c1_w'], w['c1_b'], stride=1, padding=1)
    h = F.relu(torch_bn(F, w, h, 'bn1'))
    h = F.max_pool2d(h, 3, stride=2, padding=1)
    h = F.conv2d(F.pad(h, (0, 1, 0, 1)), w['c2_w'], w['c2_b'], stride=2)
    h = F.hardtanh(h, 0.0, 6.0)
    h = F.avg_pool2d(h, 3, stride=1, padding=1, count_include_pad=False)
    h = t.flatten(F.adaptive_avg_pool2d(h, 1), 1)
    return [F.linear(h, w['fc_w'], w['fc_b'])]


def build_residual(seed):
    g = Graph('residual', seed)
    x = g.input('x', g.rng.standard_normal((1, 8, 16, 16)).astype(np.float32))

    def conv(h, cin, cout, k, stride, name):
        p = k // 2
        return g.op('Conv', [h, g.weight(name, [cout, cin, k, k], he(cin * k * k))],
                    kernel_shape=[k, k], pads=[p, p, p, p], strides=[stride, stride])

    # Block 1: identity shortcut.
    h = g.op('Relu', [g.bn(conv(x, 8, 8, 3, 1, 'b1_c1'), 8, 'b1_bn1')])
    h = g.bn(conv(h, 8, 8, 3, 1, 'b1_c2'), 8, 'b1_bn2')
    b1 = g.op('Relu', [g.op('Add', [h, x])], out='block1')
    # Block 2: stride 2, 8 -> 16 channels, 1x1 strided projection shortcut.
    h = g.op('Relu', [g.bn(conv(b1, 8, 16, 3, 2, 'b2_c1'), 16, 'b2_bn1')])
    h = g.bn(conv(h, 16, 16, 3, 1, 'b2_c2'), 16, 'b2_bn2')
    s = g.bn(conv(b1, 8, 16, 1, 2, 'b2_proj'), 16, 'b2_bnp')
    g.op('Relu', [g.op('Add', [h, s])], out='y')
    g.output('y', shape=[1, 16, 8, 8])
    return g


def torch_residual(t, F, w, x):
    def cbn(h, c, bn, stride, pad):
        return torch_bn(F, w, F.conv2d(h, w[c], None, stride=stride, padding=pad), bn)

    h = F.relu(cbn(x, 'b1_c1', 'b1_bn1', 1, 1))
    b1 = F.relu(cbn(h, 'b1_c2', 'b1_bn2', 1, 1) + x)
    h = F.relu(cbn(b1, 'b2_c1', 'b2_bn1', 2, 1))
    h = cbn(h, 'b2_c2', 'b2_bn2', 1, 1)
    return [F.relu(h + cbn(b1, 'b2_proj', 'b2_bnp', 2, 0))]


def build_depthwise(seed):
    g = Graph('depthwise', seed)
    x = g.input('x', (g.rng.standard_normal((1, 8, 12, 12)) * 2).astype(np.float32))
    # Depthwise 3x3 (group = channels) with bias, then HardSwish.
    d1 = g.op('Conv', [x, g.weight('dw1_w', [8, 1, 3, 3], he(9)), g.weight('dw1_b', [8], 0.5)],
              kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=8)
    a = g.op('HardSwish', [d1])
    # Pointwise 1x1 expansion, squeeze-excitation style gate with ReduceMean + HardSigmoid (defaults).
    p = g.op('Conv', [a, g.weight('pw_w', [16, 8, 1, 1], he(8)), g.weight('pw_b', [16], 3.0)], kernel_shape=[1, 1])
    gate = g.op('HardSigmoid', [g.op('ReduceMean', [p], axes=[2, 3], keepdims=1)])
    c = g.op('LeakyRelu', [g.op('Mul', [p, gate])], alpha=0.1)
    # Constant padding with a non-zero value, then an unpadded depthwise 3x3 without bias.
    xp = g.op('Pad', [x, g.ints('pad1', [0, 0, 1, 1, 0, 0, 1, 1]), g.scalar('pad_value', 0.25)], mode='constant')
    d2 = g.op('Conv', [xp, g.weight('dw2_w', [8, 1, 3, 3], he(9))], kernel_shape=[3, 3], group=8)
    # Reflect padding by 2, then a depthwise 5x5 without bias.
    ar = g.op('Pad', [a, g.ints('pad2', [0, 0, 2, 2, 0, 0, 2, 2])], mode='reflect')
    d3 = g.op('Conv', [ar, g.weight('dw3_w', [8, 1, 5, 5], he(25))], kernel_shape=[5, 5], group=8)
    feat = g.op('Concat', [c, d2, d3], out='features', axis=1)
    g.op('ReduceMean', [feat], out='pooled', axes=[2, 3], keepdims=0)
    g.output('features', shape=[1, 32, 12, 12])
    g.output('pooled', shape=[1, 32])
    return g


def torch_depthwise(t, F, w, x):
    a = F.hardswish(F.conv2d(x, w['dw1_w'], w['dw1_b'], padding=1, groups=8))
    p = F.conv2d(a, w['pw_w'], w['pw_b'])
    gate = t.clamp(0.2 * p.mean(dim=(2, 3), keepdim=True) + 0.5, 0.0, 1.0)
    c = F.leaky_relu(p * gate, f32(0.1))
    d2 = F.conv2d(F.pad(x, (1, 1, 1, 1), value=0.25), w['dw2_w'], groups=8)
    d3 = F.conv2d(F.pad(a, (2, 2, 2, 2), mode='reflect'), w['dw3_w'], groups=8)
    feat = t.cat([c, d2, d3], dim=1)
    return [feat, feat.mean(dim=(2, 3))]


ATT = dict(B=2, T=8, D=32, H=4, V=20, FF=64, MAXPOS=16, PAD=0)


def build_attention(seed):
    B, T, D, H, V, FF = (ATT[k] for k in ('B', 'T', 'D', 'H', 'V', 'FF'))
    dh = D // H
    g = Graph('attention', seed)
    ids = g.rng.integers(1, V, size=(B, T)).astype(np.int64)
    ids[0, T - 3:] = ATT['PAD']  # row 0 ends with padding, row 1 has none
    ids = g.input('ids', ids)

    # Token embedding (Gather on a constant table) + learned positions sliced to the sequence length,
    # which is computed from the input's shape: Shape -> Gather.
    emb = g.op('Gather', [g.weight('tok_emb', [V, D], 1.0), ids], axis=0)
    seq_len = g.op('Gather', [g.op('Shape', [ids]), g.ints('idx_seq', [1])], axis=0)
    pos = g.op('Slice', [g.weight('pos_emb', [ATT['MAXPOS'], D], 0.5), g.ints('zero', [0]), seq_len, g.ints('axis0', [0])])
    x = g.op('Add', [emb, pos])

    # Padding masks: Equal on the int64 ids; additive mask via Cast; keep-mask via Where.
    is_pad = g.op('Equal', [ids, g.const('pad_id', np.array(ATT['PAD'], dtype=np.int64))])
    add_mask = g.op('Mul', [g.op('Cast', [is_pad], to=TensorProto.FLOAT), g.scalar('neg_big', -1e4)])
    add_mask = g.op('Unsqueeze', [add_mask, g.ints('axes12', [1, 2])])  # [B,1,1,T]
    keep = g.op('Where', [is_pad, g.scalar('zero_f', 0.0), g.scalar('one_f', 1.0)])  # [B,T]

    # Multi-head self-attention. Head split shape = Concat(Shape(x)[0:2], [H, dh]).
    bt = g.op('Gather', [g.op('Shape', [x]), g.ints('idx_bt', [0, 1])], axis=0)
    head_shape = g.op('Concat', [bt, g.ints('heads', [H, dh])], axis=0)

    def proj(inp, name):
        return g.op('Add', [g.op('MatMul', [inp, g.weight(name + '_w', [D, D], 1.0 / math.sqrt(D))]),
                            g.weight(name + '_b', [D], 0.1)])

    q = g.op('Transpose', [g.op('Reshape', [proj(x, 'q'), head_shape])], perm=[0, 2, 1, 3])  # [B,H,T,dh]
    k = g.op('Transpose', [g.op('Reshape', [proj(x, 'k'), head_shape])], perm=[0, 2, 3, 1])  # [B,H,dh,T]
    v = g.op('Transpose', [g.op('Reshape', [proj(x, 'v'), head_shape])], perm=[0, 2, 1, 3])  # [B,H,T,dh]
    scores = g.op('Div', [g.op('MatMul', [q, k]), g.scalar('sqrt_dh', math.sqrt(dh))])
    probs = g.op('Softmax', [g.op('Add', [scores, add_mask])], axis=-1)
    ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], perm=[0, 2, 1, 3])  # [B,T,H,dh]
    ctx = g.op('Reshape', [ctx, g.ints('merge_heads', [0, 0, -1])])  # [B,T,D]
    h = g.op('Add', [x, proj(ctx, 'o')])
    h = g.op('LayerNormalization', [h, g.uniform('ln1_g', [D], 0.7, 1.3), g.weight('ln1_b', [D], 0.1)],
             axis=-1, epsilon=1e-5)

    # Feed-forward with erf GELU: 0.5 * y * (1 + erf(y / sqrt 2)).
    f = g.op('Add', [g.op('MatMul', [h, g.weight('ff1_w', [D, FF], he(D))]), g.weight('ff1_b', [FF], 0.1)])
    e = g.op('Erf', [g.op('Div', [f, g.scalar('sqrt2', math.sqrt(2.0))])])
    f = g.op('Mul', [g.op('Mul', [f, g.op('Add', [e, g.scalar('one', 1.0)])]), g.scalar('half', 0.5)])
    f = g.op('Add', [g.op('MatMul', [f, g.weight('ff2_w', [FF, D], he(FF))]), g.weight('ff2_b', [D], 0.1)])
    hidden = g.op('LayerNormalization', [g.op('Add', [h, f]), g.uniform('ln2_g', [D], 0.7, 1.3),
                                         g.weight('ln2_b', [D], 0.1)], out='hidden', axis=-1, epsilon=1e-5)

    # Pooling heads: Split channels in two; max over time of the first half; masked mean over time of
    # the second half (mask broadcast with Expand); odd channels of the first token (Slice, Squeeze).
    first, second = g.op('Split', [hidden, g.ints('split', [D // 2, D // 2])], n_out=2, out='half', axis=2)
    mx = g.op('ReduceMax', [first], axes=[1], keepdims=0)  # [B,D/2]
    keep3 = g.op('Expand', [g.op('Unsqueeze', [keep, g.ints('axis2', [2])]), g.ints('expand_to', [1, 1, D // 2])])
    total = g.op('ReduceSum', [g.op('Mul', [second, keep3]), g.ints('axis1', [1])], keepdims=0)  # [B,D/2]
    count = g.op('ReduceSum', [keep, g.ints('axis1', [1])], keepdims=1)  # [B,1]
    mean = g.op('Div', [total, count])
    tok0 = g.op('Slice', [hidden, g.ints('zero', [0]), g.ints('one_i', [1]), g.ints('axis1', [1])])  # [B,1,D]
    tok0 = g.op('Squeeze', [tok0, g.ints('axis1', [1])])  # [B,D]
    odd = g.op('Slice', [tok0, g.ints('one_i', [1]), g.ints('d_end', [D]), g.ints('axis1', [1]), g.ints('two', [2])])
    g.op('Concat', [mx, mean, odd], out='pooled', axis=1)
    g.output('hidden', shape=[B, T, D])
    g.output('pooled', shape=[B, D // 2 * 3])
    return g


def torch_attention(t, F, w, ids):
    D, H = ATT['D'], ATT['H']
    T = ids.shape[1]
    x = F.embedding(ids, w['tok_emb']) + w['pos_emb'][:T]
    pad = ids == ATT['PAD']
    xt = x.transpose(0, 1)  # [T,B,D] for the functional MHA
    in_w = t.cat([w['q_w'].t(), w['k_w'].t(), w['v_w'].t()], dim=0)
    in_b = t.cat([w['q_b'], w['k_b'], w['v_b']])
    att, _ = F.multi_head_attention_forward(xt, xt, xt, D, H, in_w, in_b, None, None, False, 0.0,
                                            w['o_w'].t(), w['o_b'], training=False, key_padding_mask=pad,
                                            need_weights=False)
    h = F.layer_norm(x + att.transpose(0, 1), (D,), w['ln1_g'], w['ln1_b'], eps=1e-5)
    f = F.linear(F.gelu(F.linear(h, w['ff1_w'].t(), w['ff1_b'])), w['ff2_w'].t(), w['ff2_b'])
    hidden = F.layer_norm(h + f, (D,), w['ln2_g'], w['ln2_b'], eps=1e-5)
    first, second = t.split(hidden, D // 2, dim=2)
    keep = (~pad).to(hidden.dtype)
    mean = (second * keep[:, :, None]).sum(dim=1) / keep.sum(dim=1, keepdim=True)
    pooled = t.cat([first.amax(dim=1), mean, hidden[:, 0, 1::2]], dim=1)
    return [hidden, pooled]


MODELS = {
    'mlp': (build_mlp, torch_mlp, 'Gemm(transB) + Relu, MatMul + Add, Tanh, Gemm(alpha, beta), Sigmoid, Softmax'),
    'mlp_dynamic': (build_mlp_dynamic, torch_mlp_dynamic, 'MLP with a symbolic batch dimension N (fed with N=2)'),
    'cnn': (build_cnn, torch_cnn, 'Conv + BatchNormalization + Relu + MaxPool, strided Conv with asymmetric pads + '
            'Clip (Relu6) + AveragePool + GlobalAveragePool, Flatten, Gemm'),
    'residual': (build_residual, torch_residual, 'two ResNet basic blocks: identity shortcut, then stride 2 with a '
                 '1x1 projection shortcut'),
    'depthwise': (build_depthwise, torch_depthwise, 'depthwise/pointwise convolutions, HardSwish, HardSigmoid gate, '
                  'LeakyRelu, constant and reflect Pad, Concat, ReduceMean'),
    'attention': (build_attention, torch_attention, 'embedding + multi-head self-attention + GELU feed-forward '
                  'with shape arithmetic, masks and pooling'),
}

# ------------------------------------------------------------------------------------------------
# numpy reference interpreter (float tensors are computed in float64)


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def opt(inputs, k):
    return inputs[k] if len(inputs) > k else None


def pool_out_size(size, k, s, pb, pe, d=1):
    return (size + pb + pe - d * (k - 1) - 1) // s + 1


def conv_fast(x, w, b, strides, pads, dilations, group):
    n, c, hgt, wid = x.shape
    m, cg, kh, kw = w.shape
    assert c == cg * group and m % group == 0
    oh = pool_out_size(hgt, kh, strides[0], pads[0], pads[2], dilations[0])
    ow = pool_out_size(wid, kw, strides[1], pads[1], pads[3], dilations[1])
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    out = np.zeros((n, m, oh, ow), dtype=x.dtype)
    mg = m // group
    for gi in range(group):
        xg = xp[:, gi * cg:(gi + 1) * cg]
        wg = w[gi * mg:(gi + 1) * mg]
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilations[0], j * dilations[1]
                patch = xg[:, :, r0:r0 + strides[0] * (oh - 1) + 1:strides[0], c0:c0 + strides[1] * (ow - 1) + 1:strides[1]]
                out[:, gi * mg:(gi + 1) * mg] += np.einsum('nchw,mc->nmhw', patch, wg[:, :, i, j])
    if b is not None:
        out += b.reshape(1, m, 1, 1)
    return out


def conv_naive(x, w, b, strides, pads, dilations, group):
    """Direct definition of a grouped 2-D convolution, one output element at a time."""
    n, c, hgt, wid = x.shape
    m, cg, kh, kw = w.shape
    mg = m // group
    oh = pool_out_size(hgt, kh, strides[0], pads[0], pads[2], dilations[0])
    ow = pool_out_size(wid, kw, strides[1], pads[1], pads[3], dilations[1])
    out = np.zeros((n, m, oh, ow))
    for oc in range(m):
        gi = oc // mg
        for y in range(oh):
            for xx in range(ow):
                acc = np.zeros(n) if b is None else np.full(n, b[oc])
                for i in range(kh):
                    r = y * strides[0] - pads[0] + i * dilations[0]
                    if r < 0 or r >= hgt:
                        continue
                    for j in range(kw):
                        col = xx * strides[1] - pads[1] + j * dilations[1]
                        if col < 0 or col >= wid:
                            continue
                        acc = acc + x[:, gi * cg:(gi + 1) * cg, r, col] @ w[oc, :, i, j]
                out[:, oc, y, xx] = acc
    return out


def pool_fast(x, kind, k, strides, pads, count_include_pad):
    n, c, hgt, wid = x.shape
    oh = pool_out_size(hgt, k[0], strides[0], pads[0], pads[2])
    ow = pool_out_size(wid, k[1], strides[1], pads[1], pads[3])
    fill = -np.inf if kind == 'max' else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])), constant_values=fill)
    ones = np.pad(np.ones((hgt, wid)), ((pads[0], pads[2]), (pads[1], pads[3])))
    acc = np.full((n, c, oh, ow), fill)
    cnt = np.zeros((oh, ow))
    for i in range(k[0]):
        for j in range(k[1]):
            sl = (slice(i, i + strides[0] * (oh - 1) + 1, strides[0]), slice(j, j + strides[1] * (ow - 1) + 1, strides[1]))
            win = xp[(slice(None), slice(None)) + sl]
            acc = np.maximum(acc, win) if kind == 'max' else acc + win
            cnt += ones[sl]
    if kind == 'max':
        return acc
    return acc / (k[0] * k[1] if count_include_pad else cnt)


def pool_naive(x, kind, k, strides, pads, count_include_pad):
    n, c, hgt, wid = x.shape
    oh = pool_out_size(hgt, k[0], strides[0], pads[0], pads[2])
    ow = pool_out_size(wid, k[1], strides[1], pads[1], pads[3])
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for xx in range(ow):
            vals = []
            for i in range(k[0]):
                for j in range(k[1]):
                    r, col = y * strides[0] - pads[0] + i, xx * strides[1] - pads[1] + j
                    if 0 <= r < hgt and 0 <= col < wid:
                        vals.append(x[:, :, r, col])
            stack = np.stack(vals)
            if kind == 'max':
                out[:, :, y, xx] = stack.max(axis=0)
            else:
                out[:, :, y, xx] = stack.sum(axis=0) / (k[0] * k[1] if count_include_pad else len(vals))
    return out


def norm_axes(axes, rank):
    return tuple(sorted(a + rank if a < 0 else a for a in axes))


def elem_dtype(onnx_type, float_dtype):
    if onnx_type in (TensorProto.FLOAT, TensorProto.DOUBLE):
        return float_dtype
    return mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]


class Interpreter:
    """Executes an ONNX graph with numpy, holding float tensors in `float_dtype`."""

    def __init__(self, float_dtype=np.float64, verify_loops=True):
        self.ft = float_dtype
        self.verify_loops = verify_loops
        self.values = {}

    def fix(self, a):
        a = np.asarray(a)
        return a.astype(self.ft) if a.dtype.kind == 'f' else a

    def run(self, model, feeds):
        g = model.graph
        env = {t.name: self.fix(numpy_helper.to_array(t)) for t in g.initializer}
        for vi, a in zip(g.input, feeds):
            env[vi.name] = self.fix(a)
        for node in g.node:
            ins = [env[n] if n else None for n in node.input]
            fn = getattr(self, 'op_' + node.op_type)
            outs = fn(node, ins)
            if not isinstance(outs, list):
                outs = [outs]
            assert len(outs) == len(node.output), node.op_type
            for name, v in zip(node.output, outs):
                env[name] = self.fix(v)
        self.values = env
        return [env[o.name] for o in g.output]

    # --- elementwise
    def op_Add(self, n, i): return i[0] + i[1]
    def op_Sub(self, n, i): return i[0] - i[1]
    def op_Mul(self, n, i): return i[0] * i[1]

    def op_Div(self, n, i):
        assert i[0].dtype.kind == 'f', 'integer Div is not used by the golden models'
        return i[0] / i[1]

    def op_Relu(self, n, i): return np.maximum(i[0], 0)
    def op_Sigmoid(self, n, i): return 1.0 / (1.0 + np.exp(-i[0]))
    def op_Tanh(self, n, i): return np.tanh(i[0])

    def op_Erf(self, n, i):
        return np.vectorize(math.erf, otypes=[np.float64])(i[0]).astype(i[0].dtype)

    def op_LeakyRelu(self, n, i):
        a = attr(n, 'alpha', 0.01)
        return np.where(i[0] >= 0, i[0], a * i[0])

    def op_HardSigmoid(self, n, i):
        return np.clip(attr(n, 'alpha', 0.2) * i[0] + attr(n, 'beta', 0.5), 0, 1)

    def op_HardSwish(self, n, i):
        return i[0] * np.clip(i[0] / 6 + 0.5, 0, 1)

    def op_Clip(self, n, i):
        lo, hi = opt(i, 1), opt(i, 2)
        y = i[0]
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        return y

    def op_Equal(self, n, i): return np.equal(i[0], i[1])
    def op_Where(self, n, i): return np.where(i[0], i[1], i[2])

    def op_Cast(self, n, i):
        return i[0].astype(elem_dtype(attr(n, 'to'), self.ft))

    # --- linear algebra
    def op_MatMul(self, n, i): return np.matmul(i[0], i[1])

    def op_Gemm(self, n, i):
        a = i[0].T if attr(n, 'transA', 0) else i[0]
        b = i[1].T if attr(n, 'transB', 0) else i[1]
        y = attr(n, 'alpha', 1.0) * (a @ b)
        c = opt(i, 2)
        return y if c is None else y + attr(n, 'beta', 1.0) * c

    def op_Softmax(self, n, i):
        ax = attr(n, 'axis', -1)
        e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
        return e / e.sum(axis=ax, keepdims=True)

    # --- convolution, normalisation, pooling
    def op_Conv(self, n, i):
        x, w, b = i[0], i[1], opt(i, 2)
        assert attr(n, 'auto_pad', b'NOTSET') in (b'NOTSET', 'NOTSET')
        assert list(attr(n, 'kernel_shape', w.shape[2:])) == list(w.shape[2:])
        strides = attr(n, 'strides', [1, 1])
        pads = attr(n, 'pads', [0, 0, 0, 0])
        dil = attr(n, 'dilations', [1, 1])
        group = attr(n, 'group', 1)
        y = conv_fast(x, w, b, strides, pads, dil, group)
        if self.verify_loops:
            np.testing.assert_allclose(y, conv_naive(x, w, b, strides, pads, dil, group), rtol=1e-10, atol=1e-12,
                                       err_msg='Conv %s: fast and naive implementations disagree' % n.name)
        return y

    def op_BatchNormalization(self, n, i):
        x, scale, bias, mean, var = i
        assert attr(n, 'training_mode', 0) == 0
        shp = (1, -1) + (1,) * (x.ndim - 2)
        eps = attr(n, 'epsilon', 1e-5)
        return (x - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + eps) * scale.reshape(shp) + bias.reshape(shp)

    def _pool(self, n, x, kind):
        assert attr(n, 'ceil_mode', 0) == 0 and attr(n, 'auto_pad', b'NOTSET') in (b'NOTSET', 'NOTSET')
        assert list(attr(n, 'dilations', [1, 1])) == [1, 1]
        k = attr(n, 'kernel_shape')
        strides = attr(n, 'strides', [1, 1])
        pads = attr(n, 'pads', [0, 0, 0, 0])
        cip = attr(n, 'count_include_pad', 0)
        y = pool_fast(x, kind, k, strides, pads, cip)
        if self.verify_loops:
            np.testing.assert_allclose(y, pool_naive(x, kind, k, strides, pads, cip), rtol=1e-12, atol=1e-12,
                                       err_msg='%s: fast and naive implementations disagree' % n.name)
        return y

    def op_MaxPool(self, n, i):
        assert len(n.output) == 1
        return self._pool(n, i[0], 'max')

    def op_AveragePool(self, n, i): return self._pool(n, i[0], 'avg')
    def op_GlobalAveragePool(self, n, i): return i[0].mean(axis=tuple(range(2, i[0].ndim)), keepdims=True)

    def op_LayerNormalization(self, n, i):
        assert len(n.output) == 1
        x, scale, bias = i[0], i[1], opt(i, 2)
        ax = attr(n, 'axis', -1)
        axes = tuple(range(ax % x.ndim, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
        y = (x - mu) / np.sqrt(var + attr(n, 'epsilon', 1e-5)) * scale
        return y if bias is None else y + bias

    # --- reductions
    def _reduce(self, n, x, axes, fn):
        keep = attr(n, 'keepdims', 1)
        axes = tuple(range(x.ndim)) if axes is None or len(axes) == 0 else norm_axes(axes, x.ndim)
        return fn(x, axis=axes, keepdims=bool(keep))

    def op_ReduceMean(self, n, i): return self._reduce(n, i[0], attr(n, 'axes'), np.mean)
    def op_ReduceMax(self, n, i): return self._reduce(n, i[0], attr(n, 'axes'), np.max)

    def op_ReduceSum(self, n, i):
        axes = opt(i, 1)
        if (axes is None or axes.size == 0) and attr(n, 'noop_with_empty_axes', 0):
            return i[0]
        return self._reduce(n, i[0], None if axes is None else axes.tolist(), np.sum)

    # --- shape manipulation
    def op_Shape(self, n, i):
        s = np.array(i[0].shape, dtype=np.int64)
        r = len(s)
        start = attr(n, 'start', 0)
        end = attr(n, 'end', r)
        start, end = [min(max(v + r if v < 0 else v, 0), r) for v in (start, end)]
        return s[start:end]

    def op_Reshape(self, n, i):
        assert attr(n, 'allowzero', 0) == 0
        shape = [int(d) for d in i[1]]
        shape = [i[0].shape[k] if d == 0 else d for k, d in enumerate(shape)]
        return i[0].reshape(shape)

    def op_Flatten(self, n, i):
        ax = attr(n, 'axis', 1) % (i[0].ndim + 1)
        return i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)

    def op_Transpose(self, n, i):
        return np.transpose(i[0], attr(n, 'perm', list(range(i[0].ndim))[::-1]))

    def op_Concat(self, n, i): return np.concatenate(i, axis=attr(n, 'axis'))

    def op_Split(self, n, i):
        x, ax = i[0], attr(n, 'axis', 0) % i[0].ndim
        sizes = opt(i, 1)
        if sizes is None:
            sizes = [x.shape[ax] // len(n.output)] * len(n.output)
        assert sum(sizes) == x.shape[ax]
        return np.split(x, np.cumsum(sizes)[:-1], axis=ax)

    def op_Unsqueeze(self, n, i):
        x = i[0]
        axes = norm_axes(i[1].tolist(), x.ndim + len(i[1]))
        for a in axes:
            x = np.expand_dims(x, a)
        return x

    def op_Squeeze(self, n, i):
        axes = opt(i, 1)
        if axes is None:
            return np.squeeze(i[0])
        return np.squeeze(i[0], axis=norm_axes(axes.tolist(), i[0].ndim))

    def op_Expand(self, n, i):
        return np.broadcast_to(i[0], np.broadcast_shapes(i[0].shape, tuple(int(d) for d in i[1]))).copy()

    def op_Gather(self, n, i):
        data, idx = i
        ax = attr(n, 'axis', 0) % data.ndim
        idx = np.where(idx < 0, idx + data.shape[ax], idx)
        return np.take(data, idx, axis=ax)

    def op_Slice(self, n, i):
        data = i[0]
        starts, ends = i[1].tolist(), i[2].tolist()
        axes = i[3].tolist() if opt(i, 3) is not None else list(range(len(starts)))
        steps = i[4].tolist() if opt(i, 4) is not None else [1] * len(starts)
        out = data
        for st, en, ax, sp in zip(starts, ends, axes, steps):
            ax %= data.ndim
            dim = data.shape[ax]
            st = st + dim if st < 0 else st
            en = en + dim if en < 0 else en
            if sp > 0:
                st, en = min(max(st, 0), dim), min(max(en, 0), dim)
            else:
                st, en = min(max(st, 0), dim - 1), min(max(en, -1), dim - 1)
            out = np.take(out, np.arange(st, en, sp, dtype=np.int64), axis=ax)
        return out

    def op_Pad(self, n, i):
        x, pads = i[0], i[1].tolist()
        value = opt(i, 2)
        r = x.ndim
        assert all(p >= 0 for p in pads), 'negative pads are not used by the golden models'
        width = [(pads[k], pads[k + r]) for k in range(r)]
        mode = attr(n, 'mode', b'constant')
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode == 'constant':
            return np.pad(x, width, mode='constant', constant_values=0 if value is None else value.item())
        return np.pad(x, width, mode={'reflect': 'reflect', 'edge': 'edge'}[mode])


# ------------------------------------------------------------------------------------------------
# Self-checks


def check_coverage(model, values):
    """Piecewise-linear ops must see inputs on every side of their break points."""
    problems = []
    for node in model.graph.node:
        x = values.get(node.input[0]) if node.input else None
        if x is None or x.dtype.kind != 'f':
            continue

        def need(label, mask):
            if not np.any(mask):
                problems.append('%s (%s): no input element with %s' % (node.name, node.op_type, label))

        if node.op_type in ('Relu', 'LeakyRelu'):
            need('x < 0', x < 0)
            need('x > 0', x > 0)
        elif node.op_type == 'Clip':
            lo, hi = values[node.input[1]], values[node.input[2]]
            need('x < min', x < lo)
            need('x > max', x > hi)
            need('min < x < max', (x > lo) & (x < hi))
        elif node.op_type == 'HardSwish':
            need('x < -3', x < -3)
            need('-3 < x < 3', np.abs(x) < 3)
            need('x > 3', x > 3)
        elif node.op_type == 'HardSigmoid':
            z = attr(node, 'alpha', 0.2) * x + attr(node, 'beta', 0.5)
            need('alpha*x+beta < 0', z < 0)
            need('0 < alpha*x+beta < 1', (z > 0) & (z < 1))
            need('alpha*x+beta > 1', z > 1)
    return problems


# The torch code uses exact constants (e.g. 1/sqrt(dh) inside multi_head_attention_forward) where the
# models hold float32-rounded ones, so the two float64 computations differ in the 8th digit; any
# real semantic difference (padding order, epsilon placement, wrong axis) is orders of magnitude larger.
TORCH_RTOL = 1e-6
TORCH_ATOL = 1e-7


def run_torch_check(name, model, feeds, outputs, torch_fn):
    import torch
    import torch.nn.functional as F
    def to_torch(a):
        return torch.from_numpy(a.astype(np.float64) if a.dtype.kind == 'f' else a.copy())

    w = {t.name: to_torch(numpy_helper.to_array(t)) for t in model.graph.initializer}
    args = [to_torch(a) for a in feeds]
    with torch.no_grad():
        got = torch_fn(torch, F, w, *args)
    assert len(got) == len(outputs), name
    worst = 0.0
    for k, (t_out, np_out) in enumerate(zip(got, outputs)):
        t_np = t_out.numpy()
        assert t_np.shape == np_out.shape, '%s output %d: torch shape %s, numpy %s' % (name, k, t_np.shape, np_out.shape)
        np.testing.assert_allclose(np_out, t_np, rtol=TORCH_RTOL, atol=TORCH_ATOL,
                                   err_msg='%s output %d: numpy and torch references disagree' % (name, k))
        worst = max(worst, float(np.max(np.abs(np_out - t_np))) if np_out.size else 0.0)
    return worst


def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return False


# ------------------------------------------------------------------------------------------------


def generate(name, out_root, torch_mode):
    build, torch_fn, doc = MODELS[name]
    seed = BASE_SEED + zlib.crc32(name.encode('ascii'))
    g = build(seed)
    model = g.model('Kiln golden model "%s": %s. Generated by golden/gen_golden.py.' % (name, doc))
    onnx.checker.check_model(model, full_check=True)

    interp = Interpreter(np.float64)
    ref = interp.run(model, g.feeds)
    problems = check_coverage(model, interp.values)
    if problems:
        raise SystemExit('%s: the golden inputs do not exercise every branch:\n  %s' % (name, '\n  '.join(problems)))

    # Shape inference must agree with what the interpreter computed.
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for vi, a in zip(inferred.graph.output, ref):
        dims = [d.dim_value if d.HasField('dim_value') else g.dim_values[d.dim_param]
                for d in vi.type.tensor_type.shape.dim]
        assert tuple(dims) == a.shape, '%s: output %s inferred %s, computed %s' % (name, vi.name, dims, a.shape)

    torch_note = 'torch check skipped'
    if torch_mode != 'skip':
        if torch_available():
            worst = run_torch_check(name, model, g.feeds, ref, torch_fn)
            torch_note = 'torch agrees (max |diff| %.1e)' % worst
        elif torch_mode == 'require':
            raise SystemExit('torch cannot be imported, and --torch require was given')
        else:
            torch_note = 'torch not importable: check skipped'

    # How far a float32 execution of the same graph lands from the float64 reference.
    ref32 = Interpreter(np.float32, verify_loops=False).run(model, g.feeds)
    dev = max(float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(ref32, ref))

    out_types = [vi.type.tensor_type.elem_type for vi in model.graph.output]
    folder = os.path.join(out_root, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    onnx.save(model, os.path.join(folder, 'model.onnx'))
    for k, a in enumerate(g.feeds):
        np.save(os.path.join(folder, 'input_%d.npy' % k), a)
    for k, (a, t) in enumerate(zip(ref, out_types)):
        np.save(os.path.join(folder, 'output_%d.npy' % k), a.astype(mapping.TENSOR_TYPE_TO_NP_TYPE[t]))
    if g.meta_shapes:
        with open(os.path.join(folder, 'meta.json'), 'w') as f:
            json.dump({'input_shapes': g.meta_shapes}, f)
            f.write('\n')

    print('%-12s %2d nodes, %5d weights; outputs %s, max |y| %.3g; a float32 run deviates by %.1e; %s'
          % (name, len(model.graph.node), sum(int(np.prod(t.dims)) for t in model.graph.initializer),
             ' '.join(str(list(a.shape)).replace(' ', '') for a in ref), max(float(np.max(np.abs(a))) for a in ref),
             dev, torch_note))
    return model


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('names', nargs='*', help='models to generate (default: all): ' + ', '.join(sorted(MODELS)))
    ap.add_argument('--out', default=os.path.join(here, 'models'), help='output folder (default: golden/models)')
    ap.add_argument('--torch', choices=('auto', 'require', 'skip'), default='auto',
                    help='cross-check every model against torch: when importable (auto, default), always, never')
    ap.add_argument('--ops', action='store_true', help='print the ops and attributes each model uses')
    args = ap.parse_args()
    names = args.names or sorted(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error('unknown model(s) %s; known: %s' % (', '.join(unknown), ', '.join(sorted(MODELS))))
    os.makedirs(args.out, exist_ok=True)
    for name in names:
        model = generate(name, args.out, args.torch)
        if args.ops:
            print_inventory(model)


if __name__ == '__main__':
    sys.exit(main())
