package kiln.relax.pass;

import static kiln.relax.pass.PassTesting.call;
import static kiln.relax.pass.PassTesting.constant;
import static kiln.relax.pass.PassTesting.random;
import static kiln.relax.pass.PassTesting.runChecked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.IRPrinter;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

/** SimplifyExpr, CommonSubexpressionElimination and FoldBatchNorm on small graphs, compared as IR text. */
class GraphPassesTest {
    private static Expr.Constant positive(String name, long seed, long n) {
        double[] d = random(seed, n).toDoubleArray();
        for (int i = 0; i < d.length; i++) d[i] = 0.5 + Math.abs(d[i]);
        return new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {n}, d), name);
    }

    private static Expr bn(BlockBuilder bb, Expr x, long c) {
        return call(bb, "batch_norm", "bn", Attrs.of("epsilon", 1e-5), x, positive("gamma", 5, c), constant("beta", 6, c),
                constant("mean", 7, c), positive("var", 8, c));
    }

    @Test
    void simplifyRemovesNoOpsAndMergesChains() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3, 4));
        Expr r0 = call(bb, "reshape", "r0", Attrs.of("shape", List.of(2L, 3L, 4L)), x);
        Expr r1 = call(bb, "reshape", "r1", Attrs.of("shape", List.of(6L, 4L)), r0);
        Expr r2 = call(bb, "reshape", "r2", Attrs.of("shape", List.of(24L)), r1);
        Expr t0 = call(bb, "transpose", "t0", Attrs.of("axes", List.of(1L, 2L, 0L)), x);
        Expr t1 = call(bb, "transpose", "t1", Attrs.of("axes", List.of(2L, 0L, 1L)), t0);
        Expr t2 = call(bb, "transpose", "t2", Attrs.of("axes", List.of(1L, 0L, 2L)), t0);
        Expr i = call(bb, "identity", "i", t1);
        IRModule m = IRModule.of(bb.build("main", List.of(r2, i, t2), List.of("a", "b", "c")));
        IRModule out = new EliminateDeadCode().apply(runChecked(new SimplifyExpr(), m, List.of(random(1, 2, 3, 4))));
        assertIr("""
                def main(%x: float32[2, 3, 4]) {
                  %r2 = reshape(%x, shape=[24]) : float32[24]  # r1_node, r2_node
                  %t2 = transpose(%x, axes=[2, 1, 0]) : float32[4, 3, 2]  # t0_node, t2_node
                  return %r2, %x, %t2
                }
                """, out);
    }

    @Test
    void cseMergesEqualCallsOnly() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3));
        Expr.Constant w = constant("w", 1, 3);
        Expr a = call(bb, "add", "a", x, w);
        Expr b = call(bb, "add", "b", x, w);
        Expr c = call(bb, "add", "c", x, constant("w2", 1, 3));
        Expr s0 = call(bb, "sum", "s0", Attrs.of("axes", List.of(1L), "keepdims", 0L), a);
        Expr s1 = call(bb, "sum", "s1", Attrs.of("axes", List.of(1L), "keepdims", 0L), b);
        Expr s2 = call(bb, "sum", "s2", Attrs.of("axes", List.of(0L), "keepdims", 0L), b);
        IRModule m = IRModule.of(bb.build("main", List.of(s0, s1, s2, c), List.of("p", "q", "r", "s")));
        IRModule out = runChecked(new CommonSubexpressionElimination(), m, List.of(random(1, 2, 3)));
        assertIr("""
                def main(%x: float32[2, 3]) {
                  %a = add(%x, const(w: float32[3])) : float32[2, 3]  # a_node
                  %c = add(%x, const(w2: float32[3])) : float32[2, 3]  # c_node
                  %s0 = sum(%a, axes=[1], keepdims=0) : float32[2]  # s0_node
                  %s2 = sum(%a, axes=[0], keepdims=0) : float32[3]  # s2_node
                  return %s0, %s0, %s2, %c
                }
                """, out);
    }

    @Test
    void batchNormAfterConvFoldsIntoWeightsAndBias() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 2, 3, 3));
        Expr conv = call(bb, "conv", "conv", Attrs.of("groups", 1L), x, constant("w", 1, 3, 2, 1, 1), constant("b", 2, 3));
        Expr y = bn(bb, conv, 3);
        IRModule m = IRModule.of(bb.build("main", List.of(y), List.of("y")));
        IRModule out = runChecked(new FoldBatchNorm(), m, List.of(random(3, 1, 2, 3, 3)));
        assertIr("""
                def main(%x: float32[1, 2, 3, 3]) {
                  %bn = conv(%x, const(w_bn: float32[3, 2, 1, 1]), const(bn_bias: float32[3]), groups=1) : float32[1, 3, 3, 3]  # conv_node, bn_node
                  return %bn
                }
                """, out);
    }

    @Test
    void standaloneBatchNormBecomesMultiplyAdd() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 3, 2, 2));
        Expr r = call(bb, "relu", "r", x);
        Expr y = bn(bb, r, 3);
        IRModule m = IRModule.of(bb.build("main", List.of(y), List.of("y")));
        IRModule out = runChecked(new FoldBatchNorm(), m, List.of(random(3, 1, 3, 2, 2)));
        assertIr("""
                def main(%x: float32[1, 3, 2, 2]) {
                  %r = relu(%x) : float32[1, 3, 2, 2]  # r_node
                  %bn_scaled = multiply(%r, const(bn_scale: float32[3, 1, 1])) : float32[1, 3, 2, 2]  # bn_node
                  %bn = add(%bn_scaled, const(bn_shift: float32[3, 1, 1])) : float32[1, 3, 2, 2]  # bn_node
                  return %bn
                }
                """, out);
    }

    @Test
    void passesLeaveModulesWithoutTheirPatternsUnchanged() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3));
        Expr a = call(bb, "exp", "a", x);
        IRModule m = IRModule.of(bb.build("main", List.of(a), List.of("y")));
        for (Pass p : List.of(new SimplifyExpr(), new CommonSubexpressionElimination(), new FoldBatchNorm(), new FuseOps())) {
            assertSame(m, p.apply(m), p.name());
        }
    }

    static void assertIr(String expected, IRModule m) { assertEquals(expected, IRPrinter.print(m)); }
}
