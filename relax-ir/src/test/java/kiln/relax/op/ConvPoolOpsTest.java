package kiln.relax.op;

import static kiln.relax.op.NnTesting.assertClose;
import static kiln.relax.op.NnTesting.concat;
import static kiln.relax.op.NnTesting.eval;
import static kiln.relax.op.NnTesting.evalDefault;
import static kiln.relax.op.NnTesting.forEach;
import static kiln.relax.op.NnTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.op.NnTesting.Arr;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** conv, conv_transpose and the pools against plain-loop reference implementations. */
class ConvPoolOpsTest {
    private static final double TOL = 1e-4;

    // ------------------------------------------------------------ references

    /** Direct N-d grouped convolution: every output sums the in-bounds taps of its window. */
    static Arr refConv(Arr x, Arr w, Arr b, long[] s, long[] dil, long[] pads, long groups) {
        int k = x.shape().length - 2;
        long n = x.shape()[0], c = x.shape()[1], m = w.shape()[0], cg = c / groups, mg = m / groups;
        long[] out = {n, m};
        for (int d = 0; d < k; d++) {
            long eff = (w.shape()[d + 2] - 1) * dil[d] + 1;
            out = concat(out, (x.shape()[d + 2] + pads[d] + pads[d + k] - eff) / s[d] + 1);
        }
        Arr y = Arr.zeros(out);
        long[] kernel = Arrays.copyOfRange(w.shape(), 2, w.shape().length);
        forEach(out, o -> {
            long g = o[1] / mg;
            double[] acc = {b == null ? 0 : b.get(o[1])};
            for (long ci = 0; ci < cg; ci++) {
                final long cc = ci;
                forEach(kernel, kk -> {
                    long[] xi = {o[0], g * cg + cc};
                    for (int d = 0; d < k; d++) {
                        long p = o[d + 2] * s[d] - pads[d] + kk[d] * dil[d];
                        if (p < 0 || p >= x.shape()[d + 2]) return;
                        xi = concat(xi, p);
                    }
                    acc[0] += x.get(xi) * w.get(concat(new long[] {o[1], cc}, kk));
                });
            }
            y.set(acc[0], o);
        });
        return y;
    }

    /** Transposed convolution by scattering every input element times the kernel into the output. */
    static Arr refConvTranspose(Arr x, Arr w, Arr b, long[] s, long[] dil, long[] pads, long[] outPad, long groups) {
        int k = x.shape().length - 2;
        long n = x.shape()[0], c = x.shape()[1], mg = w.shape()[1], cg = c / groups;
        long[] out = {n, mg * groups};
        for (int d = 0; d < k; d++) {
            out = concat(out, s[d] * (x.shape()[d + 2] - 1) + outPad[d] + (w.shape()[d + 2] - 1) * dil[d] + 1 - pads[d] - pads[d + k]);
        }
        Arr y = Arr.zeros(out);
        if (b != null) forEach(out, o -> y.set(b.get(o[1]), o));
        long[] kernel = Arrays.copyOfRange(w.shape(), 2, w.shape().length);
        final long[] outShape = out;
        forEach(x.shape(), xi -> {
            long g = xi[1] / cg;
            for (long mm = 0; mm < mg; mm++) {
                final long m = mm;
                forEach(kernel, kk -> {
                    long[] o = {xi[0], g * mg + m};
                    for (int d = 0; d < k; d++) {
                        long p = xi[d + 2] * s[d] + kk[d] * dil[d] - pads[d];
                        if (p < 0 || p >= outShape[d + 2]) return;
                        o = concat(o, p);
                    }
                    y.add(x.get(xi) * w.get(concat(new long[] {xi[1], m}, kk)), o);
                });
            }
        });
        return y;
    }

    /** Pool output extent straight from the ONNX formula (ceil mode drops a window starting in the end pad). */
    static long poolOut(long in, long k, long s, long dil, long pb, long pe, boolean ceil) {
        double v = (double) (in + pb + pe - ((k - 1) * dil + 1)) / s;
        long out = (long) (ceil ? Math.ceil(v) : Math.floor(v)) + 1;
        if (ceil && (out - 1) * s >= in + pb) out--;
        return out;
    }

