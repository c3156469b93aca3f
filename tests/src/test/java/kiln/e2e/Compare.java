package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Locale;
import kiln.tir.NDArray;

/** Compares a computed output with its golden reference, numpy {@code allclose} style. */
final class Compare {
    static final double RTOL = 1e-4, ATOL = 1e-5;

    private Compare() {}

    /**
     * Same dtype, same shape, and {@code |actual - expected| <= atol + rtol * |expected|} element by
     * element (NaN matches NaN, an infinity matches the same infinity). On failure the message gives the
     * number of mismatches and the worst element with its index.
     */
    static void assertClose(NDArray expected, NDArray actual, double rtol, double atol, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        assertEquals(expected.shapeList(), actual.shapeList(), what + ": shape");
        int n = expected.size();
        int bad = 0, worst = -1;
        double worstExcess = -1;
        for (int k = 0; k < n; k++) {
            double e = expected.getDouble(k), a = actual.getDouble(k);
            double excess;
            if (Double.isNaN(e) || Double.isNaN(a)) {
                excess = Double.isNaN(e) && Double.isNaN(a) ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(e) || Double.isInfinite(a)) {
                excess = e == a ? 0 : Double.POSITIVE_INFINITY;
            } else {
                double diff = Math.abs(a - e), tol = atol + rtol * Math.abs(e);
                excess = diff <= tol ? 0 : diff / tol;
            }
            if (excess > 0) {
                bad++;
                if (excess > worstExcess) {
                    worstExcess = excess;
                    worst = k;
                }
            }
        }
        if (bad > 0) {
            double e = expected.getDouble(worst), a = actual.getDouble(worst);
            fail(String.format(Locale.ROOT, "%s: %d of %d elements differ beyond |a-b| <= %g + %g*|b|; worst at index %s "
                            + "(flat %d): got %.9g, expected %.9g, |diff| %.3g",
                    what, bad, n, atol, rtol, Arrays.toString(unravel(worst, expected.shape())), worst, a, e, Math.abs(a - e)));
        }
    }

    static void assertClose(NDArray expected, NDArray actual, String what) {
        assertClose(expected, actual, RTOL, ATOL, what);
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) continue;
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }
}
