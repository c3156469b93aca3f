package kiln.relax;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.op.OpDef;
import kiln.relax.op.OpRegistry;
import kiln.tir.NDArray;

/**
 * Builds a graph function binding by binding. Each call's type is inferred when it is built; a call
 * whose arguments are all constants is evaluated right away (so shape arithmetic such as
 * Shape→Gather→Concat→Reshape is folded at import, and every shape is known statically).
 */
public final class BlockBuilder {
    /** Constants larger than this are not folded eagerly (the FoldConstant pass may still fold them). */
    public static final long EAGER_FOLD_LIMIT = 1L << 22;

    private final List<Var> params = new ArrayList<>();
    private final List<Binding> bindings = new ArrayList<>();

    public Var param(String name, Type.TensorType type) {
        Var v = new Var(name, type);
        params.add(v);
        return v;
    }

    /**
     * Emits {@code op(args; attrs)} and returns the bound variable, or a constant if folded.
     * @throws kiln.relax.op.OpTypeError if the op rejects the arguments
     */
    public Expr call(String op, List<Expr> args, Attrs attrs, String nameHint, List<String> sources) {
        OpDef def = OpRegistry.get(op);
        Type t = def.inferType(args.stream().map(Expr::type).toList(), attrs);
        if (t instanceof Type.TensorType tt && args.stream().allMatch(a -> a instanceof Expr.Constant)
                && tt.numel() <= EAGER_FOLD_LIMIT) {
            List<NDArray> vals = args.stream().map(a -> ((Expr.Constant) a).value()).toList();
            return new Expr.Constant(Interpreter.evalOp(op, vals, attrs, t).get(0), nameHint);
        }
        Expr.Call call = new Expr.Call(op, args, attrs, t, sources);
        return bind(nameHint, call);
    }

    public Var bind(String nameHint, Expr value) {
        Var v = new Var(nameHint, value.type());
        bindings.add(new Binding(v, value));
        return v;
    }

    public Function build(String name, List<Expr> outputs, List<String> outputNames) {
        return new Function(name, params, bindings, outputs, outputNames);
    }
}
