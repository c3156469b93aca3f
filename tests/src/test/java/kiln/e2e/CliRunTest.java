package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kiln.cli.BundleManifest;
import kiln.cli.Main;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import org.junit.jupiter.api.Test;

/**
 * The command line end to end: {@code kiln compile} then {@code kiln run} on a golden model (outputs
 * compared with the golden ones), the timing line of {@code --repeat}, and the checks of
 * {@code kiln run}'s arguments and build errors.
 */
class CliRunTest {
    private static final Pattern MEDIAN = Pattern.compile("(?m)^median_ms: ([0-9.eE+-]+)$");

    /** A golden case with symbolic input dims if there is one (to exercise --input-shape), else the smallest. */
    private static GoldenCase pickGoldenCase() {
        List<GoldenCase> all = Golden.smallModels();
        return all.stream().filter(c -> !c.inputShapes().isEmpty()).findFirst()
                .orElseGet(() -> all.stream().min(Comparator.comparingLong(c -> size(c.model()))).orElseThrow());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    @Test
    void compileAndRunGoldenModel() throws IOException {
        Toolchain.require();
        GoldenCase c = pickGoldenCase();
        Path w = Env.freshDir("cli", "golden-" + c.name());
        Path bundle = w.resolve("bundle"), out = w.resolve("out");

        List<String> args = new ArrayList<>(List.of("compile", c.model().toString(), "-o", bundle.toString(), "--weights", "file"));
        for (String s : c.inputShapeArgs()) args.addAll(List.of("--input-shape", s));
        Cli.Result compiled = Cli.run(args.toArray(String[]::new));
        assertEquals(0, compiled.exitCode(), compiled::toString);
        BundleManifest m = BundleManifest.read(bundle);
        assertTrue(compiled.out().contains("kernels:   " + m.kernels()), compiled::toString);
        assertTrue(compiled.out().contains(bundle.toString()), compiled::toString);

        List<String> run = new ArrayList<>(List.of("run", bundle.toString(), "--output-dir", out.toString(), "--repeat", "3",
                "--cflags", Toolchain.STRICT_CFLAGS));
        // Given in reverse order: kiln run must put them in the model's order.
        for (int k = m.inputs().size() - 1; k >= 0; k--) run.addAll(List.of("--input", m.inputs().get(k).name() + "=" + c.inputs().get(k)));
        Cli.Result ran = Cli.run(run.toArray(String[]::new));
        assertEquals(0, ran.exitCode(), ran::toString);
        Matcher med = MEDIAN.matcher(ran.out());
        assertTrue(med.find(), () -> "no median_ms line with --repeat; " + ran);
        assertTrue(Double.parseDouble(med.group(1)) >= 0, ran::toString);
        for (int k = 0; k < c.outputs().size(); k++) {
            BundleManifest.Tensor o = m.outputs().get(k);
            assertTrue(ran.out().contains("output " + k + " '" + o.name() + "': " + o.describe()),
                    () -> "kiln run should print each output's name, dtype and shape; " + ran);
            NDArray expected = Npy.read(c.outputs().get(k));
            Compare.assertClose(expected, Npy.read(out.resolve("output_" + k + ".npy")), "kiln run " + c.name() + " output " + k);
        }
    }

    /** A compiled tiny model (no golden values needed: these tests check argument handling). */
    private static Path tinyBundle(Path w) {
        Path model = OnnxFixtures.write(w.resolve("tiny_mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        Cli.Result r = Cli.run("compile", model.toString(), "-o", w.resolve("bundle").toString());
        assertEquals(0, r.exitCode(), r::toString);
        return w.resolve("bundle");
    }

    private static Path input(Path w, String name, long... shape) {
        long n = NDArray.numel(shape);
        double[] v = new double[(int) n];
        for (int k = 0; k < n; k++) v[k] = (k % 7) - 3;
        Path f = w.resolve(name);
        Npy.write(f, NDArray.ofDoubles(kiln.tir.DType.FLOAT32, shape, v));
        return f;
    }

    @Test
    void runChecksInputs() {
        Path w = Env.freshDir("cli", "run-inputs");
        Path bundle = tinyBundle(w);
        Path x = input(w, "x.npy", 2, 4);
        Path wrong = input(w, "wrong.npy", 3, 4);
        String out = w.resolve("out").toString();

        Cli.Result unknown = Cli.run("run", bundle.toString(), "--input", "nosuch=" + x, "--output-dir", out);
        assertEquals(Main.EXIT_ERROR, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("'nosuch'") && unknown.err().contains("'x'"), unknown::toString);

        Cli.Result twice = Cli.run("run", bundle.toString(), "--input", "x=" + x, "--input", "x=" + x, "--output-dir", out);
        assertEquals(Main.EXIT_ERROR, twice.exitCode(), twice::toString);
        assertTrue(twice.err().contains("more than once"), twice::toString);

        Cli.Result shape = Cli.run("run", bundle.toString(), "--input", "x=" + wrong, "--output-dir", out);
        assertEquals(Main.EXIT_ERROR, shape.exitCode(), shape::toString);
        assertTrue(shape.err().contains("[3, 4]") && shape.err().contains("[2, 4]"), shape::toString);

        Cli.Result missingFile = Cli.run("run", bundle.toString(), "--input", "x=" + w.resolve("nope.npy"), "--output-dir", out);
        assertEquals(Main.EXIT_ERROR, missingFile.exitCode(), missingFile::toString);
        assertTrue(missingFile.err().contains("nope.npy"), missingFile::toString);

        Cli.Result none = Cli.run("run", bundle.toString(), "--output-dir", out);
        assertEquals(Main.EXIT_USAGE, none.exitCode(), none::toString);

        Cli.Result notBundle = Cli.run("run", w.toString(), "--input", "x=" + x, "--output-dir", out);
        assertEquals(Main.EXIT_ERROR, notBundle.exitCode(), notBundle::toString);
        assertTrue(notBundle.err().contains("manifest.json"), notBundle::toString);
        assertFalse(Files.exists(w.resolve("out")), "no output should be written when the arguments are wrong");
    }

    @Test
    void runReportsBuildFailures() {
        Toolchain.require();
        Path w = Env.freshDir("cli", "run-build-failure");
        Path bundle = tinyBundle(w);
        Path x = input(w, "x.npy", 2, 4);
        Cli.Result r = Cli.run("run", bundle.toString(), "--input", "x=" + x, "--output-dir", w.resolve("out").toString(),
                "--cflags", "-O2 -include kiln_no_such_header.h");
        assertEquals(Main.EXIT_ERROR, r.exitCode(), r::toString);
        assertTrue(r.err().contains("kiln_no_such_header.h"), () -> "the compiler's message should be shown; " + r);

        Cli.Result noCc = Cli.run("run", bundle.toString(), "--input", "x=" + x, "--output-dir", w.resolve("out").toString(),
                "--cc", "kiln-no-such-compiler");
        assertEquals(Main.EXIT_ERROR, noCc.exitCode(), noCc::toString);
        assertTrue(noCc.err().contains("kiln-no-such-compiler") && noCc.err().contains("--cc"), noCc::toString);

        // The same bundle then builds and runs with good flags (a failed build leaves nothing stale behind).
        Cli.Result ok = Cli.run("run", bundle.toString(), "--input", "x=" + x, "--output-dir", w.resolve("out").toString());
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(Files.isRegularFile(w.resolve("out").resolve("output_0.npy")), ok::toString);
        assertTrue(ok.out().contains("output 0 'y': float32[2, 3]"), ok::toString);
    }
}
