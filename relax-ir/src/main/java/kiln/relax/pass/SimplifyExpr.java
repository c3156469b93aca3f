package kiln.relax.pass;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kiln.relax.Attrs;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Var;

/**
 * Local algebraic simplifications of data movement: an identity op, a reshape to the same shape and
 * a transpose with the identity permutation disappear; a reshape of a reshape becomes one reshape of
 * the original value; a transpose of a transpose becomes one transpose with the composed permutation
 * (or nothing when that is the identity). The inner call stays if something else still uses it
 * (EliminateDeadCode removes it otherwise).
 */
public final class SimplifyExpr implements Pass {
    @Override
    public String name() { return "SimplifyExpr"; }

    @Override
    public IRModule apply(IRModule m) {
        Rewriter rw = new Rewriter();
        Map<Var, Expr.Call> producer = new IdentityHashMap<>();
        List<Binding> out = new ArrayList<>();
        boolean changed = false;
        for (Binding b : m.main().bindings()) {
            Expr v = rw.apply(b.value());
            Expr s = v instanceof Expr.Call c ? simplify(c, producer) : v;
            if (s instanceof Var || s instanceof Expr.Constant) {
                rw.replace(b.var(), s);
                changed = true;
                continue;
            }
            changed |= s != b.value();
            if (s instanceof Expr.Call c) producer.put(b.var(), c);
            out.add(s == b.value() ? b : new Binding(b.var(), s));
        }
        if (!changed) return m;
        return m.withMain(m.main().withBindings(out, rw.applyAll(m.main().outputs())));
    }

    private static Expr simplify(Expr.Call c, Map<Var, Expr.Call> producer) {
        switch (c.op()) {
            case "identity" -> {
                return c.args().get(0);
            }
            case "reshape" -> {
                Expr x = c.args().get(0);
                if (x.type().equals(c.type())) return x;
                if (x instanceof Var v && producer.get(v) instanceof Expr.Call inner && inner.op().equals("reshape")) {
                    Expr src = inner.args().get(0);
                    if (src.type().equals(c.type())) return src;
                    return new Expr.Call("reshape", List.of(src), Attrs.of("shape", c.type().tensor().shape()), c.type(), merged(inner, c));
                }
                return c;
            }
            case "transpose" -> {
                Expr x = c.args().get(0);
                int[] p = perm(c);
                if (isIdentity(p)) return x;
                if (x instanceof Var v && producer.get(v) instanceof Expr.Call inner && inner.op().equals("transpose")) {
                    int[] q = perm(inner);
                    int[] composed = new int[p.length];
                    for (int i = 0; i < p.length; i++) composed[i] = q[p[i]];
                    Expr src = inner.args().get(0);
                    if (isIdentity(composed)) return src;
                    List<Long> axes = new ArrayList<>();
                    for (int a : composed) axes.add((long) a);
                    return new Expr.Call("transpose", List.of(src), Attrs.of("axes", axes), c.type(), merged(inner, c));
                }
                return c;
            }
            default -> {
                return c;
            }
        }
    }

    private static List<String> merged(Expr.Call inner, Expr.Call outer) {
        java.util.LinkedHashSet<String> s = new java.util.LinkedHashSet<>(inner.sources());
        s.addAll(outer.sources());
        return List.copyOf(s);
    }

    /** The permutation of a transpose call (default: reversed axes). */
    static int[] perm(Expr.Call t) {
        int rank = t.args().get(0).type().tensor().rank();
        int[] p = new int[rank];
        if (!t.attrs().has("axes")) {
            for (int k = 0; k < rank; k++) p[k] = rank - 1 - k;
        } else {
            List<Long> axes = t.attrs().getLongs("axes");
            for (int k = 0; k < rank; k++) p[k] = (int) Math.floorMod(axes.get(k), rank);
        }
        return p;
    }

    private static boolean isIdentity(int[] p) {
        for (int k = 0; k < p.length; k++) if (p[k] != k) return false;
        return true;
    }
}
