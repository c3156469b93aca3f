package kiln.relax.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
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

/** Shared helpers of the nn op tests: random data, index iteration, running ops, comparing. */
final class NnTesting {
    private NnTesting() {}

    /** A row-major array of doubles with a shape, used by the reference implementations. */
    record Arr(long[] shape, double[] data) {
        static Arr zeros(long... shape) { return new Arr(shape, new double[(int) NDArray.numel(shape)]); }

        static Arr of(NDArray a) { return new Arr(a.shape(), a.toDoubleArray()); }

        int offset(long... idx) {
            if (idx.length != shape.length) throw new IllegalArgumentException("index rank " + idx.length + " vs " + shape.length);
            long off = 0;
            for (int d = 0; d < shape.length; d++) {
                if (idx[d] < 0 || idx[d] >= shape[d]) throw new IndexOutOfBoundsException(Arrays.toString(idx) + " in " + Arrays.toString(shape));
                off = off * shape[d] + idx[d];
            }
            return (int) off;
        }

        double get(long... idx) { return data[offset(idx)]; }

        void set(double v, long... idx) { data[offset(idx)] = v; }

        void add(double v, long... idx) { data[offset(idx)] += v; }
    }

    static NDArray random(Random r, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    static NDArray positive(Random r, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = 0.5 + r.nextDouble();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    /** Calls f with every index of {@code shape} in row-major order (the array passed is reused). */
    static void forEach(long[] shape, Consumer<long[]> f) {
        for (long s : shape) if (s == 0) return;
        long[] idx = new long[shape.length];
        while (true) {
            f.accept(idx);
            int d = shape.length - 1;
            while (d >= 0 && ++idx[d] == shape[d]) idx[d--] = 0;
            if (d < 0) return;
        }
    }

    static long[] concat(long[] a, long... b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Type infer(String op, List<NDArray> args, Attrs attrs) {
        List<Type> types = new ArrayList<>();
        for (NDArray a : args) types.add(new Type.TensorType(a.shapeList(), a.dtype()));
        return OpRegistry.get(op).inferType(types, attrs);
    }

    /** Infers the op's type, then evaluates it with the reference interpreter (naive schedule). */
    static NDArray eval(String op, Attrs attrs, NDArray... args) {
        List<NDArray> list = List.of(args);
        return Interpreter.evalOp(op, list, attrs, infer(op, list, attrs)).get(0);
    }

    /**
     * Evaluates the op lowered with the default schedule (injective stages inlined), checking that no
     * scratch buffer is left for a stage whose name contains {@code inlinedStage}.
     */
    static NDArray evalDefault(String op, Attrs attrs, String inlinedStage, NDArray... args) {
        List<NDArray> list = List.of(args);
        Type out = infer(op, list, attrs);
        List<Tensor.Placeholder> ph = new ArrayList<>();
        for (int k = 0; k < args.length; k++) ph.add(Te.placeholder("arg" + k, args[k].dtype(), args[k].shapeList()));
        List<Tensor> outs = OpRegistry.get(op).compute(List.copyOf(ph), attrs, out);
        PrimFunc f = Lower.lower(op, ph, Schedule.defaults(outs), List.of());
        if (inlinedStage != null) {
            f.scratch().forEach(b -> assertTrue(!b.name().contains(inlinedStage), "stage " + b.name() + " should be inlined"));
        }
        return Interp.run(f, list).get(0);
    }

    static void assertClose(Arr expected, NDArray actual, double tol) {
        assertEquals(Arrays.stream(expected.shape()).boxed().toList(), actual.shapeList(), "shape");
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double e = expected.data()[i];
            if (Double.isNaN(e) != Double.isNaN(a[i]) || Math.abs(e - a[i]) > tol * (1 + Math.abs(e))) {
                fail("element " + i + ": expected " + e + " but got " + a[i]);
            }
        }
    }
}
