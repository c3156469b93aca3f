package kiln.schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kiln.tir.Buffer;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.ExprMutator;
import kiln.tir.NameAllocator;
import kiln.tir.PrimFunc;
import kiln.tir.Simplify;
import kiln.tir.Stmt;
import kiln.tir.Subst;
import kiln.tir.Var;
import kiln.tir.compute.Tensor;

/**
 * Compute + schedule → a concrete loop nest. Legal by construction: every materialized stage is
 * computed in full before its consumers run, inlined stages are substituted, reductions accumulate
 * into a local register initialised with the combiner's identity.
 */
public final class Lower {
    private final Schedule schedule;
    private final Map<Tensor, Buffer> buffers = new IdentityHashMap<>();
    /** Register accumulators of reductions attached to the stage being lowered. */
    private final Map<Tensor, Buffer> attachedAcc = new IdentityHashMap<>();
    private final NameAllocator names = new NameAllocator();

    private Lower(Schedule schedule) {
        this.schedule = schedule;
    }

    /**
     * @param inputs the kernel's input placeholders, in parameter order
     * @param schedule decisions for the stages reachable from {@code schedule.outputs()}
     * @param notes provenance lines for the kernel comment (the schedule trace is appended)
     */
    public static PrimFunc lower(String name, List<Tensor.Placeholder> inputs, Schedule schedule, List<String> notes) {
        return new Lower(schedule).run(name, inputs, notes);
    }

    private PrimFunc run(String name, List<Tensor.Placeholder> inputs, List<String> notes) {
        List<Buffer> in = new ArrayList<>();
        for (Tensor.Placeholder p : inputs) in.add(bind(p, "in_" + p.name()));
        List<Buffer> out = new ArrayList<>();
        for (Tensor t : schedule.outputs()) {
            if (buffers.containsKey(t)) throw new IllegalArgumentException("kernel " + name + ": tensor " + t.name() + " is both an input and an output, or an output twice");
            out.add(bind(t, "out_" + t.name()));
        }
        List<Buffer> scratch = new ArrayList<>();
        List<Stmt> body = new ArrayList<>();
        for (Tensor t : schedule.stages()) {
            if (t instanceof Tensor.Placeholder p) {
                if (!buffers.containsKey(p)) throw new IllegalArgumentException("kernel " + name + " reads placeholder " + p.name() + " that is not among its inputs");
                continue;
            }
            if (schedule.isInlined(t) || schedule.isAttached(t)) continue;
            Buffer b = buffers.get(t);
            if (b == null) {
                b = bind(t, "tmp_" + t.name());
                scratch.add(b);
            }
            body.add(switch (t) {
                case Tensor.Compute c -> loopNest(c, b);
                case Tensor.Extern e -> externBody(e, b);
                case Tensor.Placeholder p -> throw new AssertionError(p);
            });
        }
        List<String> allNotes = new ArrayList<>(notes);
        List<String> trace = schedule.trace();
        if (!trace.isEmpty()) allNotes.add("schedule: " + String.join("; ", trace));
        return new PrimFunc(name, in, out, scratch, Simplify.stmt(Stmt.Seq.of(body)), allNotes);
    }

    private Buffer bind(Tensor t, String hint) {
        Buffer b = Buffer.global(names.fresh(hint), t.dtype(), t.shape());
        buffers.put(t, b);
        return b;
    }

    private Stmt externBody(Tensor.Extern e, Buffer out) {
        List<Buffer> ins = new ArrayList<>();
        for (Tensor t : e.inputs()) {
            Buffer b = buffers.get(t);
            if (b == null) throw new IllegalStateException("extern " + e.name() + " reads " + t.name() + " which has no buffer");
            ins.add(b);
        }
        return e.body().build(ins, out);
    }

