package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Type;
import kiln.tir.NDArray;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Transform;

/** Shape and data-movement ops. Shapes are static attributes (ONNX shape inputs are folded at import). */
public final class TransformOps {
    private TransformOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("reshape", Pattern.INJECTIVE, (args, at) -> {
            arity(args, 1, 1);
            Type.TensorType a = arg(args, 0);
            List<Long> shape = at.getLongs("shape");
            require(NDArray.numel(shape) == a.numel(), "cannot reshape " + a + " to " + shape);
            return new Type.TensorType(shape, a.dtype());
        }, single((a, at, out) -> Transform.reshape(a.get(0), out.shape()))));
        return ops;
    }
}
