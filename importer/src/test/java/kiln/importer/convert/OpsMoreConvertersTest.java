package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kiln.diag.KilnError;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quantization, indexing and recurrent converters on tiny models: opset variants (attribute vs input,
 * defaults), layouts, and the errors for what Kiln does not support.
 */
class OpsMoreConvertersTest {
    @TempDir
    Path dir;

    private static NDArray floats(Random r, long... shape) {
        double[] v = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < v.length; k++) v[k] = (float) (r.nextGaussian() * 2);
        return NDArray.ofDoubles(DType.FLOAT32, shape, v);
    }

    @Test
    void quantizeLinearDefaultsToUint8AndPerAxisUsesAxisOne() {
        Random r = new Random(1);
        NDArray x = floats(r, 2, 3, 2);
        NDArray s = NDArray.scalarDouble(DType.FLOAT32, 0.02);
        NDArray y = new TinyModel(10).input("x", x).initializer("s", s).node("QuantizeLinear", List.of("x", "s"), List.of("y"))
                .output("y").run(dir).get(0);
        assertEquals(DType.UINT8, y.dtype());
        for (int k = 0; k < x.size(); k++) {
            assertEquals((long) Math.max(0, Math.min(255, Math.rint((float) x.getDouble(k) / 0.02f))), y.getLong(k), "element " + k);
        }
        NDArray sc = NDArray.ofDoubles(DType.FLOAT32, new long[] {3}, new double[] {0.1, 0.2, 0.4});
        NDArray zp = NDArray.ofLongs(DType.INT8, new long[] {3}, new long[] {1, -2, 3});
        NDArray q = new TinyModel(13).input("x", x).initializer("s", sc).initializer("z", zp)
                .node("QuantizeLinear", List.of("x", "s", "z"), List.of("y")).output("y").run(dir).get(0);
        assertEquals(DType.INT8, q.dtype());
        for (int k = 0; k < x.size(); k++) {
            int c = (k / 2) % 3;
            double v = Math.rint((float) x.getDouble(k) / (float) sc.getDouble(c)) + zp.getLong(c);
            assertEquals((long) Math.max(-128, Math.min(127, v)), q.getLong(k), "element " + k);
        }
    }

    @Test
    void blockedQuantizationIsRejected() {
        NDArray x = floats(new Random(2), 2, 4);
        KilnError e = assertThrows(KilnError.class, () -> new TinyModel(21).input("x", x)
                .initializer("s", NDArray.ofDoubles(DType.FLOAT32, new long[] {2, 2}, new double[] {1, 1, 1, 1}))
                .node("DequantizeLinear", List.of("x", "s"), List.of("y"), "block_size", 2L).output("y").importInto(dir));
        assertTrue(e.getMessage().contains("block_size"), e.getMessage());
    }

    @Test
    void topkAttributeAndInputForms() {
        Random r = new Random(3);
        NDArray x = floats(r, 2, 6);
        List<NDArray> v1 = new TinyModel(1).input("x", x).node("TopK", List.of("x"), List.of("v", "i"), "k", 2L)
                .output("v").output("i").run(dir);
        List<NDArray> v11 = new TinyModel(11).input("x", x).initializer("k", NDArray.ofLongs(DType.INT64, new long[] {1}, new long[] {2}))
                .node("TopK", List.of("x", "k"), List.of("v", "i"), "largest", 0L, "axis", -1L).output("v").output("i").run(dir);
        for (int row = 0; row < 2; row++) {
            List<Integer> order = new ArrayList<>();
            for (int e = 0; e < 6; e++) order.add(e);
            final int fr = row;
            order.sort((a, b) -> Double.compare(x.getDouble(fr * 6 + a), x.getDouble(fr * 6 + b)));
            for (int j = 0; j < 2; j++) {
                int big = order.get(5 - j), small = order.get(j);
                assertEquals(big, v1.get(1).getLong(row * 2 + j));
                assertEquals(x.getDouble(row * 6 + big), v1.get(0).getDouble(row * 2 + j), 0.0);
                assertEquals(small, v11.get(1).getLong(row * 2 + j));
                assertEquals(x.getDouble(row * 6 + small), v11.get(0).getDouble(row * 2 + j), 0.0);
            }
        }
        KilnError e = assertThrows(KilnError.class, () -> new TinyModel(11).input("x", x)
                .input("k", NDArray.ofLongs(DType.INT64, new long[] {1}, new long[] {2}))
                .node("TopK", List.of("x", "k"), List.of("v", "i")).output("v").importInto(dir));
        assertTrue(e.getMessage().contains("compile-time constant"), e.getMessage());
    }

    @Test
    void compressWithoutAxisFlattens() {
        NDArray x = floats(new Random(4), 2, 3);
        NDArray cond = NDArray.ofLongs(DType.BOOL, new long[] {5}, new long[] {1, 0, 0, 1, 1});
        NDArray y = new TinyModel(11).input("x", x).initializer("c", cond).node("Compress", List.of("x", "c"), List.of("y"))
                .output("y").run(dir).get(0);
        assertEquals(List.of(3L), y.shapeList());
        assertEquals(x.getDouble(0), y.getDouble(0), 0.0);
        assertEquals(x.getDouble(3), y.getDouble(1), 0.0);
        assertEquals(x.getDouble(4), y.getDouble(2), 0.0);
    }

    /** A bidirectional GRU in layout 1 gives the layout-0 results transposed (Y and Y_h of both directions). */
    @Test
    void gruLayoutOneMatchesLayoutZero() {
        Random r = new Random(5);
        long t = 3, b = 2, i = 4, h = 3;
        NDArray x0 = floats(r, t, b, i), w = floats(r, 2, 3 * h, i), rr = floats(r, 2, 3 * h, h), bias = floats(r, 2, 6 * h);
        NDArray h00 = floats(r, 2, b, h);
        double[] x1 = new double[(int) x0.size()], h01 = new double[(int) h00.size()];
        for (int tt = 0; tt < t; tt++) for (int bb = 0; bb < b; bb++) for (int k = 0; k < i; k++) {
            x1[(int) ((bb * t + tt) * i + k)] = x0.getDouble((int) ((tt * b + bb) * i + k));
        }
        for (int d = 0; d < 2; d++) for (int bb = 0; bb < b; bb++) for (int k = 0; k < h; k++) {
            h01[(int) ((bb * 2 + d) * h + k)] = h00.getDouble((int) ((d * b + bb) * h + k));
        }
        List<NDArray> l0 = new TinyModel(14).input("x", x0).input("h0", h00).initializer("w", w).initializer("r", rr).initializer("b", bias)
                .node("GRU", List.of("x", "w", "r", "b", "", "h0"), List.of("y", "yh"), "hidden_size", h, "direction", "bidirectional",
                        "linear_before_reset", 1L)
                .output("y").output("yh").run(dir);
        List<NDArray> l1 = new TinyModel(14).input("x", NDArray.ofDoubles(DType.FLOAT32, new long[] {b, t, i}, x1))
                .input("h0", NDArray.ofDoubles(DType.FLOAT32, new long[] {b, 2, h}, h01))
                .initializer("w", w).initializer("r", rr).initializer("b", bias)
                .node("GRU", List.of("x", "w", "r", "b", "", "h0"), List.of("y", "yh"), "hidden_size", h, "direction", "bidirectional",
                        "linear_before_reset", 1L, "layout", 1L)
                .output("y").output("yh").run(dir);
        assertEquals(List.of(t, 2L, b, h), l0.get(0).shapeList());
        assertEquals(List.of(b, t, 2L, h), l1.get(0).shapeList());
        assertEquals(List.of(b, 2L, h), l1.get(1).shapeList());
        for (int tt = 0; tt < t; tt++) for (int d = 0; d < 2; d++) for (int bb = 0; bb < b; bb++) for (int k = 0; k < h; k++) {
            double y0 = l0.get(0).getDouble((int) (((tt * 2 + d) * b + bb) * h + k));
            assertEquals(y0, l1.get(0).getDouble((int) (((bb * t + tt) * 2 + d) * h + k)), 0.0);
        }
        for (int d = 0; d < 2; d++) for (int bb = 0; bb < b; bb++) for (int k = 0; k < h; k++) {
            // Y_h is the last step of each direction: t = T-1 forward, t = 0 reverse.
            long last = d == 0 ? t - 1 : 0;
            double want = l0.get(0).getDouble((int) (((last * 2 + d) * b + bb) * h + k));
            assertEquals(want, l0.get(1).getDouble((int) ((d * b + bb) * h + k)), 0.0);
            assertEquals(want, l1.get(1).getDouble((int) ((bb * 2 + d) * h + k)), 0.0);
        }
    }

    @Test
    void unsupportedRecurrentFeaturesAreNamed() {
        Random r = new Random(6);
        NDArray x = floats(r, 2, 1, 3), w = floats(r, 1, 4, 3), rr = floats(r, 1, 4, 4);
        KilnError clip = assertThrows(KilnError.class, () -> new TinyModel(14).input("x", x).initializer("w", w).initializer("r", rr)
                .node("RNN", List.of("x", "w", "r"), List.of("y"), "hidden_size", 4L, "clip", 1.0).output("y").importInto(dir));
        assertTrue(clip.getMessage().contains("clip"), clip.getMessage());
        KilnError lens = assertThrows(KilnError.class, () -> new TinyModel(14).input("x", x).initializer("w", w).initializer("r", rr)
                .initializer("sl", NDArray.ofLongs(DType.INT32, new long[] {1}, new long[] {1}))
                .node("RNN", List.of("x", "w", "r", "", "sl"), List.of("y"), "hidden_size", 4L).output("y").importInto(dir));
        assertTrue(lens.getMessage().contains("sequence_lens"), lens.getMessage());
    }
}
