package kiln.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
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
        return s;
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
