package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kiln.diag.KilnError;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.OnnxModel;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the ONNX backend node tests of the nn op family (Debian's libonnx-testdata) through the importer and
 * the reference interpreter and compares with the suite's expected outputs. Tests of unsupported modes
 * (training, argmax indices) must fail with a KilnError that says why.
 */
class NnBackendSuiteTest {
    private static final Path ROOT = Path.of(System.getProperty("kiln.onnx.nodeTests", "/usr/share/libonnx-testdata/data/node"));

    private static final List<String> PREFIXES = List.of("test_averagepool_", "test_basic_conv_", "test_batchnorm_", "test_conv_",
            "test_convtranspose", "test_gemm_", "test_globalaveragepool", "test_globalmaxpool", "test_instancenorm_",
            "test_layer_normalization_", "test_logsoftmax_", "test_lrn", "test_matmul_", "test_maxpool_", "test_softmax_",
            "test_lpnormalization");

    /** Expected rejections: test-name fragment → fragment of the error message. */
    private static final Map<String, String> REJECTED = Map.of(
            "_training_mode", "training",
            "test_maxpool_with_argmax", "Indices");

    @TestFactory
    Stream<DynamicTest> nnNodeTests() throws IOException {
        if (!Files.isDirectory(ROOT)) {
            String msg = ROOT + " is missing: install Debian's libonnx-testdata package to run the nn backend node tests";
            if ("true".equals(System.getenv("CI"))) fail(msg);
            Assumptions.abort(msg);
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT)) {
            dirs = s.filter(d -> {
                String n = d.getFileName().toString();
                return PREFIXES.stream().anyMatch(n::startsWith) && !n.endsWith("_expanded") && Files.isRegularFile(d.resolve("model.onnx"));
            }).sorted().toList();
        }
        assertTrue(dirs.size() > 50, "expected the nn node tests under " + ROOT);
        return dirs.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> run(d)));
    }

    private static void run(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        OnnxModel model = OnnxLoader.load(dir.resolve("model.onnx"));
        for (var e : REJECTED.entrySet()) {
            if (name.contains(e.getKey())) {
                KilnError err = assertThrows(KilnError.class, () -> OnnxImporter.importModel(model, Map.of()));
                assertTrue(err.getMessage().contains(e.getValue()), err.getMessage());
                return;
            }
        }
        IRModule mod = OnnxImporter.importModel(model, Map.of());
        Path data = dir.resolve("test_data_set_0");
        List<NDArray> inputs = new ArrayList<>(), expected = new ArrayList<>();
        for (int k = 0; Files.exists(data.resolve("input_" + k + ".pb")); k++) inputs.add(OnnxLoader.loadTensor(data.resolve("input_" + k + ".pb")).value());
        for (int k = 0; Files.exists(data.resolve("output_" + k + ".pb")); k++) expected.add(OnnxLoader.loadTensor(data.resolve("output_" + k + ".pb")).value());
        // Graph inputs that are initializers are folded; pass only the runtime ones.
        int params = mod.main().params().size();
        List<NDArray> actual = Interpreter.run(mod, inputs.subList(0, params));
        assertEquals(expected.size(), actual.size(), "outputs");
        for (int k = 0; k < expected.size(); k++) {
            NDArray e = expected.get(k), a = actual.get(k);
            assertEquals(e.shapeList(), a.shapeList(), "shape of output " + k);
            assertEquals(e.dtype(), a.dtype(), "dtype of output " + k);
            double[] ev = e.toDoubleArray(), av = a.toDoubleArray();
            for (int i = 0; i < ev.length; i++) {
                if (Math.abs(ev[i] - av[i]) > 1e-5 + 1e-3 * Math.abs(ev[i])) {
                    fail(name + " output " + k + " element " + i + ": expected " + ev[i] + " but got " + av[i]);
                }
            }
        }
    }
}
