package kiln.relax;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import kiln.relax.op.OpRegistry;

/** Checks a module's invariants: SSA, definition before use, recorded types equal inferred types, kernels exist. */
public final class Verifier {
    private Verifier() {}

    public static void verify(IRModule m) {
        Function f = m.main();
        Set<Var> defined = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Var p : f.params()) {
            if (!defined.add(p)) throw new IllegalStateException("parameter defined twice: " + p);
        }
        for (Binding b : f.bindings()) {
            check(m, b.value(), defined);
            if (!b.var().type().equals(b.value().type())) {
                throw new IllegalStateException("binding " + b.var() + " has type " + b.var().type() + " but its value has " + b.value().type());
            }
            if (!defined.add(b.var())) throw new IllegalStateException("variable bound twice: " + b.var());
        }
        for (Expr o : f.outputs()) check(m, o, defined);
    }

    private static void check(IRModule m, Expr e, Set<Var> defined) {
        switch (e) {
            case Var v -> {
                if (!defined.contains(v)) throw new IllegalStateException("variable used before definition: " + v);
            }
            case Expr.Constant c -> { }
            case Expr.Call c -> {
                c.args().forEach(a -> check(m, a, defined));
                Type t = OpRegistry.get(c.op()).inferType(c.args().stream().map(Expr::type).toList(), c.attrs());
                if (!t.equals(c.type())) throw new IllegalStateException(c.op() + ": recorded type " + c.type() + " but inferred " + t);
            }
            case Expr.CallPrim c -> {
                c.args().forEach(a -> check(m, a, defined));
                var pf = m.prims().get(c.func());
                if (pf == null) throw new IllegalStateException("call of missing kernel " + c.func());
                if (pf.inputs().size() != c.args().size()) throw new IllegalStateException("kernel " + c.func() + " arity mismatch");
            }
            case Expr.Tuple t -> t.fields().forEach(x -> check(m, x, defined));
            case Expr.TupleGetItem g -> check(m, g.tuple(), defined);
        }
    }
}
