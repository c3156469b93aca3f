package kiln.relax.op;

import static kiln.relax.op.OpTestUtil.flat;
import static kiln.relax.op.OpTestUtil.forEach;
import static kiln.relax.op.OpTestUtil.floats;
import static kiln.relax.op.OpTestUtil.random;
import static kiln.relax.op.OpTestUtil.run;
import static kiln.relax.op.OpTestUtil.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import kiln.relax.Attrs;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

/**
 * Resize against an independent Java model of the ONNX specification: separable 1-D interpolation applied
 * recursively (outer axis last), neighbours chosen as the n nearest positions of an edge-padded row, the
 * reference's ratio convention (1 for integral coordinates) and per-row renormalization.
 */
class ResizeOpTest {

    record Cfg(String mode, String coord, String nearest, double a, boolean exclude, double extrapolation, boolean antialias,
               double[] roi) {
        static Cfg of(String mode, String coord) {
            return new Cfg(mode, coord, "round_prefer_floor", -0.75, false, 0.0, false, null);
        }

        Cfg withNearest(String n) { return new Cfg(mode, coord, n, a, exclude, extrapolation, antialias, roi); }
        Cfg withExclude() { return new Cfg(mode, coord, nearest, a, true, extrapolation, antialias, roi); }
        Cfg withAntialias() { return new Cfg(mode, coord, nearest, a, exclude, extrapolation, true, roi); }
        Cfg cubicA(double v) { return new Cfg(mode, coord, nearest, v, exclude, extrapolation, antialias, roi); }
        Cfg roi(double[] r, double extrap) { return new Cfg(mode, coord, nearest, a, exclude, extrap, antialias, r); }
    }

    private static double[] coeffs(Cfg c, double ratio, double scale) {
        double a = c.a();
        switch (c.mode()) {
            case "nearest": {
                if (ratio == Math.rint(ratio)) return new double[] {0, 1};
                return switch (c.nearest()) {
                    case "round_prefer_floor" -> new double[] {ratio <= 0.5 ? 1 : 0, ratio > 0.5 ? 1 : 0};
                    case "round_prefer_ceil" -> new double[] {ratio < 0.5 ? 1 : 0, ratio >= 0.5 ? 1 : 0};
                    case "floor" -> new double[] {1, 0};
                    case "ceil" -> new double[] {0, 1};
                    case "simple" -> scale < 1 ? new double[] {0, 1} : new double[] {1, 0};
                    default -> throw new AssertionError(c.nearest());
                };
            }
            case "linear": {
                if (!c.antialias()) return new double[] {1 - ratio, ratio};
                double s = Math.min(scale, 1.0);
                int start = (int) (Math.floor(-1 / s) + 1);
                int footprint = 2 - 2 * start;
                double[] w = new double[footprint];
                double sum = 0;
                for (int k = 0; k < footprint; k++) {
                    w[k] = Math.max(0, Math.min(1, 1 - Math.abs((start + k - ratio) * s)));
                    sum += w[k];
                }
                for (int k = 0; k < footprint; k++) w[k] /= sum;
                return w;
            }
            default: {
                if (!c.antialias()) {
                    double r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
                    return new double[] {
                        ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
                        ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
                        ((a + 2) * q - (a + 3)) * q * q + 1,
                        ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a};
                }
                double s = Math.min(scale, 1.0);
                int start = (int) (Math.floor(-2 / s) + 1);
                int end = 2 - start;
                double[] w = new double[end - start];
                double sum = 0;
                for (int i = start; i < end; i++) {
                    double x = Math.abs(s * (i - ratio));
                    double v = x <= 1 ? (a + 2) * x * x * x - (a + 3) * x * x + 1
                            : x < 2 ? a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a : 0;
                    w[i - start] = v;
                    sum += v;
                }
                for (int k = 0; k < w.length; k++) w[k] /= sum;
                return w;
            }
        }
    }

