package kiln.relax.pass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Var;

/**
 * Replaces a call by the variable of an earlier call of the same op on the same arguments (the same
 * variables, or the same constant nodes) with equal attributes and type. All ops are pure.
 */
public final class CommonSubexpressionElimination implements Pass {
    @Override
    public String name() { return "CommonSubexpressionElimination"; }

    /** What makes two calls the same: op, attributes, type and argument identities. */
    private record Key(String op, Object attrs, Object type, List<Object> args) {}

    /** Compares arguments by identity. */
    private record Ref(Expr e) {
        @Override public boolean equals(Object o) { return o instanceof Ref r && r.e == e; }
        @Override public int hashCode() { return System.identityHashCode(e); }
    }

    @Override
    public IRModule apply(IRModule m) {
        Rewriter rw = new Rewriter();
        Map<Key, Var> seen = new HashMap<>();
        List<Binding> out = new ArrayList<>();
        boolean changed = false;
        for (Binding b : m.main().bindings()) {
            Expr v = rw.apply(b.value());
            if (v instanceof Expr.Call c) {
                Key k = new Key(c.op(), c.attrs(), c.type(), c.args().stream().<Object>map(Ref::new).toList());
                Var earlier = seen.get(k);
                if (earlier != null) {
                    rw.replace(b.var(), earlier);
                    changed = true;
                    continue;
                }
                seen.put(k, b.var());
            }
            changed |= v != b.value();
            out.add(v == b.value() ? b : new Binding(b.var(), v));
        }
        if (!changed) return m;
        return m.withMain(m.main().withBindings(out, rw.applyAll(m.main().outputs())));
    }
}
