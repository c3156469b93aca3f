package kiln.relax.op;

import static kiln.relax.op.OpTestUtil.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

/** Quantization ops against plain Java loop references. */
class QuantOpsTest {

    private static NDArray randomInts(DType t, long seed, long lo, long hi, long... shape) {
        Random r = new Random(seed);
        long[] v = new long[(int) NDArray.numel(shape)];
        for (int k = 0; k < v.length; k++) v[k] = lo + r.nextInt((int) (hi - lo + 1));
        return NDArray.ofLongs(t, shape, v);
    }

    private static long clamp(double v, long lo, long hi) {
        return (long) Math.max(lo, Math.min(hi, v));
    }

    @Test
    void quantizeRoundsHalfToEvenAndSaturates() {
        double[] xs = {-300, -128.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.49, 126.5, 127.5, 1000};
        NDArray x = NDArray.ofDoubles(DType.FLOAT32, new long[] {xs.length}, xs);
        NDArray scale = NDArray.scalarDouble(DType.FLOAT32, 1.0);
        for (DType t : List.of(DType.INT8, DType.UINT8)) {
            long zp = t == DType.INT8 ? 0 : 3;
            NDArray z = NDArray.scalarLong(t, zp);
            NDArray y = run("quantize_linear", Attrs.of("axis", 0L, "dtype", t.irName()), x, scale, z);
            assertEquals(t, y.dtype());
            long lo = t == DType.INT8 ? -128 : 0, hi = t == DType.INT8 ? 127 : 255;
            for (int k = 0; k < xs.length; k++) {
                assertEquals(clamp(Math.rint((float) xs[k]) + zp, lo, hi), y.getLong(k), t + " element " + k + " (" + xs[k] + ")");
            }
        }
    }

    @Test
    void quantizeInt32DividesInDouble() {
        long[] xs = {-1000, -7, -5, 5, 7, 15, 100, 2000};
        NDArray x = NDArray.ofLongs(DType.INT32, new long[] {xs.length}, xs);
        NDArray scale = NDArray.scalarDouble(DType.FLOAT32, 2.0);
        NDArray y = run("quantize_linear", Attrs.of("axis", 0L, "dtype", "int8"), x, scale, NDArray.scalarLong(DType.INT8, 1));
        for (int k = 0; k < xs.length; k++) assertEquals(clamp(Math.rint(xs[k] / 2.0) + 1, -128, 127), y.getLong(k), "element " + k);
    }

    @Test
    void quantizeAndDequantizePerAxis() {
        long[] shape = {2, 3, 4};
        NDArray x = OpTestUtil.random(7, shape);
        NDArray scale = NDArray.ofDoubles(DType.FLOAT32, new long[] {3}, new double[] {0.05, 0.1, 0.3});
        NDArray zp = NDArray.ofLongs(DType.INT8, new long[] {3}, new long[] {-3, 0, 10});
        NDArray q = run("quantize_linear", Attrs.of("axis", 1L, "dtype", "int8"), x, scale, zp);
        NDArray d = run("dequantize_linear", Attrs.of("axis", 1L), q, scale, zp);
        assertEquals(DType.FLOAT32, d.dtype());
        OpTestUtil.forEach(shape, i -> {
            int f = OpTestUtil.flat(i, shape);
            int c = (int) i[1];
            float s = (float) scale.getDouble(c);
            long want = clamp(Math.rint((float) x.getDouble(f) / s) + zp.getLong(c), -128, 127);
            assertEquals(want, q.getLong(f), "quantized at " + f);
            assertEquals((float) ((float) (want - zp.getLong(c)) * s), (float) d.getDouble(f), 0.0, "dequantized at " + f);
        });
    }

    @Test
    void matmulIntegerWithRowAndColumnZeroPoints() {
        NDArray a = randomInts(DType.UINT8, 1, 0, 255, 3, 5);
        NDArray b = randomInts(DType.INT8, 2, -128, 127, 5, 4);
        NDArray azp = NDArray.ofLongs(DType.UINT8, new long[] {3, 1}, new long[] {1, 128, 255});
        NDArray bzp = NDArray.ofLongs(DType.INT8, new long[] {4}, new long[] {0, -1, 5, -128});
        NDArray y = run("matmul_integer", Attrs.EMPTY, a, b, azp, bzp);
        assertEquals(DType.INT32, y.dtype());
        for (int m = 0; m < 3; m++) {
            for (int n = 0; n < 4; n++) {
                long s = 0;
                for (int k = 0; k < 5; k++) s += (a.getLong(m * 5 + k) - azp.getLong(m)) * (b.getLong(k * 4 + n) - bzp.getLong(n));
                assertEquals(s, y.getLong(m * 4 + n), "y[" + m + "," + n + "]");
            }
        }
    }

