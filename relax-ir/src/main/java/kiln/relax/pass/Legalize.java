package kiln.relax.pass;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.Function;
import kiln.relax.IRModule;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.relax.op.OpRegistry;
import kiln.schedule.Lower;
import kiln.schedule.Schedule;
import kiln.tir.E;
import kiln.tir.NameAllocator;
import kiln.tir.PrimFunc;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Turns every graph op call into a call of a kernel (PrimFunc) built from the op's computes with the
 * default schedule. Scalar constants become immediates inside the kernel. Afterwards each model output
 * is a distinct kernel result, so the executor can write outputs in place (outputs that are inputs,
 * constants or repeated get a copy kernel).
 */
public final class Legalize implements Pass {
    @Override
    public String name() { return "Legalize"; }

    @Override
    public IRModule apply(IRModule m) {
        Function f = m.main();
        Map<String, PrimFunc> prims = new LinkedHashMap<>(m.prims());
        NameAllocator names = new NameAllocator();
        prims.keySet().forEach(names::reserve);
        List<Binding> out = new ArrayList<>();
        for (Binding b : f.bindings()) {
            if (b.value() instanceof Expr.Call c) {
                String name = names.fresh(c.op());
                PrimFunc pf = kernel(name, c);
                prims.put(name, pf);
                List<Expr> args = c.args().stream().filter(a -> !isScalarConst(a)).toList();
                out.add(new Binding(b.var(), new Expr.CallPrim(name, args, c.type(), c.sources())));
            } else {
                out.add(b);
            }
        }
        // Make outputs distinct kernel results.
        List<Expr> outputs = new ArrayList<>();
        Map<Var, Boolean> used = new IdentityHashMap<>();
        Map<Var, Expr> producers = new IdentityHashMap<>();
        for (Binding b : out) producers.put(b.var(), b.value());
        for (int k = 0; k < f.outputs().size(); k++) {
            Expr o = f.outputs().get(k);
            boolean direct = o instanceof Var v && producers.get(v) instanceof Expr.CallPrim cp
                    && cp.type() instanceof Type.TensorType && used.put(v, true) == null;
            if (direct) {
                outputs.add(o);
                continue;
            }
            String name = names.fresh("copy_output_" + k);
            Expr.Call copy = new Expr.Call("identity", List.of(o), kiln.relax.Attrs.EMPTY, o.type(), List.of("output " + f.outputNames().get(k)));
            prims.put(name, kernel(name, copy));
            Var v = new Var(f.outputNames().get(k), o.type());
            List<Expr> args = isScalarConst(o) ? List.of() : List.of(o);
            out.add(new Binding(v, new Expr.CallPrim(name, args, o.type(), copy.sources())));
            outputs.add(v);
        }
        return new IRModule(new Function(f.name(), f.params(), out, outputs, f.outputNames()), prims);
    }

    static boolean isScalarConst(Expr e) {
        return e instanceof Expr.Constant c && c.value().size() == 1;
    }

    /** One kernel for one call: placeholders for tensor args, immediates for scalar constants. */
    static PrimFunc kernel(String name, Expr.Call c) {
        List<Tensor.Placeholder> inputs = new ArrayList<>();
        List<Tensor> args = new ArrayList<>();
        for (int k = 0; k < c.args().size(); k++) {
            Expr a = c.args().get(k);
            Type.TensorType t = a.type().tensor();
            if (isScalarConst(a)) {
                var v = ((Expr.Constant) a).value();
                var imm = v.dtype().isFloat() ? E.constant(v.dtype(), v.getDouble(0)) : E.intConst(v.dtype(), v.getLong(0));
                args.add(Te.compute("const", t.shape(), Pattern.ELEMWISE, i -> imm));
            } else {
                String hint = a instanceof Var v ? v.name() : a instanceof Expr.Constant cc ? cc.name() : "arg" + k;
                Tensor.Placeholder p = Te.placeholder(NameAllocator.sanitize(hint), t.dtype(), t.shape());
                inputs.add(p);
                args.add(p);
            }
        }
        List<Tensor> outs = OpRegistry.get(c.op()).compute(args, c.attrs(), c.type());
        List<String> notes = new ArrayList<>();
        notes.add("onnx nodes: " + String.join(", ", c.sources()));
        notes.add("op: " + c.op() + (c.attrs().values().isEmpty() ? "" : "(" + c.attrs() + ")"));
        notes.add("shapes: " + c.args().stream().map(a -> a.type().toString()).collect(Collectors.joining(", "))
                + " -> " + c.type());
        return Lower.lower(name, inputs, Schedule.defaults(outs), notes);
    }
}