    private static double interp1d(double[] data, double scale, long outInt, long x, Cfg c, double roiStart, double roiEnd) {
        int n = data.length;
        double len = scale * n;
        double xo;
        switch (c.coord()) {
            case "align_corners" -> xo = len == 1 ? 0 : x * (double) (n - 1) / (len - 1);
            case "asymmetric" -> xo = x / scale;
            case "tf_crop_and_resize" -> {
                xo = len == 1 ? (roiEnd - roiStart) * (n - 1) / 2 : x * (roiEnd - roiStart) * (n - 1) / (len - 1);
                xo += roiStart * (n - 1);
                if (xo < 0 || xo > n - 1) return c.extrapolation();
            }
            // The specification (and onnxruntime) use 0 for a single output pixel.
            case "pytorch_half_pixel" -> xo = len == 1 ? 0 : (x + 0.5) / scale - 0.5;
            case "half_pixel" -> xo = (x + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adjustment = outInt / len;
                double center = n / 2.0;
                double offset = center * (1 - adjustment);
                xo = offset + (x + 0.5) / scale - 0.5;
            }
            case "tf_half_pixel_for_nn" -> xo = (x + 0.5) / scale;
            default -> throw new AssertionError(c.coord());
        }
        double fl = Math.floor(xo);
        double ratio = xo == fl ? 1 : xo - fl;
        double[] w = coeffs(c, ratio, scale);
        int taps = w.length;
        int pad = (taps + 1) / 2;
        // The taps nearest to xo among positions [-pad, n + pad), ties to the smaller position.
        List<Integer> cand = new ArrayList<>();
        for (int p = -pad; p < n + pad; p++) cand.add(p);
        final double xc = xo;
        cand.sort(Comparator.<Integer>comparingDouble(p -> Math.abs(xc - p)).thenComparingInt(p -> p));
        List<Integer> idx = new ArrayList<>(cand.subList(0, taps));
        idx.sort(null);
        if (c.exclude()) {
            double sum = 0;
            for (int k = 0; k < taps; k++) {
                if (idx.get(k) < 0 || idx.get(k) >= n) w[k] = 0;
                sum += w[k];
            }
            for (int k = 0; k < taps; k++) w[k] /= sum;
        }
        double v = 0;
        for (int k = 0; k < taps; k++) v += w[k] * data[Math.max(0, Math.min(n - 1, idx.get(k)))];
        return v;
    }

    /** Interpolates dims [d, rank) of the sub-tensor at {@code prefix}, for output coordinate {@code x}. */
    private static double interpNd(NDArray in, long[] prefix, int d, long[] x, long[] out, double[] scales, Cfg c) {
        long[] s = in.shape();
        int r = s.length;
        double[] row = new double[(int) s[d]];
        for (int i = 0; i < s[d]; i++) {
            prefix[d] = i;
            row[i] = d == r - 1 ? in.getDouble(flat(prefix, s)) : interpNd(in, prefix, d + 1, x, out, scales, c);
        }
        double rs = c.roi() == null ? 0 : c.roi()[d], re = c.roi() == null ? 1 : c.roi()[d + r];
        return interp1d(row, scales[d], out[d], x[d], c, rs, re);
    }

    private static double[] reference(NDArray in, long[] out, double[] scales, Cfg c) {
        double[] res = new double[(int) NDArray.numel(out)];
        forEach(out, x -> res[flat(x, out)] = interpNd(in, new long[in.rank()], 0, x, out, scales, c));
        return res;
    }

    private static Attrs attrs(long[] out, double[] scales, Cfg c) {
        Attrs.Builder b = Attrs.builder().put("sizes", out).put("mode", c.mode()).put("coordinate_transformation_mode", c.coord())
                .put("nearest_mode", c.nearest()).put("cubic_coeff_a", c.a()).put("exclude_outside", c.exclude() ? 1L : 0L)
                .put("extrapolation_value", c.extrapolation()).put("antialias", c.antialias() ? 1L : 0L);
        if (scales != null) b.put("scales", scales);
        if (c.roi() != null) b.put("roi", c.roi());
        return b.build();
    }

    /** Checks the op against the model; {@code scales} null means sizes-driven (scale = out / in). */
    private static void check(NDArray in, long[] out, double[] scales, Cfg c) {
        double[] eff = new double[in.rank()];
        for (int d = 0; d < eff.length; d++) eff[d] = scales != null ? scales[d] : (double) out[d] / in.shape()[d];
        double[] expect = reference(in, out, eff, c);
        NDArray got = run("resize", attrs(out, scales, c), in);
        assertArrayEquals(out, got.shape());
        for (int k = 0; k < expect.length; k++) {
            double e = (float) expect[k];
            assertEquals(e, got.getDouble(k), 1e-5 * Math.max(1, Math.abs(e)), c + " element " + k + " of " + Arrays.toString(out));
        }
    }

    private static final List<String> COORDS = List.of("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
            "tf_half_pixel_for_nn", "half_pixel_symmetric");

    @Test
    void nearestEveryRoundingAndCoordinateMode() {
        NDArray in = random(21, 3, 4);
        for (String coord : COORDS) {
            for (String nm : List.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")) {
                Cfg c = Cfg.of("nearest", coord).withNearest(nm);
                check(in, shape(5, 7), null, c);
                check(in, shape(2, 3), null, c);
                check(in, shape(7, 2), new double[] {2.5, 0.6}, c);
            }
        }
    }

    @Test
    void linearEveryCoordinateMode() {
        NDArray in = random(22, 3, 4);
        for (String coord : COORDS) {
            Cfg c = Cfg.of("linear", coord);
            check(in, shape(5, 7), null, c);
            check(in, shape(2, 3), null, c);
            check(in, shape(1, 1), null, c);
            check(in, shape(6, 2), new double[] {2.0, 0.6}, c);
        }
    }

    @Test
    void cubicWithCoefficientAndExcludeOutside() {
        NDArray in = random(23, 4, 5);
        for (String coord : COORDS) {
            check(in, shape(7, 3), null, Cfg.of("cubic", coord));
            check(in, shape(7, 3), null, Cfg.of("cubic", coord).withExclude());
            check(in, shape(8, 10), new double[] {2.0, 2.0}, Cfg.of("cubic", coord).cubicA(-0.5));
        }
    }

