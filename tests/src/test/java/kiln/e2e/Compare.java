package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import kiln.cli.CompareCommand;
import kiln.tir.NDArray;

/** Compares a computed output with its golden reference, numpy {@code allclose} style (as {@code kiln compare}). */
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
        CompareCommand.Result r = CompareCommand.compare(actual, expected, rtol, atol);
        if (r.outside() > 0) {
            int worst = r.worst();
            double e = expected.getDouble(worst), a = actual.getDouble(worst);
            fail(String.format(Locale.ROOT, "%s: %d of %d elements differ beyond |a-b| <= %g + %g*|b|; worst at index %s "
                            + "(flat %d): got %.9g, expected %.9g, |diff| %.3g",
                    what, r.outside(), r.size(), atol, rtol, CompareCommand.index(worst, expected.shape()), worst, a, e, Math.abs(a - e)));
        }
    }

    static void assertClose(NDArray expected, NDArray actual, String what) {
        assertClose(expected, actual, RTOL, ATOL, what);
    }
}
