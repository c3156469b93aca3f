package kiln.emit.c;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.Function;
import kiln.relax.IRModule;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.tir.Buffer;
import kiln.tir.NDArray;
import kiln.tir.NameAllocator;
import kiln.tir.PrimFunc;

/**
 * The one executor model every back end renders: kernels called in order on model inputs, model
 * outputs, weights and arena offsets. Built from a legalized module.
 */
public record ExecutorModel(List<KernelCall> calls, List<Weight> weights, List<IO> inputs, List<IO> outputs,
                            long workspaceBytes, List<MemoryPlan.Placement> placements) {

    /** Where a kernel argument lives. */
    public sealed interface Arg {
        record Input(int index) implements Arg {}
        record Output(int index) implements Arg {}
        record Arena(long offset, long bytes) implements Arg {}
        record WeightRef(Weight weight) implements Arg {}
    }

    public record KernelCall(String kernel, List<Arg> args, List<String> sources) {}

    /** A constant tensor: emitted as a C array or stored at {@code offset} in weights.bin. */
    public record Weight(String symbol, NDArray value, long offset) {}

    public record IO(String name, Type.TensorType type) {}

    public static ExecutorModel build(IRModule m, int alignment) {
        Function f = m.main();
        List<Binding> bs = f.bindings();
        Map<Var, Integer> outputIndex = new IdentityHashMap<>();
        for (int k = 0; k < f.outputs().size(); k++) outputIndex.put((Var) f.outputs().get(k), k);
        Map<Var, Integer> paramIndex = new IdentityHashMap<>();
        for (int k = 0; k < f.params().size(); k++) paramIndex.put(f.params().get(k), k);

        // Lifetimes of arena values: (var, field) keyed by a string id.
        Map<Var, Integer> defStep = new IdentityHashMap<>();
        Map<Var, Integer> lastUse = new IdentityHashMap<>();
        Map<Var, Var> aliasOf = new IdentityHashMap<>();
        Map<Var, Integer> aliasField = new IdentityHashMap<>();
        List<Binding> kernels = new ArrayList<>();
        for (Binding b : bs) {
            switch (b.value()) {
                case Expr.CallPrim cp -> {
                    int step = kernels.size();
                    kernels.add(b);
                    defStep.put(b.var(), step);
                    for (Expr a : cp.args()) if (a instanceof Var v) lastUse.merge(root(v, aliasOf), step, Math::max);
                }
                case Expr.TupleGetItem g -> {
                    Var t = (Var) g.tuple();
                    aliasOf.put(b.var(), t);
                    aliasField.put(b.var(), g.index());
                }
                default -> throw new IllegalStateException("executor: unexpected binding after legalization: " + b.value());
            }
        }

        // Arena requests: non-output kernel results (per tuple field) and kernel scratch buffers.
        NameAllocator reqNames = new NameAllocator();
        List<MemoryPlan.Request> requests = new ArrayList<>();
        Map<String, MemoryPlan.Request> byVarField = new LinkedHashMap<>();
        Map<Var, String> varIds = new IdentityHashMap<>();
        List<List<MemoryPlan.Request>> scratchPerStep = new ArrayList<>();
        for (int step = 0; step < kernels.size(); step++) {
            Binding b = kernels.get(step);
            Expr.CallPrim cp = (Expr.CallPrim) b.value();
            PrimFunc pf = m.prims().get(cp.func());
            if (!outputIndex.containsKey(b.var())) {
                String id = reqNames.fresh(b.var().name());
                varIds.put(b.var(), id);
                int last = lastUse.getOrDefault(b.var(), step);
                List<Type> fields = b.var().type() instanceof Type.TupleType tt ? tt.fields() : List.of(b.var().type());
                for (int k = 0; k < fields.size(); k++) {
                    MemoryPlan.Request r = new MemoryPlan.Request(id + "#" + k, Math.max(1, fields.get(k).tensor().bytes()), step, last);
                    requests.add(r);
                    byVarField.put(id + "#" + k, r);
                }
            }
            List<MemoryPlan.Request> scratch = new ArrayList<>();
            for (Buffer s : pf.scratch()) {
                MemoryPlan.Request r = new MemoryPlan.Request(reqNames.fresh(cp.func() + "." + s.name()), Math.max(1, s.bytes()), step, step);
                requests.add(r);
                scratch.add(r);
            }
            scratchPerStep.add(scratch);
        }
        List<MemoryPlan.Placement> placements = MemoryPlan.plan(requests, alignment);
        Map<MemoryPlan.Request, Long> offsets = new IdentityHashMap<>();
        for (MemoryPlan.Placement p : placements) offsets.put(p.request(), p.offset());

        // Weights, deduplicated by identity of the constant node.
        Map<Expr.Constant, Weight> weights = new IdentityHashMap<>();
        List<Weight> weightList = new ArrayList<>();
        NameAllocator wnames = new NameAllocator();
        long woff = 0;

        List<KernelCall> calls = new ArrayList<>();
        for (int step = 0; step < kernels.size(); step++) {
            Binding b = kernels.get(step);
            Expr.CallPrim cp = (Expr.CallPrim) b.value();
            List<Arg> args = new ArrayList<>();
            for (Expr a : cp.args()) {
                switch (a) {
                    case Var v -> {
                        Var r = root(v, aliasOf);
                        int field = aliasField.getOrDefault(v, 0);
                        if (paramIndex.containsKey(r)) {
                            args.add(new Arg.Input(paramIndex.get(r)));
                        } else if (outputIndex.containsKey(r)) {
                            args.add(new Arg.Output(outputIndex.get(r)));
                        } else {
                            MemoryPlan.Request req = byVarField.get(varIds.get(r) + "#" + field);
                            args.add(new Arg.Arena(offsets.get(req), req.bytes()));
                        }
                    }
                    case Expr.Constant c -> {
                        Weight w = weights.get(c);
                        if (w == null) {
                            w = new Weight(wnames.fresh("w_" + c.name()), c.value(), woff);
                            woff = MemoryPlan.align(woff + (long) c.value().size() * c.value().dtype().bytes(), alignment);
                            weights.put(c, w);
                            weightList.add(w);
                        }
                        args.add(new Arg.WeightRef(w));
                    }
                    default -> throw new IllegalStateException("executor: unexpected kernel argument " + a);
                }
            }
            if (outputIndex.containsKey(b.var())) {
                args.add(new Arg.Output(outputIndex.get(b.var())));
            } else {
                List<Type> fields = b.var().type() instanceof Type.TupleType tt ? tt.fields() : List.of(b.var().type());
                for (int k = 0; k < fields.size(); k++) {
                    MemoryPlan.Request req = byVarField.get(varIds.get(b.var()) + "#" + k);
                    args.add(new Arg.Arena(offsets.get(req), req.bytes()));
                }
            }
            for (MemoryPlan.Request s : scratchPerStep.get(step)) args.add(new Arg.Arena(offsets.get(s), s.bytes()));
            calls.add(new KernelCall(cp.func(), args, cp.sources()));
        }
        List<IO> ins = new ArrayList<>();
        for (Var p : f.params()) ins.add(new IO(p.name(), p.type().tensor()));
        List<IO> outs = new ArrayList<>();
        for (int k = 0; k < f.outputs().size(); k++) outs.add(new IO(f.outputNames().get(k), f.outputs().get(k).type().tensor()));
        return new ExecutorModel(calls, weightList, ins, outs, MemoryPlan.arenaSize(placements, alignment), placements);
    }

    private static Var root(Var v, Map<Var, Var> aliasOf) {
        Var r = v;
        while (aliasOf.containsKey(r)) r = aliasOf.get(r);
        return r;
    }

    public long weightsBytes() {
        long end = 0;
        for (Weight w : weights) end = Math.max(end, w.offset() + (long) w.value().size() * w.value().dtype().bytes());
        return end;
    }
}
