package kiln.relax.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Interpreter;
import kiln.relax.Type;
import kiln.schedule.Lower;
import kiln.schedule.Schedule;
import kiln.tir.DType;
import kiln.tir.Interp;
import kiln.tir.NDArray;
import kiln.tir.PrimFunc;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/** Helpers shared by the op tests: evaluation through type inference and both schedules, comparisons. */
final class OpTestSupport {
    private OpTestSupport() {}

    static NDArray f32(long[] shape, double... v) { return NDArray.ofDoubles(DType.FLOAT32, shape, v.clone()); }

    static NDArray f64(long[] shape, double... v) { return NDArray.ofDoubles(DType.FLOAT64, shape, v.clone()); }

    /** A float tensor whose values are first rounded to the dtype (NDArray keeps 16-bit formats unrounded). */
    static NDArray floats(DType t, long[] shape, double... v) {
        double[] d = new double[v.length];
        for (int k = 0; k < v.length; k++) d[k] = roundTo(t, v[k]);
        return NDArray.ofDoubles(t, shape, d);
    }

    static NDArray ints(DType t, long[] shape, long... v) { return NDArray.ofLongs(t, shape, v.clone()); }

    static NDArray bools(long[] shape, boolean... v) {
        long[] l = new long[v.length];
        for (int k = 0; k < v.length; k++) l[k] = v[k] ? 1 : 0;
        return NDArray.ofLongs(DType.BOOL, shape, l);
    }

    static long[] shape(long... s) { return s; }

    static Type.TensorType type(NDArray a) { return new Type.TensorType(a.shapeList(), a.dtype()); }

    static Type infer(String op, Attrs attrs, NDArray... args) {
        List<Type> types = new ArrayList<>();
        for (NDArray a : args) types.add(type(a));
        return OpRegistry.get(op).inferType(types, attrs);
    }

    /**
     * Infers the op's type, evaluates it with the reference interpreter (naive schedule) and checks that
     * the default schedule (elementwise stages inlined) computes the same bits.
     */
    static NDArray eval(String op, Attrs attrs, NDArray... args) {
        Type t = infer(op, attrs, args);
        NDArray out = Interpreter.evalOp(op, List.of(args), attrs, t).get(0);
        assertEquals(t.tensor().shape(), out.shapeList(), op + " result shape");
        assertEquals(t.tensor().dtype(), out.dtype(), op + " result dtype");
        NDArray fused = evalDefaultSchedule(op, attrs, t, args);
        assertEquals(out, fused, op + ": default schedule differs from the naive one");
        return out;
    }

    private static NDArray evalDefaultSchedule(String op, Attrs attrs, Type t, NDArray... args) {
        List<Tensor.Placeholder> ph = new ArrayList<>();
        for (int k = 0; k < args.length; k++) ph.add(Te.placeholder("arg" + k, args[k].dtype(), args[k].shapeList()));
        List<Tensor> outs = OpRegistry.get(op).compute(List.copyOf(ph), attrs, t);
        PrimFunc f = Lower.lower(op, ph, Schedule.defaults(outs), List.of());
        return Interp.run(f, List.of(args)).get(0);
    }

    static OpTypeError typeError(String op, Attrs attrs, NDArray... args) {
        return assertThrows(OpTypeError.class, () -> infer(op, attrs, args), op + " should reject its arguments");
    }

    static void assertMessage(OpTypeError e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    /** Rounds a double to the storage precision of a float dtype. */
    static double roundTo(DType t, double v) {
        return switch (t) {
            case FLOAT32 -> (float) v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> bfloat16(v);
            default -> v;
        };
    }

    /** Round-to-nearest-even to bfloat16 (8 mantissa bits), written out independently of the runtime's helper. */
    static double bfloat16(double v) {
        float f = (float) v;
        if (Float.isNaN(f) || Float.isInfinite(f) || f == 0) return f;
        int bits = Float.floatToRawIntBits(f);
        int lower = bits & 0xFFFF;
        int upper = bits >>> 16;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1)) upper++;
        return Float.intBitsToFloat(upper << 16);
    }

    /** Element-wise closeness: equal NaN-ness and infinities, else |a-e| <= atol + rtol*|e|. */
    static void assertClose(double[] expected, NDArray actual, double rtol, double atol, String what) {
        assertEquals(expected.length, actual.size(), what + ": element count");
        for (int k = 0; k < expected.length; k++) {
            double e = expected[k], a = actual.getDouble(k);
            String msg = what + " at element " + k + ": expected " + e + ", got " + a + " (all: " + Arrays.toString(actual.toDoubleArray()) + ")";
            if (Double.isNaN(e)) {
                assertTrue(Double.isNaN(a), msg);
            } else if (Double.isInfinite(e)) {
                assertEquals(e, a, msg);
            } else if (Math.abs(a - e) > atol + rtol * Math.abs(e)) {
                fail(msg);
            }
        }
    }

    static void assertLongs(long[] expected, NDArray actual, String what) {
        assertArrayEquals(expected, actual.toLongArray(), what + ": got " + Arrays.toString(actual.toLongArray()));
    }

    /** Row-major strides of a shape. */
    static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            s[k] = acc;
            acc *= shape[k];
        }
        return s;
    }

    /** The multi-index of flat position {@code flat} in {@code shape}. */
    static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] == 0) return idx;
            idx[k] = flat % shape[k];
            flat /= shape[k];
        }
        return idx;
    }

    /** The flat position in {@code shape} of output index {@code outIdx} broadcast numpy-style from a larger shape. */
    static int broadcastFlat(long[] outIdx, long[] shape) {
        int off = outIdx.length - shape.length;
        long flat = 0;
        long[] st = strides(shape);
        for (int k = 0; k < shape.length; k++) flat += (shape[k] == 1 ? 0 : outIdx[k + off]) * st[k];
        return (int) flat;
    }
}
