package kiln.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Where end-to-end tests write, and how they treat a missing prerequisite (skip here, fail in CI). */
final class Env {
    private Env() {}

    /** True when the environment variable CI is {@code true} (as in Kiln's CI). */
    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * A prerequisite (C compiler, torch, ...) is missing: skips the test with {@code message} on a
     * developer's machine, fails it in CI, where everything must be installed.
     */
    static void missing(String message) {
        if (ci()) Assertions.fail(message + " (CI=true, so this is a failure, not a skip)");
        Assumptions.abort(message + " (skipped; in CI, with CI=true, this fails)");
    }

    /** {@code tests/target/e2e}, from surefire's {@code kiln.e2e.dir}, else {@code target/e2e} here. */
    static Path root() {
        String p = System.getProperty("kiln.e2e.dir");
        return (p != null && !p.isBlank() ? Path.of(p) : Path.of("target", "e2e")).toAbsolutePath().normalize();
    }

    /** A fresh, empty folder {@code root()/parts...}: whatever an earlier run left there is removed. */
    static Path freshDir(String... parts) {
        Path d = root();
        for (String p : parts) d = d.resolve(p);
        deleteTree(d);
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d, e);
        }
        return d;
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }
}
