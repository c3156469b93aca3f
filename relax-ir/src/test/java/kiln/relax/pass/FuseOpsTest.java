package kiln.relax.pass;

import static kiln.relax.pass.PassTesting.call;
import static kiln.relax.pass.PassTesting.constant;
import static kiln.relax.pass.PassTesting.random;
import static kiln.relax.pass.PassTesting.runChecked;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.IRPrinter;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.tir.DType;
import org.junit.jupiter.api.Test;

class FuseOpsTest {
    @Test
    void convBiasReluBecomesOneLoopNest() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 2, 3, 3));
        Expr conv = call(bb, "conv", "conv", x, constant("w", 1, 2, 2, 1, 1));
        Expr add = call(bb, "add", "add", conv, constant("b", 2, 1, 2, 1, 1));
        Expr relu = call(bb, "relu", "relu", add);
        IRModule m = IRModule.of(bb.build("main", List.of(relu), List.of("y")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 1, 2, 3, 3)));
        assertIr("""
                def main(%x: float32[1, 2, 3, 3]) {
                  %relu = call_prim(@fused_conv_add_relu, %x, const(w: float32[2, 2, 1, 1]), const(b: float32[1, 2, 1, 1])) : float32[1, 2, 3, 3]  # conv_node, add_node, relu_node
                  return %relu
                }

                prim_func fused_conv_add_relu(in_x: float32[1, 2, 3, 3], in_w: float32[2, 2, 1, 1], in_b: float32[1, 2, 1, 1], out_relu: float32[1, 2, 3, 3]) {
                  # onnx nodes: conv_node, add_node, relu_node
                  # fused ops: conv -> add -> relu
                  # shapes: float32[1, 2, 3, 3], float32[2, 2, 1, 1], float32[1, 2, 1, 1] -> float32[1, 2, 3, 3]
                  # schedule: compute_inline(add); compute_at(conv, relu)
                  for i1 in range(0, 2):
                    for i2 in range(0, 3):
                      for i3 in range(0, 3):
                        alloc acc: float32[]
                        acc[] = 0.0f
                        for r0 in range(0, 2):
                          acc[] = (acc[] + (in_x[0, r0, i2, i3] * in_w[i1, r0, 0, 0]))
                        out_relu[0, i1, i2, i3] = max((acc[] + in_b[0, i1, 0, 0]), 0.0f)
                }
                """, out);
    }

    @Test
    void elementwiseDiamondFusesIntoOneKernel() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3));
        Expr a = call(bb, "exp", "a", x);
        Expr b = call(bb, "negative", "b", a);
        Expr c = call(bb, "add", "c", a, b);
        IRModule m = IRModule.of(bb.build("main", List.of(c), List.of("y")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 2, 3)));
        assertIr("""
                def main(%x: float32[2, 3]) {
                  %c = call_prim(@fused_exp_negative_add, %x) : float32[2, 3]  # a_node, b_node, c_node
                  return %c
                }

                prim_func fused_exp_negative_add(in_x: float32[2, 3], out_add: float32[2, 3]) {
                  # onnx nodes: a_node, b_node, c_node
                  # fused ops: exp -> negative -> add
                  # shapes: float32[2, 3] -> float32[2, 3]
                  # schedule: compute_inline(exp); compute_inline(negative)
                  for i0 in range(0, 2):
                    for i1 in range(0, 3):
                      out_add[i0, i1] = (exp(in_x[i0, i1]) + -exp(in_x[i0, i1]))
                }
                """, out);
    }

    @Test
    void valueUsedOutsideTheGroupIsNotFused() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3));
        Expr a = call(bb, "exp", "a", x);
        Expr b = call(bb, "negative", "b", a);
        Expr c = call(bb, "sigmoid", "c", b);
        IRModule m = IRModule.of(bb.build("main", List.of(c, a), List.of("y", "z")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 2, 3)));
        assertIr("""
                def main(%x: float32[2, 3]) {
                  %a = exp(%x) : float32[2, 3]  # a_node
                  %c = call_prim(@fused_negative_sigmoid, %a) : float32[2, 3]  # b_node, c_node
                  return %c, %a
                }

                prim_func fused_negative_sigmoid(in_a: float32[2, 3], out_sigmoid: float32[2, 3]) {
                  # onnx nodes: b_node, c_node
                  # fused ops: negative -> sigmoid
                  # shapes: float32[2, 3] -> float32[2, 3]
                  # schedule: compute_inline(negative)
                  for i0 in range(0, 2):
                    for i1 in range(0, 3):
                      out_sigmoid[i0, i1] = (1.0f / (1.0f + exp(--in_a[i0, i1])))
                }
                """, out);
    }

    @Test
    void reductionAbsorbsInjectiveInputButNotItsConsumer() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 3));
        Expr t = call(bb, "transpose", "t", Attrs.of("axes", List.of(1L, 0L)), x);
        Expr s = call(bb, "sum", "s", Attrs.of("axes", List.of(1L), "keepdims", 0L), t);
        Expr r = call(bb, "relu", "r", s);
        IRModule m = IRModule.of(bb.build("main", List.of(r), List.of("y")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 2, 3)));
        assertIr("""
                def main(%x: float32[2, 3]) {
                  %s = call_prim(@fused_transpose_sum, %x) : float32[3]  # t_node, s_node
                  %r = relu(%s) : float32[3]  # r_node
                  return %r
                }

                prim_func fused_transpose_sum(in_x: float32[2, 3], out_sum: float32[3]) {
                  # onnx nodes: t_node, s_node
                  # fused ops: transpose(axes=[1, 0]) -> sum(axes=[1], keepdims=0)
                  # shapes: float32[2, 3] -> float32[3]
                  # schedule: compute_inline(transpose)
                  for i0 in range(0, 3):
                    alloc acc: float32[]
                    acc[] = 0.0f
                    for r0 in range(0, 2):
                      acc[] = (acc[] + in_x[r0, i0])
                    out_sum[i0] = acc[]
                }
                """, out);
    }

    @Test
    void opaqueStaysAloneAndModuleIsUnchanged() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 4));
        Expr a = call(bb, "exp", "a", x);
        Expr c = call(bb, "cumsum", "c", Attrs.of("axis", 0L), a);
        Expr d = call(bb, "matmul", "d", c, constant("w", 1, 4, 2));
        IRModule m = IRModule.of(bb.build("main", List.of(d), List.of("y")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 4)));
        assertIr("""
                def main(%x: float32[4]) {
                  %a = exp(%x) : float32[4]  # a_node
                  %c = cumsum(%a, axis=0) : float32[4]  # c_node
                  %d = matmul(%c, const(w: float32[4, 2])) : float32[2]  # d_node
                  return %d
                }
                """, out);
    }

    @Test
    void groupsStopBeforeAValueWouldBeRecomputedMoreThanEightTimes() {
        BlockBuilder bb = new BlockBuilder();
        Var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 3));
        Expr a = call(bb, "exp", "a0", x);
        for (int k = 1; k <= 4; k++) a = call(bb, "add", "a" + k, a, a);
        IRModule m = IRModule.of(bb.build("main", List.of(a), List.of("y")));
        IRModule out = runChecked(new FuseOps(), m, List.of(random(3, 3)));
        assertEquals("""
                def main(%x: float32[3]) {
                  %a3 = call_prim(@fused_exp_add_add_add, %x) : float32[3]  # a0_node, a1_node, a2_node, a3_node
                  %a4 = add(%a3, %a3) : float32[3]  # a4_node
                  return %a4
                }
                """, IRPrinter.print(out.main()));
    }

    static void assertIr(String expected, IRModule m) { assertEquals(expected, IRPrinter.print(m)); }
}
