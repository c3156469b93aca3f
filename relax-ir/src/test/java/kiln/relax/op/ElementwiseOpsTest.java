package kiln.relax.op;

import static kiln.relax.op.OpTestSupport.assertClose;
import static kiln.relax.op.OpTestSupport.assertLongs;
import static kiln.relax.op.OpTestSupport.assertMessage;
import static kiln.relax.op.OpTestSupport.bools;
import static kiln.relax.op.OpTestSupport.broadcastFlat;
import static kiln.relax.op.OpTestSupport.eval;
import static kiln.relax.op.OpTestSupport.f32;
import static kiln.relax.op.OpTestSupport.f64;
import static kiln.relax.op.OpTestSupport.floats;
import static kiln.relax.op.OpTestSupport.ints;
import static kiln.relax.op.OpTestSupport.roundTo;
import static kiln.relax.op.OpTestSupport.shape;
import static kiln.relax.op.OpTestSupport.typeError;
import static kiln.relax.op.OpTestSupport.unravel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.stream.Stream;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ElementwiseOpsTest {
    private static final double[] GENERAL = {-4.0, -2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 1.5, 2.5, 3.7, 10.0};
    private static final double[] POSITIVE = {1e-3, 0.1, 0.5, 1.0, 2.0, 10.0, 1e3};
    private static final double[] UNIT = {-1.0, -0.7, -0.2, 0.0, 0.4, 0.9, 1.0};
    private static final double SELU_ALPHA = 1.67326319217681884765625, SELU_GAMMA = 1.05070102214813232421875;

    /** erf by composite Simpson integration of 2/sqrt(pi) exp(-t^2) over [0, x]. */
    static double erf(double x) {
        int n = 4000;
        double h = x / n, s = 1 + Math.exp(-x * x);
        for (int k = 1; k < n; k++) {
            double t = k * h;
            s += (k % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        return 2 / Math.sqrt(Math.PI) * s * h / 3;
    }

    /** Round half to even, spelled out. */
    static double roundHalfEven(double x) {
        double f = Math.floor(x), diff = x - f;
        double r;
        if (diff < 0.5) r = f;
        else if (diff > 0.5) r = f + 1;
        else r = (f % 2 == 0) ? f : f + 1;
        return r == 0 ? Math.copySign(0.0, x) : r;
    }

    record UnaryCase(String op, Attrs attrs, double[] inputs, DoubleUnaryOperator ref) {
        @Override public String toString() { return op + (attrs.values().isEmpty() ? "" : "(" + attrs + ")"); }
    }

    static Stream<UnaryCase> floatUnaryCases() {
        Attrs none = Attrs.EMPTY;
        return Stream.of(
                new UnaryCase("exp", none, GENERAL, Math::exp),
                new UnaryCase("log", none, POSITIVE, Math::log),
                new UnaryCase("sqrt", none, POSITIVE, Math::sqrt),
                new UnaryCase("erf", none, GENERAL, ElementwiseOpsTest::erf),
                new UnaryCase("tanh", none, GENERAL, Math::tanh),
                new UnaryCase("sin", none, GENERAL, Math::sin),
                new UnaryCase("cos", none, GENERAL, Math::cos),
                new UnaryCase("tan", none, GENERAL, Math::tan),
                new UnaryCase("asin", none, UNIT, Math::asin),
                new UnaryCase("acos", none, UNIT, Math::acos),
                new UnaryCase("atan", none, GENERAL, Math::atan),
                new UnaryCase("sinh", none, GENERAL, Math::sinh),
                new UnaryCase("cosh", none, GENERAL, Math::cosh),
                new UnaryCase("floor", none, GENERAL, Math::floor),
                new UnaryCase("ceil", none, GENERAL, Math::ceil),
                new UnaryCase("round", none, new double[] {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.4, 0.6, -0.6, 7.0, 2.49}, ElementwiseOpsTest::roundHalfEven),
                new UnaryCase("reciprocal", none, new double[] {-4, -0.5, 0.25, 1, 3, 10}, x -> 1 / x),
                new UnaryCase("negative", none, GENERAL, x -> -x),
                new UnaryCase("abs", none, GENERAL, Math::abs),
                new UnaryCase("sign", none, GENERAL, x -> x > 0 ? 1 : x < 0 ? -1 : 0),
                new UnaryCase("relu", none, GENERAL, x -> x > 0 ? x : 0),
                new UnaryCase("sigmoid", none, GENERAL, x -> 1 / (1 + Math.exp(-x))),
                new UnaryCase("hard_swish", none, GENERAL, x -> x * Math.min(1, Math.max(0, x / 6 + 0.5))),
                new UnaryCase("softplus", none, GENERAL, x -> Math.log(1 + Math.exp(x))),
                new UnaryCase("softsign", none, GENERAL, x -> x / (1 + Math.abs(x))),
                new UnaryCase("mish", none, GENERAL, x -> x * Math.tanh(Math.log(1 + Math.exp(x)))),
                new UnaryCase("leaky_relu", none, GENERAL, x -> x < 0 ? 0.01 * x : x),
                new UnaryCase("leaky_relu", Attrs.of("alpha", 0.2), GENERAL, x -> x < 0 ? 0.2 * x : x),
                new UnaryCase("hard_sigmoid", none, GENERAL, x -> Math.min(1, Math.max(0, 0.2 * x + 0.5))),
                new UnaryCase("hard_sigmoid", Attrs.of("alpha", 0.3, "beta", 0.4), GENERAL, x -> Math.min(1, Math.max(0, 0.3 * x + 0.4))),
                new UnaryCase("elu", none, GENERAL, x -> x < 0 ? Math.exp(x) - 1 : x),
                new UnaryCase("elu", Attrs.of("alpha", 0.7), GENERAL, x -> x < 0 ? 0.7 * (Math.exp(x) - 1) : x),
                new UnaryCase("selu", none, GENERAL, x -> SELU_GAMMA * (x > 0 ? x : SELU_ALPHA * Math.exp(x) - SELU_ALPHA)),
                new UnaryCase("selu", Attrs.of("alpha", 2.0, "gamma", 3.0), GENERAL, x -> 3 * (x > 0 ? x : 2 * Math.exp(x) - 2)),
                new UnaryCase("celu", none, GENERAL, x -> Math.max(0, x) + Math.min(0, Math.exp(x) - 1)),
                new UnaryCase("celu", Attrs.of("alpha", 2.0), GENERAL, x -> Math.max(0, x) + Math.min(0, 2 * (Math.exp(x / 2) - 1))),
                new UnaryCase("thresholded_relu", none, GENERAL, x -> x > 1 ? x : 0),
                new UnaryCase("thresholded_relu", Attrs.of("alpha", 0.4), GENERAL, x -> x > 0.4 ? x : 0),
                new UnaryCase("gelu", none, GENERAL, x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)))),
                new UnaryCase("gelu", Attrs.of("approximate", "tanh"), GENERAL,
                        x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))),
                new UnaryCase("identity", none, GENERAL, x -> x));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatUnaryCases")
    void floatUnaryOpsMatchJavaMath(UnaryCase c) {
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
            NDArray x = floats(t, shape(c.inputs().length), c.inputs());
            NDArray y = eval(c.op(), c.attrs(), x);
            double[] expected = new double[x.size()];
            for (int k = 0; k < expected.length; k++) expected[k] = roundTo(t, c.ref().applyAsDouble(x.getDouble(k)));
            double rtol = t == DType.FLOAT32 ? 2e-6 : 1e-12;
            assertClose(expected, y, rtol, t == DType.FLOAT32 ? 1e-7 : 1e-14, c + " " + t.irName());
        }
    }

    @Test
    void unaryOpsOnTwoDimensionalFloat16() {
        NDArray x = floats(DType.FLOAT16, shape(2, 3), -1.5, -0.25, 0, 0.5, 1.25, 3);
        NDArray y = eval("sigmoid", Attrs.EMPTY, x);
        assertEquals(List.of(2L, 3L), y.shapeList());
        double[] e = new double[6];
        for (int k = 0; k < 6; k++) e[k] = 1 / (1 + Math.exp(-x.getDouble(k)));
        assertClose(e, y, 2e-3, 0, "float16 sigmoid");
    }

    @Test
    void inverseHyperbolicFunctionsInvertTheirForwardFunctions() {
        NDArray x = f64(shape(7), -3, -1, -0.2, 0, 0.5, 2, 30);
        NDArray y = eval("asinh", Attrs.EMPTY, x);
        for (int k = 0; k < 7; k++) assertEquals(x.getDouble(k), Math.sinh(y.getDouble(k)), 1e-12 * Math.max(1, Math.abs(x.getDouble(k))));
        NDArray xc = f64(shape(5), 1, 1.5, 2, 10, 100);
        NDArray yc = eval("acosh", Attrs.EMPTY, xc);
        for (int k = 0; k < 5; k++) {
            assertTrue(yc.getDouble(k) >= 0);
            assertEquals(xc.getDouble(k), Math.cosh(yc.getDouble(k)), 1e-10 * xc.getDouble(k));
        }
        NDArray xt = f64(shape(5), -0.9, -0.3, 0, 0.5, 0.99);
        NDArray yt = eval("atanh", Attrs.EMPTY, xt);
        for (int k = 0; k < 5; k++) assertEquals(xt.getDouble(k), Math.tanh(yt.getDouble(k)), 1e-13);
    }

    @Test
    void mathFunctionsOutsideTheirDomainGiveNaNOrInfinity() {
        NDArray x = f32(shape(3), -1, 0, -0.0);
        NDArray log = eval("log", Attrs.EMPTY, x);
        assertTrue(Double.isNaN(log.getDouble(0)));
        assertEquals(Double.NEGATIVE_INFINITY, log.getDouble(1));
        assertTrue(Double.isNaN(eval("sqrt", Attrs.EMPTY, x).getDouble(0)));
        assertTrue(Double.isNaN(eval("asin", Attrs.EMPTY, f32(shape(1), 2)).getDouble(0)));
        NDArray sign = eval("sign", Attrs.EMPTY, f32(shape(2), Double.NaN, Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(sign.getDouble(0)));
        assertEquals(-1, sign.getDouble(1));
    }

    @Test
    void softplusAndMishDoNotOverflowForLargeInputs() {
        NDArray x = f32(shape(4), 100, 500, -100, -500);
        assertClose(new double[] {100, 500, Math.exp(-100), 0}, eval("softplus", Attrs.EMPTY, x), 1e-6, 1e-45, "softplus");
        assertClose(new double[] {100, 500, -100 * Math.tanh(Math.exp(-100)), 0}, eval("mish", Attrs.EMPTY, x), 1e-6, 1e-40, "mish");
    }

    @Test
    void integerUnaryOps() {
        NDArray x = ints(DType.INT32, shape(6), -7, -1, 0, 1, 5, Integer.MIN_VALUE);
        assertLongs(new long[] {7, 1, 0, -1, -5, Integer.MIN_VALUE}, eval("negative", Attrs.EMPTY, x), "neg");
        assertLongs(new long[] {7, 1, 0, 1, 5, Integer.MIN_VALUE}, eval("abs", Attrs.EMPTY, x), "abs (INT_MIN wraps like C)");
        assertLongs(new long[] {-1, -1, 0, 1, 1, -1}, eval("sign", Attrs.EMPTY, x), "sign");
        assertLongs(new long[] {0, 0, 0, 1, 5, 0}, eval("relu", Attrs.EMPTY, x), "relu");
        NDArray u = ints(DType.UINT8, shape(3), 0, 3, 200);
        assertLongs(new long[] {0, 1, 1}, eval("sign", Attrs.EMPTY, u), "unsigned sign");
        assertLongs(new long[] {0, 3, 200}, eval("abs", Attrs.EMPTY, u), "unsigned abs");
        assertLongs(new long[] {255, 252, 55}, eval("bitwise_not", Attrs.EMPTY, u), "uint8 not");
        assertLongs(new long[] {6, 0, -1, -2, -6, Integer.MAX_VALUE}, eval("bitwise_not", Attrs.EMPTY, x), "int32 not");
    }

    // ---- binary ops with broadcasting ----

    private static NDArray random(Random r, DType t, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < d.length; k++) d[k] = Math.round(r.nextGaussian() * 400) / 100.0;
        return NDArray.ofDoubles(t, shape, d);
    }

    private static double[] broadcastRef(NDArray a, NDArray b, long[] outShape, DoubleBinaryOperator f, DType t) {
        int n = (int) NDArray.numel(outShape);
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            long[] idx = unravel(k, outShape);
            out[k] = roundTo(t, f.applyAsDouble(a.getDouble(broadcastFlat(idx, a.shape())), b.getDouble(broadcastFlat(idx, b.shape()))));
        }
        return out;
    }

    static Stream<Arguments> broadcastShapes() {
        return Stream.of(
                Arguments.of(shape(2, 3), shape(2, 3), shape(2, 3)),
                Arguments.of(shape(2, 3), shape(3), shape(2, 3)),
                Arguments.of(shape(2, 1), shape(1, 3), shape(2, 3)),
                Arguments.of(shape(), shape(2, 3), shape(2, 3)),
                Arguments.of(shape(4, 1, 3), shape(2, 1), shape(4, 2, 3)),
                Arguments.of(shape(1), shape(), shape(1)));
    }

    @ParameterizedTest
    @MethodSource("broadcastShapes")
    void floatArithmeticBroadcasts(long[] sa, long[] sb, long[] so) {
        Random r = new Random(sa.length * 31 + sb.length);
        NDArray a = random(r, DType.FLOAT32, sa), b = random(r, DType.FLOAT32, sb);
        record Bin(String op, DoubleBinaryOperator f) {}
        for (Bin c : List.of(new Bin("add", Double::sum), new Bin("subtract", (x, y) -> x - y), new Bin("multiply", (x, y) -> x * y),
                new Bin("divide", (x, y) -> x / y), new Bin("maximum", Math::max), new Bin("minimum", Math::min),
                new Bin("power", (x, y) -> Math.pow(Math.abs(x), y)))) {
            NDArray a2 = c.op().equals("power") ? eval("abs", Attrs.EMPTY, a) : a;
            NDArray y = eval(c.op(), Attrs.EMPTY, a2, b);
            assertEquals(java.util.Arrays.stream(so).boxed().toList(), y.shapeList(), c.op() + " shape");
            assertClose(broadcastRef(a2, b, so, c.f(), DType.FLOAT32), y, 1e-6, 0, c.op() + " " + java.util.Arrays.toString(sa) + " x " + java.util.Arrays.toString(sb));
        }
    }

    private static long[] intBinaryRef(NDArray a, NDArray b, long[] outShape, LongBinaryOperator f) {
        int n = (int) NDArray.numel(outShape);
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            long[] idx = unravel(k, outShape);
            out[k] = f.applyAsLong(a.getLong(broadcastFlat(idx, a.shape())), b.getLong(broadcastFlat(idx, b.shape())));
        }
        return out;
    }

    @Test
    void integerArithmeticWrapsAndDivisionTruncates() {
        NDArray a = ints(DType.INT32, shape(2, 3), 7, -7, 7, -7, Integer.MAX_VALUE, Integer.MIN_VALUE);
        NDArray b = ints(DType.INT32, shape(3), 2, 2, -2);
        assertLongs(new long[] {3, -3, -3, -3, Integer.MAX_VALUE / 2, Integer.MIN_VALUE / -2}, eval("divide", Attrs.EMPTY, a, b), "int div truncates toward zero");
        assertLongs(new long[] {9, -5, 5, -5, Integer.MIN_VALUE + 1, Integer.MAX_VALUE - 1}, eval("add", Attrs.EMPTY, a, b), "int add wraps");
        assertLongs(intBinaryRef(a, b, shape(2, 3), (x, y) -> (int) (x * y)), eval("multiply", Attrs.EMPTY, a, b), "int mul wraps");
        NDArray u = ints(DType.UINT8, shape(3), 1, 200, 0), v = ints(DType.UINT8, shape(3), 2, 100, 1);
        assertLongs(new long[] {255, 100, 255}, eval("subtract", Attrs.EMPTY, u, v), "uint8 sub wraps");
        assertLongs(new long[] {3, 44, 1}, eval("add", Attrs.EMPTY, u, v), "uint8 add wraps");
        assertLongs(new long[] {0, 2, 0}, eval("divide", Attrs.EMPTY, u, v), "uint8 div");
        assertLongs(new long[] {2, 200, 1}, eval("maximum", Attrs.EMPTY, u, v), "uint8 max compares unsigned");
        NDArray i8 = ints(DType.INT8, shape(2), 100, -100);
        assertLongs(new long[] {44, -44}, eval("multiply", Attrs.EMPTY, i8, ints(DType.INT8, shape(), 3)), "int8 mul wraps");
    }

    @Test
    void modFollowsDivisorSignUnlessFmod() {
        NDArray a = ints(DType.INT32, shape(2, 4), -7, 7, -7, 7, 9, -9, 0, 5);
        NDArray b = ints(DType.INT32, shape(2, 4), 3, -3, -3, 3, 4, 4, 5, -5);
        assertLongs(intBinaryRef(a, b, shape(2, 4), Math::floorMod), eval("mod", Attrs.EMPTY, a, b), "int mod");
        assertLongs(intBinaryRef(a, b, shape(2, 4), (x, y) -> x % y), eval("mod", Attrs.of("fmod", 1L), a, b), "int fmod");
        NDArray x = f32(shape(5), -7.5, 7.5, 5, -5, 0.75), y = f32(shape(5), 2, -2, 0.5, 2, -0.5);
        assertClose(broadcastRef(x, y, shape(5), (p, q) -> p - Math.floor(p / q) * q, DType.FLOAT32), eval("mod", Attrs.EMPTY, x, y), 0, 0, "float mod");
        assertClose(broadcastRef(x, y, shape(5), (p, q) -> p - q * (long) (p / q), DType.FLOAT32), eval("mod", Attrs.of("fmod", 1L), x, y), 0, 0, "float fmod");
        NDArray u = ints(DType.UINT8, shape(2), 250, 7);
        assertLongs(new long[] {4, 1}, eval("mod", Attrs.EMPTY, u, ints(DType.UINT8, shape(1), 6)), "uint8 mod");
    }

    @Test
    void powerHandlesMixedExponentTypes() {
        NDArray base = f32(shape(2, 2), 2, 9, 0.5, 10);
        NDArray expInt = ints(DType.INT64, shape(2), 3, -1);
        NDArray y = eval("power", Attrs.EMPTY, base, expInt);
        assertEquals(DType.FLOAT32, y.dtype());
        assertClose(new double[] {8, 1.0 / 9, 0.125, 0.1}, y, 1e-7, 0, "float ^ int64");
        NDArray ib = ints(DType.INT32, shape(5), 2, 3, -2, 2, 7);
        NDArray ie = ints(DType.INT32, shape(5), 10, 0, 3, -1, 2);
        assertLongs(new long[] {1024, 1, -8, 0, 49}, eval("power", Attrs.EMPTY, ib, ie), "int ^ int");
        NDArray big = eval("power", Attrs.EMPTY, ints(DType.INT64, shape(1), 2), ints(DType.INT64, shape(1), 62));
        assertLongs(new long[] {1L << 62}, big, "2^62");
        NDArray ifl = eval("power", Attrs.EMPTY, ints(DType.INT64, shape(2), 4, 3), f32(shape(1), 0.5));
        assertLongs(new long[] {2, 1}, ifl, "int ^ float truncates the result");
    }

    @Test
    void bitOperations() {
        NDArray a = ints(DType.INT32, shape(2, 2), 12, -1, 0x0F0F, -8);
        NDArray b = ints(DType.INT32, shape(2), 10, 6);
        assertLongs(intBinaryRef(a, b, shape(2, 2), (x, y) -> x & y), eval("bitwise_and", Attrs.EMPTY, a, b), "and");
        assertLongs(intBinaryRef(a, b, shape(2, 2), (x, y) -> x | y), eval("bitwise_or", Attrs.EMPTY, a, b), "or");
        assertLongs(intBinaryRef(a, b, shape(2, 2), (x, y) -> x ^ y), eval("bitwise_xor", Attrs.EMPTY, a, b), "xor");
        NDArray u = ints(DType.UINT8, shape(5), 1, 1, 255, 3, 16);
        NDArray s = ints(DType.UINT8, shape(5), 7, 8, 4, 2, 0);
        assertLongs(new long[] {128, 0, 240, 12, 16}, eval("left_shift", Attrs.EMPTY, u, s), "uint8 <<");
        assertLongs(new long[] {0, 0, 15, 0, 16}, eval("right_shift", Attrs.EMPTY, u, s), "uint8 >>");
        NDArray u64 = ints(DType.UINT64, shape(2), -1L, 1);
        assertLongs(new long[] {Long.MAX_VALUE, 0}, eval("right_shift", Attrs.EMPTY, u64, ints(DType.UINT64, shape(2), 1, 64)), "uint64 >> (logical)");
        assertLongs(new long[] {1L << 31, 6}, eval("left_shift", Attrs.EMPTY, ints(DType.UINT32, shape(2), 1, 3), ints(DType.UINT32, shape(2), 31, 1)), "uint32 <<");
    }

    @Test
    void comparisonsBroadcastAndGiveBool() {
        NDArray a = f32(shape(2, 3), 1, 2, 3, Double.NaN, 5, -0.0);
        NDArray b = f32(shape(3), 2, 2, 0.0);
        record Cmp(String op, boolean[] want) {}
        for (Cmp c : List.of(
                new Cmp("equal", new boolean[] {false, true, false, false, false, true}),
                new Cmp("not_equal", new boolean[] {true, false, true, true, true, false}),
                new Cmp("less", new boolean[] {true, false, false, false, false, false}),
                new Cmp("less_equal", new boolean[] {true, true, false, false, false, true}),
                new Cmp("greater", new boolean[] {false, false, true, false, true, false}),
                new Cmp("greater_equal", new boolean[] {false, true, true, false, true, true}))) {
            NDArray y = eval(c.op(), Attrs.EMPTY, a, b);
            assertEquals(DType.BOOL, y.dtype());
            assertLongs(bools(shape(6), c.want()).toLongArray(), y, c.op());
        }
        NDArray i = ints(DType.UINT16, shape(3), 1, 65535, 7);
        assertLongs(new long[] {1, 0, 0}, eval("less", Attrs.EMPTY, i, ints(DType.UINT16, shape(), 2)), "unsigned less");
        NDArray p = bools(shape(2, 1), true, false), q = bools(shape(2), true, false);
        assertLongs(new long[] {1, 0, 0, 1}, eval("equal", Attrs.EMPTY, p, q), "bool equal");
    }

    @Test
    void logicalOpsBroadcast() {
        NDArray p = bools(shape(2, 1), true, false), q = bools(shape(1, 2), true, false);
        assertLongs(new long[] {1, 0, 0, 0}, eval("logical_and", Attrs.EMPTY, p, q), "and");
        assertLongs(new long[] {1, 1, 1, 0}, eval("logical_or", Attrs.EMPTY, p, q), "or");
        assertLongs(new long[] {0, 1, 1, 0}, eval("logical_xor", Attrs.EMPTY, p, q), "xor");
        assertLongs(new long[] {0, 1}, eval("logical_not", Attrs.EMPTY, p), "not");
    }

    @Test
    void isNanAndIsInfWithSignSelection() {
        NDArray x = f32(shape(5), Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, 3.4e38);
        assertLongs(new long[] {1, 0, 0, 0, 0}, eval("isnan", Attrs.EMPTY, x), "isnan");
        assertLongs(new long[] {0, 1, 1, 0, 0}, eval("isinf", Attrs.EMPTY, x), "isinf");
        assertLongs(new long[] {0, 1, 0, 0, 0}, eval("isinf", Attrs.of("detect_negative", 0L), x), "isinf +");
        assertLongs(new long[] {0, 0, 1, 0, 0}, eval("isinf", Attrs.of("detect_positive", 0L), x), "isinf -");
        assertLongs(new long[] {0, 0, 0, 0, 0}, eval("isinf", Attrs.of("detect_positive", 0L, "detect_negative", 0L), x), "isinf none");
    }

    @Test
    void preluBroadcastsSlopeToInput() {
        Random r = new Random(5);
        NDArray x = random(r, DType.FLOAT32, 2, 3, 4);
        for (long[] ss : List.of(shape(3, 1), shape(4), shape(), shape(2, 3, 4), shape(1, 1, 4))) {
            NDArray slope = random(r, DType.FLOAT32, ss);
            NDArray y = eval("prelu", Attrs.EMPTY, x, slope);
            assertEquals(x.shapeList(), y.shapeList());
            assertClose(broadcastRef(x, slope, x.shape(), (v, s) -> v < 0 ? s * v : v, DType.FLOAT32), y, 1e-7, 0, "prelu slope " + java.util.Arrays.toString(ss));
        }
        assertMessage(typeError("prelu", Attrs.EMPTY, x, random(r, DType.FLOAT32, 5)), "does not broadcast");
        assertMessage(typeError("prelu", Attrs.EMPTY, random(r, DType.FLOAT32, 3), random(r, DType.FLOAT32, 2, 3)), "does not broadcast to input shape");
    }

    @Test
    void clipWithFloatAndIntegerBounds() {
        NDArray x = f32(shape(6), -5, -1, 0, 0.5, 2, 9);
        assertClose(new double[] {-1, -1, 0, 0.5, 2, 2}, eval("clip", Attrs.of("min", -1.0, "max", 2.0), x), 0, 0, "both");
        assertClose(new double[] {0, 0, 0, 0.5, 2, 9}, eval("clip", Attrs.of("min", 0.0), x), 0, 0, "min only");
        assertClose(new double[] {-5, -1, 0, 0.5, 1, 1}, eval("clip", Attrs.of("max", 1L), x), 0, 0, "max only, Long attr");
        assertClose(x.toDoubleArray(), eval("clip", Attrs.EMPTY, x), 0, 0, "no bounds");
        assertClose(new double[] {1, 1, 1, 1, 1, 1}, eval("clip", Attrs.of("min", 3.0, "max", 1.0), x), 0, 0, "min > max gives max");
        NDArray i = ints(DType.INT64, shape(4), Long.MIN_VALUE, -3, 4, Long.MAX_VALUE);
        assertLongs(new long[] {-2, -2, 3, 3}, eval("clip", Attrs.of("min", -2L, "max", 3L), i), "int64");
        NDArray b = ints(DType.INT8, shape(3), -128, 0, 127);
        assertLongs(new long[] {-128, 0, 127}, eval("clip", Attrs.of("min", -1000.0, "max", 1000.0), b), "int8 with out-of-range bounds");
        assertLongs(new long[] {-100, 0, 100}, eval("clip", Attrs.of("min", -100.7, "max", 100.7), b), "int8 with fractional bounds");
        NDArray u = ints(DType.UINT8, shape(3), 0, 100, 255);
        assertLongs(new long[] {10, 100, 200}, eval("clip", Attrs.of("min", 10L, "max", 200L), u), "uint8");
        assertMessage(typeError("clip", Attrs.of("min", "zero"), x), "must be a number");
    }

    @Test
    void whereBroadcastsAllThreeOperands() {
        NDArray c = bools(shape(2, 1), true, false);
        NDArray x = f32(shape(3), 1, 2, 3);
        NDArray y = f32(shape(), -1);
        assertClose(new double[] {1, 2, 3, -1, -1, -1}, eval("where", Attrs.EMPTY, c, x, y), 0, 0, "where");
        NDArray xi = ints(DType.INT64, shape(1, 2), 10, 20), yi = ints(DType.INT64, shape(2, 2), 1, 2, 3, 4);
        assertLongs(new long[] {10, 20, 3, 4}, eval("where", Attrs.EMPTY, c, xi, yi), "where int64");
        assertMessage(typeError("where", Attrs.EMPTY, x, x, x), "condition must be bool");
        assertMessage(typeError("where", Attrs.EMPTY, c, x, yi), "branches differ");
    }

    // ---- casts between every pair of types ----

    private static final List<DType> ALL = List.of(DType.values());

    /** Wraps an integer to a dtype's width (two's complement), spelled out with BigInteger. */
    private static long wrapTo(DType t, BigInteger v) {
        int bits = t.bytes() * 8;
        BigInteger m = v.mod(BigInteger.ONE.shiftLeft(bits));
        if (t.isSigned() && m.testBit(bits - 1)) m = m.subtract(BigInteger.ONE.shiftLeft(bits));
        return m.longValue();
    }

    private static BigInteger exactInt(DType src, NDArray a, int k) {
        if (src.isFloat()) return new java.math.BigDecimal(a.getDouble(k)).toBigInteger();
        long v = a.getLong(k);
        if (src == DType.UINT64 && v < 0) return BigInteger.valueOf(v).add(BigInteger.ONE.shiftLeft(64));
        return BigInteger.valueOf(v);
    }

    private static NDArray sourceValues(DType src, DType dst) {
        if (src == DType.BOOL) return bools(shape(2), false, true);
        if (src.isFloat()) {
            if (dst.isFloat()) return floats(src, shape(9), 0, -0.0, 1.5, -2.75, 100.25, 70000, 1e-8, Double.POSITIVE_INFINITY, Double.NaN);
            if (dst == DType.BOOL) return floats(src, shape(6), 0, -0.0, 0.25, -3, Double.NaN, Double.NEGATIVE_INFINITY);
            if (!dst.isSigned()) return floats(src, shape(6), 0, 0.5, 1.5, 2.75, 100.25, 126.9);
            return floats(src, shape(8), 0, -0.0, 1.5, -1.5, 2.75, -100.25, 126.9, -127.9);
        }
        return ints(src, shape(9), 0, 1, -1, 100, -100, 127, -128, 300, 70000);
    }

    @Test
    void castBetweenEveryPairOfTypes() {
        int checked = 0;
        for (DType src : ALL) {
            for (DType dst : ALL) {
                NDArray a = sourceValues(src, dst);
                NDArray y = eval("cast", Attrs.of("dtype", dst.irName()), a);
                assertEquals(dst, y.dtype());
                String what = src.irName() + " -> " + dst.irName();
                for (int k = 0; k < a.size(); k++) {
                    if (dst == DType.BOOL) {
                        boolean nz = src.isFloat() ? a.getDouble(k) != 0 || Double.isNaN(a.getDouble(k)) : a.getLong(k) != 0;
                        assertEquals(nz ? 1 : 0, y.getLong(k), what + " element " + k);
                    } else if (dst.isFloat()) {
                        double v = src.isFloat() ? a.getDouble(k) : exactInt(src, a, k).doubleValue();
                        double want = roundTo(dst, v);
                        double got = y.getDouble(k);
                        assertTrue(Double.compare(want, got) == 0 || (Double.isNaN(want) && Double.isNaN(got)),
                                what + " element " + k + ": expected " + want + ", got " + got);
                    } else {
                        assertEquals(wrapTo(dst, exactInt(src, a, k)), y.getLong(k), what + " element " + k + " (" + a.getDouble(k) + ")");
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 1000);
    }

    @Test
    void castRejectsUnknownTypes() {
        NDArray x = f32(shape(1), 1);
        assertMessage(typeError("cast", Attrs.of("dtype", "complex64"), x), "complex64");
        assertMessage(typeError("cast", Attrs.EMPTY, x), "dtype");
    }

    // ---- type errors ----

    @Test
    void typeErrorsNameTheProblem() {
        NDArray f = f32(shape(2, 3), 1, 2, 3, 4, 5, 6);
        NDArray i = ints(DType.INT32, shape(2, 3), 1, 2, 3, 4, 5, 6);
        NDArray b = bools(shape(2), true, false);
        assertMessage(typeError("add", Attrs.EMPTY, f, i), "operand types differ", "float32", "int32");
        assertMessage(typeError("add", Attrs.EMPTY, f, f32(shape(4), 1, 2, 3, 4)), "do not broadcast", "[2, 3]", "[4]");
        assertMessage(typeError("add", Attrs.EMPTY, b, b), "numeric");
        assertMessage(typeError("exp", Attrs.EMPTY, i), "floating-point", "int32");
        assertMessage(typeError("logical_and", Attrs.EMPTY, f, f), "bool");
        assertMessage(typeError("bitwise_and", Attrs.EMPTY, f, f), "integer");
        assertMessage(typeError("left_shift", Attrs.EMPTY, b, b), "integer");
        assertMessage(typeError("isnan", Attrs.EMPTY, i), "floating-point");
        assertMessage(typeError("gelu", Attrs.of("approximate", "fast"), f), "approximate");
        assertMessage(typeError("relu", Attrs.EMPTY, f, f), "expected 1 arguments, got 2");
        assertMessage(typeError("power", Attrs.EMPTY, b, f), "numeric");
    }

    @Test
    void everyElementwiseOpInfersItsType() {
        NDArray f = f32(shape(2), 0.5, 0.25);
        List<String> checked = new ArrayList<>();
        for (OpDef op : ElementwiseOps.all()) {
            Type t;
            switch (op.name()) {
                case "where" -> t = OpTestSupport.infer(op.name(), Attrs.EMPTY, bools(shape(2), true, false), f, f);
                case "cast" -> t = OpTestSupport.infer(op.name(), Attrs.of("dtype", "int8"), f);
                case "logical_and", "logical_or", "logical_xor" -> t = OpTestSupport.infer(op.name(), Attrs.EMPTY, bools(shape(2), true, false), bools(shape(2), true, true));
                case "logical_not" -> t = OpTestSupport.infer(op.name(), Attrs.EMPTY, bools(shape(2), true, false));
                case "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift" ->
                        t = OpTestSupport.infer(op.name(), Attrs.EMPTY, ints(DType.UINT8, shape(2), 1, 2), ints(DType.UINT8, shape(2), 1, 2));
                case "bitwise_not" -> t = OpTestSupport.infer(op.name(), Attrs.EMPTY, ints(DType.UINT8, shape(2), 1, 2));
                default -> {
                    boolean binary = List.of("add", "subtract", "multiply", "divide", "mod", "maximum", "minimum", "power", "prelu",
                            "equal", "not_equal", "less", "less_equal", "greater", "greater_equal").contains(op.name());
                    t = binary ? OpTestSupport.infer(op.name(), Attrs.EMPTY, f, f) : OpTestSupport.infer(op.name(), Attrs.EMPTY, f);
                }
            }
            assertEquals(List.of(2L), t.tensor().shape(), op.name());
            checked.add(op.name());
        }
        assertTrue(checked.size() >= 60, "ops checked: " + checked);
    }
}