    static Arr refPool(Arr x, long[] kernel, long[] s, long[] dil, long[] pads, boolean ceil, boolean max, boolean countPad) {
        int k = kernel.length;
        long[] out = {x.shape()[0], x.shape()[1]};
        for (int d = 0; d < k; d++) out = concat(out, poolOut(x.shape()[d + 2], kernel[d], s[d], dil[d], pads[d], pads[d + k], ceil));
        Arr y = Arr.zeros(out);
        forEach(out, o -> {
            double[] acc = {max ? Double.NEGATIVE_INFINITY : 0, 0};
            forEach(kernel, kk -> {
                long[] xi = {o[0], o[1]};
                boolean inside = true, insidePad = true;
                for (int d = 0; d < k; d++) {
                    long p = o[d + 2] * s[d] - pads[d] + kk[d] * dil[d];
                    long in = x.shape()[d + 2];
                    inside &= p >= 0 && p < in;
                    insidePad &= p >= -pads[d] && p < in + pads[d + k];
                    xi = concat(xi, p);
                }
                if (inside) acc[0] = max ? Math.max(acc[0], x.get(xi)) : acc[0] + x.get(xi);
                if (countPad ? insidePad : inside) acc[1]++;
            });
            y.set(max ? acc[0] : acc[0] / acc[1], o);
        });
        return y;
    }

    // ------------------------------------------------------------ conv

