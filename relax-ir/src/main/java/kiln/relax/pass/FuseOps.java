package kiln.relax.pass;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Operator fusion after TVM's pattern rules. Groups of op calls become one kernel each:
 * <ul>
 *   <li>elementwise, broadcast and injective calls fuse into chains (and diamonds);</li>
 *   <li>elementwise and broadcast epilogues (bias add, activation, residual add, batch norm as an
 *       affine map) fuse into an {@link Pattern#OUT_ELEMWISE_FUSABLE} producer (conv, matmul, pooling);</li>
 *   <li>a {@link Pattern#REDUCTION} absorbs the injective group that feeds it;</li>
 *   <li>{@link Pattern#OPAQUE} calls and calls with tuple results stay alone.</li>
 * </ul>
 * A group has exactly one result, its last binding (the root): every other member's value is used
 * only inside the group and is no function output. A group therefore never has a path leaving and
 * re-entering it, and its kernel can run at the root's position.
 *
 * <p>Each group of two or more calls becomes one PrimFunc built by chaining the members' computes
 * over shared placeholders (values from outside the group), scheduled with {@link Schedule#defaults}
 * (which inlines the injective stages and computes a reduction inside its elementwise consumer) and
 * lowered; the root's binding becomes a {@link Expr.CallPrim} of it. Single calls are left for
 * {@link Legalize}.
 */
public final class FuseOps implements Pass {
    @Override
    public String name() { return "FuseOps"; }

    /** A fusion group under construction: members in binding order, and the group's pattern kind. */
    private static final class Group {
        final List<Binding> members = new ArrayList<>();
        Pattern kind;

        Group(Binding b, Pattern kind) {
            members.add(b);
            this.kind = kind;
        }

        Binding root() { return members.get(members.size() - 1); }
    }

    @Override
    public IRModule apply(IRModule m) {
        Function f = m.main();
        // Uses of every var: the bindings reading it; function outputs pin a var.
        Map<Var, List<Binding>> uses = new IdentityHashMap<>();
        Set<Var> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Binding b : f.bindings()) {
            Set<Var> read = Collections.newSetFromMap(new IdentityHashMap<>());
            EliminateDeadCode.markUses(b.value(), read);
            for (Var v : read) uses.computeIfAbsent(v, k -> new ArrayList<>()).add(b);
        }
        for (Expr o : f.outputs()) EliminateDeadCode.markUses(o, pinned);

        Map<Binding, Integer> index = new IdentityHashMap<>();
        for (Binding b : f.bindings()) index.put(b, index.size());
        Map<Var, Group> groupOf = new IdentityHashMap<>();
        for (Binding b : f.bindings()) {
            if (!(b.value() instanceof Expr.Call c) || !(c.type() instanceof Type.TensorType)) continue;
            Pattern p = OpRegistry.get(c.op()).pattern();
            Group g = new Group(b, p);
            if (p != Pattern.OPAQUE && p != Pattern.OUT_ELEMWISE_FUSABLE) {
                List<Group> chosen = new ArrayList<>();
                for (Expr a : c.args()) {
                    if (!(a instanceof Var v) || !groupOf.containsKey(v)) continue;
                    Group cand = groupOf.get(v);
                    if (chosen.contains(cand) || cand.root().var() != v) continue;
                    chosen.add(cand);
                    if (kindOf(p, chosen) == null) chosen.remove(chosen.size() - 1);
                }
                // Keep only groups whose values are all consumed inside the merged group.
                boolean changed = true;
                while (changed) {
                    changed = false;
                    Set<Binding> all = Collections.newSetFromMap(new IdentityHashMap<>());
                    all.add(b);
                    chosen.forEach(cg -> all.addAll(cg.members));
                    for (int k = 0; k < chosen.size(); k++) {
                        if (!closed(chosen.get(k), all, uses, pinned)) {
                            chosen.remove(k);
                            changed = true;
                            break;
                        }
                    }
                }
                if (!chosen.isEmpty()) {
                    List<Binding> members = new ArrayList<>();
                    for (Group cg : chosen) members.addAll(cg.members);
                    members.sort(java.util.Comparator.comparingInt(index::get));
                    members.add(b);
                    if (members.size() <= MAX_MEMBERS && maxCopies(members) <= MAX_COPIES && inlinedSize(members) <= MAX_INLINED_NODES) {
                        g = new Group(b, kindOf(p, chosen));
                        g.members.clear();
                        g.members.addAll(members);
                    }
                }
            }
            for (Binding x : g.members) groupOf.put(x.var(), g);
        }

        // Rewrite: each multi-member group becomes one kernel call at its root's position.
        Map<String, PrimFunc> prims = new LinkedHashMap<>(m.prims());
        NameAllocator names = new NameAllocator();
        prims.keySet().forEach(names::reserve);
        List<Binding> out = new ArrayList<>();
        for (Binding b : f.bindings()) {
            Group g = groupOf.get(b.var());
            if (g == null || g.members.size() == 1) {
                out.add(b);
            } else if (g.root() == b) {
                String name = names.fresh(kernelName(g.members));
                Fused fused = kernel(name, g.members);
                prims.put(name, fused.func());
                out.add(new Binding(b.var(), new Expr.CallPrim(name, fused.args(), b.var().type(), sources(g.members))));
            }
        }
        if (out.size() == f.bindings().size() && prims.size() == m.prims().size()) return m;
        return new IRModule(f.withBindings(out, f.outputs()), prims);
    }

    /**
     * The kind of the group formed by a call of pattern {@code root} with the producer groups
     * {@code producers}, or null when TVM's rules do not fuse them: injective-or-simpler calls chain;
     * an elementwise or broadcast call is the epilogue of one conv / matmul / pooling group (other
     * producers injective); a reduction absorbs injective producers; nothing else fuses.
     */
    static Pattern kindOf(Pattern root, List<Group> producers) {
        Pattern kind = root;
        int heavy = 0;
        for (Group g : producers) {
            if (g.kind.isInjectiveOrSimpler()) {
                if (root.isInjectiveOrSimpler()) kind = Pattern.max(kind, g.kind);
            } else if (g.kind == Pattern.OUT_ELEMWISE_FUSABLE && root.ordinal() <= Pattern.BROADCAST.ordinal()) {
                kind = g.kind;
                heavy++;
            } else {
                return null;
            }
        }
        if (heavy > 1) return null;
        if (!root.isInjectiveOrSimpler() && root != Pattern.REDUCTION) return producers.isEmpty() ? root : null;
        return kind;
    }

    /** At most this many calls per kernel (TVM bounds fusion depth too). */
    static final int MAX_MEMBERS = 32;
    /**
     * At most this many inlined copies of one member: the default schedule inlines injective stages,
     * so a value read along several paths inside a group is recomputed once per path.
     */
    static final long MAX_COPIES = 8;

    /**
     * At most this many expression nodes in a fused kernel's loop bodies after inlining (ops such as
     * erf read their input several times, so inlining a chain of them multiplies its size).
     */
    static final long MAX_INLINED_NODES = 4096;

    /** The total size of the materialized stages' bodies with every inlined stage substituted. */
    static long inlinedSize(List<Binding> members) {
        Tensor result = build(members).result();
        List<Tensor> stages = Tensor.postOrder(List.of(result));
        // The default schedule's rule (without expanding anything): injective-or-simpler computes that
        // are not the result and feed no extern stage are inlined.
        Set<Tensor> feedsExtern = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : stages) if (t instanceof Tensor.Extern) feedsExtern.addAll(t.inputs());
        Set<Tensor> inlined = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : stages) {
            if (t instanceof Tensor.Compute c && c.pattern().isInjectiveOrSimpler() && t != result && !feedsExtern.contains(t)) inlined.add(t);
        }
        Map<Tensor, Long> size = new IdentityHashMap<>();
        long total = 0;
        for (Tensor t : stages) {
            if (!(t instanceof Tensor.Compute c)) continue;
            long[] n = {0};
            kiln.tir.compute.ExprVisitor.walk(c.body(), e -> {
                n[0] = Math.min(Long.MAX_VALUE / 4, n[0] + 1);
                if (e instanceof kiln.tir.Expr.TensorRead r && inlined.contains(r.tensor())) {
                    n[0] = Math.min(Long.MAX_VALUE / 4, n[0] + size.getOrDefault(r.tensor(), 0L));
                }
            });
            size.put(t, n[0]);
            if (!inlined.contains(t)) total = Math.min(Long.MAX_VALUE / 4, total + n[0]);
        }
        return total;
    }

    /** The largest number of times a member is instantiated when every stage is inlined into the root. */
    static long maxCopies(List<Binding> members) {
        Map<Var, Long> copies = new IdentityHashMap<>();
        Set<Var> inGroup = Collections.newSetFromMap(new IdentityHashMap<>());
        members.forEach(b -> inGroup.add(b.var()));
        copies.put(members.get(members.size() - 1).var(), 1L);
        long max = 1;
        for (int k = members.size() - 1; k >= 0; k--) {
            Binding b = members.get(k);
            long n = copies.getOrDefault(b.var(), 0L);
            // Reductions are materialized or computed once per element in a register, never recomputed per read.
            if (OpRegistry.get(((Expr.Call) b.value()).op()).pattern().isInjectiveOrSimpler()) max = Math.max(max, n);
            for (Expr a : ((Expr.Call) b.value()).args()) {
                if (a instanceof Var v && inGroup.contains(v)) copies.merge(v, n, (x, y) -> Math.min(Long.MAX_VALUE / 4, x + y));
            }
        }
        return max;
    }

    /** Whether every member of {@code g} is used only by bindings in {@code all} and is no function output. */
    private static boolean closed(Group g, Set<Binding> all, Map<Var, List<Binding>> uses, Set<Var> pinned) {
        for (Binding x : g.members) {
            if (pinned.contains(x.var())) return false;
            for (Binding u : uses.getOrDefault(x.var(), List.of())) if (!all.contains(u)) return false;
        }
        return true;
    }

    /** {@code fused_} and the members' op names, e.g. {@code fused_conv_add_relu}. */
    static String kernelName(List<Binding> members) {
        List<String> ops = members.stream().map(b -> ((Expr.Call) b.value()).op()).toList();
        List<String> shown = ops.size() <= 6 ? ops : ops.subList(0, 6);
        return "fused_" + String.join("_", shown);
    }

    private static List<String> sources(List<Binding> members) {
        Set<String> s = new LinkedHashSet<>();
        for (Binding b : members) s.addAll(((Expr.Call) b.value()).sources());
        return List.copyOf(s);
    }

    /** A fused kernel and the graph values to pass it, in parameter order. */
    record Fused(PrimFunc func, List<Expr> args) {}

    /**
     * One kernel for a group of bindings (members in binding order, the last is the result): the
     * group's outside values become placeholders shared by every member that reads them, scalar
     * constants become immediates, member computes are chained.
     */
    /** The chained computes of a group: its input placeholders, the graph values to pass, the result, op notes. */
    record Built(List<Tensor.Placeholder> inputs, List<Expr> callArgs, Tensor result, List<String> opNotes) {}

    static Built build(List<Binding> members) {
        Map<Var, Tensor> inGroup = new IdentityHashMap<>();
        Map<Expr, Tensor.Placeholder> outside = new IdentityHashMap<>();
        List<Tensor.Placeholder> inputs = new ArrayList<>();
        List<Expr> callArgs = new ArrayList<>();
        NameAllocator phNames = new NameAllocator();
        List<String> opNotes = new ArrayList<>();
        Tensor result = null;
        for (Binding b : members) {
            Expr.Call c = (Expr.Call) b.value();
            List<Tensor> args = new ArrayList<>();
            for (int k = 0; k < c.args().size(); k++) {
                Expr a = c.args().get(k);
                Type.TensorType t = a.type().tensor();
                if (a instanceof Var v && inGroup.containsKey(v)) {
                    args.add(inGroup.get(v));
                } else if (Legalize.isScalarConst(a)) {
                    var val = ((Expr.Constant) a).value();
                    var imm = val.dtype().isFloat() ? E.constant(val.dtype(), val.getDouble(0)) : E.intConst(val.dtype(), val.getLong(0));
                    args.add(Te.compute("const", t.shape(), Pattern.ELEMWISE, i -> imm));
                } else {
                    Tensor.Placeholder p = outside.get(a);
                    if (p == null) {
                        String hint = a instanceof Var v ? v.name() : a instanceof Expr.Constant cc ? cc.name() : "arg" + k;
                        p = Te.placeholder(phNames.fresh(NameAllocator.sanitize(hint)), t.dtype(), t.shape());
                        outside.put(a, p);
                        inputs.add(p);
                        callArgs.add(a);
                    }
                    args.add(p);
                }
            }
            result = OpRegistry.get(c.op()).compute(args, c.attrs(), c.type()).get(0);
            inGroup.put(b.var(), result);
            opNotes.add(c.op() + (c.attrs().values().isEmpty() ? "" : "(" + c.attrs() + ")"));
        }
        return new Built(inputs, List.copyOf(callArgs), result, opNotes);
    }

    static Fused kernel(String name, List<Binding> members) {
        Built built = build(members);
        List<Expr> callArgs = built.callArgs();
        List<String> opNotes = built.opNotes();
        List<String> notes = new ArrayList<>();
        notes.add("onnx nodes: " + String.join(", ", sources(members)));
        notes.add("fused ops: " + String.join(" -> ", opNotes));
        notes.add("shapes: " + callArgs.stream().map(a -> a.type().toString()).collect(Collectors.joining(", "))
                + " -> " + members.get(members.size() - 1).var().type());
        PrimFunc pf = Lower.lower(name, built.inputs(), Schedule.defaults(List.of(built.result())), notes);
        return new Fused(pf, List.copyOf(callArgs));
    }
}
