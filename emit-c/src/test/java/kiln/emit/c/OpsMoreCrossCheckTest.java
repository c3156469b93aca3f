package kiln.emit.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The quantization, indexing and recurrent ops through legalization, the C printer and a C compiler,
 * cross-checked against the Java interpreter of the same legalized module (extern stages with local
 * arrays, conditional stores and let bindings; rounding of quantization in C).
 */
class OpsMoreCrossCheckTest {
    private final List<Expr> outputs = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final BlockBuilder bb = new BlockBuilder();

    private Expr out(String name, String op, Attrs at, Expr... args) {
        Expr e = bb.call(op, List.of(args), at, name, List.of(name));
        outputs.add(e);
        names.add(name);
        return e;
    }

    private static Expr ints(String name, DType t, long[] shape, long... v) {
        return new Expr.Constant(NDArray.ofLongs(t, shape, v), name);
    }

    private static Expr floats(Random r, String name, long... shape) {
        return new Expr.Constant(CrossCheckTest.random(r, shape), name);
    }

    private static NDArray randomInts(Random r, DType t, long lo, long hi, long... shape) {
        long[] v = new long[(int) NDArray.numel(shape)];
        for (int k = 0; k < v.length; k++) v[k] = lo + r.nextInt((int) (hi - lo + 1));
        return NDArray.ofLongs(t, shape, v);
    }

