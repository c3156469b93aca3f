package kiln.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import kiln.tir.Expr;
import kiln.tir.ExprMutator;
import kiln.tir.Subst;
import kiln.tir.Var;
import kiln.tir.compute.ExprVisitor;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Tensor;

/**
 * Scheduling decisions for one kernel's stages, separate from what the stages compute. Every
 * primitive checks its preconditions and appends itself to a replayable trace that the emitter
 * prints in the kernel's leading comment.
 */
public final class Schedule {
    private final List<Tensor> outputs;
    private final List<Tensor> stages;
    private final Set<Tensor> inlined = Collections.newSetFromMap(new IdentityHashMap<>());
    private final java.util.Map<Tensor, Tensor> attachedTo = new IdentityHashMap<>();
    private final List<String> trace = new ArrayList<>();

    private Schedule(List<? extends Tensor> outputs) {
        this.outputs = List.copyOf(outputs);
        this.stages = Tensor.postOrder(outputs);
    }

    /** A schedule that materializes every stage in its own loop nest (the reference lowering). */
    public static Schedule naive(List<? extends Tensor> outputs) {
        return new Schedule(outputs);
    }

    /**
     * The default for every target: elementwise, broadcast and injective stages are inlined into
     * their consumers (so a kernel writes only its outputs and its reductions), reductions keep a
     * register accumulator, loops run in the tensor's natural order.
     */
    public static Schedule defaults(List<? extends Tensor> outputs) {
        Schedule s = new Schedule(outputs);
        Set<Tensor> feedsExtern = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : s.stages) {
            if (t instanceof Tensor.Extern) feedsExtern.addAll(t.inputs());
        }
        for (Tensor t : s.stages) {
            if (t instanceof Tensor.Compute c && c.pattern().isInjectiveOrSimpler() && !s.isOutput(t) && !feedsExtern.contains(t)) {
                s.computeInline(t);
            }
        }
        // Reductions consumed element for element by one elementwise stage (bias add, activation,
        // average-pool division) are computed inside that stage's loop nest: one pass, no scratch.
        for (Tensor t : s.stages) {
            if (!(t instanceof Tensor.Compute c) || c.isReduction() || s.isInlined(t)) continue;
            for (Tensor r : s.stages) {
                if (r instanceof Tensor.Compute rc && rc.isReduction() && !s.isOutput(r) && !feedsExtern.contains(r)
                        && rc.shape().equals(c.shape()) && s.onlyReader(r, c) && s.readsAtOwnIndex(c, rc)) {
                    s.computeAt(r, t);
                }
            }
        }
        return s;
    }

    /**
     * Computes reduction {@code producer} inside the loop nest of {@code consumer}, one element at a
     * time into a register, at the consumer's own index.
     */
    public Schedule computeAt(Tensor producer, Tensor consumer) {
        if (!(producer instanceof Tensor.Compute p) || !p.isReduction()) {
            throw new ScheduleError("compute_at", producer.name(), "only reductions can be attached to a consumer");
        }
        if (!(consumer instanceof Tensor.Compute c) || c.isReduction() || isInlined(consumer)) {
            throw new ScheduleError("compute_at", producer.name(), "the consumer " + consumer.name() + " must be a materialized, non-reduction compute");
        }
        if (isOutput(producer)) throw new ScheduleError("compute_at", producer.name(), "a kernel output cannot be attached");
        if (!p.shape().equals(c.shape())) throw new ScheduleError("compute_at", producer.name(), "shape differs from consumer " + consumer.name());
        if (!onlyReader(producer, consumer)) throw new ScheduleError("compute_at", producer.name(), "read by stages other than " + consumer.name());
        if (!readsAtOwnIndex(c, p)) throw new ScheduleError("compute_at", producer.name(), consumer.name() + " reads it at other indices than its own");
        if (attachedTo.put(producer, consumer) == null) trace.add("compute_at(" + producer.name() + ", " + consumer.name() + ")");
        return this;
    }

    public boolean isAttached(Tensor t) { return attachedTo.containsKey(t); }

    /** Reductions attached to {@code consumer}, in stage order. */
    public List<Tensor> attachedTo(Tensor consumer) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : stages) if (attachedTo.get(t) == consumer) out.add(t);
        return out;
    }

    /** The body of a compute with every inlined stage substituted (what lowering will see). */
    Expr expanded(Tensor.Compute c) {
        return new ExprMutator() {
            @Override
            protected Expr mutateTensorRead(Expr.TensorRead r) {
                List<Expr> idx = mutateAll(r.indices());
                if (isInlined(r.tensor())) {
                    Tensor.Compute ic = (Tensor.Compute) r.tensor();
                    java.util.Map<Var, Expr> m = new IdentityHashMap<>();
                    for (int k = 0; k < idx.size(); k++) m.put(ic.axes().get(k), idx.get(k));
                    return mutate(Subst.apply(ic.body(), m));
                }
                return idx == r.indices() ? r : new Expr.TensorRead(r.tensor(), idx);
            }
        }.mutate(c.body());
    }

    /** Whether {@code reader} is the only materialized stage whose (expanded) body reads {@code t}. */
    boolean onlyReader(Tensor t, Tensor reader) {
        for (Tensor s : stages) {
            if (s == reader || isInlined(s) || s instanceof Tensor.Placeholder) continue;
            if (s instanceof Tensor.Extern e) {
                if (e.inputs().contains(t)) return false;
                continue;
            }
            if (ExprVisitor.tensorsRead(expanded((Tensor.Compute) s)).contains(t)) return false;
        }
        return true;
    }

    /** Whether every read of {@code r} in {@code c}'s expanded body is at c's own index (0 on unit dims). */
    boolean readsAtOwnIndex(Tensor.Compute c, Tensor.Compute r) {
        boolean[] ok = {true};
        ExprVisitor.walk(expanded(c), e -> {
            if (e instanceof Expr.TensorRead tr && tr.tensor() == r) {
                for (int k = 0; k < tr.indices().size(); k++) {
                    Expr i = tr.indices().get(k);
                    boolean own = i == c.axes().get(k) || (c.shape().get(k) == 1 && i instanceof Expr.IntImm z && z.value() == 0);
                    ok[0] &= own;
                }
            }
        });
        return ok[0];
    }

    public boolean isOutput(Tensor t) {
        for (Tensor o : outputs) if (o == t) return true;
        return false;
    }

    /** Replaces reads of {@code t} by its defining expression; {@code t} gets no buffer of its own. */
    public Schedule computeInline(Tensor t) {
        if (!(t instanceof Tensor.Compute c)) throw new ScheduleError("compute_inline", t.name(), "only computes can be inlined");
        if (c.isReduction()) throw new ScheduleError("compute_inline", t.name(), "a reduction cannot be inlined");
        if (isOutput(t)) throw new ScheduleError("compute_inline", t.name(), "a kernel output cannot be inlined");
        if (!stages.contains(t)) throw new ScheduleError("compute_inline", t.name(), "not a stage of this kernel");
        if (inlined.add(t)) trace.add("compute_inline(" + t.name() + ")");
        return this;
    }

    public boolean isInlined(Tensor t) { return inlined.contains(t); }

    public List<Tensor> outputs() { return outputs; }

    /** Stages producers-first. */
    public List<Tensor> stages() { return stages; }

    public List<String> trace() { return List.copyOf(trace); }

    /** The strongest pattern among the stages, which is the kernel's pattern for fusion decisions. */
    public Pattern kernelPattern() {
        Pattern p = Pattern.ELEMWISE;
        for (Tensor t : stages) {
            Pattern q = switch (t) {
                case Tensor.Placeholder ph -> Pattern.ELEMWISE;
                case Tensor.Compute c -> c.pattern();
                case Tensor.Extern e -> Pattern.OPAQUE;
            };
            p = Pattern.max(p, q);
        }
        return p;
    }
}
