package kiln.relax.op;

import static kiln.relax.op.OpTestSupport.assertClose;
import static kiln.relax.op.OpTestSupport.assertLongs;
import static kiln.relax.op.OpTestSupport.assertMessage;
import static kiln.relax.op.OpTestSupport.bools;
import static kiln.relax.op.OpTestSupport.eval;
import static kiln.relax.op.OpTestSupport.f32;
import static kiln.relax.op.OpTestSupport.floats;
import static kiln.relax.op.OpTestSupport.ints;
import static kiln.relax.op.OpTestSupport.roundTo;
import static kiln.relax.op.OpTestSupport.shape;
import static kiln.relax.op.OpTestSupport.typeError;
import static kiln.relax.op.OpTestSupport.unravel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import kiln.relax.Attrs;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReduceOpsTest {

    /** How a reference reduction folds the values of one output element. */
    interface Fold {
        double apply(double[] values);
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    static final Fold SUM = ReduceOpsTest::sum;
    static final Fold MEAN = v -> sum(v) / v.length;
    static final Fold MAX = v -> Arrays.stream(v).max().orElse(Double.NEGATIVE_INFINITY);
    static final Fold MIN = v -> Arrays.stream(v).min().orElse(Double.POSITIVE_INFINITY);
    static final Fold PROD = v -> Arrays.stream(v).reduce(1, (a, b) -> a * b);
    static final Fold L1 = v -> Arrays.stream(v).map(Math::abs).sum();
    static final Fold L2 = v -> Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
    static final Fold LOG_SUM = v -> Math.log(sum(v));
    static final Fold LOG_SUM_EXP = v -> Math.log(Arrays.stream(v).map(Math::exp).sum());
    static final Fold SUM_SQUARE = v -> Arrays.stream(v).map(x -> x * x).sum();

    /** The normalized axes: null means all. */
    static List<Integer> normalize(long[] axes, int rank) {
        TreeSet<Integer> s = new TreeSet<>();
        if (axes == null) {
            for (int d = 0; d < rank; d++) s.add(d);
        } else {
            for (long a : axes) s.add((int) (a < 0 ? a + rank : a));
        }
        return new ArrayList<>(s);
    }

    static long[] outShape(long[] in, List<Integer> axes, boolean keep) {
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < in.length; d++) {
            if (!axes.contains(d)) out.add(in[d]);
            else if (keep) out.add(1L);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Groups the input's elements by output position (by brute force over the whole input), then folds each group. */
    static double[] reference(NDArray a, long[] axesAttr, boolean keep, Fold f) {
        long[] in = a.shape();
        List<Integer> axes = normalize(axesAttr, in.length);
        long[] os = outShape(in, axes, keep);
        long[] ostrides = OpTestSupport.strides(os);
        int n = (int) NDArray.numel(os);
        List<List<Double>> groups = new ArrayList<>();
        for (int k = 0; k < n; k++) groups.add(new ArrayList<>());
        for (int k = 0; k < a.size(); k++) {
            long[] idx = unravel(k, in);
            long flat = 0;
            int o = 0;
            for (int d = 0; d < in.length; d++) {
                if (!axes.contains(d)) flat += idx[d] * ostrides[o++];
                else if (keep) o++;
            }
            groups.get((int) flat).add(a.getDouble(k));
        }
        double[] out = new double[n];
        for (int k = 0; k < n; k++) out[k] = f.apply(groups.get(k).stream().mapToDouble(Double::doubleValue).toArray());
        return out;
    }

    static Attrs attrs(long[] axes, boolean keep) {
        Attrs.Builder b = Attrs.builder().put("keepdims", keep ? 1L : 0L);
        if (axes != null) b.put("axes", axes);
        return b.build();
    }

    static NDArray random(Random r, DType t, double lo, double hi, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < d.length; k++) d[k] = lo + (hi - lo) * r.nextDouble();
        return floats(t, shape, d);
    }

    record Op(String name, Fold fold, double lo, double hi) {
        @Override public String toString() { return name; }
    }

    static final List<Op> FLOAT_OPS = List.of(
            new Op("sum", SUM, -3, 3), new Op("mean", MEAN, -3, 3), new Op("max", MAX, -3, 3), new Op("min", MIN, -3, 3),
            new Op("prod", PROD, 0.5, 1.5), new Op("l1_norm", L1, -3, 3), new Op("l2_norm", L2, -3, 3),
            new Op("log_sum", LOG_SUM, 0.1, 3), new Op("log_sum_exp", LOG_SUM_EXP, -3, 3), new Op("sum_square", SUM_SQUARE, -3, 3));

    static final List<long[]> AXIS_SETS = Arrays.asList(null, new long[] {0}, new long[] {1}, new long[] {2}, new long[] {0, 2},
            new long[] {-1}, new long[] {-3, 1}, new long[] {2, 1, 0}, new long[] {});

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Op op : FLOAT_OPS) for (boolean keep : List.of(false, true)) out.add(Arguments.of(op, keep));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} keepdims={1}")
    @MethodSource("cases")
    void floatReductionsOverAxisSets(Op op, boolean keep) {
        Random r = new Random(op.name().hashCode());
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
            NDArray a = random(r, t, op.lo(), op.hi(), 2, 3, 4);
            for (long[] axes : AXIS_SETS) {
                NDArray y = eval(op.name(), attrs(axes, keep), a);
                List<Integer> norm = normalize(axes, 3);
                assertEquals(Arrays.stream(outShape(a.shape(), norm, keep)).boxed().toList(), y.shapeList(), op + " shape");
                double[] want = reference(a, axes, keep, op.fold());
                for (int k = 0; k < want.length; k++) want[k] = roundTo(t, want[k]);
                assertClose(want, y, t == DType.FLOAT32 ? 1e-5 : 1e-12, t == DType.FLOAT32 ? 1e-6 : 1e-13,
                        op + " " + t.irName() + " axes=" + Arrays.toString(axes) + " keepdims=" + keep);
            }
        }
    }

    @Test
    void reductionsOfScalarsAndOfEmptyExtents() {
        NDArray s = f32(shape(), 2.5);
        assertClose(new double[] {2.5}, eval("sum", Attrs.EMPTY, s), 0, 0, "sum of a scalar");
        assertClose(new double[] {6.25}, eval("sum_square", Attrs.EMPTY, s), 0, 0, "sum_square of a scalar");
        NDArray e = floats(DType.FLOAT32, shape(2, 0));
        Attrs ax1 = Attrs.of("axes", List.of(1L), "keepdims", 0L);
        assertClose(new double[] {0, 0}, eval("sum", ax1, e), 0, 0, "empty sum");
        assertClose(new double[] {1, 1}, eval("prod", ax1, e), 0, 0, "empty prod");
        assertClose(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, eval("max", ax1, e), 0, 0, "empty max");
        assertClose(new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY}, eval("min", ax1, e), 0, 0, "empty min");
        assertClose(new double[] {Double.NaN, Double.NaN}, eval("mean", ax1, e), 0, 0, "empty mean");
        assertClose(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, eval("log_sum_exp", ax1, e), 0, 0, "empty log_sum_exp");
        assertClose(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, eval("log_sum", ax1, e), 0, 0, "empty log_sum");
        NDArray z = eval("sum", Attrs.of("axes", List.of(0L), "keepdims", 1L), e);
        assertEquals(List.of(1L, 0L), z.shapeList());
    }

    @Test
    void emptyAxisListKeepsOnlyTheElementwisePart() {
        NDArray a = f32(shape(2, 2), -1, 2, -3, 4);
        Attrs none = Attrs.of("axes", List.of(), "keepdims", 1L);
        assertClose(new double[] {-1, 2, -3, 4}, eval("sum", none, a), 0, 0, "sum");
        assertClose(new double[] {1, 4, 9, 16}, eval("sum_square", none, a), 0, 0, "sum_square");
        assertClose(new double[] {1, 2, 3, 4}, eval("l2_norm", none, a), 0, 0, "l2_norm");
        assertClose(new double[] {-1, 2, -3, 4}, eval("log_sum_exp", none, a), 1e-6, 0, "log_sum_exp");
    }

    @Test
    void integerReductions() {
        NDArray a = ints(DType.INT32, shape(2, 3), 7, -2, 4, -9, 3, 1);
        Attrs ax1 = Attrs.of("axes", List.of(1L), "keepdims", 0L);
        Attrs ax0 = Attrs.of("axes", List.of(0L), "keepdims", 1L);
        assertLongs(new long[] {9, -5}, eval("sum", ax1, a), "sum");
        assertLongs(new long[] {3, -1}, eval("mean", ax1, a), "mean truncates toward zero (9/3, -5/3)");
        assertLongs(new long[] {-1, 0, 2}, eval("mean", ax0, a), "mean over axis 0");
        assertLongs(new long[] {7, 3}, eval("max", ax1, a), "max");
        assertLongs(new long[] {-2, -9}, eval("min", ax1, a), "min");
        assertLongs(new long[] {-56, -27}, eval("prod", ax1, a), "prod");
        assertLongs(new long[] {13, 13}, eval("l1_norm", ax1, a), "l1");
        assertLongs(new long[] {69, 91}, eval("sum_square", ax1, a), "sum_square");
        assertLongs(new long[] {8, 9}, eval("l2_norm", ax1, a), "l2 truncates sqrt(69), sqrt(91)");
        NDArray big = ints(DType.INT32, shape(2), Integer.MAX_VALUE, 1);
        assertLongs(new long[] {Integer.MIN_VALUE}, eval("sum", Attrs.EMPTY, big), "int32 sum wraps");
        NDArray u = ints(DType.UINT8, shape(3), 200, 7, 255);
        assertLongs(new long[] {255}, eval("max", Attrs.EMPTY, u), "uint8 max");
        assertLongs(new long[] {7}, eval("min", Attrs.EMPTY, u), "uint8 min");
        NDArray b = bools(shape(2, 2), true, false, false, false);
        assertLongs(new long[] {1, 0}, eval("max", ax1, b), "bool max is any");
        assertLongs(new long[] {0, 0}, eval("min", ax1, b), "bool min is all");
    }

    @Test
    void float16SumsAccumulateInFloat32() {
        double[] v = new double[4096];
        Arrays.fill(v, 1.0);
        NDArray a = floats(DType.FLOAT16, shape(4096), v);
        NDArray s = eval("sum", Attrs.EMPTY, a);
        assertEquals(DType.FLOAT16, s.dtype());
        assertEquals(4096.0, s.getDouble(0), "a float16 accumulator would stop at 2048");
        assertEquals(1.0, eval("mean", Attrs.EMPTY, a).getDouble(0));
        NDArray b = floats(DType.BFLOAT16, shape(3), 1, 2, 3);
        assertEquals(6.0, eval("sum", Attrs.EMPTY, b).getDouble(0));
    }

    @Test
    void logSumExpIsStableForLargeAndInfiniteInputs() {
        NDArray a = f32(shape(3, 2), 1000, 1001, -1000, -1001, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY);
        NDArray y = eval("log_sum_exp", Attrs.of("axes", List.of(1L), "keepdims", 0L), a);
        assertClose(new double[] {1001 + Math.log1p(Math.exp(-1)), -1000 + Math.log1p(Math.exp(-1)), Double.NEGATIVE_INFINITY}, y, 1e-6, 0, "lse");
        NDArray p = f32(shape(2), Double.POSITIVE_INFINITY, 3);
        assertClose(new double[] {Double.POSITIVE_INFINITY}, eval("log_sum_exp", Attrs.EMPTY, p), 0, 0, "lse with +inf");
        NDArray h = floats(DType.FLOAT16, shape(2), 20, 20);
        assertClose(new double[] {20 + Math.log(2)}, eval("log_sum_exp", Attrs.EMPTY, h), 1e-3, 0, "float16 lse where exp(20) overflows float16");
        NDArray i = ints(DType.INT64, shape(2), 1, 1);
        assertLongs(new long[] {1}, eval("log_sum_exp", Attrs.EMPTY, i), "int lse truncates 1.69");
    }

    // ---- arg reductions ----

    /** First (or last) index of the extreme value along {@code axis}, by brute force. */
    static long[] argRef(NDArray a, int axis, boolean max, boolean last) {
        long[] in = a.shape();
        long[] os = in.clone();
        os[axis] = 1;
        int n = (int) NDArray.numel(os);
        long[] out = new long[n];
        long[] st = OpTestSupport.strides(in);
        for (int k = 0; k < n; k++) {
            long[] idx = unravel(k, os);
            long best = -1;
            double bestV = 0;
            for (long j = 0; j < in[axis]; j++) {
                idx[axis] = j;
                long flat = 0;
                for (int d = 0; d < in.length; d++) flat += idx[d] * st[d];
                double v = a.getDouble((int) flat);
                boolean better = best < 0 || (max ? v > bestV : v < bestV) || (last && v == bestV);
                if (better) {
                    best = j;
                    bestV = v;
                }
            }
            out[k] = best;
        }
        return out;
    }

    @Test
    void argmaxAndArgminWithTiesAndSelectLastIndex() {
        Random r = new Random(11);
        double[] d = new double[3 * 4 * 5];
        for (int k = 0; k < d.length; k++) d[k] = r.nextInt(4);
        for (DType t : List.of(DType.FLOAT32, DType.INT32, DType.FLOAT16, DType.UINT8)) {
            NDArray a = t.isFloat() ? floats(t, shape(3, 4, 5), d)
                    : ints(t, shape(3, 4, 5), Arrays.stream(d).mapToLong(x -> (long) x).toArray());
            for (int axis = -3; axis < 3; axis++) {
                int ax = axis < 0 ? axis + 3 : axis;
                for (boolean keep : List.of(false, true)) {
                    for (boolean last : List.of(false, true)) {
                        for (boolean max : List.of(true, false)) {
                            String op = max ? "argmax" : "argmin";
                            Attrs at = Attrs.of("axis", (long) axis, "keepdims", keep ? 1L : 0L, "select_last_index", last ? 1L : 0L);
                            NDArray y = eval(op, at, a);
                            assertEquals(DType.INT64, y.dtype());
                            long[] os = outShape(a.shape(), List.of(ax), keep);
                            assertEquals(Arrays.stream(os).boxed().toList(), y.shapeList());
                            assertLongs(argRef(a, ax, max, last), y, op + " " + t.irName() + " axis=" + axis + " keep=" + keep + " last=" + last);
                        }
                    }
                }
            }
        }
    }

    @Test
    void argmaxExplicitTies() {
        NDArray a = f32(shape(2, 4), 1, 5, 5, 2, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, -3, -3);
        assertLongs(new long[] {1, 2}, eval("argmax", Attrs.of("axis", 1L), a), "first max");
        assertLongs(new long[] {2, 3}, eval("argmax", Attrs.of("axis", 1L, "select_last_index", 1L), a), "last max");
        assertLongs(new long[] {0, 0}, eval("argmin", Attrs.of("axis", 1L), a), "first min");
        assertLongs(new long[] {0, 1}, eval("argmin", Attrs.of("axis", 1L, "select_last_index", 1L), a), "last min");
        assertLongs(new long[] {0, 0, 0, 0}, eval("argmax", Attrs.EMPTY, a), "default axis 0");
    }

    // ---- cumsum ----

    static double[] cumsumRef(NDArray a, int axis, boolean exclusive, boolean reverse) {
        long[] in = a.shape();
        long[] st = OpTestSupport.strides(in);
        double[] out = new double[a.size()];
        for (int k = 0; k < a.size(); k++) {
            long[] idx = unravel(k, in);
            long self = idx[axis];
            double s = 0;
            for (long j = 0; j < in[axis]; j++) {
                boolean take = reverse ? (exclusive ? j > self : j >= self) : (exclusive ? j < self : j <= self);
                if (!take) continue;
                idx[axis] = j;
                long flat = 0;
                for (int d = 0; d < in.length; d++) flat += idx[d] * st[d];
                s += a.getDouble((int) flat);
            }
            out[k] = s;
        }
        return out;
    }

    @Test
    void cumsumAllModesAndAxes() {
        Random r = new Random(3);
        NDArray f = random(r, DType.FLOAT64, -2, 2, 2, 3, 4);
        long[] iv = new long[24];
        for (int k = 0; k < 24; k++) iv[k] = r.nextInt(21) - 10;
        NDArray i = ints(DType.INT32, shape(2, 3, 4), iv);
        for (int axis = -3; axis < 3; axis++) {
            int ax = axis < 0 ? axis + 3 : axis;
            for (boolean ex : List.of(false, true)) {
                for (boolean rev : List.of(false, true)) {
                    Attrs at = Attrs.of("axis", (long) axis, "exclusive", ex ? 1L : 0L, "reverse", rev ? 1L : 0L);
                    String what = "axis=" + axis + " exclusive=" + ex + " reverse=" + rev;
                    assertClose(cumsumRef(f, ax, ex, rev), eval("cumsum", at, f), 1e-12, 1e-12, "float64 " + what);
                    assertLongs(Arrays.stream(cumsumRef(i, ax, ex, rev)).mapToLong(x -> (long) x).toArray(), eval("cumsum", at, i), "int32 " + what);
                }
            }
        }
        assertClose(new double[] {1, 3, 6, 10}, eval("cumsum", Attrs.EMPTY, f32(shape(4), 1, 2, 3, 4)), 0, 0, "1-D");
    }

    // ---- type errors ----

    @Test
    void typeErrorsNameTheProblem() {
        NDArray a = f32(shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertMessage(typeError("sum", Attrs.of("axes", List.of(2L)), a), "axis 2 is out of range", "rank 2");
        assertMessage(typeError("mean", Attrs.of("axes", List.of(-3L)), a), "axis -3 is out of range");
        assertMessage(typeError("max", Attrs.of("axes", List.of(1L, -1L)), a), "more than once");
        assertMessage(typeError("sum", Attrs.EMPTY, bools(shape(2), true, false)), "numeric", "bool");
        assertMessage(typeError("argmax", Attrs.of("axis", 2L), a), "out of range");
        assertMessage(typeError("argmin", Attrs.of("axis", 1L), floats(DType.FLOAT32, shape(2, 0))), "empty");
        assertMessage(typeError("argmax", Attrs.EMPTY, f32(shape(), 1)), "rank >= 1");
        assertMessage(typeError("cumsum", Attrs.of("axis", 5L), a), "out of range");
        assertMessage(typeError("sum", Attrs.of("keepdims", "yes"), a), "keepdims", "integer");
        assertMessage(typeError("sum", Attrs.of("axes", "all"), a), "axes");
    }

    @Test
    void meanOfAllAxesMatchesSumOverCount() {
        Random r = new Random(9);
        NDArray a = random(r, DType.FLOAT32, -1, 1, 3, 5);
        NDArray mean = eval("mean", Attrs.of("keepdims", 1L), a);
        assertEquals(List.of(1L, 1L), mean.shapeList());
        double[] want = reference(a, null, true, MEAN);
        assertClose(want, mean, 1e-6, 1e-7, "mean");
    }
}
