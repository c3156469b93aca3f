package kiln.relax.op;

import static kiln.relax.op.OpTestUtil.assertSame;
import static kiln.relax.op.OpTestUtil.flat;
import static kiln.relax.op.OpTestUtil.forEach;
import static kiln.relax.op.OpTestUtil.iota;
import static kiln.relax.op.OpTestUtil.longs;
import static kiln.relax.op.OpTestUtil.random;
import static kiln.relax.op.OpTestUtil.run;
import static kiln.relax.op.OpTestUtil.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.schedule.Lower;
import kiln.schedule.Schedule;
import kiln.tir.DType;
import kiln.tir.Interp;
import kiln.tir.NDArray;
import kiln.tir.PrimFunc;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;
import org.junit.jupiter.api.Test;

class TransformOpsTest {

    // ------------------------------------------------------------ transpose

    @Test
    void transposeMatchesLoops() {
        NDArray a = random(1, 2, 3, 4);
        NDArray out = run("transpose", Attrs.of("axes", List.of(2L, 0L, 1L)), a);
        assertArrayEquals(shape(4, 2, 3), out.shape());
        forEach(shape(2, 3, 4), i -> assertEquals(a.getDouble(flat(i, shape(2, 3, 4))),
                out.getDouble(flat(new long[] {i[2], i[0], i[1]}, shape(4, 2, 3)))));
    }

    @Test
    void transposeDefaultsToReversedAxesAndAcceptsNegativeAxes() {
        NDArray a = iota(DType.INT64, 2, 3, 4);
        NDArray rev = run("transpose", Attrs.EMPTY, a);
        NDArray neg = run("transpose", Attrs.of("axes", List.of(-1L, -2L, -3L)), a);
        assertSame(rev, neg);
        forEach(shape(2, 3, 4), i -> assertEquals(a.getLong(flat(i, shape(2, 3, 4))),
                rev.getLong(flat(new long[] {i[2], i[1], i[0]}, shape(4, 3, 2)))));
    }

    @Test
    void transposeRejectsNonPermutations() {
        NDArray a = iota(DType.FLOAT32, 2, 3);
        OpTypeError e = assertThrows(OpTypeError.class, () -> run("transpose", Attrs.of("axes", List.of(0L, 0L)), a));
        assertTrue(e.getMessage().contains("permutation"), e.getMessage());
        assertThrows(OpTypeError.class, () -> run("transpose", Attrs.of("axes", List.of(0L)), a));
    }

    // ------------------------------------------------------------ concat

    @Test
    void concatAlongMiddleAxisMatchesLoops() {
        NDArray a = random(2, 2, 3, 4), b = random(3, 2, 1, 4), c = random(4, 2, 2, 4);
        NDArray empty = NDArray.zeros(DType.FLOAT32, shape(2, 0, 4));
        for (long axis : new long[] {1, -2}) {
            NDArray out = run("concat", Attrs.of("axis", axis), a, empty, b, c);
            assertArrayEquals(shape(2, 6, 4), out.shape());
            forEach(shape(2, 6, 4), i -> {
                double expect;
                if (i[1] < 3) expect = a.getDouble(flat(i, shape(2, 3, 4)));
                else if (i[1] < 4) expect = b.getDouble(flat(new long[] {i[0], 0, i[2]}, shape(2, 1, 4)));
                else expect = c.getDouble(flat(new long[] {i[0], i[1] - 4, i[2]}, shape(2, 2, 4)));
                assertEquals(expect, out.getDouble(flat(i, shape(2, 6, 4))));
            });
        }
    }

    @Test
    void concatChecksShapesAndTypes() {
        NDArray a = iota(DType.FLOAT32, 2, 3), b = iota(DType.FLOAT32, 3, 3), c = iota(DType.INT64, 2, 3);
        OpTypeError e = assertThrows(OpTypeError.class, () -> run("concat", Attrs.of("axis", 1L), a, b));
        assertTrue(e.getMessage().contains("dimension 0"), e.getMessage());
        assertThrows(OpTypeError.class, () -> run("concat", Attrs.of("axis", 0L), a, c));
        assertThrows(OpTypeError.class, () -> run("concat", Attrs.of("axis", 2L), a, a));
        assertSame(a, run("concat", Attrs.of("axis", 0L), a));
    }

    // ------------------------------------------------------------ strided_slice

