package kiln.relax.pass;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kiln.relax.Attrs;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.relax.op.OpRegistry;
import kiln.tir.NDArray;

/**
 * Folds inference batch normalisation with constant parameters, {@code y = (x - mean) / sqrt(var + eps)
 * * scale + bias = x * s + t} with {@code s = scale / sqrt(var + eps)} and {@code t = bias - mean * s}
 * per channel (computed in double, stored in the parameters' dtype):
 * <ul>
 *   <li>after a conv with constant weights whose result only the batch norm reads, into the conv:
 *       weights {@code w[m, ...] * s[m]} and bias {@code b[m] * s[m] + t[m]} (b = 0 if absent);</li>
 *   <li>otherwise into {@code add(multiply(x, s), t)} with s and t shaped to broadcast over channel axis 1.</li>
 * </ul>
 * Per-activation parameters (one value per element of {@code x[0]}) are left as they are.
 */
public final class FoldBatchNorm implements Pass {
    @Override
    public String name() { return "FoldBatchNorm"; }

    @Override
    public IRModule apply(IRModule m) {
        List<Binding> bs = m.main().bindings();
        Map<Var, Integer> useCount = new IdentityHashMap<>();
        for (Binding b : bs) {
            Set<Var> read = Collections.newSetFromMap(new IdentityHashMap<>());
            EliminateDeadCode.markUses(b.value(), read);
            for (Var v : read) useCount.merge(v, 1, Integer::sum);
        }
        Set<Var> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Expr o : m.main().outputs()) EliminateDeadCode.markUses(o, pinned);

        Map<Var, Binding> producer = new IdentityHashMap<>();
        Map<Var, Expr> replacedConv = new IdentityHashMap<>();
        List<Binding> out = new ArrayList<>();
        boolean changed = false;
        for (Binding b : bs) {
            producer.put(b.var(), b);
            if (!(b.value() instanceof Expr.Call bn) || !bn.op().equals("batch_norm") || !foldable(bn)) {
                out.add(b);
                continue;
            }
            Type.TensorType xt = bn.args().get(0).type().tensor();
            long channels = xt.dim(1);
            double eps = bn.attrs().getDouble("epsilon", 1e-5);
            double[] gamma = values(bn, 1), beta = values(bn, 2), mean = values(bn, 3), var = values(bn, 4);
            double[] s = new double[(int) channels], t = new double[(int) channels];
            for (int c = 0; c < channels; c++) {
                s[c] = gamma[c] / Math.sqrt(var[c] + eps);
                t[c] = beta[c] - mean[c] * s[c];
            }
            String hint = b.var().name();
            Expr x = bn.args().get(0);
            Binding conv = x instanceof Var xv && !pinned.contains(xv) && useCount.getOrDefault(xv, 0) == 1 ? producer.get(xv) : null;
            if (conv != null && conv.value() instanceof Expr.Call cc && cc.op().equals("conv")
                    && cc.args().get(1) instanceof Expr.Constant w && (cc.args().size() < 3 || cc.args().get(2) instanceof Expr.Constant)
                    && w.value().dtype().isFloat() && out.remove(conv)) {
                NDArray wv = w.value();
                long per = wv.size() / channels;
                double[] nw = new double[wv.size()];
                for (int k = 0; k < nw.length; k++) nw[k] = wv.getDouble(k) * s[(int) (k / per)];
                double[] nb = new double[(int) channels];
                for (int c = 0; c < channels; c++) {
                    double b0 = cc.args().size() < 3 ? 0 : ((Expr.Constant) cc.args().get(2)).value().getDouble(c);
                    nb[c] = b0 * s[c] + t[c];
                }
                List<Expr> args = List.of(cc.args().get(0), new Expr.Constant(NDArray.ofDoubles(wv.dtype(), wv.shape(), nw), w.name() + "_bn"),
                        new Expr.Constant(NDArray.ofDoubles(wv.dtype(), new long[] {channels}, nb), hint + "_bias"));
                Set<String> src = new LinkedHashSet<>(cc.sources());
                src.addAll(bn.sources());
                out.add(new Binding(b.var(), call("conv", args, cc.attrs(), List.copyOf(src))));
                changed = true;
                continue;
            }
            long[] pshape = new long[xt.rank() - 1];
            java.util.Arrays.fill(pshape, 1);
            pshape[0] = channels;
            var dt = ((Expr.Constant) bn.args().get(1)).value().dtype();
            Expr.Constant sc = new Expr.Constant(NDArray.ofDoubles(dt, pshape, s), hint + "_scale");
            Expr.Constant sh = new Expr.Constant(NDArray.ofDoubles(dt, pshape, t), hint + "_shift");
            Var mul = new Var(hint + "_scaled", xt);
            out.add(new Binding(mul, call("multiply", List.of(x, sc), Attrs.EMPTY, bn.sources())));
            out.add(new Binding(b.var(), call("add", List.of(mul, sh), Attrs.EMPTY, bn.sources())));
            changed = true;
        }
        if (!changed) return m;
        return m.withMain(m.main().withBindings(out, m.main().outputs()));
    }

    /** Constant float parameters, one per channel. */
    private static boolean foldable(Expr.Call bn) {
        Type.TensorType xt = bn.args().get(0).type().tensor();
        for (int k = 1; k < 5; k++) {
            if (!(bn.args().get(k) instanceof Expr.Constant c) || c.value().rank() != 1 || c.value().size() != xt.dim(1)) return false;
        }
        return xt.dtype().isFloat() && xt.dtype().equals(((Expr.Constant) bn.args().get(1)).value().dtype());
    }

    private static double[] values(Expr.Call c, int arg) {
        return ((Expr.Constant) c.args().get(arg)).value().toDoubleArray();
    }

    private static Expr.Call call(String op, List<Expr> args, Attrs attrs, List<String> sources) {
        Type t = OpRegistry.get(op).inferType(args.stream().map(Expr::type).toList(), attrs);
        return new Expr.Call(op, args, attrs, t, sources);
    }
}
