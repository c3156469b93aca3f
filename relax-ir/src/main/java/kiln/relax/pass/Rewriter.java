package kiln.relax.pass;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kiln.relax.Expr;
import kiln.relax.Var;

/** Substitutes variables inside argument lists, keeping unchanged nodes identical. */
final class Rewriter {
    private final Map<Var, Expr> subst = new IdentityHashMap<>();

    void replace(Var v, Expr e) { subst.put(v, e); }

    Expr apply(Expr e) {
        return switch (e) {
            case Var v -> subst.getOrDefault(v, v);
            case Expr.Constant c -> c;
            case Expr.Call c -> {
                List<Expr> args = applyAll(c.args());
                yield args == c.args() ? c : new Expr.Call(c.op(), args, c.attrs(), c.type(), c.sources());
            }
            case Expr.CallPrim c -> {
                List<Expr> args = applyAll(c.args());
                yield args == c.args() ? c : new Expr.CallPrim(c.func(), args, c.type(), c.sources());
            }
            case Expr.Tuple t -> {
                List<Expr> f = applyAll(t.fields());
                yield f == t.fields() ? t : new Expr.Tuple(f);
            }
            case Expr.TupleGetItem g -> {
                Expr t = apply(g.tuple());
                yield t == g.tuple() ? g : new Expr.TupleGetItem(t, g.index());
            }
        };
    }

    List<Expr> applyAll(List<Expr> es) {
        List<Expr> out = new ArrayList<>(es.size());
        boolean changed = false;
        for (Expr e : es) {
            Expr m = apply(e);
            changed |= m != e;
            out.add(m);
        }
        return changed ? List.copyOf(out) : es;
    }
}
