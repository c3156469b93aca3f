package kiln.relax.op;

import static kiln.relax.op.NnTesting.assertClose;
import static kiln.relax.op.NnTesting.eval;
import static kiln.relax.op.NnTesting.evalDefault;
import static kiln.relax.op.NnTesting.forEach;
import static kiln.relax.op.NnTesting.positive;
import static kiln.relax.op.NnTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.op.NnTesting.Arr;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** softmax, log_softmax and the normalizations against plain-loop references. */
class NormOpsTest {
    private static final double TOL = 1e-4;

    /** Calls f with every index of {@code shape} that has 0 at {@code axis} (the start of each lane). */
    private static void lanes(long[] shape, int axis, java.util.function.Consumer<long[]> f) {
        long[] s = shape.clone();
        s[axis] = 1;
        forEach(s, i -> f.accept(i.clone()));
    }

    private static long[] at(long[] base, int axis, long v) {
        long[] i = base.clone();
        i[axis] = v;
        return i;
    }

    static Arr refSoftmax(Arr x, int axis, boolean log) {
        Arr y = Arr.zeros(x.shape());
        long n = x.shape()[axis];
        lanes(x.shape(), axis, b -> {
            double mx = Double.NEGATIVE_INFINITY;
            for (long j = 0; j < n; j++) mx = Math.max(mx, x.get(at(b, axis, j)));
            double sum = 0;
            for (long j = 0; j < n; j++) sum += Math.exp(x.get(at(b, axis, j)) - mx);
            for (long j = 0; j < n; j++) {
                double v = x.get(at(b, axis, j)) - mx;
                y.set(log ? v - Math.log(sum) : Math.exp(v) / sum, at(b, axis, j));
            }
        });
        return y;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void softmaxOnEveryAxis(int axis) {
        NDArray x = random(new Random(axis), 3, 4, 5);
        // Large offsets would overflow exp without the max subtraction.
        double[] big = Arrays.stream(x.toDoubleArray()).map(v -> 100 * v + 50).toArray();
        NDArray xb = NDArray.ofDoubles(DType.FLOAT32, x.shape(), big);
        for (boolean log : new boolean[] {false, true}) {
            String op = log ? "log_softmax" : "softmax";
            Attrs at = Attrs.of("axis", (long) axis);
            assertClose(refSoftmax(Arr.of(x), axis, log), eval(op, at, x), TOL);
            assertClose(refSoftmax(Arr.of(xb), axis, log), eval(op, at, xb), TOL);
            assertClose(refSoftmax(Arr.of(x), axis, log), evalDefault(op, at, null, x), TOL);
        }
    }

    @Test
    void softmaxOnFloat16AccumulatesInFloat32() {
        long n = 4096;
        double[] d = new double[(int) n];
        NDArray x = NDArray.ofDoubles(DType.FLOAT16, new long[] {1, n}, d);
        NDArray y = eval("softmax", Attrs.of("axis", 1L), x);
        assertEquals(DType.FLOAT16, y.dtype());
        // A float16 running sum of 4096 ones would stall at 2048.
        assertEquals(1.0 / n, y.getDouble(0), 1e-7);
    }

    @Test
    void batchNormPerChannelAndPerActivation() {
        Random r = new Random(5);
        NDArray x = random(r, 2, 3, 4, 2);
        for (long[] ps : new long[][] {{3}, {3, 4, 2}}) {
            NDArray scale = random(r, ps), bias = random(r, ps), mean = random(r, ps), var = positive(r, ps);
            double eps = 1e-3;
            Arr xa = Arr.of(x), sa = Arr.of(scale), ba = Arr.of(bias), ma = Arr.of(mean), va = Arr.of(var);
            Arr y = Arr.zeros(x.shape());
            forEach(x.shape(), i -> {
                long[] p = Arrays.copyOfRange(i, 1, 1 + ps.length);
                y.set((xa.get(i) - ma.get(p)) / Math.sqrt(va.get(p) + eps) * sa.get(p) + ba.get(p), i);
            });
            assertClose(y, eval("batch_norm", Attrs.of("epsilon", eps), x, scale, bias, mean, var), TOL);
        }
    }

    @Test
    void batchNormOnFloat16WithFloat32Parameters() {
        Random r = new Random(15);
        NDArray x = random(r, 1, 2, 5).cast(DType.FLOAT16);
        NDArray scale = random(r, 2), bias = random(r, 2), mean = random(r, 2), var = positive(r, 2);
        NDArray y = eval("batch_norm", Attrs.of("epsilon", 1e-5), x, scale, bias, mean, var);
        assertEquals(DType.FLOAT16, y.dtype());
        Arr xa = Arr.of(x), e = Arr.zeros(x.shape());
        forEach(x.shape(), i -> e.set((xa.get(i) - mean.getDouble((int) i[1])) / Math.sqrt(var.getDouble((int) i[1]) + 1e-5)
                * scale.getDouble((int) i[1]) + bias.getDouble((int) i[1]), i));
        assertClose(e, y, 2e-3);
    }

    /** Mean and (biased) variance over the dims listed, per index of the others, then the affine map. */
    static Arr refNormalize(Arr x, List<Integer> axes, double eps, java.util.function.BiFunction<Double, long[], Double> affine) {
        long[] outer = x.shape().clone();
        long[] inner = new long[x.shape().length];
        Arrays.fill(inner, 1);
        for (int a : axes) {
            outer[a] = 1;
            inner[a] = x.shape()[a];
        }
        long n = NDArray.numel(inner);
        Arr y = Arr.zeros(x.shape());
        forEach(outer, o -> {
            double[] s = {0, 0};
            forEach(inner, q -> s[0] += x.get(sum(o, q)));
            double mean = s[0] / n;
            forEach(inner, q -> s[1] += Math.pow(x.get(sum(o, q)) - mean, 2));
            double inv = 1 / Math.sqrt(s[1] / n + eps);
            forEach(inner, q -> {
                long[] i = sum(o, q);
                y.set(affine.apply((x.get(i) - mean) * inv, i), i);
            });
        });
        return y;
    }

    private static long[] sum(long[] a, long[] b) {
        long[] c = new long[a.length];
        for (int k = 0; k < a.length; k++) c[k] = a[k] + b[k];
        return c;
    }

    @Test
    void layerNormOverTrailingAxes() {
        Random r = new Random(6);
        NDArray x = random(r, 2, 3, 4);
        for (int axis = 0; axis < 3; axis++) {
            long[] ns = Arrays.copyOfRange(x.shape(), axis, 3);
            NDArray scale = random(r, ns), bias = random(r, ns);
            Arr sa = Arr.of(scale), ba = Arr.of(bias);
            final int ax = axis;
            List<Integer> axes = java.util.stream.IntStream.range(axis, 3).boxed().toList();
            Arr withBias = refNormalize(Arr.of(x), axes, 1e-5, (v, i) -> v * sa.get(Arrays.copyOfRange(i, ax, 3)) + ba.get(Arrays.copyOfRange(i, ax, 3)));
            Arr noBias = refNormalize(Arr.of(x), axes, 1e-5, (v, i) -> v * sa.get(Arrays.copyOfRange(i, ax, 3)));
            Attrs at = Attrs.of("axis", (long) axis, "epsilon", 1e-5);
            assertClose(withBias, eval("layer_norm", at, x, scale, bias), TOL);
            assertClose(noBias, eval("layer_norm", at, x, scale), TOL);
            assertClose(withBias, evalDefault("layer_norm", at, null, x, scale, bias), TOL);
        }
    }

    @Test
    void layerNormBroadcastsScale() {
        Random r = new Random(7);
        NDArray x = random(r, 2, 3, 4), scale = random(r, 4), bias = random(r, 1);
        Arr sa = Arr.of(scale), ba = Arr.of(bias);
        Arr y = refNormalize(Arr.of(x), List.of(1, 2), 1e-5, (v, i) -> v * sa.get(i[2]) + ba.get(0));
        assertClose(y, eval("layer_norm", Attrs.of("axis", 1L, "epsilon", 1e-5), x, scale, bias), TOL);
    }

    @Test
    void instanceNormPerSampleAndChannel() {
        Random r = new Random(8);
        for (long[] xs : new long[][] {{2, 3, 7}, {2, 2, 3, 4}, {1, 2, 2, 3, 2}}) {
            NDArray x = random(r, xs), scale = random(r, xs[1]), bias = random(r, xs[1]);
            Arr sa = Arr.of(scale), ba = Arr.of(bias);
            List<Integer> axes = java.util.stream.IntStream.range(2, xs.length).boxed().toList();
            Arr y = refNormalize(Arr.of(x), axes, 1e-2, (v, i) -> v * sa.get(i[1]) + ba.get(i[1]));
            assertClose(y, eval("instance_norm", Attrs.of("epsilon", 1e-2), x, scale, bias), TOL);
        }
    }

    @Test
    void lpNormalizationL1AndL2() {
        Random r = new Random(10);
        NDArray x = random(r, 3, 4, 2);
        // one lane of zeros: the result is zero, not NaN
        double[] d = x.toDoubleArray();
        for (int j = 0; j < 4; j++) d[j * 2] = 0;
        NDArray xz = NDArray.ofDoubles(DType.FLOAT32, x.shape(), d);
        for (int axis = 0; axis < 3; axis++) {
            for (int p = 1; p <= 2; p++) {
                Arr xa = Arr.of(xz), y = Arr.zeros(xz.shape());
                final int ax = axis, pp = p;
                lanes(xz.shape(), axis, b -> {
                    double s = 0;
                    for (long j = 0; j < xz.shape()[ax]; j++) s += pp == 1 ? Math.abs(xa.get(at(b, ax, j))) : Math.pow(xa.get(at(b, ax, j)), 2);
                    double norm = pp == 1 ? s : Math.sqrt(s);
                    for (long j = 0; j < xz.shape()[ax]; j++) y.set(norm == 0 ? 0 : xa.get(at(b, ax, j)) / norm, at(b, ax, j));
                });
                NDArray got = eval("lp_normalization", Attrs.of("axis", (long) axis, "p", (long) p), xz);
                assertClose(y, got, TOL);
                for (double v : got.toDoubleArray()) assertTrue(!Double.isNaN(v));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void lrnSumsSquaresOverChannelWindow(int size) {
        Random r = new Random(size);
        NDArray x = random(r, 2, 5, 3, 2);
        double alpha = 2e-2, beta = 0.75, bias = 1.5;
        Arr xa = Arr.of(x), y = Arr.zeros(x.shape());
        long c = x.shape()[1];
        forEach(x.shape(), i -> {
            double s = 0;
            long lo = Math.max(0, i[1] - (size - 1) / 2), hi = Math.min(c - 1, i[1] + (size - 1 + 1) / 2);
            for (long j = lo; j <= hi; j++) s += Math.pow(xa.get(at(i, 1, j)), 2);
            y.set(xa.get(i) / Math.pow(bias + alpha / size * s, beta), i);
        });
        Attrs at = Attrs.of("size", (long) size, "alpha", alpha, "beta", beta, "bias", bias);
        assertClose(y, eval("lrn", at, x), TOL);
        assertClose(y, evalDefault("lrn", at, "pad", x), TOL);
    }
}
