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
 * The transform ops through legalization, the C printer and a C compiler, cross-checked against the Java
 * interpreter of the same legalized module: data-dependent gathers, every pad mode, resize in each mode
 * (including the reduction form used for heavily antialiased downscaling), and the index rearrangements.
 */
class TransformCrossCheckTest {
    private final List<Expr> outputs = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final BlockBuilder bb = new BlockBuilder();

    private void out(String name, String op, Attrs at, Expr... args) {
        outputs.add(bb.call(op, List.of(args), at, name, List.of(name)));
        names.add(name);
    }

    @Test
    void generatedCMatchesInterpreter() throws Exception {
        Random rnd = new Random(5);
        var x = bb.param("x", Type.TensorType.of(DType.FLOAT32, 1, 4, 4, 6));
        var idx = bb.param("idx", Type.TensorType.of(DType.INT64, 3));
        var idx2 = bb.param("idx2", Type.TensorType.of(DType.INT32, 1, 4, 4, 2));
        out("take", "take", Attrs.of("axis", 3L), x, idx);
        out("gather_elements", "gather_elements", Attrs.of("axis", -1L), x, idx2);
        out("gather_nd", "gather_nd", Attrs.of("batch_dims", 0L), x, idx2);
        for (String mode : List.of("constant", "reflect", "edge", "wrap")) {
            out("pad_" + mode, "pad", Attrs.of("pad_before", List.of(0L, 1L, 2L, -1L), "pad_after", List.of(0L, 0L, 3L, 4L),
                    "mode", mode, "value", -2.5), x);
        }
        out("transpose", "transpose", Attrs.of("axes", List.of(0L, 3L, 1L, 2L)), x);
        out("concat", "concat", Attrs.of("axis", 2L), x, x);
        out("slice", "strided_slice", Attrs.of("begin", List.of(-1L, 1L), "end", List.of(Long.MIN_VALUE, 100L),
                "strides", List.of(-2L, 2L), "axes", List.of(3L, 2L)), x);
        out("tile", "tile", Attrs.of("repeats", List.of(1L, 2L, 1L, 2L)), x);
        out("d2s", "depth_to_space", Attrs.of("block_size", 2L, "mode", "CRD"), x);
        out("s2d", "space_to_depth", Attrs.of("block_size", 2L), x);
        out("trilu", "trilu", Attrs.of("upper", 0L, "k", 1L), x);
        out("one_hot", "one_hot", Attrs.of("depth", 5L, "axis", 0L), idx,
                new Expr.Constant(NDArray.ofDoubles(DType.FLOAT32, new long[] {2}, new double[] {0.5, 3}), "values"));
        out("broadcast", "broadcast_to", Attrs.of("shape", List.of(2L, 1L, 1L, 1L, 1L)), x);
        out("nearest", "resize", Attrs.of("sizes", List.of(1L, 4L, 7L, 9L), "coordinate_transformation_mode", "half_pixel",
                "nearest_mode", "round_prefer_ceil"), x);
        out("linear", "resize", Attrs.of("sizes", List.of(1L, 4L, 3L, 10L), "mode", "linear",
                "coordinate_transformation_mode", "align_corners"), x);
        out("cubic", "resize", Attrs.of("sizes", List.of(1L, 4L, 8L, 5L), "mode", "cubic", "exclude_outside", 1L), x);
        out("crop", "resize", Attrs.of("sizes", List.of(1L, 4L, 3L, 3L), "mode", "linear", "coordinate_transformation_mode",
                "tf_crop_and_resize", "roi", List.of(0.0, 0.0, 0.2, -0.3, 1.0, 1.0, 0.9, 1.2), "extrapolation_value", 7.0), x);
        out("antialias", "resize", Attrs.of("sizes", List.of(1L, 4L, 1L, 1L), "mode", "cubic", "antialias", 1L), x);
        IRModule mod = IRModule.of(bb.build("main", outputs, names));
        IRModule legal = Pipeline.run(mod, Pipeline.forOptLevel(3), (p, m) -> { });

        double[] xv = new double[96];
        for (int k = 0; k < xv.length; k++) xv[k] = rnd.nextGaussian();
        NDArray xin = NDArray.ofDoubles(DType.FLOAT32, new long[] {1, 4, 4, 6}, xv);
        NDArray iin = NDArray.ofLongs(DType.INT64, new long[] {3}, new long[] {-1, 2, 0});
        long[] i2 = new long[32];
        for (int k = 0; k < i2.length; k++) i2[k] = (k * 7 % 7) - 3 + (k % 4);
        NDArray i2in = NDArray.ofLongs(DType.INT32, new long[] {1, 4, 4, 2}, i2);
        List<NDArray> want = Interpreter.run(legal, List.of(xin, iin, i2in));
        List<NDArray> graphLevel = Interpreter.run(mod, List.of(xin, iin, i2in));
        for (int k = 0; k < want.size(); k++) {
            for (int i = 0; i < want.get(k).size(); i++) {
                assertEquals(graphLevel.get(k).getDouble(i), want.get(k).getDouble(i), 1e-6, names.get(k) + " legalized vs graph");
            }
        }

        Bundle bundle = CEmitter.emit(legal, new EmitOptions("transform", Target.c(), EmitOptions.Weights.EMBED, "transform.onnx", "0", 4, List.of()));
        Path dir = Path.of("target", "crosscheck", "transform").toAbsolutePath();
        BundleWriter.write(bundle, dir, true);
        Assumptions.assumeTrue(CrossCheckTest.hasTool("make") || "true".equals(System.getenv("CI")), "make not found; skipping");
        CrossCheckTest.run(dir, "make", "-s", "CFLAGS=-std=c99 -O1 -Wall -Wextra -Werror -pedantic");
        Path io = dir.resolve("io");
        Files.createDirectories(io);
        Npy.write(io.resolve("x.npy"), xin);
        Npy.write(io.resolve("idx.npy"), iin);
        Npy.write(io.resolve("idx2.npy"), i2in);
        CrossCheckTest.run(dir, "build/demo", "--output-dir", io.toString(), io.resolve("x.npy").toString(),
                io.resolve("idx.npy").toString(), io.resolve("idx2.npy").toString());
        for (int k = 0; k < want.size(); k++) {
            NDArray got = Npy.read(io.resolve("output_" + k + ".npy"));
            assertEquals(want.get(k).shapeList(), got.shapeList(), names.get(k));
            for (int i = 0; i < got.size(); i++) {
                assertEquals(want.get(k).getDouble(i), got.getDouble(i), 1e-5, names.get(k) + " element " + i);
            }
        }
    }
}
