package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import kiln.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inputs Kiln must reject: each case checks the exit code, that stderr has a clear
 * {@code error: ...} message naming the problem (and no stack trace), and that no output folder,
 * complete or partial, is left behind.
 */
class ErrorsTest {
    private static Path work(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName();
        String display = info.getDisplayName();
        // Parameterized cases get their parameters in the folder name; plain tests just the method name.
        String name = display.startsWith(method + "(") ? method : method + "_" + display.replaceAll("[^A-Za-z0-9]+", "_");
        return Env.freshDir("errors", name);
    }

    /** Asserts a clean user error: exit code, message fragments, no stack trace, nothing written at {@code out}. */
    private static void assertRejected(Cli.Result r, int exitCode, Path out, String... fragments) throws IOException {
        assertEquals(exitCode, r.exitCode(), () -> "exit code; " + r);
        assertTrue(r.err().startsWith("error: "), () -> "stderr should start with 'error: '; " + r);
        assertFalse(r.err().contains("internal error"), () -> "a user error was reported as a compiler bug; " + r);
        assertFalse(r.err().contains("\tat "), () -> "a user error printed a stack trace; " + r);
        for (String f : fragments) assertTrue(r.err().contains(f), () -> "stderr should mention '" + f + "'; " + r);
        assertNoOutput(out);
    }

    /** Neither the output folder nor a temporary sibling of it exists. */
    private static void assertNoOutput(Path out) throws IOException {
        assertFalse(Files.exists(out), "a failed compile left " + out + " behind");
        try (Stream<Path> s = Files.list(out.getParent())) {
            List<String> leftovers = s.map(p -> p.getFileName().toString()).filter(n -> n.contains("kiln-tmp") || n.contains("kiln-old")).toList();
            assertEquals(List.of(), leftovers, "temporary folders left next to " + out);
        }
    }

    private static Cli.Result compile(Path model, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("compile", model.toString(), "-o", out.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void customDomainOp(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("custom.onnx"), OnnxFixtures.withOp("com.example.vendor", "FancyOp"));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "FancyOp", "com.example.vendor", "mystery");
    }

