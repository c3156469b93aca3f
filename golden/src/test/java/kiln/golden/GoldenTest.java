package kiln.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import kiln.tir.DType;
import kiln.tir.NDArray;
import kiln.tir.Npy;

class GoldenTest {
    static final List<String> SMALL = List.of("attention", "cnn", "depthwise", "mlp", "mlp_dynamic", "residual");

    @TempDir
    Path tmp;

    static List<GoldenCase> smallModels() {
        return Golden.smallModels();
    }

    @Test
    void findsTheRepository() {
        Path root = Golden.repoRoot();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")));
        assertTrue(Files.isRegularFile(root.resolve("golden").resolve("gen_golden.py")));
        assertEquals(root.resolve("golden").resolve("models"), Golden.smallModelsDir());
    }

    @Test
    void listsEverySmallModelSortedByName() {
        assertEquals(SMALL, Golden.smallModels().stream().map(GoldenCase::name).toList());
    }

    @ParameterizedTest
    @MethodSource("smallModels")
    void smallModelFilesMatchTheModelSignature(GoldenCase c) throws IOException {
        checkCase(c);
        boolean symbolic = OnnxSignature.read(c.model()).inputs().stream()
                .anyMatch(v -> v.dims().stream().anyMatch(OnnxSignature.Dim::symbolic));
        assertEquals(symbolic, Files.exists(c.folder().resolve("meta.json")), c + ": meta.json is for symbolic models only");
    }

    @Test
    void dynamicModelCarriesItsInputShapes() {
        GoldenCase c = Golden.smallModels().stream().filter(k -> k.name().equals("mlp_dynamic")).findFirst().orElseThrow();
        assertEquals(Map.of("x", List.of(2L, 16L)), c.inputShapes());
        assertEquals(List.of("x=2,16"), c.inputShapeArgs());
    }

    /** Checks that a case's npy files agree with the model's declared inputs and outputs. */
    static void checkCase(GoldenCase c) throws IOException {
        assertTrue(Files.size(c.model()) > 0, c + ": empty model.onnx");
        OnnxSignature sig = OnnxSignature.read(c.model());
        assertEquals(sig.inputs().size(), c.inputs().size(), c + ": one input_<i>.npy per graph input");
        assertEquals(sig.outputs().size(), c.outputs().size(), c + ": one output_<i>.npy per graph output");
        for (String name : c.inputShapes().keySet()) {
            assertTrue(sig.inputs().stream().anyMatch(v -> v.name().equals(name)), c + ": meta.json names unknown input " + name);
        }
        Map<String, Long> bound = new HashMap<>();
        for (int k = 0; k < c.inputs().size(); k++) {
            OnnxSignature.Value v = sig.inputs().get(k);
            NDArray a = Npy.read(c.inputs().get(k));
            String what = c + " input " + k + " (" + v.name() + ")";
            assertEquals(dtypeOf(v.elemType()), a.dtype(), what);
            long[] shape = a.shape();
            assertEquals(v.dims().size(), shape.length, what + ": rank");
            boolean symbolic = false;
            for (int d = 0; d < shape.length; d++) {
                OnnxSignature.Dim dim = v.dims().get(d);
                if (dim.symbolic()) {
                    symbolic = true;
                    Long prev = bound.putIfAbsent(dim.param(), shape[d]);
                    assertEquals(prev == null ? shape[d] : prev, shape[d], what + ": dim " + dim.param() + " bound twice");
                } else {
                    assertEquals(dim.value(), shape[d], what + ": dim " + d);
                }
            }
            if (symbolic) {
                List<Long> given = c.inputShapes().get(v.name());
                assertNotNull(given, what + " has symbolic dims " + v.dims() + " but meta.json gives no shape for it");
                assertEquals(a.shapeList(), given, what + ": meta.json shape");
            }
        }
        for (int k = 0; k < c.outputs().size(); k++) {
            OnnxSignature.Value v = sig.outputs().get(k);
            NDArray a = Npy.read(c.outputs().get(k));
            String what = c + " output " + k + " (" + v.name() + ")";
            assertEquals(dtypeOf(v.elemType()), a.dtype(), what);
            long[] shape = a.shape();
            assertEquals(v.dims().size(), shape.length, what + ": rank");
            for (int d = 0; d < shape.length; d++) {
                OnnxSignature.Dim dim = v.dims().get(d);
                long want = dim.symbolic() ? bound.getOrDefault(dim.param(), -1L) : dim.value();
                assertEquals(want, shape[d], what + ": dim " + d + " (" + dim + ")");
            }
            assertTrue(a.size() > 1, what + ": expected more than one element");
            double first = a.getDouble(0);
            boolean varies = false;
            for (int e = 0; e < a.size(); e++) {
                assertTrue(Double.isFinite(a.getDouble(e)), what + ": element " + e + " is not finite");
                varies |= a.getDouble(e) != first;
            }
            assertTrue(varies, what + ": all elements equal, a degenerate golden");
        }
    }

