package kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import kiln.diag.KilnError;
import kiln.emit.c.CEmitter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {
    record Run(int code, String out, String err) {}

    private static Run runWith(Object extra, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintWriter o = new PrintWriter(out, true), e = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(new Main());
        if (extra != null) cl.addSubcommand("probe", extra);
        int code = Main.configure(cl, o, e).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run run(String... args) {
        return runWith(null, args);
    }

    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        final RuntimeException toThrow;

        Probe(RuntimeException toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public Integer call() {
            throw toThrow;
        }
    }

    @Test
    void userErrorsPrintTheMessageOnlyAndExit1() {
        Run r = runWith(new Probe(new KilnError("the model is broken; do this")), "probe");
        assertEquals(Main.EXIT_ERROR, r.code());
        assertEquals("error: the model is broken; do this", r.err().strip());
    }

    @Test
    void otherExceptionsAreInternalErrorsWithStackTraceAndExit70() {
        Run r = runWith(new Probe(new IllegalStateException("invariant broken")), "probe");
        assertEquals(Main.EXIT_INTERNAL, r.code());
        assertTrue(r.err().startsWith("internal error: java.lang.IllegalStateException: invariant broken"), r.err());
        assertTrue(r.err().contains("\tat kiln.cli.MainTest."), r.err());
    }

    @Test
    void usageErrorsExit2WithUsage() {
        Run r = run("compile", "--no-such-option", "m.onnx", "-o", "x");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("--no-such-option") && r.err().contains("Usage: kiln compile"), r.err());

        Run none = run();
        assertEquals(Main.EXIT_USAGE, none.code());
        assertTrue(none.err().contains("missing command"), none.err());

        Run unknown = run("frobnicate");
        assertEquals(Main.EXIT_USAGE, unknown.code());
        assertTrue(unknown.err().contains("frobnicate"), unknown.err());
    }

    @Test
    void version() {
        Run r = run("version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("kiln " + CEmitter.VERSION + "\n"), r.out());
        Run v = run("--version");
        assertEquals(0, v.code());
        assertEquals(r.out(), v.out());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c : List.of("compile", "run", "compare", "version")) assertTrue(r.out().contains(c), r.out());
        Run c = run("compile", "--help");
        for (String o : List.of("--target", "--input-shape", "--weights", "--opt-level", "--name", "--dump-ir", "--force", "-o"))
            assertTrue(c.out().contains(o), c.out());
    }

    @Test
    void inputShapeParsing() {
        assertEquals(new InputShapes.Spec("x", List.of(1L, 3L, 224L, 224L)), InputShapes.parse("x=1,3,224,224"));
        assertEquals(new InputShapes.Spec("a=b", List.of(0L, 5L)), InputShapes.parse("a=b= 0, 5"));
        for (String bad : List.of("x", "=1", "x=", "x=1,,2", "x=1.5", "x=-1", "x=1,")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputShapes.parse(bad), bad);
            assertTrue(e.getMessage().contains("NAME=D0,D1"), e.getMessage());
        }
        KilnError dup = assertThrows(KilnError.class, () -> InputShapes.toMap(List.of(InputShapes.parse("x=1"), InputShapes.parse("x=2"))));
        assertTrue(dup.getMessage().contains("'x'"));
        assertEquals(Map.of("x", List.of(1L), "y", List.of(2L)), InputShapes.toMap(List.of(InputShapes.parse("x=1"), InputShapes.parse("y=2"))));
    }

    private static BundleManifest manifest(String... inputs) {
        StringBuilder sb = new StringBuilder("{\"model\":{\"name\":\"m\"},\"target\":\"c\",\"kernels\":1,\"workspace_bytes\":0,"
                + "\"weights_bytes\":0,\"weights\":\"embedded\",\"outputs\":[],\"inputs\":[");
        for (int k = 0; k < inputs.length; k++) {
            if (k > 0) sb.append(',');
            sb.append("{\"name\":\"").append(inputs[k]).append("\",\"dtype\":\"float32\",\"shape\":[1]}");
        }
        sb.append("]}");
        return BundleManifest.parse(sb.toString().getBytes(StandardCharsets.UTF_8), "manifest.json");
    }

    @Test
    void runOrdersInputsAsTheModelDeclaresThem() {
        BundleManifest m = manifest("b", "a=1", "c");
        assertEquals(List.of(Path.of("B.npy"), Path.of("A.npy"), Path.of("x=y.npy")),
                RunCommand.orderInputs(m, List.of("c=x=y.npy", "a=1=A.npy", "b=B.npy")));
        KilnError unknown = assertThrows(KilnError.class, () -> RunCommand.orderInputs(m, List.of("b=1", "a=1=2", "c=3", "d=4")));
        assertTrue(unknown.getMessage().contains("'d'") && unknown.getMessage().contains("'a=1'"), unknown.getMessage());
        KilnError missing = assertThrows(KilnError.class, () -> RunCommand.orderInputs(m, List.of("b=1")));
        assertTrue(missing.getMessage().contains("'a=1', 'c'"), missing.getMessage());
        KilnError twice = assertThrows(KilnError.class, () -> RunCommand.orderInputs(m, List.of("b=1", "b=2")));
        assertTrue(twice.getMessage().contains("more than once"), twice.getMessage());
        KilnError syntax = assertThrows(KilnError.class, () -> RunCommand.orderInputs(m, List.of("b.npy")));
        assertTrue(syntax.getMessage().contains("NAME=FILE.npy"), syntax.getMessage());
    }

    @Test
    void manifestErrorsAreUserErrors() {
        KilnError e = assertThrows(KilnError.class, () -> BundleManifest.parse("{not json".getBytes(StandardCharsets.UTF_8), "m.json"));
        assertTrue(e.getMessage().contains("m.json"));
        KilnError f = assertThrows(KilnError.class, () -> BundleManifest.parse("{\"model\":{}}".getBytes(StandardCharsets.UTF_8), "m.json"));
        assertTrue(f.getMessage().contains("regenerate"));
        assertFalse(manifest("x").weightsInFile());
    }

    @Test
    void compareReportsMatchAndMismatch() throws java.io.IOException {
        Path dir = Path.of("target", "test-work", "compare").toAbsolutePath();
        java.nio.file.Files.createDirectories(dir);
        long[] shape = {2, 2};
        Path want = dir.resolve("want.npy"), same = dir.resolve("same.npy"), off = dir.resolve("off.npy"), other = dir.resolve("other.npy");
        kiln.tir.Npy.write(want, kiln.tir.NDArray.ofDoubles(kiln.tir.DType.FLOAT32, shape, new double[] {1, 2, 3, 4}));
        kiln.tir.Npy.write(same, kiln.tir.NDArray.ofDoubles(kiln.tir.DType.FLOAT32, shape, new double[] {1, 2, 3.0001, 4}));
        kiln.tir.Npy.write(off, kiln.tir.NDArray.ofDoubles(kiln.tir.DType.FLOAT32, shape, new double[] {1, 2, 3, 4.5}));
        kiln.tir.Npy.write(other, kiln.tir.NDArray.ofDoubles(kiln.tir.DType.FLOAT32, new long[] {4}, new double[] {1, 2, 3, 4}));

        Run ok = run("compare", same.toString(), want.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("OK: all 4 elements"), ok.out());

        Run bad = run("compare", off.toString(), want.toString());
        assertEquals(Main.EXIT_ERROR, bad.code());
        assertTrue(bad.err().contains("1 of 4 elements") && bad.err().contains("[1, 1]"), bad.err());

        Run loose = run("compare", off.toString(), want.toString(), "--atol", "0.6");
        assertEquals(0, loose.code(), loose.err());

        Run shapes = run("compare", other.toString(), want.toString());
        assertEquals(Main.EXIT_ERROR, shapes.code());
        assertTrue(shapes.err().contains("float32[4]") && shapes.err().contains("float32[2, 2]"), shapes.err());
    }
}
