package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import kiln.tir.Expr;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/** Reductions over a set of axes, with or without keeping the reduced dims. */
public final class Reduce {
    private Reduce() {}

    /**
     * combine over {@code axes} (sorted, non-negative) of f(a[idx]).
     * @param keepDims whether reduced dims stay as size 1
     */
    public static Tensor reduce(String name, Tensor a, List<Integer> axes, boolean keepDims, Tensor.Combiner combiner,
                                java.util.function.UnaryOperator<Expr> f) {
        List<Long> outShape = new ArrayList<>();
        List<Long> rext = new ArrayList<>();
        for (int d = 0; d < a.rank(); d++) {
            if (axes.contains(d)) {
                rext.add(a.shape().get(d));
                if (keepDims) outShape.add(1L);
            } else {
                outShape.add(a.shape().get(d));
            }
        }
        return Te.reduce(name, outShape, Pattern.REDUCTION, combiner, rext, (i, r) -> {
            List<Expr> idx = new ArrayList<>();
            int oi = 0, ri = 0;
            for (int d = 0; d < a.rank(); d++) {
                if (axes.contains(d)) {
                    idx.add(r.get(ri++));
                    if (keepDims) oi++;
                } else {
                    idx.add(i.get(oi++));
                }
            }
            return f.apply(a.at(idx));
        });
    }
}
