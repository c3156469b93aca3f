package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kiln.diag.KilnError;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElementwiseConvertersTest {
    @TempDir
    Path dir;

    static NDArray f32(long[] shape, double... v) { return NDArray.ofDoubles(DType.FLOAT32, shape, v.clone()); }

    static NDArray ints(DType t, long[] shape, long... v) { return NDArray.ofLongs(t, shape, v.clone()); }

    static long[] shape(long... s) { return s; }

    static void assertValues(double[] want, NDArray got, double tol) {
        assertEquals(want.length, got.size(), "element count of " + got);
        for (int k = 0; k < want.length; k++) assertEquals(want[k], got.getDouble(k), tol, "element " + k + " of " + got);
    }

    private static final NDArray X = f32(shape(2, 3), -3, -0.5, 0, 0.5, 2, 7);

    // ---- Clip at every opset style ----

    @Test
    void clipOpset6TakesAttributes() {
        TinyModel m = new TinyModel(6).input("x", X).node("Clip", List.of("x"), List.of("y"), "min", -1.0, "max", 1.0).output("y");
        assertValues(new double[] {-1, -0.5, 0, 0.5, 1, 1}, m.run(dir).get(0), 0);
        TinyModel onlyMax = new TinyModel(6).input("x", X).node("Clip", List.of("x"), List.of("y"), "max", 0.25).output("y");
        assertValues(new double[] {-3, -0.5, 0, 0.25, 0.25, 0.25}, onlyMax.run(dir).get(0), 0);
        TinyModel none = new TinyModel(6).input("x", X).node("Clip", List.of("x"), List.of("y")).output("y");
        assertValues(X.toDoubleArray(), none.run(dir).get(0), 0);
    }

    @Test
    void clipOpset13WithConstantInputs() {
        TinyModel m = new TinyModel(13).input("x", X)
                .initializer("lo", NDArray.scalarDouble(DType.FLOAT32, -1)).initializer("hi", NDArray.scalarDouble(DType.FLOAT32, 1))
                .node("Clip", List.of("x", "lo", "hi"), List.of("y")).output("y");
        assertValues(new double[] {-1, -0.5, 0, 0.5, 1, 1}, m.run(dir).get(0), 0);
        assertEquals(List.of("clip"), m.ops());
        TinyModel maxOnly = new TinyModel(13).input("x", X).initializer("hi", NDArray.scalarDouble(DType.FLOAT32, 0.5))
                .node("Clip", List.of("x", "", "hi"), List.of("y")).output("y");
        assertValues(new double[] {-3, -0.5, 0, 0.5, 0.5, 0.5}, maxOnly.run(dir).get(0), 0);
        TinyModel none = new TinyModel(13).input("x", X).node("Clip", List.of("x"), List.of("y")).output("y");
        assertValues(X.toDoubleArray(), none.run(dir).get(0), 0);
    }

    @Test
    void clipOpset13WithRuntimeBoundsUsesMaximumAndMinimum() {
        TinyModel m = new TinyModel(13).input("x", X)
                .input("lo", NDArray.scalarDouble(DType.FLOAT32, -0.5)).input("hi", f32(shape(1), 2))
                .node("Clip", List.of("x", "lo", "hi"), List.of("y")).output("y");
        NDArray y = m.run(dir).get(0);
        assertEquals(List.of(2L, 3L), y.shapeList());
        assertValues(new double[] {-0.5, -0.5, 0, 0.5, 2, 2}, y, 0);
        assertTrue(m.ops().contains("maximum") && m.ops().contains("minimum"), m.printed());
        assertFalse(m.ops().contains("clip"), m.printed());
    }

    @Test
    void clipOpset12OnIntegers() {
        NDArray x = ints(DType.INT8, shape(4), -128, -5, 5, 127);
        TinyModel m = new TinyModel(12).input("x", x)
                .initializer("lo", NDArray.scalarLong(DType.INT8, -10)).initializer("hi", NDArray.scalarLong(DType.INT8, 10))
                .node("Clip", List.of("x", "lo", "hi"), List.of("y")).output("y");
        NDArray y = m.run(dir).get(0);
        assertEquals(DType.INT8, y.dtype());
        assertArrayEquals(new long[] {-10, -5, 5, 10}, y.toLongArray());
    }

    // ---- arithmetic ----

    @Test
    void legacyBroadcastWithAxisAlignsB() {
        NDArray a = f32(shape(2, 3, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        NDArray b = f32(shape(3), 100, 200, 300);
        TinyModel m = new TinyModel(6).input("a", a).input("b", b)
                .node("Add", List.of("a", "b"), List.of("y"), "broadcast", 1L, "axis", 1L).output("y");
        assertValues(new double[] {100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311}, m.run(dir).get(0), 0);
        TinyModel modern = new TinyModel(13).input("a", a).input("b", f32(shape(2), 10, 20))
                .node("Mul", List.of("a", "b"), List.of("y")).output("y");
        assertValues(new double[] {0, 20, 20, 60, 40, 100, 60, 140, 80, 180, 100, 220}, modern.run(dir).get(0), 0);
    }

    @Test
    void integerDivTruncatesAndModFollowsDivisor() {
        NDArray a = ints(DType.INT32, shape(4), 7, -7, 7, -7), b = ints(DType.INT32, shape(4), 2, 2, -2, -2);
        TinyModel div = new TinyModel(14).input("a", a).input("b", b).node("Div", List.of("a", "b"), List.of("y")).output("y");
        assertArrayEquals(new long[] {3, -3, -3, 3}, div.run(dir).get(0).toLongArray());
        TinyModel mod = new TinyModel(13).input("a", a).input("b", b).node("Mod", List.of("a", "b"), List.of("y")).output("y");
        assertArrayEquals(new long[] {1, 1, -1, -1}, mod.run(dir).get(0).toLongArray());
        TinyModel fmod = new TinyModel(13).input("a", a).input("b", b).node("Mod", List.of("a", "b"), List.of("y"), "fmod", 1L).output("y");
        assertArrayEquals(new long[] {1, -1, 1, -1}, fmod.run(dir).get(0).toLongArray());
    }

    @Test
    void powWithIntegerExponent() {
        TinyModel m = new TinyModel(15).input("x", f32(shape(3), 2, 3, 0.5)).initializer("e", NDArray.scalarLong(DType.INT64, 3))
                .node("Pow", List.of("x", "e"), List.of("y")).output("y");
        NDArray y = m.run(dir).get(0);
        assertEquals(DType.FLOAT32, y.dtype());
        assertValues(new double[] {8, 27, 0.125}, y, 0);
    }

    @Test
    void variadicSumMeanMaxMinBroadcast() {
        NDArray a = f32(shape(2, 1), 1, 2), b = f32(shape(3), 10, 20, 30), c = f32(shape(), 100);
        for (String op : List.of("Sum", "Mean", "Max", "Min")) {
            TinyModel m = new TinyModel(13).input("a", a).input("b", b).input("c", c)
                    .node(op, List.of("a", "b", "c"), List.of("y")).output("y");
            NDArray y = m.run(dir).get(0);
            assertEquals(List.of(2L, 3L), y.shapeList(), op);
            double[] want = new double[6];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    double p = a.getDouble(i), q = b.getDouble(j), r = c.getDouble(0);
                    want[i * 3 + j] = switch (op) {
                        case "Sum" -> p + q + r;
                        case "Mean" -> (p + q + r) / 3;
                        case "Max" -> Math.max(p, Math.max(q, r));
                        default -> Math.min(p, Math.min(q, r));
                    };
                }
            }
            assertValues(want, y, 1e-5);
            TinyModel single = new TinyModel(13).input("a", a).node(op, List.of("a"), List.of("y")).output("y");
            assertValues(a.toDoubleArray(), single.run(dir).get(0), 0);
        }
    }

    // ---- activations with attributes ----

    @Test
    void activationAttributesAndDefaults() {
        NDArray x = f32(shape(4), -2, -0.5, 0.5, 2);
        record Case(String op, Object[] attrs, java.util.function.DoubleUnaryOperator ref) {}
        double seluA = 1.67326319217681884765625, seluG = 1.05070102214813232421875;
        for (Case c : List.of(
                new Case("LeakyRelu", new Object[0], v -> v < 0 ? 0.01 * v : v),
                new Case("LeakyRelu", new Object[] {"alpha", 0.3}, v -> v < 0 ? 0.3 * v : v),
                new Case("Elu", new Object[] {"alpha", 2.0}, v -> v < 0 ? 2 * (Math.exp(v) - 1) : v),
                new Case("Selu", new Object[0], v -> v > 0 ? seluG * v : seluG * (seluA * Math.exp(v) - seluA)),
                new Case("Celu", new Object[] {"alpha", 1.5}, v -> Math.max(0, v) + Math.min(0, 1.5 * (Math.exp(v / 1.5) - 1))),
                new Case("ThresholdedRelu", new Object[] {"alpha", 0.75}, v -> v > 0.75 ? v : 0),
                new Case("HardSigmoid", new Object[0], v -> Math.max(0, Math.min(1, 0.2 * v + 0.5))),
                new Case("HardSwish", new Object[0], v -> v * Math.max(0, Math.min(1, v / 6 + 0.5))),
                new Case("Softplus", new Object[0], v -> Math.log1p(Math.exp(v))),
                new Case("Softsign", new Object[0], v -> v / (1 + Math.abs(v))),
                new Case("Mish", new Object[0], v -> v * Math.tanh(Math.log1p(Math.exp(v)))),
                new Case("Gelu", new Object[] {"approximate", "tanh"}, v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))))) {
            TinyModel m = new TinyModel(c.op().equals("Gelu") ? 20 : 18).input("x", x).node(c.op(), List.of("x"), List.of("y"), c.attrs()).output("y");
            double[] want = new double[4];
            for (int k = 0; k < 4; k++) want[k] = c.ref().applyAsDouble(x.getDouble(k));
            assertValues(want, m.run(dir).get(0), 1e-6);
        }
        TinyModel bad = new TinyModel(20).input("x", x).node("Gelu", List.of("x"), List.of("y"), "approximate", "fast").output("y");
        KilnError e = assertThrows(KilnError.class, () -> bad.run(dir));
        assertTrue(e.getMessage().contains("approximate"), e.getMessage());
    }

    @Test
    void preluAcceptsNumpyAndChannelSlopes() {
        NDArray x = f32(shape(1, 3, 2), -1, 1, -2, 2, -4, 4);
        TinyModel numpy = new TinyModel(9).input("x", x).initializer("s", f32(shape(3, 1), 0.1, 0.2, 0.3))
                .node("PRelu", List.of("x", "s"), List.of("y")).output("y");
        assertValues(new double[] {-0.1, 1, -0.4, 2, -1.2, 4}, numpy.run(dir).get(0), 1e-7);
        for (long opset : List.of(6L, 9L)) {
            TinyModel channel = new TinyModel(opset).input("x", x).initializer("s", f32(shape(3), 0.1, 0.2, 0.3))
                    .node("PRelu", List.of("x", "s"), List.of("y")).output("y");
            assertValues(new double[] {-0.1, 1, -0.4, 2, -1.2, 4}, channel.run(dir).get(0), 1e-7);
        }
    }

    // ---- logic, bits, predicates ----

    @Test
    void bitShiftDirectionsAndErrors() {
        NDArray a = ints(DType.UINT8, shape(3), 1, 16, 255), s = ints(DType.UINT8, shape(3), 3, 2, 1);
        TinyModel left = new TinyModel(11).input("a", a).input("s", s).node("BitShift", List.of("a", "s"), List.of("y"), "direction", "LEFT").output("y");
        assertArrayEquals(new long[] {8, 64, 254}, left.run(dir).get(0).toLongArray());
        TinyModel right = new TinyModel(11).input("a", a).input("s", s).node("BitShift", List.of("a", "s"), List.of("y"), "direction", "RIGHT").output("y");
        assertArrayEquals(new long[] {0, 4, 127}, right.run(dir).get(0).toLongArray());
        TinyModel bad = new TinyModel(11).input("a", a).input("s", s).node("BitShift", List.of("a", "s"), List.of("y"), "direction", "UP").output("y");
        KilnError e = assertThrows(KilnError.class, () -> bad.run(dir));
        assertTrue(e.getMessage().contains("direction"), e.getMessage());
    }

    @Test
    void isInfDetectionFlags() {
        NDArray x = f32(shape(3), Double.NEGATIVE_INFINITY, 0, Double.POSITIVE_INFINITY);
        TinyModel pos = new TinyModel(10).input("x", x).node("IsInf", List.of("x"), List.of("y"), "detect_negative", 0L).output("y");
        assertArrayEquals(new long[] {0, 0, 1}, pos.run(dir).get(0).toLongArray());
        TinyModel both = new TinyModel(10).input("x", x).node("IsInf", List.of("x"), List.of("y")).output("y");
        assertArrayEquals(new long[] {1, 0, 1}, both.run(dir).get(0).toLongArray());
    }

    @Test
    void comparisonsAndLogicChain() {
        NDArray a = f32(shape(4), 1, 2, 3, 4), b = f32(shape(), 2.5);
        TinyModel m = new TinyModel(16).input("a", a).input("b", b)
                .node("Greater", List.of("a", "b"), List.of("g"))
                .node("LessOrEqual", List.of("a", "b"), List.of("le"))
                .node("Xor", List.of("g", "le"), List.of("x"))
                .node("Not", List.of("g"), List.of("n"))
                .node("Where", List.of("g", "a", "b"), List.of("w"))
                .output("x").output("n").output("w");
        List<NDArray> out = m.run(dir);
        assertArrayEquals(new long[] {1, 1, 1, 1}, out.get(0).toLongArray());
        assertArrayEquals(new long[] {1, 1, 0, 0}, out.get(1).toLongArray());
        assertValues(new double[] {2.5, 2.5, 3, 4}, out.get(2), 0);
    }

    // ---- casts ----

    @Test
    void castUsesOnnxTypeCodes() {
        NDArray x = f32(shape(4), -1.7, 0, 0.2, 300.9);
        TinyModel toInt = new TinyModel(13).input("x", x).node("Cast", List.of("x"), List.of("y"), "to", 6L).output("y");
        NDArray y = toInt.run(dir).get(0);
        assertEquals(DType.INT32, y.dtype());
        assertArrayEquals(new long[] {-1, 0, 0, 300}, y.toLongArray());
        TinyModel toBool = new TinyModel(13).input("x", x).node("Cast", List.of("x"), List.of("y"), "to", 9L).output("y");
        assertArrayEquals(new long[] {1, 0, 1, 1}, toBool.run(dir).get(0).toLongArray());
        TinyModel like = new TinyModel(15).input("x", x).input("t", NDArray.scalarDouble(DType.FLOAT64, 0))
                .node("CastLike", List.of("x", "t"), List.of("y")).output("y");
        assertEquals(DType.FLOAT64, like.run(dir).get(0).dtype());
        TinyModel same = new TinyModel(13).input("x", x).node("Cast", List.of("x"), List.of("y"), "to", 1L).output("y");
        assertValues(x.toDoubleArray(), same.run(dir).get(0), 0);
        TinyModel str = new TinyModel(13).input("x", x).node("Cast", List.of("x"), List.of("y"), "to", 8L).output("y");
        KilnError e = assertThrows(KilnError.class, () -> str.run(dir));
        assertTrue(e.getMessage().contains("string"), e.getMessage());
    }

    @Test
    void typeErrorsNameTheNode() {
        TinyModel m = new TinyModel(13).input("a", f32(shape(2), 1, 2)).input("b", ints(DType.INT32, shape(2), 1, 2))
                .node("Add", List.of("a", "b"), List.of("y")).output("y");
        KilnError e = assertThrows(KilnError.class, () -> m.run(dir));
        assertTrue(e.getMessage().contains("Add") && e.getMessage().contains("operand types differ"), e.getMessage());
    }
}
