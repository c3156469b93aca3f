package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Tensor;
import kiln.tir.topi.Reduce;

/**
 * Reductions. Attrs: {@code axes} (sorted, non-negative, already normalized by the importer) and
 * {@code keepdims} (0/1).
 */
public final class ReduceOps {
    private ReduceOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("sum", Pattern.REDUCTION, ReduceOps::reduceType,
                single((a, at, out) -> Reduce.reduce("sum", a.get(0), axes(at), at.getLong("keepdims") != 0, Tensor.Combiner.SUM, x -> x))));
        return ops;
    }

    static List<Integer> axes(Attrs at) {
        return at.getLongs("axes").stream().map(Long::intValue).toList();
    }

    static Type reduceType(List<Type> args, Attrs at) {
        arity(args, 1, 1);
        Type.TensorType a = arg(args, 0);
        List<Integer> axes = axes(at);
        boolean keep = at.getLong("keepdims") != 0;
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < a.rank(); d++) {
            if (axes.contains(d)) {
                if (keep) out.add(1L);
            } else {
                out.add(a.dim(d));
            }
        }
        for (int ax : axes) require(ax >= 0 && ax < a.rank(), "axis " + ax + " out of range for " + a);
        return new Type.TensorType(out, a.dtype());
    }
}
