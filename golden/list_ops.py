#!/usr/bin/python3
"""Lists the operators, node counts and distinct attribute sets used by ONNX models.

Usage:  /usr/bin/python3 golden/list_ops.py MODEL.onnx...
"""

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def render(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float):
        return '%.9g' % value
    if isinstance(value, list):
        return '[' + ','.join(render(e) for e in value) + ']'
    if isinstance(value, onnx.TensorProto):
        a = numpy_helper.to_array(value)
        shape = 'x'.join(str(d) for d in a.shape)
        body = ','.join(render(e) for e in a.ravel().tolist()) if a.size <= 4 else '...'
        return 'tensor(%s[%s]:%s)' % (a.dtype.name, shape, body)
    if isinstance(value, (np.floating, np.integer)):
        return render(value.item())
    return str(value)


def op_inventory(model):
    """op type -> (node count, sorted distinct attribute sets rendered as 'a=v b=w', '-' for none)."""
    inv = {}
    for node in model.graph.node:
        parts = ['%s=%s' % (a.name, render(helper.get_attribute_value(a)))
                 for a in sorted(node.attribute, key=lambda a: a.name)]
        count, sets = inv.get(node.op_type, (0, set()))
        sets.add(' '.join(parts) or '-')
        inv[node.op_type] = (count + 1, sets)
    return {op: (c, sorted(s)) for op, (c, s) in sorted(inv.items())}


def print_inventory(model, indent='    '):
    for op, (count, sets) in op_inventory(model).items():
        print('%s%-19s x%-3d %s' % (indent, op, count, ' | '.join(sets)))


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for p in paths:
        m = onnx.load(p)
        print('%s (opset %s, %d nodes)' % (p, ','.join('%s:%d' % (o.domain or 'ai.onnx', o.version)
                                                      for o in m.opset_import), len(m.graph.node)))
        print_inventory(m)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
