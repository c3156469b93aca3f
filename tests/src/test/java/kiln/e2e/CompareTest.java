package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The output comparison itself: it must catch wrong values, shapes and dtypes, and name the worst element. */
class CompareTest {
    private static NDArray f32(long[] shape, double... v) {
        return NDArray.ofDoubles(DType.FLOAT32, shape, v);
    }

    @Test
    void acceptsValuesWithinTolerance() {
        NDArray b = f32(new long[] {2, 2}, 1.0, -2.0, 0.0, Double.NaN);
        NDArray a = f32(new long[] {2, 2}, 1.0 + 0.5e-4, -2.0 - 1e-4, 0.5e-5, Double.NaN);
        Compare.assertClose(b, a, "ok");
    }

    @Test
    void reportsTheWorstElement() {
        NDArray b = f32(new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
        NDArray a = f32(new long[] {2, 3}, 1, 2.01, 3, 4, 5, 7);
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Compare.assertClose(b, a, "out"));
        assertTrue(e.getMessage().contains("2 of 6 elements"), e.getMessage());
        assertTrue(e.getMessage().contains("index [1, 2]") && e.getMessage().contains("got 7") && e.getMessage().contains("expected 6"),
                e.getMessage());
    }

    @Test
    void rejectsNanShapeAndDtypeMismatches() {
        NDArray b = f32(new long[] {2}, 1, 2);
        assertThrows(AssertionFailedError.class, () -> Compare.assertClose(b, f32(new long[] {2}, 1, Double.NaN), "nan"));
        assertThrows(AssertionFailedError.class, () -> Compare.assertClose(b, f32(new long[] {1, 2}, 1, 2), "shape"));
        assertThrows(AssertionFailedError.class,
                () -> Compare.assertClose(b, NDArray.ofDoubles(DType.FLOAT64, new long[] {2}, new double[] {1, 2}), "dtype"));
        assertThrows(AssertionFailedError.class,
                () -> Compare.assertClose(b, f32(new long[] {2}, 1, Double.POSITIVE_INFINITY), "inf"));
    }
}
