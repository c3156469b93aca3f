package kiln.relax.op;

import static kiln.relax.op.OpTestUtil.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

/** Indexing ops against plain Java loop references. */
class IndexOpsTest {

    private static double combine(String red, double old, double upd) {
        return switch (red) {
            case "none" -> upd;
            case "add" -> old + upd;
            case "mul" -> old * upd;
            case "max" -> Math.max(old, upd);
            case "min" -> Math.min(old, upd);
            default -> throw new AssertionError(red);
        };
    }

    @Test
    void scatterElementsCombinesDuplicatesInOrder() {
        long[] ds = {3, 4};
        NDArray data = OpTestUtil.random(1, ds);
        // Indices along axis 1 with duplicates and negative values.
        long[] is = {3, 3};
        long[] iv = {0, -1, 0, 2, 2, 2, 1, -4, 3};
        NDArray idx = NDArray.ofLongs(DType.INT64, is, iv);
        NDArray upd = OpTestUtil.random(2, is);
        for (String red : List.of("none", "add", "mul", "max", "min")) {
            NDArray got = run("scatter_elements", Attrs.of("axis", 1L, "reduction", red), data, idx, upd);
            double[] want = new double[12];
            for (int k = 0; k < 12; k++) want[k] = data.getDouble(k);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    long t = iv[i * 3 + j];
                    if (t < 0) t += 4;
                    int f = (int) (i * 4 + t);
                    want[f] = (float) combine(red, want[f], upd.getDouble(i * 3 + j));
                }
            }
            for (int k = 0; k < 12; k++) assertEquals(want[k], got.getDouble(k), 1e-6 * Math.max(1, Math.abs(want[k])), red + " element " + k);
        }
    }

    @Test
    void scatterNdWritesSlices() {
        long[] ds = {4, 2, 3};
        NDArray data = OpTestUtil.iota(DType.INT32, ds);
        NDArray idx = NDArray.ofLongs(DType.INT32, new long[] {3, 1}, new long[] {1, -1, 1});
        NDArray upd = NDArray.ofLongs(DType.INT32, new long[] {3, 2, 3}, new long[] {
            1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60, 7, 7, 7, 7, 7, 7});
        for (String red : List.of("none", "add", "mul", "max", "min")) {
            NDArray got = run("scatter_nd", Attrs.of("reduction", red), data, idx, upd);
            long[] want = new long[24];
            for (int k = 0; k < 24; k++) want[k] = data.getLong(k);
            for (int u = 0; u < 3; u++) {
                long row = idx.getLong(u);
                if (row < 0) row += 4;
                for (int r = 0; r < 6; r++) {
                    int f = (int) (row * 6 + r);
                    want[f] = (long) combine(red, want[f], upd.getLong(u * 6 + r));
                }
            }
            for (int k = 0; k < 24; k++) assertEquals(want[k], got.getLong(k), red + " element " + k);
        }
    }

    @Test
    void topkSelectsInOrderWithTiesByIndex() {
        Random rnd = new Random(5);
        long[] shape = {3, 7, 2};
        double[] v = new double[42];
        for (int k = 0; k < v.length; k++) v[k] = rnd.nextInt(5); // many ties
        NDArray x = NDArray.ofDoubles(DType.FLOAT32, shape, v);
        for (boolean largest : new boolean[] {true, false}) {
            long k = 4;
            NDArray got = run("topk_indices", Attrs.of("axis", 1L, "k", k, "largest", largest ? 1L : 0L), x);
            assertEquals(List.of(3L, 4L, 2L), got.shapeList());
            for (int a = 0; a < 3; a++) {
                for (int c = 0; c < 2; c++) {
                    final int fa = a, fc = c;
                    List<Integer> order = new ArrayList<>();
                    for (int e = 0; e < 7; e++) order.add(e);
                    order.sort((p, q) -> {
                        double vp = v[(fa * 7 + p) * 2 + fc], vq = v[(fa * 7 + q) * 2 + fc];
                        int cmp = largest ? Double.compare(vq, vp) : Double.compare(vp, vq);
                        return cmp != 0 ? cmp : Integer.compare(p, q);
                    });
                    for (int j = 0; j < k; j++) {
                        assertEquals((long) order.get(j), got.getLong((a * 4 + j) * 2 + c), "line " + a + "," + c + " pick " + j + " largest=" + largest);
                    }
                }
            }
        }
    }

    @Test
    void topkPutsNaNsLast() {
        double nan = Double.NaN;
        NDArray x = NDArray.ofDoubles(DType.FLOAT32, new long[] {6}, new double[] {nan, 2, -1, nan, 5, 2});
        NDArray hi = run("topk_indices", Attrs.of("axis", 0L, "k", 6L, "largest", 1L), x);
        NDArray lo = run("topk_indices", Attrs.of("axis", 0L, "k", 6L, "largest", 0L), x);
        long[] wantHi = {4, 1, 5, 2, 0, 3}, wantLo = {2, 1, 5, 4, 0, 3};
        for (int j = 0; j < 6; j++) {
            assertEquals(wantHi[j], hi.getLong(j), "largest pick " + j);
            assertEquals(wantLo[j], lo.getLong(j), "smallest pick " + j);
        }
    }

    @Test
    void eyeLikeOffsets() {
        NDArray x = NDArray.zeros(DType.INT32, new long[] {3, 5});
        for (long k : new long[] {-2, 0, 3}) {
            NDArray got = run("eye_like", Attrs.of("k", k, "dtype", "float32"), x);
            assertEquals(DType.FLOAT32, got.dtype());
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) assertEquals(j - i == k ? 1.0 : 0.0, got.getDouble(i * 5 + j), "k=" + k + " [" + i + "," + j + "]");
            }
        }
    }

    @Test
    void einsumContractsDiagonalsAndBroadcasts() {
        NDArray a = OpTestUtil.random(3, 2, 3, 4), b = OpTestUtil.random(4, 2, 4, 5);
        NDArray got = run("einsum", Attrs.of("equation", "bij,bjk->bik"), a, b);
        assertEquals(List.of(2L, 3L, 5L), got.shapeList());
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 5; k++) {
                    double s = 0;
                    for (int j = 0; j < 4; j++) s += a.getDouble((n * 3 + i) * 4 + j) * b.getDouble((n * 4 + j) * 5 + k);
                    assertEquals(s, got.getDouble((n * 3 + i) * 5 + k), 1e-4, "bik " + n + i + k);
                }
            }
        }
        // Implicit output: labels appearing once, alphabetically (here "ki" -> [k, i] sorted gives "ik").
        NDArray m = OpTestUtil.random(5, 4, 3), v = OpTestUtil.random(6, 4, 2);
        NDArray imp = run("einsum", Attrs.of("equation", "ji,jk"), m, v);
        assertEquals(List.of(3L, 2L), imp.shapeList());
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 2; k++) {
                double s = 0;
                for (int j = 0; j < 4; j++) s += m.getDouble(j * 3 + i) * v.getDouble(j * 2 + k);
                assertEquals(s, imp.getDouble(i * 2 + k), 1e-4);
            }
        }
        // Batch diagonal with an ellipsis that broadcasts.
        NDArray sq = OpTestUtil.random(7, 2, 1, 3, 3);
        NDArray diag = run("einsum", Attrs.of("equation", "...ii->...i"), sq);
        assertEquals(List.of(2L, 1L, 3L), diag.shapeList());
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 3; i++) assertEquals(sq.getDouble(n * 9 + i * 4), diag.getDouble(n * 3 + i), 0.0);
        }
        NDArray x = OpTestUtil.random(8, 2, 3), y = OpTestUtil.random(9, 4, 1, 3);
        NDArray bc = run("einsum", Attrs.of("equation", "...j,...j->..."), x, y);
        assertEquals(List.of(4L, 2L), bc.shapeList());
        for (int p = 0; p < 4; p++) {
            for (int q = 0; q < 2; q++) {
                double s = 0;
                for (int j = 0; j < 3; j++) s += x.getDouble(q * 3 + j) * y.getDouble(p * 3 + j);
                assertEquals(s, bc.getDouble(p * 2 + q), 1e-4);
            }
        }
        assertThrows(OpTypeError.class, () -> OpTestUtil.inferType("einsum", Attrs.of("equation", "ij,jk->ik"), a, b), "rank mismatch");
    }

    @Test
    void typeErrors() {
        Type.TensorType d = Type.TensorType.of(DType.FLOAT32, 4, 3);
        Type.TensorType i = Type.TensorType.of(DType.INT64, 2, 3);
        assertThrows(OpTypeError.class, () -> OpRegistry.get("scatter_elements").inferType(List.of(d, i, Type.TensorType.of(DType.FLOAT32, 3, 2)),
                Attrs.of("axis", 0L)), "updates shape");
        assertThrows(OpTypeError.class, () -> OpRegistry.get("scatter_elements").inferType(List.of(d, i, Type.TensorType.of(DType.FLOAT32, 2, 3)),
                Attrs.of("axis", 0L, "reduction", "avg")), "bad reduction");
        assertThrows(OpTypeError.class, () -> OpRegistry.get("scatter_nd").inferType(List.of(d, Type.TensorType.of(DType.INT64, 2, 3),
                Type.TensorType.of(DType.FLOAT32, 2)), Attrs.EMPTY), "q > rank");
        assertThrows(OpTypeError.class, () -> OpRegistry.get("topk_indices").inferType(List.of(d), Attrs.of("axis", 1L, "k", 4L)), "k too large");
        assertEquals(Arrays.asList(4L, 2L), OpRegistry.get("topk_indices").inferType(List.of(d), Attrs.of("axis", 1L, "k", 2L)).tensor().shape());
    }
}
