package kiln.relax.pass;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import kiln.relax.IRModule;

/**
 * The graph pass pipeline per optimisation level, in one readable list:
 * <pre>
 * level 0: Legalize, EliminateDeadCode
 * level 1: FoldConstant, EliminateDeadCode, then level 0
 * level 2: FoldConstant, EliminateDeadCode, SimplifyExpr, FoldBatchNorm, CommonSubexpressionElimination,
 *          EliminateDeadCode, then level 0
 * level 3: level 2's graph passes, FuseOps, then level 0
 * </pre>
 * Every pass is a pure IRModule → IRModule function.
 */
public final class Pipeline {
    private Pipeline() {}

    /** The passes run at {@code optLevel} (0–3), ending with legalization into kernels. */
    public static List<Pass> forOptLevel(int optLevel) {
        if (optLevel < 0 || optLevel > 3) throw new IllegalArgumentException("opt level must be 0 to 3, got " + optLevel);
        List<Pass> passes = new ArrayList<>();
        if (optLevel >= 1) {
            passes.add(new FoldConstant());
            passes.add(new EliminateDeadCode());
        }
        if (optLevel >= 2) {
            passes.add(new SimplifyExpr());
            passes.add(new FoldBatchNorm());
            passes.add(new CommonSubexpressionElimination());
            passes.add(new EliminateDeadCode());
        }
        if (optLevel >= 3) passes.add(new FuseOps());
        passes.add(new Legalize());
        passes.add(new EliminateDeadCode());
        return passes;
    }

    /** Runs the passes in order; {@code afterEach} sees the module after every pass (for --dump-ir). */
    public static IRModule run(IRModule m, List<Pass> passes, BiConsumer<Pass, IRModule> afterEach) {
        for (Pass p : passes) {
            m = p.apply(m);
            afterEach.accept(p, m);
        }
        return m;
    }
}
