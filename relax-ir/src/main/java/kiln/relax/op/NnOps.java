package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Type;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Broadcast;
import kiln.tir.topi.Nn;

/** Neural-network ops: matmul, convolutions, pooling, normalization. */
public final class NnOps {
    private NnOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("matmul", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            arity(args, 2, 2);
            Type.TensorType a = arg(args, 0), b = arg(args, 1);
            require(a.dtype() == b.dtype(), "operand types differ: " + a.dtype().irName() + " vs " + b.dtype().irName());
            require(a.rank() >= 1 && b.rank() >= 1, "matmul operands must have rank >= 1");
            long ka = a.dim(a.rank() - 1), kb = b.rank() == 1 ? b.dim(0) : b.dim(b.rank() - 2);
            require(ka == kb, "inner dimensions differ: " + a + " x " + b);
            List<Long> ba = a.rank() > 2 ? a.shape().subList(0, a.rank() - 2) : List.of();
            List<Long> bb = b.rank() > 2 ? b.shape().subList(0, b.rank() - 2) : List.of();
            List<Long> batch = Broadcast.shape(ba, bb);
            require(batch != null, "batch dimensions do not broadcast: " + a + " x " + b);
            List<Long> out = new ArrayList<>(batch);
            if (a.rank() > 1) out.add(a.dim(a.rank() - 2));
            if (b.rank() > 1) out.add(b.dim(b.rank() - 1));
            return new Type.TensorType(out, a.dtype());
        }, single((a, at, out) -> Nn.matmul(a.get(0), a.get(1), out.shape()))));
        return ops;
    }
}
