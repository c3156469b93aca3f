package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;
import kiln.cli.Conformance;
import kiln.cli.Conformance.Outcome;
import kiln.cli.Conformance.Status;
import kiln.cli.ConformanceReport;
import kiln.cli.Main;
import kiln.importer.onnx.OnnxElemType;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance runner on a synthetic suite under tests/target/e2e/conformance: a passing test, a
 * wrong expected output, an unsupported op, a specialised pass (a runtime shape input), and a build
 * error through a fake C compiler; plus the command's output and report.
 */
class ConformanceRunnerTest {
    static Path suite;
    static final NDArray X = NDArray.ofFloats(new long[] {2, 3}, new float[] {-1.5f, 2f, -0.25f, 0f, 3f, -4f});

    @BeforeAll
    static void writeSuite() throws IOException {
        Toolchain.require();
        suite = Env.freshDir("conformance", "suite", "synthetic");
        // y = Abs(x), expected outputs computed here from the input.
        float[] abs = new float[X.size()];
        for (int k = 0; k < abs.length; k++) abs[k] = (float) Math.abs(X.getDouble(k));
        NDArray absX = NDArray.ofFloats(X.shape(), abs);
        writeTest("test_abs", unary("Abs"), List.of(X), List.of(absX));
        // The same model with a wrong expected output (the input itself).
        writeTest("test_abs_wrong", unary("Abs"), List.of(X), List.of(X));
        writeTest("test_mystery", unary("KilnNoSuchOp"), List.of(X), List.of(X));
        // y = Reshape(x, shape) with shape a graph input: compiles only with shape bound.
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addInput(info("x", DType.FLOAT32, 2, 3)).addInput(info("shape", DType.INT64, 2))
                .addOutput(ValueInfoProto.newBuilder().setName("y"))
                .addNode(NodeProto.newBuilder().setOpType("Reshape").setName("r").addInput("x").addInput("shape").addOutput("y"));
        writeTest("test_reshape", model(g), List.of(X, NDArray.vectorLong(3, 2)), List.of(X.reshape(new long[] {3, 2})));
    }

