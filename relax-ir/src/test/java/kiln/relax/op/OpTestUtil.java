package kiln.relax.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import kiln.relax.Attrs;
import kiln.relax.Interpreter;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;

/** Small helpers for op tests: building arrays, running one op, walking multi-indices. */
final class OpTestUtil {
    private OpTestUtil() {}

    static NDArray iota(DType t, long... shape) {
        int n = (int) NDArray.numel(shape);
        if (t.isFloat()) {
            double[] d = new double[n];
            for (int k = 0; k < n; k++) d[k] = k;
            return NDArray.ofDoubles(t, shape, d);
        }
        long[] l = new long[n];
        for (int k = 0; k < n; k++) l[k] = k;
        return NDArray.ofLongs(t, shape, l);
    }

    static NDArray random(long seed, long... shape) {
        Random r = new Random(seed);
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < d.length; k++) d[k] = Math.round(r.nextGaussian() * 1000) / 100.0;
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    static NDArray longs(DType t, long[] shape, long... v) {
        return NDArray.ofLongs(t, shape, v.clone());
    }

    static NDArray floats(long[] shape, double... v) {
        return NDArray.ofDoubles(DType.FLOAT32, shape, v.clone());
    }

    static long[] shape(long... s) { return s; }

    static Type.TensorType inferType(String op, Attrs at, NDArray... args) {
        List<Type> types = new ArrayList<>();
        for (NDArray a : args) types.add(new Type.TensorType(a.shapeList(), a.dtype()));
        return OpRegistry.get(op).inferType(types, at).tensor();
    }

    /** Infers the type, then evaluates the op with the reference interpreter. */
    static NDArray run(String op, Attrs at, NDArray... args) {
        Type.TensorType t = inferType(op, at, args);
        NDArray out = Interpreter.evalOp(op, List.of(args), at, t).get(0);
        assertEquals(t.shape(), out.shapeList(), "interpreter output shape");
        return out;
    }

    static int flat(long[] idx, long[] shape) {
        long f = 0;
        for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
        return (int) f;
    }

    /** Calls f for every multi-index of shape in row-major order (the array is reused). */
    static void forEach(long[] shape, Consumer<long[]> f) {
        long n = NDArray.numel(shape);
        long[] idx = new long[shape.length];
        for (long k = 0; k < n; k++) {
            f.accept(idx);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }

    static void assertSame(NDArray expected, NDArray actual) {
        assertEquals(expected.dtype(), actual.dtype(), "dtype");
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        if (expected.dtype().isFloat()) {
            assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0, "values of " + Arrays.toString(expected.shape()));
        } else {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray(), "values");
        }
    }
}