    @Test
    void generatedCMatchesInterpreter() throws Exception {
        Random rnd = new Random(9);
        var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 5, 6));
        var qx = bb.param("qx", Type.TensorType.of(DType.UINT8, 1, 2, 5, 5));
        var idx = bb.param("idx", Type.TensorType.of(DType.INT64, 2, 3, 6));
        var upd = bb.param("upd", Type.TensorType.of(DType.FLOAT32, 2, 3, 6));
        Expr scale = new Expr.Constant(NDArray.scalarDouble(DType.FLOAT32, 0.05), "scale");
        Expr zp8 = ints("zp8", DType.INT8, new long[] {}, -3);
        Expr q = out("quantize", "quantize_linear", Attrs.of("axis", 0L, "dtype", "int8"), x, scale, zp8);
        Expr chScale = new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {5}, new double[] {0.1, 0.02, 0.3, 0.05, 1}), "ch_scale");
        out("dequantize", "dequantize_linear", Attrs.of("axis", 1L), q, chScale);
        // Rank-0 model outputs are not emitted yet (empty shape initializer), so the scalars are reshaped to [1].
        Expr dynScale = bb.call("dynamic_quantize_scale", List.of(x), Attrs.EMPTY, "dyn_scale0", List.of("dyn_scale"));
        Expr dynZp = bb.call("dynamic_quantize_zero_point", List.of(x), Attrs.EMPTY, "dyn_zp0", List.of("dyn_zp"));
        out("dyn_scale", "reshape", Attrs.of("shape", List.of(1L)), dynScale);
        out("dyn_zp", "reshape", Attrs.of("shape", List.of(1L)), dynZp);
        out("dyn_q", "quantize_linear", Attrs.of("axis", 0L, "dtype", "uint8"), x, dynScale, dynZp);
        out("matmul_integer", "matmul_integer", Attrs.EMPTY, qx, new Expr.Constant(randomInts(rnd, DType.UINT8, 0, 255, 5, 3), "mw"),
                ints("azp", DType.UINT8, new long[] {}, 128), ints("bzp", DType.UINT8, new long[] {3}, 1, 2, 250));
        Expr acc = out("conv_integer", "conv_integer", Attrs.of("pads", new long[] {1, 1, 1, 1}), qx,
                new Expr.Constant(randomInts(rnd, DType.INT8, -128, 127, 3, 2, 3, 3), "cw"), ints("xzp", DType.UINT8, new long[] {}, 7),
                ints("wzp", DType.INT8, new long[] {3}, 0, -5, 9));
        out("requantize", "requantize", Attrs.of("dtype", "uint8"), acc,
                new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {3, 1, 1}, new double[] {0.001, 0.0005, 0.002}), "mult"),
                ints("yzp", DType.UINT8, new long[] {}, 100));
        out("scatter_elements", "scatter_elements", Attrs.of("axis", 1L, "reduction", "add"), x, idx, upd);
        out("scatter_nd", "scatter_nd", Attrs.of("reduction", "max"), x, ints("nd_idx", DType.INT64, new long[] {3, 2}, 0, 1, 1, -1, 0, 1),
                floats(rnd, "nd_upd", 3, 6));
        Expr top = out("topk", "topk_indices", Attrs.of("axis", 2L, "k", 3L, "largest", 0L), x);
        out("topk_values", "gather_elements", Attrs.of("axis", 2L), x, top);
        out("einsum", "einsum", Attrs.of("equation", "bij,bkj->bik"), x, x);
        out("einsum_diag", "einsum", Attrs.of("equation", "...ii->...i"), new Expr.Constant(CrossCheckTest.random(rnd, 2, 3, 3), "sq"));
        out("eye", "eye_like", Attrs.of("k", 1L), new Expr.Constant(NDArray.zeros(DType.FLOAT32, new long[] {4, 6}), "eye_in"));
        // Recurrent layers over x as [T=2, B=5, I=6], bidirectional, hidden 3.
        int h = 3;
        for (String kind : List.of("rnn", "gru", "lstm")) {
            int g = kind.equals("rnn") ? 1 : kind.equals("gru") ? 3 : 4;
            List<Expr> args = new ArrayList<>(List.of(x, floats(rnd, kind + "_w", 2, g * h, 6), floats(rnd, kind + "_r", 2, g * h, h),
                    floats(rnd, kind + "_b", 2, 2 * g * h), floats(rnd, kind + "_h0", 2, 5, h)));
            if (kind.equals("lstm")) {
                args.add(floats(rnd, "lstm_c0", 2, 5, h));
                args.add(floats(rnd, "lstm_p", 2, 3 * h));
            }
            Attrs at = Attrs.of("direction", "bidirectional", "linear_before_reset", kind.equals("gru") ? 1L : 0L);
            if (kind.equals("gru")) at = at.with("activations", "Softsign,Softplus,Relu,Tanh");
            Expr e = bb.call(kind, args, at, kind, List.of(kind));
            outputs.add(e);
            names.add(kind);
        }
        IRModule mod = IRModule.of(bb.build("main", outputs, names));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, m) -> { });

        NDArray xin = CrossCheckTest.random(rnd, 2, 5, 6);
        NDArray qin = randomInts(rnd, DType.UINT8, 0, 255, 1, 2, 5, 5);
        NDArray iin = randomInts(rnd, DType.INT64, -5, 4, 2, 3, 6);
        NDArray uin = CrossCheckTest.random(rnd, 2, 3, 6);
        List<NDArray> inputs = List.of(xin, qin, iin, uin);
        List<NDArray> want = Interpreter.run(legal, inputs);
        List<NDArray> graphLevel = Interpreter.run(mod, inputs);
        for (int k = 0; k < want.size(); k++) {
            for (int i = 0; i < want.get(k).size(); i++) {
                assertEquals(graphLevel.get(k).getDouble(i), want.get(k).getDouble(i), 1e-6, names.get(k) + " legalized vs graph");
            }
        }

        Bundle bundle = CEmitter.emit(legal, new EmitOptions("opsmore", Target.c(), EmitOptions.Weights.EMBED, "opsmore.onnx", "0", 4, List.of()));
        Path dir = Path.of("target", "crosscheck", "opsmore").toAbsolutePath();
        BundleWriter.write(bundle, dir, true);
        Assumptions.assumeTrue(CrossCheckTest.hasTool("make") || "true".equals(System.getenv("CI")), "make not found; skipping");
        CrossCheckTest.run(dir, "make", "-s", "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic");
        Path io = dir.resolve("io");
        Files.createDirectories(io);
        String[] files = {"x", "qx", "idx", "upd"};
        List<String> cmd = new ArrayList<>(List.of("build/demo", "--output-dir", io.toString()));
        for (int k = 0; k < files.length; k++) {
            Npy.write(io.resolve(files[k] + ".npy"), inputs.get(k));
            cmd.add(io.resolve(files[k] + ".npy").toString());
        }
        CrossCheckTest.run(dir, cmd.toArray(String[]::new));
        for (int k = 0; k < want.size(); k++) {
            NDArray got = Npy.read(io.resolve("output_" + k + ".npy"));
            assertEquals(want.get(k).shapeList(), got.shapeList(), names.get(k));
            assertEquals(want.get(k).dtype(), got.dtype(), names.get(k));
            for (int i = 0; i < got.size(); i++) {
                assertEquals(want.get(k).getDouble(i), got.getDouble(i), 1e-5, names.get(k) + " element " + i);
            }
        }
    }
}
