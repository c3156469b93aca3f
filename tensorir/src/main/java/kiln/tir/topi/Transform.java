package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/** Injective computes: reshape, transpose, slicing, concatenation, gathers, padding. */
public final class Transform {
    private Transform() {}

    /** Row-major reshape: the flat index is preserved. */
    public static Tensor reshape(Tensor a, List<Long> shape) {
        return Te.compute("reshape", shape, Pattern.INJECTIVE, i -> a.at(unravel(ravel(i, shape), a.shape())));
    }

    /** The row-major flat index of {@code idx} in {@code shape}. */
    public static Expr ravel(List<? extends Expr> idx, List<Long> shape) {
        Expr flat = E.i64(0);
        for (int k = 0; k < idx.size(); k++) flat = E.add(E.mul(flat, E.i64(shape.get(k))), idx.get(k));
        return flat;
    }

    /** Indices of a row-major flat index in {@code shape}. */
    public static List<Expr> unravel(Expr flat, List<Long> shape) {
        List<Expr> out = new ArrayList<>();
        long stride = 1;
        for (int k = shape.size() - 1; k >= 0; k--) {
            Expr q = stride == 1 ? flat : E.floordiv(flat, E.i64(stride));
            out.add(0, k == 0 ? q : E.floormod(q, E.i64(shape.get(k))));
            stride *= shape.get(k);
        }
        return out;
    }
}
