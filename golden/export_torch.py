#!/usr/bin/python3
"""Exports real network architectures from torch/torchvision to ONNX, with torch's outputs.

Usage:  /usr/bin/python3 golden/export_torch.py OUT_DIR [NAME...]

Writes OUT_DIR/<name>/model.onnx, input_0.npy and output_0.npy for each model (default: all of
resnet18, resnet50, mobilenet_v2, squeezenet1_1, efficientnet_b0, transformer_encoder). Models are built
with random initialisation (weights=None: nothing is downloaded), with fixed seeds, in eval mode,
and exported with opset 17 and constant folding. Every BatchNorm (and LayerNorm) gets random
running statistics and affine parameters, so BN folding and normalisation are really exercised.
The expected outputs are torch's own float32 outputs for the saved input.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import torch
import torchvision

OPSET = 17


def image_input(gen):
    return torch.randn(1, 3, 224, 224, generator=gen)


def make_transformer_encoder():
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True)
    return torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


MODELS = {
    'resnet18': (lambda: torchvision.models.resnet18(weights=None), image_input),
    'resnet50': (lambda: torchvision.models.resnet50(weights=None), image_input),
    'mobilenet_v2': (lambda: torchvision.models.mobilenet_v2(weights=None), image_input),
    'squeezenet1_1': (lambda: torchvision.models.squeezenet1_1(weights=None), image_input),
    'efficientnet_b0': (lambda: torchvision.models.efficientnet_b0(weights=None), image_input),
    'transformer_encoder': (make_transformer_encoder, lambda gen: torch.randn(1, 16, 64, generator=gen)),
}


def randomize_norms(model, gen):
    """Gives every BatchNorm random running stats and affine parameters, and every LayerNorm a
    random affine transform. Means and scales stay moderate so activations neither vanish nor
    explode through dozens of layers."""
    count = 0
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) * 0.8 + 0.6)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.1)
                count += 1
            elif isinstance(m, torch.nn.LayerNorm) and m.elementwise_affine:
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.8 + 0.6)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                count += 1
    return count


def export(name, out_root):
    build, make_input = MODELS[name]
    start = time.perf_counter()
    torch.manual_seed(0)
    model = build()
    norms = randomize_norms(model, torch.Generator().manual_seed(1))
    model.eval()
    x = make_input(torch.Generator().manual_seed(2))
    with torch.no_grad():
        y = model(x)
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, 'model.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, (x,), path, opset_version=OPSET, do_constant_folding=True,
                          input_names=['input'], output_names=['output'],
                          training=torch.onnx.TrainingMode.EVAL)
    np.save(os.path.join(folder, 'input_0.npy'), x.numpy())
    np.save(os.path.join(folder, 'output_0.npy'), y.numpy())
    params = sum(p.numel() for p in model.parameters())
    print('%-20s %5.1fM params, %2d norms randomized, input %s -> output %s, max |y| %.3g, %5.1f MB onnx, %.1f s'
          % (name, params / 1e6, norms, list(x.shape), list(y.shape), y.abs().max().item(),
             os.path.getsize(path) / 1e6, time.perf_counter() - start), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out_dir', help='folder that receives <name>/model.onnx, input_0.npy, output_0.npy')
    ap.add_argument('names', nargs='*', help='models to export (default: all): ' + ', '.join(MODELS))
    args = ap.parse_args()
    names = args.names or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error('unknown model(s) %s; known: %s' % (', '.join(unknown), ', '.join(MODELS)))
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    start = time.perf_counter()
    for name in names:
        export(name, args.out_dir)
    print('exported %d model(s) in %.1f s' % (len(names), time.perf_counter() - start))


if __name__ == '__main__':
    sys.exit(main())