    @Test
    void unknownStandardDomainOp(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("unknown_op.onnx"), OnnxFixtures.withOp("", "NoSuchOnnxOperator"));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "NoSuchOnnxOperator", "not support");
    }

    @Test
    void malformedFile(TestInfo info) throws IOException {
        Path w = work(info);
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Path model = Files.write(w.resolve("junk.onnx"), junk);
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "junk.onnx");
    }

    @Test
    void truncatedModel(TestInfo info) throws IOException {
        Path w = work(info);
        byte[] whole = OnnxFixtures.tinyMlp(2L).toByteArray();
        Path model = Files.write(w.resolve("truncated.onnx"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "truncated.onnx");
    }

    @Test
    void emptyFile(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = Files.write(w.resolve("empty.onnx"), new byte[0]);
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "empty.onnx");
    }

    @Test
    void missingInputShape(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("dynamic.onnx"), OnnxFixtures.tinyMlp(null));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "'x'", "--input-shape", "batch");
        // The same model compiles once the shape is given: the shape was the only problem.
        Cli.Result ok = compile(model, w.resolve("out"), "--input-shape", "x=2,4");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(Files.isRegularFile(w.resolve("out").resolve("manifest.json")));
    }

    @Test
    void inputShapeForUnknownInput(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("dynamic.onnx"), OnnxFixtures.tinyMlp(null));
        assertRejected(compile(model, w.resolve("out"), "--input-shape", "x=2,4", "--input-shape", "nosuch=2,4"), Main.EXIT_ERROR,
                w.resolve("out"), "nosuch", "inputs");
    }

    @Test
    void externalDataFileMissing(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("ext.onnx"), OnnxFixtures.externalWeights("w_missing.bin"));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "w_missing.bin");
        // Control: with the data file present the model compiles, so only the missing file was wrong.
        Files.write(w.resolve("w_missing.bin"), OnnxFixtures.tinyMlpWeightBytes());
        Cli.Result ok = compile(model, w.resolve("out"));
        assertEquals(0, ok.exitCode(), ok::toString);
    }

    @Test
    void externalDataOutsideModelFolder(TestInfo info) throws IOException {
        Path w = work(info);
        Files.write(w.resolve("outside.bin"), OnnxFixtures.tinyMlpWeightBytes());
        Path model = OnnxFixtures.write(w.resolve("model").resolve("ext.onnx"), OnnxFixtures.externalWeights("../outside.bin"));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "../outside.bin", "folder");
    }

    @Test
    void externalDataSymlinkLeavingModelFolder(TestInfo info) throws IOException {
        Path w = work(info);
        Path outside = Files.write(w.resolve("outside.bin"), OnnxFixtures.tinyMlpWeightBytes());
        Path dir = Files.createDirectories(w.resolve("model"));
        try {
            Files.createSymbolicLink(dir.resolve("link.bin"), outside);
        } catch (UnsupportedOperationException | IOException e) {
            org.junit.jupiter.api.Assumptions.abort("this file system cannot make symbolic links: " + e);
        }
        Path model = OnnxFixtures.write(dir.resolve("ext.onnx"), OnnxFixtures.externalWeights("link.bin"));
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "link.bin", "outside");
    }

    @Test
    void nonEmptyOutputFolderNeedsForce(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        Path out = Files.createDirectories(w.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "user data");
        Cli.Result r = compile(model, out);
        assertEquals(Main.EXIT_ERROR, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("error: ") && r.err().contains("--force") && r.err().contains("not empty"), r::toString);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("keep.txt"), s.map(p -> p.getFileName().toString()).toList(), "the existing folder was changed");
        }
        assertEquals("user data", Files.readString(out.resolve("keep.txt")));

        Cli.Result forced = compile(model, out, "--force");
        assertEquals(0, forced.exitCode(), forced::toString);
        assertFalse(Files.exists(out.resolve("keep.txt")), "--force should replace the folder");
        assertTrue(Files.isRegularFile(out.resolve("manifest.json")));
        try (Stream<Path> s = Files.list(w)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("kiln-")), "temporary folders left in " + w);
        }
    }

    @Test
    void outputPathIsAFile(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        Path out = Files.writeString(w.resolve("out"), "a file");
        Cli.Result r = compile(model, out, "--force");
        assertEquals(Main.EXIT_ERROR, r.exitCode(), r::toString);
        assertTrue(r.err().contains("not a folder"), r::toString);
        assertEquals("a file", Files.readString(out));
    }

    @ParameterizedTest(name = "--target \"{0}\"")
    @CsvSource(delimiter = '|', value = {"fpga | fpga", "c -isa=sse9 | sse9", "c isa=avx2 | isa=avx2", "c -colour=blue | colour"})
    void unknownTarget(String target, String named, TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        assertRejected(compile(model, w.resolve("out"), "--target", target), Main.EXIT_ERROR, w.resolve("out"), "target", named);
    }

    @ParameterizedTest(name = "--input-shape {0}")
    @ValueSource(strings = {"x", "x=2,a", "=2,4", "x=", "x=2,-4", "x=2,,4", "x:2,4"})
    void badInputShapeSyntax(String spec, TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("dynamic.onnx"), OnnxFixtures.tinyMlp(null));
        Cli.Result r = compile(model, w.resolve("out"), "--input-shape", spec);
        assertRejected(r, Main.EXIT_USAGE, w.resolve("out"), "--input-shape", spec, "NAME=D0,D1");
    }

    @Test
    void badWeightsMode(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        assertRejected(compile(model, w.resolve("out"), "--weights", "cloud"), Main.EXIT_USAGE, w.resolve("out"), "cloud", "embed");
    }

    @Test
    void badOptLevel(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        assertRejected(compile(model, w.resolve("out"), "--opt-level", "7"), Main.EXIT_ERROR, w.resolve("out"), "--opt-level", "7");
    }

    @Test
    void nonexistentModel(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = w.resolve("no_such_model.onnx");
        assertRejected(compile(model, w.resolve("out")), Main.EXIT_ERROR, w.resolve("out"), "no_such_model.onnx", "does not exist");
    }

    @Test
    void missingOutputOption(TestInfo info) throws IOException {
        Path w = work(info);
        Path model = OnnxFixtures.write(w.resolve("mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        Cli.Result r = Cli.run("compile", model.toString());
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--output") && r.err().contains("Usage:"), r::toString);
    }
}