    @Test
    void antialiasedDownsampling() {
        NDArray in = random(24, 1, 9, 8);
        check(in, shape(1, 3, 5), null, Cfg.of("linear", "half_pixel").withAntialias());
        check(in, shape(1, 4, 3), null, Cfg.of("cubic", "half_pixel").withAntialias());
        check(in, shape(1, 2, 2), null, Cfg.of("cubic", "align_corners").withAntialias().withExclude());
        check(in, shape(1, 12, 16), null, Cfg.of("linear", "asymmetric").withAntialias());
    }

    @Test
    void cropAndResizeExtrapolates() {
        NDArray in = random(25, 1, 4, 4);
        double[] roi = {0, 0.4, -0.2, 1, 1.2, 0.9};
        check(in, shape(1, 3, 3), null, Cfg.of("linear", "tf_crop_and_resize").roi(roi, 10));
        check(in, shape(1, 3, 5), null, Cfg.of("nearest", "tf_crop_and_resize").roi(roi, -2));
        check(in, shape(1, 1, 3), null, Cfg.of("cubic", "tf_crop_and_resize").roi(roi, 0));
    }

    @Test
    void threeDimensionalAndIdentityAxes() {
        NDArray in = random(26, 2, 3, 4, 3);
        check(in, shape(2, 3, 6, 5), null, Cfg.of("linear", "half_pixel"));
        check(in, shape(2, 5, 2, 6), null, Cfg.of("cubic", "pytorch_half_pixel"));
        check(in, shape(1, 4, 7, 3), null, Cfg.of("nearest", "asymmetric").withNearest("simple"));
    }

    @Test
    void documentedOnnxExamples() {
        // Upsample by (2, 3) with nearest: each pixel repeated.
        NDArray x = floats(shape(1, 1, 2, 2), 1, 2, 3, 4);
        NDArray up = run("resize", Attrs.of("sizes", List.of(1L, 1L, 4L, 6L), "scales", List.of(1.0, 1.0, 2.0, 3.0),
                "coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor"), x);
        assertArrayEquals(new double[] {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}, up.toDoubleArray());
        // Downsample [[1..4], [5..8]] by 0.6 with align_corners: the continuous output width 2.4 is used.
        NDArray y = floats(shape(1, 1, 2, 4), 1, 2, 3, 4, 5, 6, 7, 8);
        double s = (float) 0.6;
        NDArray ac = run("resize", Attrs.of("sizes", List.of(1L, 1L, 1L, 2L), "scales", List.of(1.0, 1.0, s, s), "mode", "linear",
                "coordinate_transformation_mode", "align_corners"), y);
        assertEquals(1.0, ac.getDouble(0), 1e-6);
        assertEquals(1 + 3 / (4 * s - 1), ac.getDouble(1), 1e-5);
        // Linear half-pixel, sizes-driven 2x upsample of a 2-vector: [1, 1.25, 1.75, 2].
        NDArray v = floats(shape(2), 1, 2);
        NDArray lin = run("resize", Attrs.of("sizes", List.of(4L), "mode", "linear"), v);
        assertArrayEquals(new double[] {1, 1.25, 1.75, 2}, lin.toDoubleArray(), 1e-7);
    }

    @Test
    void integerTensorsRoundAndSaturate() {
        NDArray in = NDArray.ofLongs(DType.UINT8, shape(4), new long[] {0, 255, 0, 255});
        NDArray out = run("resize", Attrs.of("sizes", List.of(7L), "mode", "cubic"), in);
        for (int k = 0; k < 7; k++) assertEquals(true, out.getLong(k) >= 0 && out.getLong(k) <= 255);
        NDArray nn = run("resize", Attrs.of("sizes", List.of(8L), "mode", "nearest"), NDArray.ofLongs(DType.INT64, shape(4), new long[] {5, 6, 7, 8}));
        assertArrayEquals(new long[] {5, 5, 6, 6, 7, 7, 8, 8}, nn.toLongArray());
    }

    @Test
    void invalidAttributesAreTypeErrors() {
        NDArray in = random(27, 2, 2);
        assertThrows(OpTypeError.class, () -> run("resize", Attrs.of("sizes", List.of(4L)), in));
        assertThrows(OpTypeError.class, () -> run("resize", Attrs.of("sizes", List.of(4L, 4L), "mode", "area"), in));
        assertThrows(OpTypeError.class, () -> run("resize", Attrs.of("sizes", List.of(4L, 4L), "coordinate_transformation_mode", "x"), in));
        assertThrows(OpTypeError.class, () -> run("resize", Attrs.of("sizes", List.of(4L, 4L), "antialias", 1L), in));
        assertThrows(OpTypeError.class, () -> run("resize", Attrs.of("sizes", List.of(4L, 4L), "mode", "linear"),
                NDArray.ofLongs(DType.BOOL, shape(2, 2), new long[] {1, 0, 0, 1})));
    }
}
