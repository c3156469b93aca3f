package kiln.relax;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kiln.relax.op.OpDef;
import kiln.relax.op.OpRegistry;
import kiln.schedule.Lower;
import kiln.schedule.Schedule;
import kiln.tir.Interp;
import kiln.tir.NDArray;
import kiln.tir.PrimFunc;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * The Java reference interpreter of graph ops: builds the op's computes over placeholders, lowers them
 * with the naive schedule (every stage materialized, natural loop order) and runs the loop IR in Java.
 * Used by constant folding and as a cross-check in tests; reference outputs for accuracy tests come from
 * numpy, torch or the ONNX suite, never from here.
 */
public final class Interpreter {
    private Interpreter() {}

    /** Evaluates one op on concrete arguments; returns one array per output. */
    public static List<NDArray> evalOp(String op, List<NDArray> args, Attrs attrs, Type out) {
        OpDef def = OpRegistry.get(op);
        List<Tensor.Placeholder> ph = new ArrayList<>();
        for (int k = 0; k < args.size(); k++) {
            NDArray a = args.get(k);
            ph.add(Te.placeholder("arg" + k, a.dtype(), a.shapeList()));
        }
        List<Tensor> outs = def.compute(List.copyOf(ph), attrs, out);
        PrimFunc f = Lower.lower(op, ph, Schedule.naive(outs), List.of());
        return Interp.run(f, args);
    }

    /** Runs a whole graph function (before or after legalization) on concrete inputs. */
    public static List<NDArray> run(IRModule mod, List<NDArray> inputs) {
        Function f = mod.main();
        if (inputs.size() != f.params().size()) throw new IllegalArgumentException("expected " + f.params().size() + " inputs");
        Map<Var, Object> env = new IdentityHashMap<>();
        for (int k = 0; k < inputs.size(); k++) env.put(f.params().get(k), inputs.get(k));
        for (Binding b : f.bindings()) env.put(b.var(), eval(mod, b.value(), env));
        List<NDArray> outs = new ArrayList<>();
        for (Expr o : f.outputs()) outs.add((NDArray) eval(mod, o, env));
        return outs;
    }

    private static Object eval(IRModule mod, Expr e, Map<Var, Object> env) {
        return switch (e) {
            case Var v -> {
                Object val = env.get(v);
                if (val == null) throw new IllegalStateException("unbound variable " + v);
                yield val;
            }
            case Expr.Constant c -> c.value();
            case Expr.Call c -> {
                List<NDArray> args = new ArrayList<>();
                for (Expr a : c.args()) args.add((NDArray) eval(mod, a, env));
                List<NDArray> outs = evalOp(c.op(), args, c.attrs(), c.type());
                yield c.type() instanceof Type.TupleType ? outs : outs.get(0);
            }
            case Expr.CallPrim c -> {
                List<NDArray> args = new ArrayList<>();
                for (Expr a : c.args()) args.add((NDArray) eval(mod, a, env));
                PrimFunc pf = mod.prims().get(c.func());
                List<NDArray> outs = Interp.run(pf, args);
                yield c.type() instanceof Type.TupleType ? outs : outs.get(0);
            }
            case Expr.Tuple t -> {
                List<Object> vals = new ArrayList<>();
                for (Expr x : t.fields()) vals.add(eval(mod, x, env));
                yield vals;
            }
            case Expr.TupleGetItem g -> ((List<?>) eval(mod, g.tuple(), env)).get(g.index());
        };
    }
}
