package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kiln.cli.Proc;

/**
 * The host C toolchain of the end-to-end tests: {@code cc} (or {@code gcc}) and {@code make}. When
 * either is missing the test is skipped with a message, except in CI (CI=true), where it fails.
 */
final class Toolchain {
    /** The warning flags every generated bundle must compile cleanly with. */
    static final String STRICT_CFLAGS = "-std=c99 -O2 -Wall -Wextra -Werror -pedantic";
    static final long BUILD_TIMEOUT_S = 600, RUN_TIMEOUT_S = 600;

    final kiln.cli.Toolchain spec;

    private Toolchain(kiln.cli.Toolchain spec) {
        this.spec = spec;
    }

    /** The host toolchain, or a skip (a failure in CI) naming what is missing. */
    static Toolchain require() {
        return require("host");
    }

    /** A named toolchain (see {@link kiln.cli.Toolchain#all()}), or a skip (a failure in CI) naming what is missing. */
    static Toolchain require(String name) {
        kiln.cli.Toolchain spec = kiln.cli.Toolchain.byName(name);
        List<String> miss = spec.missingPrograms();
        if (!miss.isEmpty()) {
            Env.missing("toolchain " + name + " (" + spec.description() + ") needs " + String.join(", ", miss)
                    + " on PATH; install them (Debian: apt-get install " + spec.debianPackages() + ")");
        }
        return new Toolchain(spec);
    }

    /**
     * {@code make -C bundle CC=cc CFLAGS=cflags}; fails the test with the compiler's output (also kept in
     * {@code bundle/build.log}) when the build fails. Returns {@code bundle/build/demo}.
     */
    Path build(Path bundle, String cflags) {
        List<String> cmd = spec.makeCommand(bundle, cflags);
        Proc.Result r = run(cmd, BUILD_TIMEOUT_S, java.util.Map.of());
        writeLog(bundle.resolve("build.log"), r);
        if (r.timedOut() || r.exitCode() != 0) {
            fail("building the bundle failed (" + String.join(" ", cmd) + (r.timedOut() ? ": timed out" : ": exit " + r.exitCode())
                    + "); full log in " + bundle.resolve("build.log") + ":\n" + Proc.tail(r.output(), 60));
        }
        Path demo = spec.demo(bundle);
        assertTrue(Files.isRegularFile(demo), "make succeeded but did not produce " + demo);
        return demo;
    }

    /**
     * Runs the demo: {@code demo [extra...] --output-dir outDir inputs...}; fails the test with its
     * output when it exits non-zero. Returns its standard output.
     */
    String runDemo(Path demo, List<Path> inputs, Path outDir, List<String> extra) {
        List<String> args = new ArrayList<>(extra);
        args.add("--output-dir");
        args.add(outDir.toString());
        for (Path p : inputs) args.add(p.toAbsolutePath().toString());
        List<String> cmd = spec.runCommand(demo, args);
        Proc.Result r = run(cmd, RUN_TIMEOUT_S, spec.runEnvironment(Env.root()));
        writeLog(outDir.resolveSibling(outDir.getFileName() + ".log"), r);
        if (r.timedOut() || r.exitCode() != 0) {
            fail("the demo failed (" + (r.timedOut() ? "timed out" : "exit " + r.exitCode()) + "): " + String.join(" ", cmd)
                    + "\n" + Proc.tail(r.output(), 40));
        }
        return r.stdout();
    }

    private static Proc.Result run(List<String> cmd, long timeout, java.util.Map<String, String> env) {
        try {
            return Proc.run(cmd, null, timeout, env);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
    }

    private static void writeLog(Path file, Proc.Result r) {
        try {
            Files.writeString(file, "$ " + String.join(" ", r.command()) + "\n" + r.output() + "\n[exit " + r.exitCode()
                    + (r.timedOut() ? ", timed out" : "") + "]\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the log is a convenience for people; the test result does not depend on it
        }
    }
}
