package kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds and runs the C tests of the runtime ({@code src/test/c}, {@code make test}) against the
 * runtime files as they are served from the classpath, in a temporary directory.
 *
 * <p>Needs a C compiler (environment variable {@code CC}, else {@code cc}) and GNU make. Without
 * them the test is skipped, except when {@code CI=true}, where a missing tool is a failure.
 */
class CRuntimeTest {

    private static final long TIMEOUT_MINUTES = 10;

    @Test
    void cTestsPassUnderStrictFlagsAndSanitizers(@TempDir Path tmp) throws Exception {
        String cc = compiler();
        requireTool(cc);
        requireTool("make");

        Path runtime = tmp.resolve("runtime");
        Files.createDirectories(runtime);
        for (String name : RuntimeFiles.allFiles()) {
            Files.writeString(runtime.resolve(name), RuntimeFiles.read(name), StandardCharsets.UTF_8);
        }

        Path tests = tmp.resolve("tests");
        Files.createDirectories(tests);
        Path source = moduleDir().resolve("src/test/c");
        assertTrue(Files.isRegularFile(source.resolve("Makefile")), "C test sources not found in " + source);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Files.copy(f, tests.resolve(f.getFileName().toString()));
            }
        }

        Path log = tmp.resolve("make.log");
        Process p = new ProcessBuilder(List.of("make", "-C", tests.toString(), "test", "CC=" + cc,
                "RUNTIME_DIR=" + runtime.toAbsolutePath()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("make test did not finish within " + TIMEOUT_MINUTES + " minutes:\n" + tail(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "make test failed:\n" + tail(log));

        Matcher total = Pattern.compile("(?m)^c-runtime: (\\d+) passed, (\\d+) failed$").matcher(output);
        assertTrue(total.find(), "no test total in the output:\n" + tail(log));
        assertEquals(0, Integer.parseInt(total.group(2)), output);
        assertTrue(Integer.parseInt(total.group(1)) >= 30, "too few C tests ran:\n" + output);
        assertTrue(output.contains("smoke: toy_demo executable OK"), output);
    }

    private static String compiler() {
        String cc = System.getenv("CC");
        return cc == null || cc.isBlank() ? "cc" : cc.trim();
    }

    private static Path moduleDir() {
        // Surefire runs in the module directory and also passes it as "basedir".
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    /** Skips (or, with CI=true, fails) when the tool cannot be started. */
    private static void requireTool(String tool) throws InterruptedException {
        String problem;
        try {
            Process p = new ProcessBuilder(tool, "--version")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(1, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                problem = "'" + tool + " --version' did not finish";
            } else if (p.exitValue() != 0) {
                problem = "'" + tool + " --version' exited with status " + p.exitValue();
            } else {
                return;
            }
        } catch (IOException e) {
            problem = "'" + tool + "' cannot be started: " + e.getMessage();
        }
        String message = "C runtime tests need a C compiler (CC, default cc) and make: " + problem;
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " (CI=true: a missing tool is an error)");
        }
        Assumptions.assumeTrue(false, message + " -- skipping");
    }

    private static String tail(Path log) throws IOException {
        String s = Files.readString(log, StandardCharsets.UTF_8);
        return s.length() <= 20_000 ? s : "...\n" + s.substring(s.length() - 20_000);
    }
}
