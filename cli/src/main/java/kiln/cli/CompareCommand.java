package kiln.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import kiln.diag.KilnError;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln compare GOT.npy WANT.npy [--rtol R] [--atol A]}: numpy-{@code allclose}-style check of
 * a computed output against a reference. Exit 0 when every element satisfies
 * {@code |got - want| <= atol + rtol * |want|} (NaN matches NaN), 1 otherwise.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Compares two .npy files element by element: same dtype and shape, and",
                "|got - want| <= atol + rtol * |want| everywhere (NaN matches NaN). Exit 0 if so, 1 if not."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GOT.npy", description = "The computed array.")
    Path got;

    @Parameters(index = "1", paramLabel = "WANT.npy", description = "The reference array.")
    Path want;

    @Option(names = "--rtol", paramLabel = "R", defaultValue = "1e-4", description = "Relative tolerance (default: ${DEFAULT-VALUE}).")
    double rtol;

    @Option(names = "--atol", paramLabel = "A", defaultValue = "1e-5", description = "Absolute tolerance (default: ${DEFAULT-VALUE}).")
    double atol;

    /** The outcome of a comparison: elements outside the tolerance and the worst one. */
    /** Elements compared, how many are outside the tolerance, the worst of those (-1: none), the largest |diff| and where. */
    public record Result(long size, long outside, int worst, double maxAbsDiff, int maxAbsAt) {}

    @Override
    public Integer call() {
        if (!(rtol >= 0) || !(atol >= 0)) throw new KilnError("--rtol and --atol must be non-negative numbers");
        NDArray g = Npy.read(got), w = Npy.read(want);
        PrintWriter out = spec.commandLine().getOut();
        out.println("got:  " + describe(g) + "  " + RunCommand.firstValues(g));
        out.println("want: " + describe(w) + "  " + RunCommand.firstValues(w));
        if (g.dtype() != w.dtype() || !g.shapeList().equals(w.shapeList())) {
            throw new KilnError(got + " is " + describe(g) + " but " + want + " is " + describe(w) + "; they cannot match");
        }
        Result r = compare(g, w, rtol, atol);
        String tol = "|got-want| <= " + plain(atol) + " + " + plain(rtol) + "*|want|";
        if (r.maxAbsAt() >= 0) {
            out.println(String.format(Locale.ROOT, "max |got-want| = %.3g at %s", r.maxAbsDiff(), index(r.maxAbsAt(), g.shape())));
        }
        out.flush();
        if (r.outside() > 0) {
            throw new KilnError(String.format(Locale.ROOT, "%d of %d elements are outside %s; worst at %s: got %.9g, want %.9g",
                    r.outside(), r.size(), tol, index(r.worst(), g.shape()), g.getDouble(r.worst()), w.getDouble(r.worst())));
        }
        out.println("OK: all " + r.size() + " elements within " + tol);
        out.flush();
        return 0;
    }

    /**
     * Element-wise {@code |got - want| <= atol + rtol * |want|} (NaN matches NaN, an infinity the same
     * infinity); the worst element is the one furthest beyond its tolerance. Shapes must already agree.
     */
    public static Result compare(NDArray got, NDArray want, double rtol, double atol) {
        int n = want.size();
        long outside = 0;
        int worst = -1, maxAt = -1;
        double worstRatio = -1, maxAbs = -1;
        for (int k = 0; k < n; k++) {
            double a = got.getDouble(k), b = want.getDouble(k);
            double ratio;
            if (Double.isNaN(a) || Double.isNaN(b)) {
                ratio = Double.isNaN(a) && Double.isNaN(b) ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(a) || Double.isInfinite(b)) {
                ratio = a == b ? 0 : Double.POSITIVE_INFINITY;
            } else {
                double diff = Math.abs(a - b), tol = atol + rtol * Math.abs(b);
                if (diff > maxAbs) {
                    maxAbs = diff;
                    maxAt = k;
                }
                ratio = diff <= tol ? 0 : tol == 0 ? Double.POSITIVE_INFINITY : diff / tol;
            }
            if (ratio > 0) {
                outside++;
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worst = k;
                }
            }
        }
        return new Result(n, outside, worst, maxAbs, maxAt);
    }

    /** {@code 1e-5} as {@code 0.00001}. */
    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** {@code float32[2, 3]}. */
    static String describe(NDArray a) {
        return a.dtype().irName() + a.shapeList().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }

    /** The multi-dimensional index of flat position {@code flat}. */
    public static String index(int flat, long[] shape) {
        long[] idx = new long[shape.length];
        long f = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) continue;
            idx[d] = f % shape[d];
            f /= shape[d];
        }
        return Arrays.toString(idx);
    }
}
