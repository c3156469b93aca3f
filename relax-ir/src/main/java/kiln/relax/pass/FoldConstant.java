package kiln.relax.pass;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.relax.Type;
import kiln.tir.NDArray;

/** Evaluates every call whose arguments are all constants with the reference interpreter. */
public final class FoldConstant implements Pass {
    /** Results above this many elements stay as calls (the C code computes them faster than Java folds them). */
    private static final long LIMIT = 1L << 26;

    @Override
    public String name() { return "FoldConstant"; }

    @Override
    public IRModule apply(IRModule m) {
        Rewriter rw = new Rewriter();
        List<Binding> out = new ArrayList<>();
        boolean changed = false;
        for (Binding b : m.main().bindings()) {
            Expr v = rw.apply(b.value());
            if (v instanceof Expr.Call c && c.type() instanceof Type.TensorType t && t.numel() <= LIMIT
                    && c.args().stream().allMatch(a -> a instanceof Expr.Constant)) {
                List<NDArray> args = c.args().stream().map(a -> ((Expr.Constant) a).value()).toList();
                rw.replace(b.var(), new Expr.Constant(Interpreter.evalOp(c.op(), args, c.attrs(), c.type()).get(0), b.var().name()));
                changed = true;
                continue;
            }
            changed |= v != b.value();
            out.add(v == b.value() ? b : new Binding(b.var(), v));
        }
        if (!changed) return m;
        return m.withMain(m.main().withBindings(out, rw.applyAll(m.main().outputs())));
    }
}
