package kiln.emit.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.relax.Type;
import kiln.relax.pass.Pipeline;
import kiln.target.Target;
import kiln.tir.DType;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The nn ops through legalization (default schedule), the C printer and a C compiler, against the Java
 * interpreter of the same legalized module: padding stages inlined into convolutions and pools, multi-stage
 * normalizations with scratch buffers, -inf padding of max pooling.
 */
class NnCrossCheckTest {
    private static List<Long> l(long... v) {
        List<Long> out = new ArrayList<>();
        for (long x : v) out.add(x);
        return out;
    }

    @Test
    void nnGraphInCMatchesInterpreter() throws Exception {
        Random rnd = new Random(11);
        BlockBuilder bb = new BlockBuilder();
        var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 3, 9, 9));
        List<Expr> outs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Expr c1 = bb.call("conv", List.of(x, new Expr.Constant(CrossCheckTest.random(rnd, 4, 3, 3, 3), "w1"),
                        new Expr.Constant(CrossCheckTest.random(rnd, 4), "b1")),
                Attrs.of("strides", l(2, 2), "pads", l(1, 1, 1, 1)), "c1", List.of("Conv_0"));
        Expr dw = bb.call("conv", List.of(c1, new Expr.Constant(CrossCheckTest.random(rnd, 4, 1, 3, 3), "w2")),
                Attrs.of("groups", 4L, "pads", l(2, 2, 2, 2), "dilations", l(2, 2)), "dw", List.of("Conv_1"));
        Expr mp = bb.call("max_pool", List.of(dw), Attrs.of("kernel_shape", l(3, 3), "strides", l(2, 2), "pads", l(1, 1, 1, 1),
                "ceil_mode", 1L), "mp", List.of("MaxPool_2"));
        Expr ap = bb.call("avg_pool", List.of(dw), Attrs.of("kernel_shape", l(2, 3), "strides", l(2, 2), "pads", l(1, 1, 0, 1),
                "ceil_mode", 1L, "count_include_pad", 0L), "ap", List.of("AveragePool_3"));
        Expr ct = bb.call("conv_transpose", List.of(ap, new Expr.Constant(CrossCheckTest.random(rnd, 4, 2, 3, 3), "w3"),
                        new Expr.Constant(CrossCheckTest.random(rnd, 4), "b3")),
                Attrs.of("groups", 2L, "strides", l(2, 2), "output_padding", l(1, 0), "pads", l(1, 0, 0, 1)), "ct", List.of("ConvTranspose_4"));
        Expr bn = bb.call("batch_norm", List.of(ct, new Expr.Constant(CrossCheckTest.random(rnd, 4), "s"),
                        new Expr.Constant(CrossCheckTest.random(rnd, 4), "b"), new Expr.Constant(CrossCheckTest.random(rnd, 4), "m"),
                        new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {4}, new double[] {1, 2, 0.5, 3}), "v")),
                Attrs.of("epsilon", 1e-5), "bn", List.of("BatchNormalization_5"));
        Expr in = bb.call("instance_norm", List.of(bn, new Expr.Constant(CrossCheckTest.random(rnd, 4), "is"),
                new Expr.Constant(CrossCheckTest.random(rnd, 4), "ib")), Attrs.of("epsilon", 1e-5), "in", List.of("InstanceNormalization_6"));
        Expr lrn = bb.call("lrn", List.of(in), Attrs.of("size", 3L, "alpha", 1e-2, "beta", 0.75, "bias", 1.0), "lrn", List.of("LRN_7"));
        Expr ln = bb.call("layer_norm", List.of(lrn, new Expr.Constant(CrossCheckTest.random(rnd, 4, 1, 1), "ls")),
                Attrs.of("axis", 1L, "epsilon", 1e-5), "ln", List.of("LayerNormalization_8"));
        Expr sm = bb.call("softmax", List.of(ln), Attrs.of("axis", 1L), "sm", List.of("Softmax_9"));
        Expr lsm = bb.call("log_softmax", List.of(mp), Attrs.of("axis", 3L), "lsm", List.of("LogSoftmax_10"));
        Expr lp = bb.call("lp_normalization", List.of(mp), Attrs.of("axis", 2L, "p", 1L), "lp", List.of("LpNormalization_11"));
        Expr gap = bb.call("global_avg_pool", List.of(sm), Attrs.EMPTY, "gap", List.of("GlobalAveragePool_12"));
        Expr gmp = bb.call("global_max_pool", List.of(ln), Attrs.EMPTY, "gmp", List.of("GlobalMaxPool_13"));
        Expr inv = bb.call("layer_norm_inv_std_dev", List.of(lrn), Attrs.of("axis", 2L, "epsilon", 1e-5), "inv", List.of("LayerNormalization_8"));
        outs.addAll(List.of(sm, lsm, lp, gap, gmp, inv));
        names.addAll(List.of("sm", "lsm", "lp", "gap", "gmp", "inv"));
        IRModule mod = IRModule.of(bb.build("main", outs, names));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, m) -> { });
        // Padding stages are inlined: no kernel keeps a scratch buffer for them.
        legal.prims().values().forEach(pf -> pf.scratch().forEach(b -> assertTrue(!b.name().contains("pad"), pf.name() + " materializes " + b.name())));
        NDArray input = CrossCheckTest.random(rnd, 1, 3, 9, 9);
        List<NDArray> want = Interpreter.run(legal, List.of(input));
        List<NDArray> ref = Interpreter.run(mod, List.of(input));
        for (int k = 0; k < want.size(); k++) {
            for (int i = 0; i < want.get(k).size(); i++) assertEquals(ref.get(k).getDouble(i), want.get(k).getDouble(i), 1e-5);
        }

        Bundle bundle = CEmitter.emit(legal, new EmitOptions("nn", Target.c(), EmitOptions.Weights.EMBED, "nn.onnx", "0", 14, List.of()));
        Path dir = Path.of("target", "crosscheck", "nn").toAbsolutePath();
        BundleWriter.write(bundle, dir, true);
        Assumptions.assumeTrue(CrossCheckTest.hasTool("make") || "true".equals(System.getenv("CI")), "make not found; skipping");
        CrossCheckTest.run(dir, "make", "-s", "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic");
        Path io = dir.resolve("io");
        Files.createDirectories(io);
        Npy.write(io.resolve("x.npy"), input);
        CrossCheckTest.run(dir, "build/demo", "--output-dir", io.toString(), io.resolve("x.npy").toString());
        for (int k = 0; k < want.size(); k++) {
            NDArray got = Npy.read(io.resolve("output_" + k + ".npy"));
            assertEquals(want.get(k).shapeList(), got.shapeList(), names.get(k));
            for (int i = 0; i < got.size(); i++) {
                double w = want.get(k).getDouble(i);
                assertEquals(w, got.getDouble(i), 1e-5 * (1 + Math.abs(w)), names.get(k) + "[" + i + "]");
            }
        }
    }
}
