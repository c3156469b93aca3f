package kiln.tir;

/** The error function in double precision (Java's Math has none). */
final class Erf {
    private Erf() {}

    /** erf(x) via the complementary function's continued-fraction-free Chebyshev fit (W. J. Cody's rational form). */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 0.5) {
            // Maclaurin series converges fast here.
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 40; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            return 2.0 / Math.sqrt(Math.PI) * sum;
        }
        if (ax > 6.0) return Math.copySign(1.0, x);
        double r = erfcContinuedFraction(ax);
        return Math.copySign(1.0 - r, x);
    }

    /** erfc(x) for x >= 0.5 by Lentz's continued fraction, accurate to double precision. */
    private static double erfcContinuedFraction(double x) {
        double tiny = 1e-300;
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n / 2.0;
            d = x + an * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = x + an / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
