package kiln.relax.pass;

import static kiln.relax.pass.PassTesting.call;
import static kiln.relax.pass.PassTesting.constant;
import static kiln.relax.pass.PassTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.relax.Verifier;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

class PipelineTest {
    @Test
    void passesPerLevel() {
        assertEquals(List.of("Legalize", "EliminateDeadCode"), names(0));
        assertEquals(List.of("FoldConstant", "EliminateDeadCode", "Legalize", "EliminateDeadCode"), names(1));
        assertEquals(List.of("FoldConstant", "EliminateDeadCode", "SimplifyExpr", "FoldBatchNorm", "CommonSubexpressionElimination",
                "EliminateDeadCode", "Legalize", "EliminateDeadCode"), names(2));
        assertEquals(List.of("FoldConstant", "EliminateDeadCode", "SimplifyExpr", "FoldBatchNorm", "CommonSubexpressionElimination",
                "EliminateDeadCode", "FuseOps", "Legalize", "EliminateDeadCode"), names(3));
    }

    private static List<String> names(int level) {
        return Pipeline.forOptLevel(level).stream().map(Pass::name).toList();
    }

    /** conv → batch norm → relu → residual add → reshape chain, with a duplicated branch. */
    private static IRModule block() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 2, 4, 4));
        Expr conv = call(bb, "conv", "conv", Attrs.of("pads", List.of(1L, 1L, 1L, 1L)), x, constant("w", 1, 2, 2, 3, 3));
        Expr bn = call(bb, "batch_norm", "bn", Attrs.of("epsilon", 1e-5), conv, constant("g", 2, 2), constant("b", 3, 2),
                constant("m", 4, 2), new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {2}, new double[] {0.5, 2}), "v"));
        Expr r = call(bb, "relu", "relu", bn);
        Expr s1 = call(bb, "sigmoid", "s1", x);
        Expr s2 = call(bb, "sigmoid", "s2", x);
        Expr add = call(bb, "add", "add", r, s1);
        Expr add2 = call(bb, "add", "add2", add, s2);
        Expr f = call(bb, "reshape", "flat", Attrs.of("shape", List.of(2L, 16L)), add2);
        Expr f2 = call(bb, "reshape", "flat2", Attrs.of("shape", List.of(32L)), f);
        return IRModule.of(bb.build("main", List.of(f2), List.of("y")));
    }

    @Test
    void everyLevelVerifiesBetweenPassesAndComputesTheSame() {
        List<NDArray> in = List.of(random(9, 1, 2, 4, 4));
        List<NDArray> want = Interpreter.run(block(), in);
        int[] kernels = new int[4];
        for (int level = 0; level <= 3; level++) {
            IRModule m = block();
            Verifier.verify(m);
            m = Pipeline.run(m, Pipeline.forOptLevel(level), (p, out) -> Verifier.verify(out));
            kernels[level] = m.main().bindings().size();
            double[] w = want.get(0).toDoubleArray(), g = Interpreter.run(m, in).get(0).toDoubleArray();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], 1e-5 + 1e-4 * Math.abs(w[i]), "level " + level + " element " + i);
        }
        // level 0/1: conv, bn, relu, 2 sigmoids, 2 adds, 2 reshapes; level 2: bn folded, one sigmoid, one reshape;
        // level 3: one fused kernel (conv+bias+relu+adds with the sigmoid inlined), then the reshape
        assertEquals(List.of(9, 9, 6, 2), List.of(kernels[0], kernels[1], kernels[2], kernels[3]));
    }
}