    @Test
    void convIntegerPadsWithZeroAfterTheShift() {
        NDArray x = randomInts(DType.UINT8, 3, 0, 255, 1, 2, 4, 4);
        NDArray w = randomInts(DType.INT8, 4, -128, 127, 3, 2, 3, 3);
        NDArray xzp = NDArray.scalarLong(DType.UINT8, 100);
        NDArray wzp = NDArray.ofLongs(DType.INT8, new long[] {3}, new long[] {0, 7, -9});
        NDArray y = run("conv_integer", Attrs.of("pads", new long[] {1, 1, 1, 1}), x, w, xzp, wzp);
        assertEquals(List.of(1L, 3L, 4L, 4L), y.shapeList());
        for (int m = 0; m < 3; m++) {
            for (int oh = 0; oh < 4; oh++) {
                for (int ow = 0; ow < 4; ow++) {
                    long s = 0;
                    for (int c = 0; c < 2; c++) {
                        for (int kh = 0; kh < 3; kh++) {
                            for (int kw = 0; kw < 3; kw++) {
                                int ih = oh + kh - 1, iw = ow + kw - 1;
                                if (ih < 0 || ih >= 4 || iw < 0 || iw >= 4) continue;
                                long xv = x.getLong((c * 4 + ih) * 4 + iw) - 100;
                                long wv = w.getLong(((m * 2 + c) * 3 + kh) * 3 + kw) - wzp.getLong(m);
                                s += xv * wv;
                            }
                        }
                    }
                    assertEquals(s, y.getLong((m * 4 + oh) * 4 + ow), "y[0," + m + "," + oh + "," + ow + "]");
                }
            }
        }
    }

    @Test
    void requantizeScalesRoundsAndSaturates() {
        NDArray acc = NDArray.ofLongs(DType.INT32, new long[] {2, 3}, new long[] {-100000, -5, 5, 15, 25, 100000});
        NDArray mult = NDArray.ofDoubles(DType.FLOAT32, new long[] {3}, new double[] {0.1, 0.2, 0.5});
        NDArray zp = NDArray.scalarLong(DType.UINT8, 10);
        NDArray y = run("requantize", Attrs.of("dtype", "uint8"), acc, mult, zp);
        for (int k = 0; k < 6; k++) {
            double v = Math.rint(acc.getLong(k) * (double) (float) mult.getDouble(k % 3)) + 10;
            assertEquals(clamp(v, 0, 255), y.getLong(k), "element " + k);
        }
    }

    @Test
    void dynamicQuantizationParameters() {
        NDArray x = OpTestUtil.random(11, 4, 5);
        NDArray s = run("dynamic_quantize_scale", Attrs.EMPTY, x);
        NDArray z = run("dynamic_quantize_zero_point", Attrs.EMPTY, x);
        float lo = 0, hi = 0;
        for (int k = 0; k < x.size(); k++) {
            lo = Math.min(lo, (float) x.getDouble(k));
            hi = Math.max(hi, (float) x.getDouble(k));
        }
        float scale = (hi - lo) / 255f;
        assertEquals(scale, (float) s.getDouble(0), 0.0);
        assertEquals(clamp(Math.rint(0f - lo / scale), 0, 255), z.getLong(0));
        assertEquals(DType.UINT8, z.dtype());
    }

    @Test
    void typeErrors() {
        Type.TensorType x = Type.TensorType.of(DType.FLOAT32, 2, 3);
        Type.TensorType s3 = Type.TensorType.of(DType.FLOAT32, 3);
        OpDef q = OpRegistry.get("quantize_linear");
        assertThrows(OpTypeError.class, () -> q.inferType(List.of(x, s3), Attrs.of("axis", 0L)), "per-axis scale of the wrong length");
        assertThrows(OpTypeError.class, () -> q.inferType(List.of(x, Type.TensorType.of(DType.FLOAT32)), Attrs.of("dtype", "float32")));
        assertThrows(OpTypeError.class, () -> OpRegistry.get("dequantize_linear").inferType(List.of(x, s3), Attrs.of("axis", 1L)));
        assertThrows(OpTypeError.class, () -> OpRegistry.get("matmul_integer").inferType(
                List.of(Type.TensorType.of(DType.UINT8, 2, 3), Type.TensorType.of(DType.UINT8, 4, 2)), Attrs.EMPTY));
    }
}