    static DType dtypeOf(int onnxElemType) {
        return switch (onnxElemType) {
            case 1 -> DType.FLOAT32;
            case 2 -> DType.UINT8;
            case 3 -> DType.INT8;
            case 4 -> DType.UINT16;
            case 5 -> DType.INT16;
            case 6 -> DType.INT32;
            case 7 -> DType.INT64;
            case 9 -> DType.BOOL;
            case 10 -> DType.FLOAT16;
            case 11 -> DType.FLOAT64;
            case 12 -> DType.UINT32;
            case 13 -> DType.UINT64;
            case 16 -> DType.BFLOAT16;
            default -> throw new AssertionError("unexpected ONNX element type " + onnxElemType);
        };
    }

    @Test
    void loadRejectsGapsInTheNumbering() throws IOException {
        GoldenCase mlp = Golden.smallModels().stream().filter(k -> k.name().equals("mlp")).findFirst().orElseThrow();
        Path dir = Files.createDirectories(tmp.resolve("gappy"));
        Files.copy(mlp.model(), dir.resolve("model.onnx"));
        Files.copy(mlp.inputs().get(0), dir.resolve("input_0.npy"));
        Files.copy(mlp.inputs().get(0), dir.resolve("input_2.npy"));
        Files.copy(mlp.outputs().get(0), dir.resolve("output_0.npy"));
        String msg = assertThrows(IllegalStateException.class, () -> Golden.load(dir)).getMessage();
        assertTrue(msg.contains("input_2.npy") && msg.contains("without gaps"), msg);

        Files.delete(dir.resolve("input_2.npy"));
        Files.delete(dir.resolve("output_0.npy"));
        msg = assertThrows(IllegalStateException.class, () -> Golden.load(dir)).getMessage();
        assertTrue(msg.contains("no output_0.npy"), msg);
    }

    @Test
    void parsesMetaJson() throws IOException {
        Path meta = tmp.resolve("meta.json");
        Files.writeString(meta, "{\"input_shapes\": {\"x\": [2, 16], \"mask\": [2, 1, 8]}}\n");
        Map<String, List<Long>> shapes = Golden.readInputShapes(meta);
        assertEquals(List.of("x", "mask"), List.copyOf(shapes.keySet()));
        assertEquals(List.of(2L, 1L, 8L), shapes.get("mask"));

        Files.writeString(meta, "{\"input_shapes\": {\"x\": [2, 1.5]}}");
        assertThrows(IllegalStateException.class, () -> Golden.readInputShapes(meta));
        Files.writeString(meta, "{\"shapes\": {}}");
        assertThrows(IllegalStateException.class, () -> Golden.readInputShapes(meta));
        Files.writeString(meta, "{\"input_shapes\": ");
        assertThrows(IllegalStateException.class, () -> Golden.readInputShapes(meta));
    }

    @Test
    void torchExportIsUnavailableWithoutPython() {
        GoldenUnavailable e = assertThrows(GoldenUnavailable.class,
                () -> Golden.realArchitectures(tmp.resolve("cache"), tmp.resolve("no-such-python").toString()));
        assertTrue(e.getMessage().contains("no-such-python"), e.getMessage());
    }

    /** Exports the real architectures on first use (a few seconds); skipped without torch except in CI. */
    @Test
    void realArchitecturesAreExportedAndConsistent() throws IOException {
        List<GoldenCase> cases;
        try {
            cases = Golden.realArchitectures(Golden.defaultTorchCache());
        } catch (GoldenUnavailable e) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("torch golden models are required in CI: " + e.getMessage());
            Assumptions.abort(e.getMessage());
            return;
        }
        assertEquals(Golden.REAL_ARCHITECTURES, cases.stream().map(GoldenCase::name).toList());
        for (GoldenCase c : cases) {
            checkCase(c);
            assertTrue(c.inputShapes().isEmpty(), c + ": real architectures have static shapes");
            List<Long> in = Npy.readHeader(c.inputs().get(0)).shapeList();
            assertEquals(c.name().equals("transformer_encoder") ? List.of(1L, 16L, 64L) : List.of(1L, 3L, 224L, 224L), in);
        }
        // A second call finds the cache current and does not export again.
        Path stamp = Golden.defaultTorchCache().resolve("resnet18").resolve("model.onnx");
        long before = Files.getLastModifiedTime(stamp).toMillis();
        try {
            Golden.realArchitectures(Golden.defaultTorchCache());
        } catch (GoldenUnavailable e) {
            fail("the cache was complete, no export should be needed: " + e.getMessage());
        }
        assertEquals(before, Files.getLastModifiedTime(stamp).toMillis());
        assertFalse(cases.isEmpty());
    }
}
