package kiln.tir.compute;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import kiln.tir.DType;
import kiln.tir.Expr;
import kiln.tir.Var;

/** Builders for compute stages: the vocabulary operators are written in. */
public final class Te {
    private Te() {}

    public static Tensor.Placeholder placeholder(String name, DType dtype, List<Long> shape) {
        return new Tensor.Placeholder(name, dtype, shape);
    }

    /** out[i...] = f(i...). */
    public static Tensor.Compute compute(String name, List<Long> shape, Pattern pattern, Function<List<Var>, Expr> f) {
        List<Var> axes = axes("i", shape.size());
        return new Tensor.Compute(name, shape, axes, List.of(), Tensor.Combiner.SUM, f.apply(axes), pattern);
    }

    /** out[i...] = combine over r... in reduceExtents of f(i..., r...). */
    public static Tensor.Compute reduce(String name, List<Long> shape, Pattern pattern, Tensor.Combiner combiner,
                                        List<Long> reduceExtents, BiFunction<List<Var>, List<Var>, Expr> f) {
        List<Var> axes = axes("i", shape.size());
        List<Var> rvars = axes("r", reduceExtents.size());
        List<Tensor.ReduceAxis> raxes = new ArrayList<>();
        for (int k = 0; k < rvars.size(); k++) raxes.add(new Tensor.ReduceAxis(rvars.get(k), reduceExtents.get(k)));
        return new Tensor.Compute(name, shape, axes, raxes, combiner, f.apply(axes, rvars), pattern);
    }

    public static Tensor.Extern extern(String name, DType dtype, List<Long> shape, List<Tensor> inputs, Tensor.ExternBody body) {
        return new Tensor.Extern(name, dtype, shape, inputs, body);
    }

    private static List<Var> axes(String prefix, int n) {
        List<Var> vs = new ArrayList<>();
        for (int k = 0; k < n; k++) vs.add(Var.index(prefix + k));
        return vs;
    }
}
