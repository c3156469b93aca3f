package kiln.tir.compute;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import kiln.tir.Expr;
import kiln.tir.Var;

/** Read-only walks over expressions. */
public final class ExprVisitor {
    private ExprVisitor() {}

    /** Calls {@code f} on every node, parents before children. */
    public static void walk(Expr e, Consumer<Expr> f) {
        f.accept(e);
        switch (e) {
            case Expr.IntImm x -> { }
            case Expr.FloatImm x -> { }
            case Var v -> { }
            case Expr.Binary b -> { walk(b.a(), f); walk(b.b(), f); }
            case Expr.Unary u -> walk(u.a(), f);
            case Expr.Select s -> { walk(s.cond(), f); walk(s.t(), f); walk(s.f(), f); }
            case Expr.Cast c -> walk(c.value(), f);
            case Expr.Call c -> c.args().forEach(a -> walk(a, f));
            case Expr.Load l -> l.indices().forEach(a -> walk(a, f));
            case Expr.TensorRead r -> r.indices().forEach(a -> walk(a, f));
        }
    }

    /** Distinct tensors read by an expression, in first-read order. */
    public static List<Tensor> tensorsRead(Expr e) {
        List<Tensor> out = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        walk(e, x -> {
            if (x instanceof Expr.TensorRead r && seen.add(r.tensor())) out.add(r.tensor());
        });
        return out;
    }

    public static boolean uses(Expr e, Var v) {
        boolean[] found = {false};
        walk(e, x -> found[0] |= x == v);
        return found[0];
    }
}
