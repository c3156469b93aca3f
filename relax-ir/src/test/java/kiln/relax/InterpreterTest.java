package kiln.relax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

class InterpreterTest {
    private static NDArray random(Random r, long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    @Test
    void batchedMatmulBroadcastsAndMatchesLoops() {
        Random r = new Random(1);
        NDArray a = random(r, 2, 3, 4), b = random(r, 4, 5);
        Type out = Type.TensorType.of(DType.FLOAT32, 2, 3, 5);
        NDArray c = Interpreter.evalOp("matmul", List.of(a, b), Attrs.EMPTY, out).get(0);
        assertEquals(List.of(2L, 3L, 5L), c.shapeList());
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) {
                    float acc = 0;
                    for (int k = 0; k < 4; k++) acc += (float) a.getDouble(n * 12 + i * 4 + k) * (float) b.getDouble(k * 5 + j);
                    assertEquals(acc, c.getDouble(n * 15 + i * 5 + j), 1e-5);
                }
            }
        }
    }

    @Test
    void addBroadcastsRowVector() {
        NDArray a = NDArray.ofDoubles(DType.FLOAT32, new long[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
        NDArray b = NDArray.ofDoubles(DType.FLOAT32, new long[] {3}, new double[] {10, 20, 30});
        NDArray c = Interpreter.evalOp("add", List.of(a, b), Attrs.EMPTY, Type.TensorType.of(DType.FLOAT32, 2, 3)).get(0);
        assertArrayEquals(new double[] {11, 22, 33, 14, 25, 36}, c.toDoubleArray());
    }

    @Test
    void reshapeThenSumOverAxis() {
        NDArray a = NDArray.ofLongs(DType.INT64, new long[] {6}, new long[] {1, 2, 3, 4, 5, 6});
        NDArray r = Interpreter.evalOp("reshape", List.of(a), Attrs.of("shape", List.of(2L, 3L)), Type.TensorType.of(DType.INT64, 2, 3)).get(0);
        NDArray s = Interpreter.evalOp("sum", List.of(r), Attrs.of("axes", List.of(1L), "keepdims", 0L), Type.TensorType.of(DType.INT64, 2)).get(0);
        assertArrayEquals(new long[] {6, 15}, s.toLongArray());
    }
}
