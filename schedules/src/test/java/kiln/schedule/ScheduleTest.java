package kiln.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Interp;
import kiln.tir.NDArray;
import kiln.tir.PrimFunc;
import kiln.tir.TirPrinter;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    /** y = relu(sum_k x[i,k] * w[k,j] + b[j]) with a padded-read stage, as three computes. */
    private static List<Tensor> denseBiasRelu(Tensor.Placeholder x, Tensor.Placeholder w, Tensor.Placeholder b) {
        Tensor padded = Te.compute("padded", List.of(3L, 6L), Pattern.INJECTIVE,
                i -> E.select(E.lt(i.get(1), E.i64(5)), x.at(i.get(0), E.min(i.get(1), E.i64(4))), E.f32(0)));
        Tensor mm = Te.reduce("mm", List.of(3L, 4L), Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, List.of(6L),
                (i, r) -> E.mul(padded.at(i.get(0), r.get(0)), E.select(E.lt(r.get(0), E.i64(5)), w.at(E.min(r.get(0), E.i64(4)), i.get(1)), E.f32(0))));
        Tensor out = Te.compute("out", List.of(3L, 4L), Pattern.ELEMWISE, i -> E.max(E.add(mm.at(i), b.at(i.get(1))), E.f32(0)));
        return List.of(out);
    }

    private static NDArray random(Random r, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < d.length; k++) d[k] = r.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    @Test
    void defaultScheduleMatchesNaiveLoweringAndFusesEpilogue() {
        var x = Te.placeholder("x", DType.FLOAT32, List.of(3L, 5L));
        var w = Te.placeholder("w", DType.FLOAT32, List.of(5L, 4L));
        var b = Te.placeholder("b", DType.FLOAT32, List.of(4L));
        List<Tensor> outs = denseBiasRelu(x, w, b);
        PrimFunc naive = Lower.lower("k", List.of(x, w, b), Schedule.naive(outs), List.of());
        Schedule sched = Schedule.defaults(outs);
        PrimFunc tuned = Lower.lower("k", List.of(x, w, b), sched, List.of());
        assertEquals(List.of("compute_inline(padded)", "compute_at(mm, out)"), sched.trace());
        assertEquals(2, naive.scratch().size(), "naive materializes both intermediates");
        assertTrue(tuned.scratch().isEmpty(), "default schedule needs no scratch:\n" + TirPrinter.print(tuned));
        Random r = new Random(5);
        List<NDArray> in = List.of(random(r, 3, 5), random(r, 5, 4), random(r, 4));
        assertArrayEquals(Interp.run(naive, in).get(0).toDoubleArray(), Interp.run(tuned, in).get(0).toDoubleArray());
    }

    @Test
    void primitivesCheckTheirPreconditions() {
        var x = Te.placeholder("x", DType.FLOAT32, List.of(3L, 5L));
        var w = Te.placeholder("w", DType.FLOAT32, List.of(5L, 4L));
        var b = Te.placeholder("b", DType.FLOAT32, List.of(4L));
        List<Tensor> outs = denseBiasRelu(x, w, b);
        Tensor out = outs.get(0);
        Tensor mm = out.inputs().get(0);
        Schedule s = Schedule.naive(outs);
        ScheduleError e1 = assertThrows(ScheduleError.class, () -> s.computeInline(mm));
        assertEquals("compute_inline on stage 'mm': a reduction cannot be inlined", e1.getMessage());
        ScheduleError e2 = assertThrows(ScheduleError.class, () -> s.computeInline(out));
        assertEquals("compute_inline on stage 'out': a kernel output cannot be inlined", e2.getMessage());
        ScheduleError e3 = assertThrows(ScheduleError.class, () -> s.computeAt(out, mm));
        assertEquals("compute_at on stage 'out': only reductions can be attached to a consumer", e3.getMessage());
    }

    @Test
    void computeAtRefusesTransposedRead() {
        var x = Te.placeholder("x", DType.FLOAT32, List.of(4L, 4L, 3L));
        Tensor sum = Te.reduce("sum", List.of(4L, 4L), Pattern.REDUCTION, Tensor.Combiner.SUM, List.of(3L),
                (i, r) -> x.at(i.get(0), i.get(1), r.get(0)));
        Tensor tr = Te.compute("tr", List.of(4L, 4L), Pattern.INJECTIVE, i -> sum.at(i.get(1), i.get(0)));
        Schedule s = Schedule.defaults(List.of(tr));
        assertEquals(List.of(), s.trace(), "a transposed read keeps the reduction materialized");
        ScheduleError e = assertThrows(ScheduleError.class, () -> s.computeAt(sum, tr));
        assertEquals("compute_at on stage 'sum': tr reads it at other indices than its own", e.getMessage());
        Random r = new Random(9);
        NDArray in = random(r, 4, 4, 3);
        PrimFunc f = Lower.lower("k", List.of(x), s, List.of());
        NDArray got = Interp.run(f, List.of(in)).get(0);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                float want = 0;
                for (int k = 0; k < 3; k++) want += (float) in.getDouble((j * 4 + i) * 3 + k);
                assertEquals(want, got.getDouble(i * 4 + j), 1e-6);
            }
        }
    }
}