    /** ONNX Slice for one axis, written as the spec describes it: the list of source indices. */
    private static long[] sliceIndices(long dim, long start, long end, long step) {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        java.util.List<Long> out = new java.util.ArrayList<>();
        if (step > 0) {
            start = Math.max(0, Math.min(start, dim));
            end = Math.max(0, Math.min(end, dim));
            for (long i = start; i < end; i += step) out.add(i);
        } else {
            start = Math.max(0, Math.min(start, dim - 1));
            end = Math.max(-1, Math.min(end, dim - 1));
            for (long i = start; i > end; i += step) out.add(i);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static void checkSlice(NDArray a, long[] begin, long[] end, long[] steps, long[] axes) {
        long[] in = a.shape();
        long[][] src = new long[in.length][];
        for (int d = 0; d < in.length; d++) src[d] = sliceIndices(in[d], 0, Long.MAX_VALUE, 1);
        for (int k = 0; k < begin.length; k++) {
            int d = (int) (axes[k] < 0 ? axes[k] + in.length : axes[k]);
            src[d] = sliceIndices(in[d], begin[k], end[k], steps[k]);
        }
        long[] outShape = new long[in.length];
        for (int d = 0; d < in.length; d++) outShape[d] = src[d].length;
        Attrs at = Attrs.of("begin", begin, "end", end, "strides", steps, "axes", axes);
        NDArray out = run("strided_slice", at, a);
        assertArrayEquals(outShape, out.shape());
        forEach(outShape, i -> {
            long[] s = new long[in.length];
            for (int d = 0; d < in.length; d++) s[d] = src[d][(int) i[d]];
            assertEquals(a.getDouble(flat(s, in)), out.getDouble(flat(i, outShape)));
        });
    }

    @Test
    void stridedSliceWithClampingNegativeStepsAndAxes() {
        NDArray a = random(5, 4, 5, 6);
        checkSlice(a, new long[] {1, 0}, new long[] {3, Long.MAX_VALUE}, new long[] {1, 2}, new long[] {0, 2});
        checkSlice(a, new long[] {-1}, new long[] {Long.MIN_VALUE}, new long[] {-1}, new long[] {1});
        checkSlice(a, new long[] {10, -2}, new long[] {-10, 0}, new long[] {-2, -1}, new long[] {-1, 0});
        checkSlice(a, new long[] {2, -100, 3}, new long[] {2, 100, 1}, new long[] {1, 3, -1}, new long[] {0, 1, 2});
        checkSlice(a, new long[] {-3}, new long[] {-1}, new long[] {1}, new long[] {-2});
    }

    @Test
    void stridedSliceReversesAVector() {
        NDArray v = iota(DType.INT64, 5);
        NDArray out = run("strided_slice", Attrs.of("begin", List.of(-1L), "end", List.of(Long.MIN_VALUE), "strides", List.of(-1L)), v);
        assertArrayEquals(new long[] {4, 3, 2, 1, 0}, out.toLongArray());
        NDArray every2 = run("strided_slice", Attrs.of("begin", List.of(4L), "end", List.of(0L), "strides", List.of(-2L)), v);
        assertArrayEquals(new long[] {4, 2}, every2.toLongArray());
        NDArray none = run("strided_slice", Attrs.of("begin", List.of(3L), "end", List.of(1L)), v);
        assertArrayEquals(shape(0), none.shape());
    }

    @Test
    void stridedSliceRejectsZeroStepAndRepeatedAxes() {
        NDArray v = iota(DType.INT64, 5, 2);
        assertThrows(OpTypeError.class, () -> run("strided_slice", Attrs.of("begin", List.of(0L), "end", List.of(2L), "strides", List.of(0L)), v));
        assertThrows(OpTypeError.class, () -> run("strided_slice",
                Attrs.of("begin", List.of(0L, 0L), "end", List.of(2L, 2L), "axes", List.of(0L, -2L)), v));
    }

    // ------------------------------------------------------------ gathers

    @Test
    void takeWithNegativeInt32IndicesAlongMiddleAxis() {
        NDArray data = random(6, 2, 5, 3);
        NDArray idx = longs(DType.INT32, shape(2, 2), 0, -1, 3, -5);
        NDArray out = run("take", Attrs.of("axis", 1L), data, idx);
        long[] os = shape(2, 2, 2, 3);
        assertArrayEquals(os, out.shape());
        forEach(os, i -> {
            long j = idx.getLong(flat(new long[] {i[1], i[2]}, shape(2, 2)));
            if (j < 0) j += 5;
            assertEquals(data.getDouble(flat(new long[] {i[0], j, i[3]}, shape(2, 5, 3))), out.getDouble(flat(i, os)));
        });
    }

    @Test
    void takeWithScalarIndexDropsTheAxis() {
        NDArray data = iota(DType.INT64, 3, 4);
        NDArray out = run("take", Attrs.of("axis", 0L), data, NDArray.scalarLong(DType.INT64, -2));
        assertArrayEquals(shape(4), out.shape());
        assertArrayEquals(new long[] {4, 5, 6, 7}, out.toLongArray());
        NDArray col = run("take", Attrs.of("axis", -1L), data, longs(DType.INT64, shape(1), 3));
        assertArrayEquals(new long[] {3, 7, 11}, col.toLongArray());
    }

    @Test
    void takeClampsOutOfRangeIndices() {
        NDArray data = iota(DType.INT64, 4);
        NDArray out = run("take", Attrs.of("axis", 0L), data, longs(DType.INT64, shape(3), 7, -9, 2));
        assertArrayEquals(new long[] {3, 0, 2}, out.toLongArray());
        assertThrows(OpTypeError.class, () -> run("take", Attrs.of("axis", 0L), data, NDArray.scalarDouble(DType.FLOAT32, 1)));
    }

    @Test
    void gatherElementsBothAxesWithNegativeIndices() {
        NDArray data = random(7, 3, 4);
        NDArray idx = longs(DType.INT64, shape(2, 4), 0, -1, 2, 1, -3, 1, 0, 2);
        NDArray out0 = run("gather_elements", Attrs.of("axis", 0L), data, idx);
        forEach(shape(2, 4), i -> {
            long j = idx.getLong(flat(i, shape(2, 4)));
            if (j < 0) j += 3;
            assertEquals(data.getDouble(flat(new long[] {j, i[1]}, shape(3, 4))), out0.getDouble(flat(i, shape(2, 4))));
        });
        NDArray idx1 = longs(DType.INT32, shape(3, 2), 3, -4, 0, 0, -1, 2);
        NDArray out1 = run("gather_elements", Attrs.of("axis", -1L), data, idx1);
        forEach(shape(3, 2), i -> {
            long j = idx1.getLong(flat(i, shape(3, 2)));
            if (j < 0) j += 4;
            assertEquals(data.getDouble(flat(new long[] {i[0], j}, shape(3, 4))), out1.getDouble(flat(i, shape(3, 2))));
        });
    }

    @Test
    void gatherNdWithAndWithoutBatchDims() {
        NDArray data = iota(DType.INT64, 2, 3, 4);
        // No batch dims, indices address the first two dims: out[k, :] = data[i0, i1, :].
        NDArray idx = longs(DType.INT64, shape(3, 2), 0, 1, 1, -1, -2, 0);
        NDArray out = run("gather_nd", Attrs.EMPTY, data, idx);
        assertArrayEquals(shape(3, 4), out.shape());
        for (int k = 0; k < 3; k++) {
            long i0 = idx.getLong(2 * k), i1 = idx.getLong(2 * k + 1);
            if (i0 < 0) i0 += 2;
            if (i1 < 0) i1 += 3;
            for (int c = 0; c < 4; c++) assertEquals(data.getLong(flat(new long[] {i0, i1, c}, shape(2, 3, 4))), out.getLong(k * 4 + c));
        }
        // One batch dim: out[b, k] = data[b, idx[b, k, 0], idx[b, k, 1]].
        NDArray bidx = longs(DType.INT32, shape(2, 2, 2), 0, 0, 2, 3, 1, -1, 0, 2);
        NDArray bout = run("gather_nd", Attrs.of("batch_dims", 1L), data, bidx);
        assertArrayEquals(shape(2, 2), bout.shape());
        for (int b = 0; b < 2; b++) {
            for (int k = 0; k < 2; k++) {
                long i1 = bidx.getLong(flat(new long[] {b, k, 0}, shape(2, 2, 2))), i2 = bidx.getLong(flat(new long[] {b, k, 1}, shape(2, 2, 2)));
                if (i2 < 0) i2 += 4;
                assertEquals(data.getLong(flat(new long[] {b, i1, i2}, shape(2, 3, 4))), bout.getLong(b * 2 + k));
            }
        }
        assertThrows(OpTypeError.class, () -> run("gather_nd", Attrs.EMPTY, data, longs(DType.INT64, shape(1, 4), 0, 0, 0, 0)));
    }

    // ------------------------------------------------------------ pad

    /** numpy.pad semantics per index, computed by repeated reflection or clamping rather than modular arithmetic. */
    private static long padSource(String mode, long i, long n) {
        switch (mode) {
            case "edge":
                return Math.max(0, Math.min(n - 1, i));
            case "wrap":
                while (i < 0) i += n;
                while (i >= n) i -= n;
                return i;
            case "reflect":
                if (n == 1) return 0;
                while (i < 0 || i >= n) {
                    if (i < 0) i = -i;
                    if (i >= n) i = 2 * (n - 1) - i;
                }
                return i;
            default:
                return i >= 0 && i < n ? i : -1;
        }
    }

    @Test
    void padModesMatchNumpySemantics() {
        NDArray a = random(8, 3, 4);
        long[] before = {2, 5}, after = {4, -1};
        for (String mode : List.of("constant", "reflect", "edge", "wrap")) {
            NDArray out = run("pad", Attrs.of("pad_before", before, "pad_after", after, "mode", mode, "value", 1.5), a);
            long[] os = shape(3 + 2 + 4, 4 + 5 - 1);
            assertArrayEquals(os, out.shape(), mode);
            forEach(os, i -> {
                long r = padSource(mode, i[0] - before[0], 3), c = padSource(mode, i[1] - before[1], 4);
                double expect = r < 0 || c < 0 ? 1.5 : a.getDouble((int) (r * 4 + c));
                assertEquals(expect, out.getDouble(flat(i, os)), mode + " at " + java.util.Arrays.toString(i));
            });
        }
    }

    @Test
    void padReflectOneDimensionalExample() {
        NDArray v = iota(DType.INT64, 4);
        NDArray out = run("pad", Attrs.of("pad_before", List.of(2L), "pad_after", List.of(3L), "mode", "reflect"), v);
        assertArrayEquals(new long[] {2, 1, 0, 1, 2, 3, 2, 1, 0}, out.toLongArray());
        NDArray edge = run("pad", Attrs.of("pad_before", List.of(1L), "pad_after", List.of(2L), "mode", "edge"), v);
        assertArrayEquals(new long[] {0, 0, 1, 2, 3, 3, 3}, edge.toLongArray());
        NDArray crop = run("pad", Attrs.of("pad_before", List.of(-1L), "pad_after", List.of(1L), "value", 9.0), v);
        assertArrayEquals(new long[] {1, 2, 3, 9}, crop.toLongArray());
        assertThrows(OpTypeError.class, () -> run("pad", Attrs.of("pad_before", List.of(-3L), "pad_after", List.of(-2L)), v));
        assertThrows(OpTypeError.class, () -> run("pad", Attrs.of("pad_before", List.of(1L), "pad_after", List.of(1L), "mode", "mirror"), v));
    }

    // ------------------------------------------------------------ broadcast_to, tile

    @Test
    void broadcastToIsTheBroadcastOfBothShapes() {
        NDArray a = random(9, 3, 1);
        NDArray out = run("broadcast_to", Attrs.of("shape", List.of(2L, 1L, 4L)), a);
        assertArrayEquals(shape(2, 3, 4), out.shape());
        forEach(shape(2, 3, 4), i -> assertEquals(a.getDouble((int) i[1]), out.getDouble(flat(i, shape(2, 3, 4)))));
        assertThrows(OpTypeError.class, () -> run("broadcast_to", Attrs.of("shape", List.of(2L, 4L)), a));
    }

    @Test
    void tileRepeatsEachDimension() {
        NDArray a = iota(DType.INT32, 2, 3);
        NDArray out = run("tile", Attrs.of("repeats", List.of(2L, 3L)), a);
        assertArrayEquals(shape(4, 9), out.shape());
        forEach(shape(4, 9), i -> assertEquals(a.getLong((int) ((i[0] % 2) * 3 + i[1] % 3)), out.getLong(flat(i, shape(4, 9)))));
        assertArrayEquals(shape(0, 3), run("tile", Attrs.of("repeats", List.of(0L, 1L)), a).shape());
    }

    // ------------------------------------------------------------ depth_to_space, space_to_depth

    @Test
    void depthToSpaceFollowsTheSpecReshapeTranspose() {
        long n = 2, c = 8, h = 2, w = 3, b = 2;
        NDArray x = random(10, n, c, h, w);
        long cc = c / (b * b);
        NDArray dcr = run("depth_to_space", Attrs.of("block_size", b, "mode", "DCR"), x);
        NDArray crd = run("depth_to_space", Attrs.of("block_size", b, "mode", "CRD"), x);
        long[] os = shape(n, cc, h * b, w * b);
        assertArrayEquals(os, dcr.shape());
        // DCR: reshape to [n, b, b, cc, h, w], transpose to [n, cc, h, b, w, b], reshape.
        forEach(shape(n, b, b, cc, h, w), t -> {
            double v = x.getDouble(flat(new long[] {t[0], (t[1] * b + t[2]) * cc + t[3], t[4], t[5]}, shape(n, c, h, w)));
            assertEquals(v, dcr.getDouble(flat(new long[] {t[0], t[3], t[4] * b + t[1], t[5] * b + t[2]}, os)));
        });
        // CRD: reshape to [n, cc, b, b, h, w], transpose to [n, cc, h, b, w, b], reshape.
        forEach(shape(n, cc, b, b, h, w), t -> {
            double v = x.getDouble(flat(new long[] {t[0], (t[1] * b + t[2]) * b + t[3], t[4], t[5]}, shape(n, c, h, w)));
            assertEquals(v, crd.getDouble(flat(new long[] {t[0], t[1], t[4] * b + t[2], t[5] * b + t[3]}, os)));
        });
    }

    @Test
    void spaceToDepthInvertsDepthToSpaceDcr() {
        NDArray x = random(11, 1, 3, 4, 6);
        NDArray s2d = run("space_to_depth", Attrs.of("block_size", 2L), x);
        assertArrayEquals(shape(1, 12, 2, 3), s2d.shape());
        // Spec: reshape to [n, c, h/b, b, w/b, b], transpose to [n, b, b, c, h/b, w/b].
        forEach(shape(1, 3, 2, 2, 3, 2), t -> {
            double v = x.getDouble(flat(new long[] {t[0], t[1], t[2] * 2 + t[3], t[4] * 2 + t[5]}, shape(1, 3, 4, 6)));
            assertEquals(v, s2d.getDouble(flat(new long[] {t[0], (t[3] * 2 + t[5]) * 3 + t[1], t[2], t[4]}, shape(1, 12, 2, 3))));
        });
        assertSame(x, run("depth_to_space", Attrs.of("block_size", 2L, "mode", "DCR"), s2d));
        assertThrows(OpTypeError.class, () -> run("space_to_depth", Attrs.of("block_size", 4L), x));
        assertThrows(OpTypeError.class, () -> run("depth_to_space", Attrs.of("block_size", 2L), x));
    }

    // ------------------------------------------------------------ one_hot, trilu, range

    @Test
    void oneHotWithNegativeAndOutOfRangeIndices() {
        NDArray idx = longs(DType.INT64, shape(2, 2), 0, -1, 2, 5);
        NDArray values = OpTestUtil.floats(shape(2), -1, 7);
        for (long axis : new long[] {-1, 0, 1}) {
            NDArray out = run("one_hot", Attrs.of("depth", 3L, "axis", axis), idx, values);
            int ax = (int) (axis < 0 ? axis + 3 : axis);
            long[] os = new long[3];
            for (int d = 0, s = 0; d < 3; d++) os[d] = d == ax ? 3 : 2;
            assertArrayEquals(os, out.shape());
            forEach(os, i -> {
                long[] rest = new long[2];
                for (int d = 0, k = 0; d < 3; d++) if (d != ax) rest[k++] = i[d];
                long j = idx.getLong(flat(rest, shape(2, 2)));
                long hot = j < 0 ? j + 3 : j;
                assertEquals(hot == i[ax] ? 7.0 : -1.0, out.getDouble(flat(i, os)));
            });
        }
        NDArray fidx = OpTestUtil.floats(shape(2), 1.7, -0.5);
        NDArray fout = run("one_hot", Attrs.of("depth", 2L, "axis", -1L), fidx, values);
        assertArrayEquals(new double[] {-1, 7, 7, -1}, fout.toDoubleArray());
    }

    @Test
    void triluKeepsTheRequestedTriangle() {
        NDArray a = random(12, 2, 3, 4);
        for (long upper : new long[] {0, 1}) {
            for (long k : new long[] {-1, 0, 2}) {
                NDArray out = run("trilu", Attrs.of("upper", upper, "k", k), a);
                forEach(shape(2, 3, 4), i -> {
                    boolean keep = upper == 1 ? i[2] - i[1] >= k : i[2] - i[1] <= k;
                    double v = a.getDouble(flat(i, shape(2, 3, 4)));
                    assertEquals(keep ? v : 0.0, out.getDouble(flat(i, shape(2, 3, 4))), "upper=" + upper + " k=" + k);
                });
            }
        }
        assertThrows(OpTypeError.class, () -> run("trilu", Attrs.EMPTY, iota(DType.FLOAT32, 3)));
    }

    @Test
    void rangeIntegerAndFloat() {
        NDArray r = run("range", Attrs.of("dtype", "int64", "start", 10L, "limit", 1L, "delta", -3L));
        assertArrayEquals(new long[] {10, 7, 4}, r.toLongArray());
        NDArray e = run("range", Attrs.of("dtype", "int32", "start", 1L, "limit", 1L, "delta", 2L));
        assertArrayEquals(shape(0), e.shape());
        NDArray f = run("range", Attrs.of("dtype", "float32", "start", 0.5, "limit", 2.0, "delta", 0.5));
        assertArrayEquals(new double[] {0.5, 1.0, 1.5}, f.toDoubleArray());
        NDArray g = run("range", Attrs.of("dtype", "float64", "start", 1.0, "limit", 2.05, "delta", 0.25));
        assertEquals(5, g.size());
        for (int k = 0; k < 5; k++) assertEquals(1.0 + k * 0.25, g.getDouble(k), 1e-12);
        assertThrows(OpTypeError.class, () -> run("range", Attrs.of("dtype", "int64", "start", 0L, "limit", 4L, "delta", 0L)));
    }

    // ------------------------------------------------------------ folding and default schedules

    @Test
    void builderFoldsConstantShapeArithmetic() {
        BlockBuilder bb = new BlockBuilder();
        Expr shape = new Expr.Constant(NDArray.vectorLong(2, 3, 4), "shape");
        Expr idx = new Expr.Constant(NDArray.vectorLong(-1, 0), "idx");
        Expr g = bb.call("take", List.of(shape, idx), Attrs.of("axis", 0L), "g", List.of("n"));
        Expr c = bb.call("concat", List.of(g, new Expr.Constant(NDArray.vectorLong(5), "k")), Attrs.of("axis", 0L), "c", List.of("n"));
        Expr.Constant folded = assertInstanceOf(Expr.Constant.class, c);
        assertArrayEquals(new long[] {4, 2, 5}, folded.value().toLongArray());
        Expr rng = bb.call("range", List.of(), Attrs.of("dtype", "int64", "start", 0L, "limit", 3L, "delta", 1L), "r", List.of("n"));
        assertArrayEquals(new long[] {0, 1, 2}, assertInstanceOf(Expr.Constant.class, rng).value().toLongArray());
    }

    /** Runs the op lowered with the default schedule (injective stages inlined) and compares with the naive lowering. */
    static void checkDefaultSchedule(String op, Attrs at, NDArray... args) {
        Type.TensorType t = OpTestUtil.inferType(op, at, args);
        List<Tensor.Placeholder> ph = new java.util.ArrayList<>();
        for (int k = 0; k < args.length; k++) ph.add(Te.placeholder("arg" + k, args[k].dtype(), args[k].shapeList()));
        List<Tensor> outs = OpRegistry.get(op).compute(List.copyOf(ph), at, t);
        PrimFunc f = Lower.lower(op, ph, Schedule.defaults(outs), List.of());
        assertSame(run(op, at, args), Interp.run(f, List.of(args)).get(0));
    }

    @Test
    void defaultScheduleAgreesWithNaiveLowering() {
        checkDefaultSchedule("concat", Attrs.of("axis", 1L), random(1, 2, 3), random(2, 2, 2));
        checkDefaultSchedule("pad", Attrs.of("pad_before", List.of(1L, 2L), "pad_after", List.of(2L, 0L), "mode", "reflect"), random(3, 3, 4));
        checkDefaultSchedule("take", Attrs.of("axis", 0L), random(4, 5, 2), longs(DType.INT64, shape(3), -1, 0, 2));
        checkDefaultSchedule("resize", Attrs.of("sizes", List.of(3L, 2L), "mode", "cubic", "antialias", 1L), random(5, 12, 8));
    }
}
