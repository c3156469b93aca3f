package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Var;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/** Numpy-style broadcasting and the elementwise computes built on it. */
public final class Broadcast {
    private Broadcast() {}

    /** The broadcast shape of two shapes, or null when they are incompatible. */
    public static List<Long> shape(List<Long> a, List<Long> b) {
        int n = Math.max(a.size(), b.size());
        List<Long> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int ia = k - (n - a.size()), ib = k - (n - b.size());
            long da = ia >= 0 ? a.get(ia) : 1, db = ib >= 0 ? b.get(ib) : 1;
            if (da != db && da != 1 && db != 1) return null;
            out.add(da == 1 ? db : da);
        }
        return out;
    }

    /** Indices into {@code t} for output indices {@code idx} of a broadcast over {@code outRank} dims. */
    public static List<Expr> index(Tensor t, List<? extends Expr> idx) {
        int off = idx.size() - t.rank();
        List<Expr> out = new ArrayList<>();
        for (int k = 0; k < t.rank(); k++) out.add(t.shape().get(k) == 1 ? E.i64(0) : idx.get(k + off));
        return out;
    }

    /** Reads {@code t} broadcast to the output index space. */
    public static Expr read(Tensor t, List<? extends Expr> idx) {
        return t.at(index(t, idx));
    }

    public static Tensor binary(String name, Tensor a, Tensor b, BinaryOperator<Expr> f) {
        List<Long> shape = shape(a.shape(), b.shape());
        if (shape == null) throw new IllegalArgumentException("shapes " + a.shape() + " and " + b.shape() + " do not broadcast");
        Pattern p = a.shape().equals(b.shape()) ? Pattern.ELEMWISE : Pattern.BROADCAST;
        return Te.compute(name, shape, p, i -> f.apply(read(a, i), read(b, i)));
    }

    /** out = f(args...) with all args broadcast together. */
    public static Tensor nary(String name, List<Tensor> args, java.util.function.Function<List<Expr>, Expr> f) {
        List<Long> shape = args.get(0).shape();
        boolean same = true;
        for (Tensor t : args) {
            same &= t.shape().equals(args.get(0).shape());
            shape = shape(shape, t.shape());
            if (shape == null) throw new IllegalArgumentException("shapes of " + name + " arguments do not broadcast");
        }
        final List<Long> outShape = shape;
        return Te.compute(name, outShape, same ? Pattern.ELEMWISE : Pattern.BROADCAST, i -> {
            List<Expr> vals = new ArrayList<>();
            for (Tensor t : args) vals.add(read(t, i));
            return f.apply(vals);
        });
    }

    public static Tensor unary(String name, Tensor a, UnaryOperator<Expr> f) {
        return Te.compute(name, a.shape(), Pattern.ELEMWISE, i -> f.apply(a.at(i)));
    }

    /** Broadcasts {@code a} to {@code shape} (ONNX Expand semantics: result is the broadcast of both). */
    public static Tensor to(String name, Tensor a, List<Long> shape) {
        return Te.compute(name, shape, Pattern.BROADCAST, i -> read(a, i));
    }

    public static List<Expr> vars(List<Var> v) { return new ArrayList<>(v); }
}