    static List<Arguments> convCases() {
        return List.of(
                // name, x shape, w shape, strides, dilations, pads, groups, bias
                Arguments.of("1d plain", new long[] {2, 3, 9}, new long[] {4, 3, 3}, null, null, null, 1L, false),
                Arguments.of("1d strided padded bias", new long[] {1, 2, 10}, new long[] {3, 2, 4}, new long[] {3}, null, new long[] {2, 1}, 1L, true),
                Arguments.of("2d plain", new long[] {1, 3, 6, 5}, new long[] {2, 3, 3, 3}, null, null, null, 1L, false),
                Arguments.of("2d strided dilated asymmetric pads", new long[] {2, 2, 9, 8}, new long[] {3, 2, 3, 2},
                        new long[] {2, 3}, new long[] {2, 1}, new long[] {1, 0, 2, 1}, 1L, true),
                Arguments.of("2d grouped", new long[] {1, 6, 7, 7}, new long[] {4, 3, 3, 3}, new long[] {1, 2}, null,
                        new long[] {1, 1, 1, 1}, 2L, true),
                Arguments.of("2d depthwise", new long[] {1, 4, 6, 6}, new long[] {8, 1, 3, 3}, null, new long[] {2, 2},
                        new long[] {2, 2, 2, 2}, 4L, true),
                Arguments.of("3d", new long[] {1, 2, 5, 4, 6}, new long[] {3, 2, 2, 3, 2}, new long[] {1, 1, 2}, null,
                        new long[] {0, 1, 1, 1, 1, 0}, 1L, true),
                Arguments.of("3d grouped dilated", new long[] {1, 4, 6, 5, 5}, new long[] {2, 2, 2, 2, 2}, new long[] {2, 1, 1},
                        new long[] {1, 2, 2}, new long[] {1, 0, 0, 0, 1, 1}, 2L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convCases")
    void convMatchesDirectLoops(String name, long[] xs, long[] ws, long[] s, long[] dil, long[] pads, long groups, boolean bias) {
        Random r = new Random(name.hashCode());
        int k = xs.length - 2;
        NDArray x = random(r, xs), w = random(r, ws), b = random(r, ws[0]);
        Attrs.Builder ab = Attrs.builder().put("groups", groups);
        if (s != null) ab.put("strides", s);
        if (dil != null) ab.put("dilations", dil);
        if (pads != null) ab.put("pads", pads);
        Attrs at = ab.build();
        long[] s1 = s != null ? s : ones(k), d1 = dil != null ? dil : ones(k), p1 = pads != null ? pads : new long[2 * k];
        Arr expected = refConv(Arr.of(x), Arr.of(w), bias ? Arr.of(b) : null, s1, d1, p1, groups);
        NDArray[] args = bias ? new NDArray[] {x, w, b} : new NDArray[] {x, w};
        assertClose(expected, eval("conv", at, args), TOL);
        assertClose(expected, evalDefault("conv", at, "pad", args), TOL);
    }

    @Test
    void convOnIntegersAccumulatesExactly() {
        NDArray x = NDArray.ofLongs(DType.INT32, new long[] {1, 1, 4}, new long[] {1, 2, 3, 4});
        NDArray w = NDArray.ofLongs(DType.INT32, new long[] {1, 1, 2}, new long[] {10, 1});
        NDArray y = eval("conv", Attrs.of("pads", List.of(1L, 0L)), x, w);
        // taps [pad, 1], [1, 2], [2, 3], [3, 4]
        assertEquals(List.of(1L, 12L, 23L, 34L), Arrays.stream(y.toLongArray()).boxed().toList());
    }

    // ------------------------------------------------------------ conv_transpose

    static List<Arguments> convTransposeCases() {
        return List.of(
                // name, x shape, w shape, strides, dilations, pads, output_padding, groups, bias
                Arguments.of("1d plain", new long[] {1, 2, 5}, new long[] {2, 3, 3}, null, null, null, null, 1L, false),
                Arguments.of("1d stride output_padding", new long[] {2, 3, 4}, new long[] {3, 2, 3}, new long[] {2}, null,
                        new long[] {1, 1}, new long[] {1}, 1L, true),
                Arguments.of("2d stride pads", new long[] {1, 2, 4, 3}, new long[] {2, 3, 3, 3}, new long[] {2, 3}, null,
                        new long[] {1, 0, 1, 2}, null, 1L, true),
                Arguments.of("2d stride dilation output_padding", new long[] {1, 2, 3, 4}, new long[] {2, 2, 2, 3}, new long[] {3, 2},
                        new long[] {2, 2}, new long[] {0, 1, 1, 0}, new long[] {2, 1}, 1L, false),
                Arguments.of("2d grouped", new long[] {2, 4, 3, 3}, new long[] {4, 3, 2, 2}, new long[] {2, 2}, null,
                        null, new long[] {1, 0}, 2L, true),
                Arguments.of("1d negative pads extend the output", new long[] {1, 2, 4}, new long[] {2, 2, 3}, new long[] {2}, null,
                        new long[] {-1, -2}, null, 1L, true),
                Arguments.of("2d negative and positive pads", new long[] {1, 1, 3, 3}, new long[] {1, 2, 2, 2}, new long[] {2, 1},
                        new long[] {1, 2}, new long[] {-2, 1, 1, -1}, null, 1L, false),
                Arguments.of("2d large pad", new long[] {1, 1, 5, 5}, new long[] {1, 1, 2, 2}, new long[] {1, 1}, null,
                        new long[] {2, 2, 2, 2}, null, 1L, false),
                Arguments.of("3d", new long[] {1, 2, 3, 2, 3}, new long[] {2, 2, 2, 3, 2}, new long[] {2, 1, 2}, new long[] {1, 1, 2},
                        new long[] {1, 0, 0, 0, 1, 1}, new long[] {1, 0, 0}, 1L, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convTransposeCases")
    void convTransposeMatchesScatter(String name, long[] xs, long[] ws, long[] s, long[] dil, long[] pads, long[] outPad,
                                     long groups, boolean bias) {
        Random r = new Random(name.hashCode());
        int k = xs.length - 2;
        NDArray x = random(r, xs), w = random(r, ws), b = random(r, ws[1] * groups);
        Attrs.Builder ab = Attrs.builder().put("groups", groups);
        if (s != null) ab.put("strides", s);
        if (dil != null) ab.put("dilations", dil);
        if (pads != null) ab.put("pads", pads);
        if (outPad != null) ab.put("output_padding", outPad);
        Attrs at = ab.build();
        Arr expected = refConvTranspose(Arr.of(x), Arr.of(w), bias ? Arr.of(b) : null, s != null ? s : ones(k),
                dil != null ? dil : ones(k), pads != null ? pads : new long[2 * k], outPad != null ? outPad : new long[k], groups);
        NDArray[] args = bias ? new NDArray[] {x, w, b} : new NDArray[] {x, w};
        assertClose(expected, eval("conv_transpose", at, args), TOL);
        assertClose(expected, evalDefault("conv_transpose", at, "pad", args), TOL);
    }

    // ------------------------------------------------------------ pools

    static List<Arguments> poolCases() {
        return List.of(
                // name, x shape, kernel, strides, dilations, pads, ceil_mode
                Arguments.of("1d", new long[] {1, 2, 9}, new long[] {3}, new long[] {2}, null, null, false),
                Arguments.of("1d ceil", new long[] {1, 2, 10}, new long[] {3}, new long[] {2}, null, null, true),
                Arguments.of("1d ceil pads", new long[] {2, 1, 8}, new long[] {3}, new long[] {3}, null, new long[] {1, 1}, true),
                Arguments.of("2d padded", new long[] {1, 3, 5, 5}, new long[] {3, 3}, new long[] {2, 2}, null, new long[] {1, 1, 1, 1}, false),
                Arguments.of("2d ceil asymmetric", new long[] {1, 2, 6, 7}, new long[] {2, 3}, new long[] {2, 2}, null,
                        new long[] {1, 0, 0, 1}, true),
                Arguments.of("2d dilated", new long[] {1, 2, 7, 8}, new long[] {2, 2}, new long[] {1, 2}, new long[] {2, 3},
                        new long[] {1, 1, 0, 1}, false),
                Arguments.of("2d dilated ceil", new long[] {1, 1, 8, 8}, new long[] {2, 3}, new long[] {3, 2}, new long[] {2, 2},
                        new long[] {1, 1, 1, 1}, true),
                Arguments.of("3d", new long[] {1, 2, 4, 5, 6}, new long[] {2, 2, 3}, new long[] {2, 1, 2}, null,
                        new long[] {0, 1, 1, 1, 0, 1}, true));
    }

    private static Attrs poolAttrs(long[] kernel, long[] s, long[] dil, long[] pads, boolean ceil) {
        Attrs.Builder ab = Attrs.builder().put("kernel_shape", kernel).put("ceil_mode", ceil ? 1L : 0L);
        if (s != null) ab.put("strides", s);
        if (dil != null) ab.put("dilations", dil);
        if (pads != null) ab.put("pads", pads);
        return ab.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("poolCases")
    void maxPoolMatchesLoops(String name, long[] xs, long[] kernel, long[] s, long[] dil, long[] pads, boolean ceil) {
        int k = kernel.length;
        // All-negative input: padding must not win.
        NDArray x0 = random(new Random(name.hashCode()), xs);
        double[] neg = Arrays.stream(x0.toDoubleArray()).map(v -> -Math.abs(v) - 1).toArray();
        NDArray x = NDArray.ofDoubles(DType.FLOAT32, xs, neg);
        Attrs at = poolAttrs(kernel, s, dil, pads, ceil);
        Arr expected = refPool(Arr.of(x), kernel, s != null ? s : ones(k), dil != null ? dil : ones(k),
                pads != null ? pads : new long[2 * k], ceil, true, false);
        assertClose(expected, eval("max_pool", at, x), 0);
        assertClose(expected, evalDefault("max_pool", at, "pad", x), 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("poolCases")
    void avgPoolMatchesLoops(String name, long[] xs, long[] kernel, long[] s, long[] dil, long[] pads, boolean ceil) {
        int k = kernel.length;
        NDArray x = random(new Random(name.hashCode()), xs);
        for (boolean countPad : new boolean[] {false, true}) {
            Attrs at = poolAttrs(kernel, s, dil, pads, ceil).with("count_include_pad", countPad ? 1L : 0L);
            Arr expected = refPool(Arr.of(x), kernel, s != null ? s : ones(k), dil != null ? dil : ones(k),
                    pads != null ? pads : new long[2 * k], ceil, false, countPad);
            assertClose(expected, eval("avg_pool", at, x), TOL);
            assertClose(expected, evalDefault("avg_pool", at, "pad", x), TOL);
        }
    }

    @Test
    void poolOutputShapesFollowCeilMode() {
        NDArray x = random(new Random(3), 1, 1, 5, 6);
        Attrs floor = poolAttrs(new long[] {2, 2}, new long[] {2, 2}, null, null, false);
        assertEquals(List.of(1L, 1L, 2L, 3L), eval("max_pool", floor, x).shapeList());
        assertEquals(List.of(1L, 1L, 3L, 3L), eval("max_pool", floor.with("ceil_mode", 1L), x).shapeList());
        // With pad 1 at the end, a last window starting inside the end padding is dropped: in=6, k=2, s=2, pads (0,1).
        NDArray y = random(new Random(4), 1, 1, 6);
        Attrs a = poolAttrs(new long[] {2}, new long[] {2}, null, new long[] {0, 1}, true);
        assertEquals(List.of(1L, 1L, 3L), eval("avg_pool", a, y).shapeList());
    }

    @Test
    void maxPoolOnInt8UsesTypeMinimumForPadding() {
        NDArray x = NDArray.ofLongs(DType.INT8, new long[] {1, 1, 3}, new long[] {-128, -100, -5});
        NDArray y = eval("max_pool", poolAttrs(new long[] {2}, null, null, new long[] {1, 1}, false), x);
        assertEquals(List.of(-128L, -100L, -5L, -5L), Arrays.stream(y.toLongArray()).boxed().toList());
    }

    @Test
    void globalPoolsReduceAllSpatialDims() {
        Random r = new Random(9);
        for (long[] xs : new long[][] {{2, 3, 5}, {1, 2, 3, 4}, {1, 2, 2, 3, 2}}) {
            NDArray x = random(r, xs);
            Arr xa = Arr.of(x);
            long spatial = NDArray.numel(Arrays.copyOfRange(xs, 2, xs.length));
            long[] os = new long[xs.length];
            Arrays.fill(os, 1);
            os[0] = xs[0];
            os[1] = xs[1];
            Arr mean = Arr.zeros(os), max = Arr.zeros(os);
            Arrays.fill(max.data(), Double.NEGATIVE_INFINITY);
            forEach(xs, i -> {
                long[] o = os.clone();
                Arrays.fill(o, 0);
                o[0] = i[0];
                o[1] = i[1];
                mean.add(xa.get(i) / spatial, o);
                max.set(Math.max(max.get(o), xa.get(i)), o);
            });
            assertClose(mean, eval("global_avg_pool", Attrs.EMPTY, x), TOL);
            assertClose(max, eval("global_max_pool", Attrs.EMPTY, x), 0);
        }
    }

    static long[] ones(int k) {
        long[] v = new long[k];
        Arrays.fill(v, 1);
        return v;
    }
}
