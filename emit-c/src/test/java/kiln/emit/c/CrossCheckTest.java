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
 * Cross-checks the C printer and executor against the Java interpreter of the same legalized module:
 * two independent executions of the same loop IR (accuracy against real references is tested with
 * golden data in the tests module).
 */
class CrossCheckTest {
    static NDArray random(Random r, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    @Test
    void generatedCMatchesInterpreterOnSmallGraph() throws Exception {
        Random rnd = new Random(3);
        BlockBuilder bb = new BlockBuilder();
        var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 2, 4));
        var w = new Expr.Constant(random(rnd, 4, 3), "w");
        var b = new Expr.Constant(random(rnd, 3), "b");
        Expr h = bb.call("matmul", List.of(x, w), Attrs.EMPTY, "h", List.of("MatMul_0"));
        Expr a = bb.call("add", List.of(h, b), Attrs.EMPTY, "a", List.of("Add_1"));
        Expr r = bb.call("relu", List.of(a), Attrs.EMPTY, "r", List.of("Relu_2"));
        Expr s = bb.call("sum", List.of(r), Attrs.of("axes", List.of(1L), "keepdims", 1L), "s", List.of("ReduceSum_3"));
        IRModule mod = IRModule.of(bb.build("main", List.of(s, r), List.of("s", "r")));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, m) -> { });
        NDArray in = random(rnd, 2, 4);
        List<NDArray> want = Interpreter.run(legal, List.of(in));

        List<NDArray> outs = buildAndRun(legal, "tiny", 4, "tiny", "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic", in);
        for (int k = 0; k < want.size(); k++) {
            NDArray got = outs.get(k);
            assertEquals(want.get(k).shapeList(), got.shapeList());
            for (int i = 0; i < got.size(); i++) assertEquals(want.get(k).getDouble(i), got.getDouble(i), 1e-5);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DType.class, names = {"FLOAT16", "BFLOAT16"})
    void halfPrecisionGraphRunsInFloatRegisters(DType half) throws Exception {
        Random rnd = new Random(11);
        BlockBuilder bb = new BlockBuilder();
        var x = bb.param("x", Type.TensorType.of(half, 3, 5));
        Expr e = bb.call("exp", List.of(x), Attrs.EMPTY, "e", List.of("Exp_0"));
        Expr m = bb.call("multiply", List.of(e, x), Attrs.EMPTY, "m", List.of("Mul_1"));
        Expr s = bb.call("sum", List.of(m), Attrs.of("axes", List.of(1L), "keepdims", 0L), "s", List.of("ReduceSum_2"));
        Expr c = bb.call("cast", List.of(s), Attrs.of("dtype", "float32"), "c", List.of("Cast_3"));
        IRModule mod = IRModule.of(bb.build("main", List.of(m, c), List.of("m", "c")));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, mm) -> { });
        NDArray in = random(rnd, 3, 5).cast(half);
        List<NDArray> want = Interpreter.run(legal, List.of(in));
        List<NDArray> outs = buildAndRun(legal, "half", 4, "half_" + half.irName(), "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic", in);
        for (int k = 0; k < want.size(); k++) {
            NDArray got = outs.get(k);
            assertEquals(want.get(k).dtype(), got.dtype());
            for (int i = 0; i < got.size(); i++) {
                double w = want.get(k).getDouble(i);
                // The interpreter rounds every operation to 16 bits; C rounds only at stores.
                assertEquals(w, got.getDouble(i), 0.02 * Math.abs(w) + 1e-2, "output " + k + " element " + i);
            }
        }
    }

    @Test
    void scalarOutputAndFusedLogicCompileStrictly() throws Exception {
        Random rnd = new Random(4);
        BlockBuilder bb = new BlockBuilder();
        var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 3, 4));
        var zero = new Expr.Constant(NDArray.scalarDouble(DType.FLOAT32, 0), "zero");
        var one = new Expr.Constant(NDArray.scalarDouble(DType.FLOAT32, 1), "one");
        Expr total = bb.call("sum", List.of(x), Attrs.of("axes", List.of(0L, 1L), "keepdims", 0L), "total", List.of("ReduceSum_0"));
        Expr pos = bb.call("greater", List.of(x, zero), Attrs.EMPTY, "pos", List.of("Greater_1"));
        Expr small = bb.call("less", List.of(x, one), Attrs.EMPTY, "small", List.of("Less_2"));
        Expr neg = bb.call("less", List.of(x, zero), Attrs.EMPTY, "neg", List.of("Less_3"));
        Expr both = bb.call("logical_and", List.of(pos, small), Attrs.EMPTY, "both", List.of("And_4"));
        Expr any = bb.call("logical_or", List.of(both, neg), Attrs.EMPTY, "any", List.of("Or_5"));
        IRModule mod = IRModule.of(bb.build("main", List.of(total, any), List.of("total", "any")));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, m) -> { });
        NDArray in = random(rnd, 3, 4);
        List<NDArray> want = Interpreter.run(legal, List.of(in));
        assertEquals(List.of(), want.get(0).shapeList(), "the first output is a scalar");
        List<NDArray> outs = buildAndRun(legal, "logic", 6, "logic", "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic -Wparentheses", in);
        for (int k = 0; k < want.size(); k++) {
            NDArray got = outs.get(k);
            assertEquals(want.get(k).shapeList(), got.shapeList());
            for (int i = 0; i < got.size(); i++) assertEquals(want.get(k).getDouble(i), got.getDouble(i), 1e-5);
        }
    }

    /**
     * Emits {@code legal} as bundle {@code name} under target/crosscheck/{@code folder}, builds it with
     * {@code cflagsArg} ("CFLAGS=..."), runs its demo on the single input {@code in} and returns the outputs.
     */
    static List<NDArray> buildAndRun(IRModule legal, String name, int onnxNodes, String folder, String cflagsArg, NDArray in)
            throws Exception {
        Bundle bundle = CEmitter.emit(legal, new EmitOptions(name, Target.c(), EmitOptions.Weights.EMBED, name + ".onnx", "0",
                onnxNodes, List.of()));
        Path dir = Path.of("target", "crosscheck", folder).toAbsolutePath();
        BundleWriter.write(bundle, dir, true);
        Assumptions.assumeTrue(hasTool("make") || "true".equals(System.getenv("CI")), "make not found; skipping");
        run(dir, "make", "-s", cflagsArg);
        Path io = dir.resolve("io");
        Files.createDirectories(io);
        Npy.write(io.resolve("x.npy"), in);
        run(dir, "build/demo", "--output-dir", io.toString(), io.resolve("x.npy").toString());
        List<NDArray> outs = new java.util.ArrayList<>();
        for (int k = 0; Files.exists(io.resolve("output_" + k + ".npy")); k++) outs.add(Npy.read(io.resolve("output_" + k + ".npy")));
        return outs;
    }

    static boolean hasTool(String t) {
        try {
            return new ProcessBuilder(t, "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static void run(Path dir, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        assertTrue(rc == 0, String.join(" ", cmd) + " failed (" + rc + "):\n" + out);
    }
}