    private static ModelProto unary(String op) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(info("x", DType.FLOAT32, 2, 3))
                .addOutput(info("y", DType.FLOAT32, 2, 3))
                .addNode(NodeProto.newBuilder().setOpType(op).setName("n0").addInput("x").addOutput("y"));
        return model(g);
    }

    private static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("kiln-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }

    private static ValueInfoProto info(String name, DType t, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(OnnxElemType.of(t).code()).setShape(s))).build();
    }

    private static TensorProto tensor(String name, NDArray v) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(OnnxElemType.of(v.dtype()).code());
        for (long d : v.shape()) b.addDims(d);
        return b.setRawData(ByteString.copyFrom(v.toBytes())).build();
    }

    private static void writeTest(String name, ModelProto m, List<NDArray> inputs, List<NDArray> outputs) throws IOException {
        Path dir = suite.resolve(name);
        Path ds = dir.resolve("test_data_set_0");
        Files.createDirectories(ds);
        Files.write(dir.resolve("model.onnx"), m.toByteArray());
        List<String> names = m.getGraph().getInputList().stream().map(ValueInfoProto::getName).toList();
        for (int k = 0; k < inputs.size(); k++) Files.write(ds.resolve("input_" + k + ".pb"), tensor(names.get(k), inputs.get(k)).toByteArray());
        for (int k = 0; k < outputs.size(); k++) Files.write(ds.resolve("output_" + k + ".pb"), tensor("y", outputs.get(k)).toByteArray());
    }

    private static Conformance runner(String name) {
        return new Conformance(Conformance.Options.defaults(Env.freshDir("conformance", "work", name)).withJobs(2));
    }

    private static Outcome runOne(Conformance c, String test) {
        List<Conformance.TestCase> cases = Conformance.discover(List.of(suite), Pattern.compile("/" + test + "$"));
        assertEquals(1, cases.size(), cases.toString());
        return c.run(cases.get(0));
    }

    @Test
    void discoversTestFoldersSortedWithSuitePrefix() {
        List<String> names = Conformance.discover(List.of(suite), null).stream().map(Conformance.TestCase::name).toList();
        assertEquals(List.of("synthetic/test_abs", "synthetic/test_abs_wrong", "synthetic/test_mystery", "synthetic/test_reshape"), names);
    }

    @Test
    void passingTest() {
        Outcome o = runOne(runner("pass"), "test_abs");
        assertEquals(Status.PASS, o.status(), o.line());
        assertEquals("PASS synthetic/test_abs", o.line());
        assertEquals(List.of("Abs"), o.ops());
    }

    @Test
    void wrongResultNamesTheWorstElement() {
        Outcome o = runOne(runner("wrong"), "test_abs_wrong");
        assertEquals(Status.WRONG_RESULT, o.status(), o.line());
        // Elements 0, 2 and 5 are negative; -4 at [1, 2] is the furthest from its absolute value.
        assertTrue(o.detail().contains("3 of 6 elements differ; worst at [1, 2]: got 4.00000000, want -4.00000000"), o.detail());
        assertTrue(o.line().startsWith("FAIL synthetic/test_abs_wrong: wrong result: "), o.line());
    }

    @Test
    void unsupportedOp() {
        Outcome o = runOne(runner("unsupported"), "test_mystery");
        assertEquals(Status.UNSUPPORTED, o.status(), o.line());
        assertEquals("unsupported op KilnNoSuchOp", o.detail());
    }

    @Test
    void runtimeShapeInputPassesSpecialised() {
        Outcome o = runOne(runner("specialised"), "test_reshape");
        assertEquals(Status.PASS_SPECIALISED, o.status(), o.line());
        assertEquals(List.of("shape"), o.bound());
    }

    @Test
    void failingCompilerIsABuildErrorWithItsFirstErrorLine() throws IOException {
        Path cc = Env.root().resolve("conformance").resolve("fake-cc");
        Files.writeString(cc, "#!/bin/sh\necho 'In file included from somewhere:'\necho 'src/model.c:1:1: error: fake compiler refuses' >&2\nexit 1\n");
        Files.setPosixFilePermissions(cc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Conformance c = new Conformance(Conformance.Options.defaults(Env.freshDir("conformance", "work", "build"))
                .withCc(cc.toString()));
        Outcome o = runOne(c, "test_abs");
        assertEquals(Status.BUILD_ERROR, o.status(), o.line());
        assertEquals("src/model.c:1:1: error: fake compiler refuses", o.detail());
    }

    @Test
    void commandPrintsOneLinePerTestTheTotalsAndWritesTheReport() throws IOException {
        Path report = Env.freshDir("conformance", "report").resolve("r.md");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "conformance", suite.toString(), "--target", "c",
                "--jobs", "2", "--report", report.toString(), "--work", Env.freshDir("conformance", "work", "cmd").toString());
        assertEquals(0, rc, err.toString());
        List<String> lines = out.toString().strip().lines().toList();
        assertEquals(5, lines.size(), out.toString());
        assertEquals("PASS synthetic/test_abs", lines.get(0));
        assertTrue(lines.get(1).startsWith("FAIL synthetic/test_abs_wrong: wrong result: "), lines.get(1));
        assertTrue(lines.get(2).startsWith("FAIL synthetic/test_mystery: unsupported: "), lines.get(2));
        assertEquals("PASS synthetic/test_reshape (specialised: shape bound)", lines.get(3));
        assertEquals("2 passed, 2 failed", lines.get(4));
        String md = Files.readString(report);
        assertTrue(md.contains("| synthetic | 4 | 1 | 1 | 1 | 0 | 0 | 1 | 0 | 0 |"), md);
        assertTrue(md.contains("| Abs | 1 / 2 |"), md);
        assertTrue(md.contains("| Reshape | 1 / 1 |"), md);
        assertTrue(md.contains("| 1 | unsupported | unsupported op KilnNoSuchOp |"), md);
        assertTrue(md.contains("- synthetic/test_abs_wrong — wrong result: "), md);
        assertTrue(md.contains("\nkiln conformance " + suite + " --target c --jobs 2 --report "), md);
        assertTrue(md.contains("|got-want| <= 0.00001 + 0.001*|want|"), md);
    }

    @Test
    void aTestOverTheTimeLimitIsStoppedAndTheNextTestsStillRun() throws IOException {
        // A compiler that hangs on one bundle: that test's worker is killed and a fresh one takes the rest.
        Path cc = Env.root().resolve("conformance").resolve("slow-cc");
        Files.writeString(cc, "#!/bin/sh\ncase \"$PWD\" in *test_abs_wrong*) sleep 60;; esac\nexec " + Conformance.defaultCc() + " \"$@\"\n");
        Files.setPosixFilePermissions(cc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Conformance c = new Conformance(Conformance.Options.defaults(Env.freshDir("conformance", "work", "timeout"))
                .withCc(cc.toString()).withJobs(1).withTestTimeout(8));
        List<Outcome> os = c.run(Conformance.discover(List.of(suite), null), null);
        assertEquals(List.of(Status.PASS, Status.TIMEOUT, Status.UNSUPPORTED, Status.PASS_SPECIALISED),
                os.stream().map(Outcome::status).toList(), os.toString());
        assertEquals(List.of("Abs"), os.get(1).ops());
    }

    @Test
    void compileBindFreezesAGraphInput() throws IOException {
        Path dir = Env.freshDir("conformance", "bind");
        Path shape = dir.resolve("shape.npy");
        kiln.tir.Npy.write(shape, NDArray.vectorLong(3, 2));
        Path model = suite.resolve("test_reshape").resolve("model.onnx");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "compile", model.toString(), "-o", dir.resolve("b").toString());
        assertEquals(Main.EXIT_ERROR, rc, out.toString());
        assertTrue(err.toString().contains("graph input 'shape'") && err.toString().contains("--bind shape="), err.toString());
        out = new StringWriter();
        err = new StringWriter();
        rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "compile", model.toString(), "-o", dir.resolve("b").toString(),
                "--bind", "shape=" + shape);
        assertEquals(0, rc, err.toString());
        assertTrue(out.toString().contains("input:     x float32[2, 3]"), out.toString());
        assertTrue(!out.toString().contains("input:     shape"), out.toString());
        assertTrue(out.toString().contains("output:    y float32[3, 2]"), out.toString());
        rc = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err = new StringWriter()), "compile", model.toString(),
                "-o", dir.resolve("c").toString(), "--bind", "nope=" + shape);
        assertEquals(Main.EXIT_ERROR, rc);
        assertTrue(err.toString().contains("'nope', which is not an input"), err.toString());
    }

    @Test
    void missingSuiteFolderIsAUsageError() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "conformance", suite.resolve("no-such-suite").toString());
        assertEquals(Main.EXIT_USAGE, rc, err.toString());
    }

    @Test
    void reportReasonsGroupMissingOps() {
        List<Outcome> os = List.of(
                new Outcome("s", "s/a", Status.UNSUPPORTED, "unsupported ops Foo, Bar", List.of("Foo", "Bar"), List.of(), 0),
                new Outcome("s", "s/b", Status.UNSUPPORTED, "unsupported op Foo", List.of("Foo"), List.of(), 0),
                new Outcome("s", "s/c", Status.PASS, "", List.of("Bar"), List.of(), 0));
        String md = ConformanceReport.markdown(new ConformanceReport.RunInfo("kiln conformance s", "today", "m", "cc", 1, 1), os);
        assertTrue(md.contains("| 2 | unsupported | unsupported op Foo |"), md);
        assertTrue(md.contains("| 1 | unsupported | unsupported op Bar |"), md);
        assertTrue(md.contains("| Bar | 1 / 2 |"), md);
    }
}