    private Stmt loopNest(Tensor.Compute c, Buffer out) {
        Map<Var, Expr> fresh = new HashMap<>();
        List<Var> loopVars = new ArrayList<>();
        for (Var v : c.axes()) {
            Var lv = Var.index(v.name());
            loopVars.add(lv);
            fresh.put(v, lv);
        }
        List<Expr> outIdx = new ArrayList<>(loopVars);
        Stmt inner;
        if (c.isReduction()) {
            Buffer acc = new Buffer(names.fresh("acc"), c.dtype(), List.of(), Buffer.Scope.LOCAL);
            List<Stmt> accumulate = accumulate(c, acc, fresh);
            inner = new Stmt.Allocate(acc, new Stmt.Seq(List.of(accumulate.get(0), accumulate.get(1),
                    new Stmt.Store(out, outIdx, new Expr.Load(acc, List.of())))));
        } else {
            // Attached reductions: accumulate into registers at this element, then use them.
            List<Tensor> attached = schedule.attachedTo(c);
            List<Buffer> accs = new ArrayList<>();
            List<List<Stmt>> steps = new ArrayList<>();
            for (Tensor r : attached) {
                Tensor.Compute rc = (Tensor.Compute) r;
                Map<Var, Expr> at = new HashMap<>();
                for (int k = 0; k < rc.axes().size(); k++) at.put(rc.axes().get(k), loopVars.get(k));
                Buffer acc = new Buffer(names.fresh("acc"), rc.dtype(), List.of(), Buffer.Scope.LOCAL);
                steps.add(accumulate(rc, acc, at));
                accs.add(acc);
                attachedAcc.put(r, acc);
            }
            inner = new Stmt.Store(out, outIdx, rewrite(Subst.apply(c.body(), fresh)));
            for (int k = accs.size() - 1; k >= 0; k--) {
                inner = new Stmt.Allocate(accs.get(k), new Stmt.Seq(List.of(steps.get(k).get(0), steps.get(k).get(1), inner)));
            }
            attached.forEach(attachedAcc::remove);
        }
        return wrapLoops(inner, loopVars, c.shape());
    }

    /** Wraps {@code body} in serial loops; an extent-1 axis is fixed to 0 instead of looping once. */
    private static Stmt wrapLoops(Stmt body, List<Var> vars, List<Long> extents) {
        Map<Var, Expr> zero = new HashMap<>();
        for (int k = 0; k < vars.size(); k++) if (extents.get(k) == 1) zero.put(vars.get(k), E.i64(0));
        Stmt inner = zero.isEmpty() ? body : new Subst(zero).mutate(body);
        for (int k = vars.size() - 1; k >= 0; k--) {
            if (extents.get(k) == 1) continue;
            inner = new Stmt.For(vars.get(k), E.i64(0), E.i64(extents.get(k)), Stmt.ForKind.SERIAL, inner);
        }
        return inner;
    }

    /**
     * The initialisation and the accumulation loop nest of reduction {@code c} into register {@code acc},
     * with c's spatial axes mapped by {@code axisMap}.
     */
    private List<Stmt> accumulate(Tensor.Compute c, Buffer acc, Map<Var, Expr> axisMap) {
        Map<Var, Expr> m = new HashMap<>(axisMap);
        List<Var> rvars = new ArrayList<>();
        for (Tensor.ReduceAxis r : c.reduceAxes()) {
            Var rv = Var.index(r.var().name());
            rvars.add(rv);
            m.put(r.var(), rv);
        }
        Expr body = rewrite(Subst.apply(c.body(), m));
        Expr accLoad = new Expr.Load(acc, List.of());
        Stmt update = wrapLoops(new Stmt.Store(acc, List.of(), combine(c.combiner(), accLoad, body)), rvars,
                c.reduceAxes().stream().map(Tensor.ReduceAxis::extent).toList());
        return List.of(new Stmt.Store(acc, List.of(), identity(c.combiner(), c.dtype())), update);
    }

    /** Replaces tensor reads by buffer loads, or by the inlined stage's body. */
    private Expr rewrite(Expr e) {
        return new ExprMutator() {
            @Override
            protected Expr mutateTensorRead(Expr.TensorRead r) {
                List<Expr> idx = mutateAll(r.indices());
                Tensor t = r.tensor();
                if (schedule.isInlined(t)) {
                    Tensor.Compute c = (Tensor.Compute) t;
                    Map<Var, Expr> m = new HashMap<>();
                    for (int k = 0; k < idx.size(); k++) m.put(c.axes().get(k), idx.get(k));
                    return mutate(Subst.apply(c.body(), m));
                }
                Buffer acc = attachedAcc.get(t);
                if (acc != null) return new Expr.Load(acc, List.of());
                Buffer b = buffers.get(t);
                if (b == null) throw new IllegalStateException("stage reads " + t.name() + " before it is materialized");
                return new Expr.Load(b, idx);
            }
        }.mutate(e);
    }

    public static Expr identity(Tensor.Combiner c, DType t) {
        return switch (c) {
            case SUM, OR -> E.zero(t);
            case PROD, AND -> E.one(t);
            case MAX -> E.lowest(t);
            case MIN -> E.highest(t);
        };
    }

    public static Expr combine(Tensor.Combiner c, Expr acc, Expr v) {
        return switch (c) {
            case SUM -> E.add(acc, v);
            case PROD -> E.mul(acc, v);
            case MAX -> E.max(acc, v);
            case MIN -> E.min(acc, v);
            case AND -> E.and(acc, v);
            case OR -> E.or(acc, v);
        };
    }
}
