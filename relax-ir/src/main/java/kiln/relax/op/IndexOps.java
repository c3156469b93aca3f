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
import kiln.tir.DType;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Einsum;
import kiln.tir.topi.Index;

/**
 * Data-dependent indexing ops. Index tensors are int32 or int64; negative indices count from the end.
 *
 * <ul>
 *   <li>{@code scatter_elements(data, indices, updates)}: attrs {@code axis} (normalized), {@code reduction}
 *       (none, add, mul, max, min; default none); indices and updates have one shape, of data's rank.</li>
 *   <li>{@code scatter_nd(data, indices, updates)}: attr {@code reduction}; indices [..., q] with q <= rank(data),
 *       updates indices.shape[:-1] + data.shape[q:].</li>
 *   <li>{@code topk_indices(x)}: attrs {@code axis} (normalized), {@code k}, {@code largest} (0/1, default 1):
 *       the int64 positions of the k best elements along the axis, best first, ties by lower index. The values are
 *       {@code gather_elements(x, topk_indices(x))}.</li>
 *   <li>{@code einsum(operands...)}: attr {@code equation} (ONNX Einsum's, with {@code ...} and implicit output).</li>
 *   <li>{@code eye_like(x)}: attrs {@code k} (diagonal offset), {@code dtype} (IR name, default x's type): a 2-D
 *       tensor of x's shape with ones on diagonal k.</li>
 * </ul>
 */
public final class IndexOps {
    private IndexOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("scatter_elements", Pattern.OPAQUE, (args, at) -> {
            arity(args, 3, 3);
            Type.TensorType data = arg(args, 0), idx = arg(args, 1), upd = arg(args, 2);
            indexType(idx);
            require(data.rank() >= 1, "cannot scatter into a scalar");
            require(idx.rank() == data.rank(), "indices " + idx + " must have the rank of data " + data);
            require(upd.shape().equals(idx.shape()), "updates " + upd + " must have the shape of indices " + idx);
            require(upd.dtype() == data.dtype(), "updates have type " + upd.dtype().irName() + " but data is " + data.dtype().irName());
            int axis = axis(at, data.rank());
            for (int d = 0; d < data.rank(); d++) {
                require(d == axis || idx.dim(d) <= data.dim(d), "indices " + idx + " exceed data " + data + " in dimension " + d);
            }
            reduction(at, data.dtype());
            return data;
        }, single((a, at, out) -> Index.scatterElements(a.get(0), a.get(1), a.get(2), axis(at, a.get(0).rank()),
                Index.Reduction.of(at.getString("reduction", "none"))))));

        ops.add(define("scatter_nd", Pattern.OPAQUE, (args, at) -> {
            arity(args, 3, 3);
            Type.TensorType data = arg(args, 0), idx = arg(args, 1), upd = arg(args, 2);
            indexType(idx);
            require(data.rank() >= 1, "cannot scatter into a scalar");
            require(idx.rank() >= 1, "indices must have rank >= 1, got " + idx);
            long q = idx.dim(idx.rank() - 1);
            require(q >= 1 && q <= data.rank(), "the last dim of indices " + idx + " must be between 1 and the rank of data " + data);
            List<Long> want = new ArrayList<>(idx.shape().subList(0, idx.rank() - 1));
            want.addAll(data.shape().subList((int) q, data.rank()));
            require(upd.shape().equals(want), "updates " + upd + " must have shape " + want);
            require(upd.dtype() == data.dtype(), "updates have type " + upd.dtype().irName() + " but data is " + data.dtype().irName());
            reduction(at, data.dtype());
            return data;
        }, single((a, at, out) -> Index.scatterND(a.get(0), a.get(1), a.get(2), Index.Reduction.of(at.getString("reduction", "none"))))));

        ops.add(define("topk_indices", Pattern.OPAQUE, (args, at) -> {
            arity(args, 1, 1);
            Type.TensorType x = arg(args, 0);
            require(x.rank() >= 1, "top-k of a scalar");
            require(x.dtype() != DType.BOOL, "top-k of a bool tensor is not supported");
            int axis = axis(at, x.rank());
            require(at.has("k"), "missing attribute k");
            long k = at.getLong("k");
            require(k >= 0 && k <= x.dim(axis), "k = " + k + " must be between 0 and the extent " + x.dim(axis) + " of axis " + axis);
            List<Long> shape = new ArrayList<>(x.shape());
            shape.set(axis, k);
            return new Type.TensorType(shape, DType.INT64);
        }, single((a, at, out) -> Index.topkIndices(a.get(0), axis(at, a.get(0).rank()), at.getLong("k"), at.getLong("largest", 1) != 0))));

        ops.add(define("eye_like", Pattern.INJECTIVE, (args, at) -> {
            arity(args, 1, 1);
            Type.TensorType x = arg(args, 0);
            require(x.rank() == 2, "input must be 2-D, got " + x);
            return new Type.TensorType(x.shape(), dtype(at, x.dtype()));
        }, single((a, at, out) -> Index.eyeLike(out.shape(), out.dtype(), at.getLong("k", 0)))));

        ops.add(define("einsum", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            require(!args.isEmpty(), "einsum needs at least one operand");
            require(at.has("equation"), "missing attribute equation");
            List<List<Long>> shapes = new ArrayList<>();
            DType t = arg(args, 0).dtype();
            for (int k = 0; k < args.size(); k++) {
                Type.TensorType a = arg(args, k);
                require(a.dtype() == t, "operand " + k + " has type " + a.dtype().irName() + " but operand 0 is " + t.irName());
                shapes.add(a.shape());
            }
            require(t != DType.BOOL, "einsum of bool tensors is not supported");
            try {
                return new Type.TensorType(Einsum.parse(at.getString("equation"), shapes).outShape(), t);
            } catch (IllegalArgumentException e) {
                throw new OpTypeError(e.getMessage());
            }
        }, single((a, at, out) -> Einsum.einsum(a, Einsum.parse(at.getString("equation"), a.stream().map(x -> x.shape()).toList())))));
        return ops;
    }

    private static void indexType(Type.TensorType idx) {
        require(idx.dtype() == DType.INT32 || idx.dtype() == DType.INT64, "indices must be int32 or int64, got " + idx.dtype().irName());
    }

    private static int axis(Attrs at, int rank) {
        long a = at.getLong("axis", 0);
        require(a >= 0 && a < rank, "axis " + a + " is out of range for rank " + rank);
        return (int) a;
    }

    private static void reduction(Attrs at, DType t) {
        String r = at.getString("reduction", "none");
        require(List.of("none", "add", "mul", "max", "min").contains(r), "reduction must be none, add, mul, max or min, got '" + r + "'");
    }

    private static DType dtype(Attrs at, DType dflt) {
        if (!at.has("dtype")) return dflt;
        try {
            return DType.fromIrName(at.getString("dtype"));
        } catch (IllegalArgumentException e) {
            throw new OpTypeError(e.getMessage());
        }
    }
}
