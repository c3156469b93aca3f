package kiln.tir;

import java.util.IdentityHashMap;
import java.util.Map;

/** Substitutes variables by expressions. */
public final class Subst extends ExprMutator {
    private final Map<Var, Expr> map;

    public Subst(Map<Var, ? extends Expr> map) {
        this.map = new IdentityHashMap<>(map);
    }

    public static Expr apply(Expr e, Map<Var, ? extends Expr> map) {
        return map.isEmpty() ? e : new Subst(map).mutate(e);
    }

    @Override
    protected Expr mutateVar(Var v) {
        Expr r = map.get(v);
        return r != null ? r : v;
    }
}
