package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/** Neural-network computes: matmul, convolution, pooling, normalization. */
public final class Nn {
    private Nn() {}

    /**
     * Numpy matmul semantics: 1-D operands are promoted (and the added dim removed from the result),
     * batch dims broadcast. {@code outShape} is the inferred result shape.
     */
    public static Tensor matmul(Tensor a, Tensor b, List<Long> outShape) {
        int ra = a.rank(), rb = b.rank();
        long k = a.shape().get(ra - 1);
        int outRank = outShape.size();
        return Te.reduce("matmul", outShape, Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, List.of(k), (i, r) -> {
            Expr rk = r.get(0);
            // Positions of M and N in the output index (absent for 1-D operands).
            int batchDims = outRank - (ra > 1 ? 1 : 0) - (rb > 1 ? 1 : 0);
            List<Expr> batch = new ArrayList<>(i.subList(0, batchDims));
            Expr m = ra > 1 ? i.get(batchDims) : null;
            Expr n = rb > 1 ? i.get(outRank - 1) : null;
            List<Expr> ia = new ArrayList<>();
            if (ra > 1) {
                ia.addAll(bcast(a, batch, ra - 2));
                ia.add(m);
            }
            ia.add(rk);
            List<Expr> ib = new ArrayList<>();
            if (rb > 1) {
                ib.addAll(bcast(b, batch, rb - 2));
                ib.add(rk);
                ib.add(n);
            } else {
                ib.add(rk);
            }
            return E.mul(a.at(ia), b.at(ib));
        });
    }

    /** The batch indices of an operand with {@code nb} batch dims, broadcast against the output's batch. */
    private static List<Expr> bcast(Tensor t, List<Expr> batch, int nb) {
        List<Expr> out = new ArrayList<>();
        int off = batch.size() - nb;
        for (int d = 0; d < nb; d++) out.add(t.shape().get(d) == 1 ? E.i64(0) : batch.get(d + off));
        return out;
    }
}
