package kiln.relax.pass;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Var;

/** Drops bindings whose values no output depends on (all ops are pure). */
public final class EliminateDeadCode implements Pass {
    @Override
    public String name() { return "EliminateDeadCode"; }

    @Override
    public IRModule apply(IRModule m) {
        Set<Var> live = Collections.newSetFromMap(new IdentityHashMap<>());
        m.main().outputs().forEach(o -> markUses(o, live));
        List<Binding> bs = m.main().bindings();
        List<Binding> kept = new ArrayList<>();
        for (int k = bs.size() - 1; k >= 0; k--) {
            Binding b = bs.get(k);
            if (live.contains(b.var())) {
                markUses(b.value(), live);
                kept.add(0, b);
            }
        }
        if (kept.size() == bs.size()) return m;
        return m.withMain(m.main().withBindings(kept, m.main().outputs()));
    }

    static void markUses(Expr e, Set<Var> live) {
        switch (e) {
            case Var v -> live.add(v);
            case Expr.Constant c -> { }
            case Expr.Call c -> c.args().forEach(a -> markUses(a, live));
            case Expr.CallPrim c -> c.args().forEach(a -> markUses(a, live));
            case Expr.Tuple t -> t.fields().forEach(a -> markUses(a, live));
            case Expr.TupleGetItem g -> markUses(g.tuple(), live);
        }
    }
}
