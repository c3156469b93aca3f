package kiln.tir.compute;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import kiln.tir.Buffer;
import kiln.tir.DType;
import kiln.tir.Expr;
import kiln.tir.Stmt;
import kiln.tir.Var;

/**
 * A tensor-level stage: an input placeholder, a compute defined by index arithmetic (optionally a
 * reduction), or an extern stage whose body is written directly as loop IR. Operators are built from
 * these; schedules rearrange the loops of computes; lowering turns them into loop nests.
 * Identity matters (a stage used twice is computed once), so these are classes, not records.
 */
public sealed interface Tensor permits Tensor.Placeholder, Tensor.Compute, Tensor.Extern {

    String name();

    DType dtype();

    List<Long> shape();

    /** Reads this tensor at the given indices (one per dimension). */
    default Expr at(Expr... idx) { return new Expr.TensorRead(this, List.of(idx)); }

    default Expr at(List<? extends Expr> idx) { return new Expr.TensorRead(this, List.copyOf(idx)); }

    default int rank() { return shape().size(); }

    /** Tensors this stage reads directly. */
    List<Tensor> inputs();

    /** A graph input or constant: bound to a buffer at run time. */
    final class Placeholder implements Tensor {
        private final String name;
        private final DType dtype;
        private final List<Long> shape;

        public Placeholder(String name, DType dtype, List<Long> shape) {
            this.name = Objects.requireNonNull(name);
            this.dtype = Objects.requireNonNull(dtype);
            this.shape = List.copyOf(shape);
        }

        @Override public String name() { return name; }
        @Override public DType dtype() { return dtype; }
        @Override public List<Long> shape() { return shape; }
        @Override public List<Tensor> inputs() { return List.of(); }
        @Override public String toString() { return "placeholder " + name + shape; }
    }

    /** How reduction values combine; each has an identity. */
    enum Combiner { SUM, PROD, MAX, MIN, AND, OR }

    /** A reduction axis with its extent. */
    record ReduceAxis(Var var, long extent) {
        public ReduceAxis {
            if (extent < 0) throw new IllegalArgumentException("negative reduction extent");
        }
    }

    /**
     * out[axes] = body (no reduction), or out[axes] = combine over reduceAxes of body.
     * {@code pattern} tells schedules and fusion what kind of access this is.
     */
    final class Compute implements Tensor {
        private final String name;
        private final List<Long> shape;
        private final List<Var> axes;
        private final List<ReduceAxis> reduceAxes;
        private final Combiner combiner;
        private final Expr body;
        private final Pattern pattern;
        private final List<Tensor> inputs;

        public Compute(String name, List<Long> shape, List<Var> axes, List<ReduceAxis> reduceAxes, Combiner combiner,
                       Expr body, Pattern pattern) {
            this.name = Objects.requireNonNull(name);
            this.shape = List.copyOf(shape);
            this.axes = List.copyOf(axes);
            this.reduceAxes = List.copyOf(reduceAxes);
            this.combiner = Objects.requireNonNull(combiner);
            this.body = Objects.requireNonNull(body);
            this.pattern = Objects.requireNonNull(pattern);
            if (this.shape.size() != this.axes.size()) throw new IllegalArgumentException("compute " + name + ": axes do not match shape");
            boolean reducing = pattern == Pattern.REDUCTION || pattern == Pattern.OUT_ELEMWISE_FUSABLE;
            if (reduceAxes.isEmpty() == reducing) {
                throw new IllegalArgumentException("compute " + name + ": reduction patterns iff reduce axes are present");
            }
            this.inputs = List.copyOf(ExprVisitor.tensorsRead(body));
        }

        @Override public String name() { return name; }
        @Override public DType dtype() { return body.dtype(); }
        @Override public List<Long> shape() { return shape; }
        public List<Var> axes() { return axes; }
        public List<ReduceAxis> reduceAxes() { return reduceAxes; }
        public Combiner combiner() { return combiner; }
        public Expr body() { return body; }
        public Pattern pattern() { return pattern; }
        public boolean isReduction() { return !reduceAxes.isEmpty(); }
        @Override public List<Tensor> inputs() { return inputs; }
        @Override public String toString() { return "compute " + name + shape; }
    }

    /** Builds the loop IR of an extern stage from its input and output buffers. */
    @FunctionalInterface
    interface ExternBody {
        Stmt build(List<Buffer> inputs, Buffer output);
    }

    /** A stage written directly in loop IR (sorting, scans, data-dependent writes). */
    final class Extern implements Tensor {
        private final String name;
        private final DType dtype;
        private final List<Long> shape;
        private final List<Tensor> inputs;
        private final ExternBody body;

        public Extern(String name, DType dtype, List<Long> shape, List<Tensor> inputs, ExternBody body) {
            this.name = Objects.requireNonNull(name);
            this.dtype = Objects.requireNonNull(dtype);
            this.shape = List.copyOf(shape);
            this.inputs = List.copyOf(inputs);
            this.body = Objects.requireNonNull(body);
        }

        @Override public String name() { return name; }
        @Override public DType dtype() { return dtype; }
        @Override public List<Long> shape() { return shape; }
        @Override public List<Tensor> inputs() { return inputs; }
        public ExternBody body() { return body; }
        @Override public String toString() { return "extern " + name + shape; }
    }

    /** All stages reachable from the outputs, producers before consumers, in a deterministic order. */
    static List<Tensor> postOrder(List<? extends Tensor> outputs) {
        List<Tensor> order = new ArrayList<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Tensor t : outputs) visit(t, seen, order);
        return order;
    }

    private static void visit(Tensor t, java.util.Set<Tensor> seen, List<Tensor> order) {
        if (!seen.add(t)) return;
        for (Tensor in : t.inputs()) visit(in, seen, order);
        order.add(t);
    }
}
