package kiln.importer.convert;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kiln.diag.KilnError;
import kiln.importer.onnx.OnnxNode;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.relax.op.OpTypeError;
import kiln.tir.NDArray;

/** What a converter sees of one node: its inputs as graph values, its attributes, the opset, a builder. */
public final class ConvertContext {
    private final OnnxNode node;
    private final long opset;
    private final Map<String, Expr> values;
    private final BlockBuilder bb;
    private final Set<String> graphInputs;
    private int callCount;

    /** {@code graphInputs}: the names of the graph inputs given at run time (named in constant-required errors). */
    ConvertContext(OnnxNode node, long opset, Map<String, Expr> values, BlockBuilder bb, Set<String> graphInputs) {
        this.graphInputs = graphInputs;
        this.node = node;
        this.opset = opset;
        this.values = values;
        this.bb = bb;
    }

    public OnnxNode node() { return node; }

    /** The model's ai.onnx opset version. */
    public long opset() { return opset; }

    public int numInputs() { return node.inputs().size(); }

    /** Whether optional input {@code i} is given (present and not the empty name). */
    public boolean hasInput(int i) {
        return i < node.inputs().size() && !node.inputs().get(i).isEmpty();
    }

    public Expr input(int i) {
        if (!hasInput(i)) throw error("required input " + i + " is missing");
        Expr e = values.get(node.inputs().get(i));
        if (e == null) throw error("input '" + node.inputs().get(i) + "' is not produced by any earlier node, initializer or graph input");
        return e;
    }

    public Type.TensorType type(int i) {
        Type t = input(i).type();
        if (t instanceof Type.TensorType tt) return tt;
        throw error("input " + i + " is not a tensor");
    }

    public int rank(int i) { return type(i).rank(); }

    /** The value of an input that must be known at compile time (shape, axes, pads, ...). */
    public NDArray constInput(int i, String what) {
        Expr e = input(i);
        if (e instanceof Expr.Constant c) return c.value();
        String name = node.inputs().get(i);
        if (graphInputs.contains(name)) {
            throw error("input " + i + " (" + what + ") must be a compile-time constant, but it is graph input '" + name
                    + "', given at run time; freeze it to a value with --bind " + name + "=FILE.npy");
        }
        throw error("input " + i + " (" + what + ") must be a compile-time constant, but it is computed at run time; "
                + "Kiln needs static shapes: export the model with constant " + what + ", or fix input shapes with --input-shape");
    }

    public long[] constInputLongs(int i, String what) {
        NDArray a = constInput(i, what);
        if (a.dtype().isFloat()) throw error("input " + i + " (" + what + ") must be an integer tensor, got " + a.dtype().irName());
        return a.toLongArray();
    }

    /** Emits a graph op call on behalf of this node. */
    public Expr call(String op, Attrs attrs, Expr... args) {
        return call(op, attrs, Arrays.asList(args));
    }

    public Expr call(String op, Attrs attrs, List<Expr> args) {
        String hint = node.outputs().isEmpty() || node.outputs().get(0).isEmpty() ? node.name() : node.outputs().get(0);
        if (callCount++ > 0) hint = hint + "_" + op;
        try {
            return bb.call(op, args, attrs, hint, List.of(node.name()));
        } catch (OpTypeError e) {
            throw error(e.getMessage());
        }
    }

    public Expr constant(NDArray value, String nameHint) {
        return new Expr.Constant(value, nameHint);
    }

    /** A normalized axis in [0, rank), accepting negative ONNX axes. */
    public int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw error("axis " + axis + " is out of range for a tensor of rank " + rank);
        return (int) a;
    }

    /** A user-facing error naming this node, its op and the opset. */
    public KilnError error(String message) {
        return new KilnError("node '" + node.name() + "' (" + node.opType() + ", opset " + opset + "): " + message);
    }
}
