package kiln.relax.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.relax.Verifier;
import kiln.tir.DType;
import kiln.tir.NDArray;

/** Helpers shared by the pass tests: constants, calls, and a numeric check of a pass. */
final class PassTesting {
    private PassTesting() {}

    static NDArray random(long seed, long... shape) {
        Random r = new Random(seed);
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    static Expr.Constant constant(String name, long seed, long... shape) {
        return new Expr.Constant(random(seed, shape), name);
    }

    static Expr call(BlockBuilder bb, String op, String name, Attrs attrs, Expr... args) {
        return bb.call(op, List.of(args), attrs, name, List.of(name + "_node"));
    }

    static Expr call(BlockBuilder bb, String op, String name, Expr... args) {
        return call(bb, op, name, Attrs.EMPTY, args);
    }

    /** Runs {@code pass} with the verifier before and after, and checks the outputs are unchanged (rtol 1e-4). */
    static IRModule runChecked(Pass pass, IRModule in, List<NDArray> inputs) {
        Verifier.verify(in);
        IRModule out = pass.apply(in);
        Verifier.verify(out);
        List<NDArray> want = Interpreter.run(in, inputs);
        List<NDArray> got = Interpreter.run(out, inputs);
        assertEquals(want.size(), got.size());
        for (int k = 0; k < want.size(); k++) {
            double[] w = want.get(k).toDoubleArray(), g = got.get(k).toDoubleArray();
            assertEquals(w.length, g.length);
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], g[i], 1e-5 + 1e-4 * Math.abs(w[i]), "output " + k + " element " + i);
            }
        }
        return out;
    }
}
