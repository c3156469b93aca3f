package kiln.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import kiln.diag.KilnError;
import kiln.tir.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Loads every model and every input/output tensor of the ONNX backend node tests (Debian's
 * libonnx-testdata). Only KilnErrors for content Kiln genuinely does not support are allowed.
 */
class BackendSuiteLoadTest {
    /** Debian's libonnx-testdata location; the system property {@code kiln.onnx.nodeTests} overrides it. */
    private static final Path ROOT = Path.of(System.getProperty("kiln.onnx.nodeTests",
            "/usr/share/libonnx-testdata/data/node"));
    private static final Pattern PB = Pattern.compile("(input|output)_(\\d+)\\.pb");

    @Test
    void loadsEveryBackendNodeTest() throws IOException {
        if (!Files.isDirectory(ROOT)) {
            String msg = ROOT + " is missing: install Debian's libonnx-testdata package to run the backend-suite"
                    + " load test";
            if ("true".equals(System.getenv("CI"))) fail(msg);
            Assumptions.abort(msg);
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("model.onnx"))).sorted().toList();
        }
        int models = 0;
        int tensors = 0;
        int[] graphStats = new int[2]; // nodes, nested graphs
        int functions = 0;
        Map<String, List<String>> unsupported = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<String> quirks = new ArrayList<>();
        for (Path dir : dirs) {
            OnnxModel model;
            try {
                model = OnnxLoader.load(dir.resolve("model.onnx"));
                models++;
                countGraph(model.graph(), graphStats);
                functions += model.functions().size();
                assertFalse(model.opsets().isEmpty(), dir + " imports an operator set");
            } catch (KilnError e) {
                unsupported.computeIfAbsent(category(e), k -> new ArrayList<>()).add(dir.getFileName() + ": " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                failures.add(dir.getFileName() + "/model.onnx: " + e);
                continue;
            }
            List<Path> pbs;
            try (Stream<Path> s = Files.walk(dir)) {
                pbs = s.filter(p -> p.getFileName().toString().endsWith(".pb")).sorted().toList();
            }
            for (Path pb : pbs) {
                Matcher m = PB.matcher(pb.getFileName().toString());
                Optional<OnnxValueInfo> declared = Optional.empty();
                if (m.matches()) {
                    List<OnnxValueInfo> list = m.group(1).equals("input") ? model.graph().inputs() : model.graph().outputs();
                    int k = Integer.parseInt(m.group(2));
                    if (k < list.size()) declared = Optional.of(list.get(k));
                }
                String rel = ROOT.relativize(pb).toString();
                try {
                    OnnxTensorFile t = OnnxLoader.loadTensor(pb);
                    tensors++;
                    if (declared.isPresent() && declared.get().type().isPresent()) {
                        if (!(declared.get().type().get() instanceof OnnxType.TensorT tt)) {
                            failures.add(rel + ": loaded as a tensor although the model declares "
                                    + declared.get().type().get().describe());
                            continue;
                        }
                        DType want = tt.dtype().orElseThrow();
                        if (want != t.value().dtype()) {
                            // The suite's data predates numpy bfloat16 support: bfloat16 values are stored as
                            // their uint16 bit patterns.
                            if (want == DType.BFLOAT16 && t.value().dtype() == DType.UINT16) {
                                quirks.add(rel + ": bfloat16 stored as uint16");
                            } else {
                                failures.add(rel + ": dtype " + t.value().dtype() + " but declared " + tt.describe());
                            }
                        }
                        Optional<long[]> shape = tt.staticShape();
                        if (shape.isPresent() && !Arrays.equals(shape.get(), t.value().shape())) {
                            // CastLike's "like" input only contributes its type; some models declare a
                            // shape for it that the data does not have.
                            if (dir.getFileName().toString().startsWith("test_castlike_") && rel.endsWith("input_1.pb")) {
                                quirks.add(rel + ": CastLike 'like' input of shape " + Arrays.toString(t.value().shape())
                                        + " declared as " + tt.describe());
                            } else {
                                failures.add(rel + ": shape " + Arrays.toString(t.value().shape()) + " but declared "
                                        + tt.describe());
                            }
                        }
                    }
                } catch (KilnError e) {
                    boolean tensorDeclared = declared.flatMap(OnnxValueInfo::type)
                            .map(ty -> ty instanceof OnnxType.TensorT tt && tt.dtype().isPresent()).orElse(false);
                    if (tensorDeclared) {
                        failures.add(rel + ": KilnError for a supported tensor: " + e.getMessage());
                    } else {
                        unsupported.computeIfAbsent(category(e), k -> new ArrayList<>()).add(rel + ": " + e.getMessage());
                    }
                } catch (RuntimeException e) {
                    failures.add(rel + ": " + e);
                }
            }
        }
        System.out.println("backend node suite: loaded " + models + " of " + dirs.size() + " models ("
                + graphStats[0] + " nodes, " + graphStats[1] + " nested graphs, " + functions
                + " model-local functions) and " + tensors + " tensor files; " + unsupported.values().stream()
                        .mapToInt(List::size).sum() + " files rejected as unsupported");
        unsupported.forEach((cat, list) -> {
            System.out.println("  unsupported (" + list.size() + "): " + cat);
            list.forEach(x -> System.out.println("      " + x));
        });
        quirks.forEach(q -> System.out.println("  known test-data quirk: " + q));
        failures.forEach(f -> System.out.println("  FAILURE: " + f));
        assertTrue(failures.isEmpty(), failures.size() + " unexpected failures, first: " + (failures.isEmpty() ? "" : failures.get(0)));
        assertTrue(models > 0);
    }

    private static void countGraph(OnnxGraph g, int[] stats) {
        for (OnnxNode n : g.nodes()) {
            stats[0]++;
            for (OnnxAttribute a : n.attributes().values()) {
                if (a instanceof OnnxAttribute.Graph sub) {
                    stats[1]++;
                    countGraph(sub.value(), stats);
                } else if (a instanceof OnnxAttribute.Graphs subs) {
                    for (OnnxGraph sub : subs.values()) {
                        stats[1]++;
                        countGraph(sub, stats);
                    }
                }
            }
        }
    }

    @Test
    void valuesAndNestedGraphsOfKnownTests() {
        Assumptions.assumeTrue(Files.isDirectory(ROOT), ROOT + " is missing");
        // Abs: the output is the absolute value of the input.
        Path abs = ROOT.resolve("test_abs/test_data_set_0");
        var x = OnnxLoader.loadTensor(abs.resolve("input_0.pb"));
        var y = OnnxLoader.loadTensor(abs.resolve("output_0.pb"));
        assertEquals("x", x.name());
        assertEquals(DType.FLOAT32, x.value().dtype());
        assertArrayEquals(x.value().shape(), y.value().shape());
        for (int k = 0; k < x.value().size(); k++) {
            assertEquals(Math.abs(x.value().getDouble(k)), y.value().getDouble(k));
        }
        // If: both branches are graphs with their own nodes.
        OnnxModel iff = OnnxLoader.load(ROOT.resolve("test_if/model.onnx"));
        OnnxNode node = iff.graph().nodes().stream().filter(n -> n.opType().equals("If")).findFirst().orElseThrow();
        assertFalse(node.attrGraph("then_branch").orElseThrow().nodes().isEmpty());
        assertFalse(node.attrGraph("else_branch").orElseThrow().nodes().isEmpty());
    }

    private static String category(KilnError e) {
        String m = e.getMessage();
        int i = m.indexOf(" has data type ");
        if (i >= 0) return m.substring(i, m.indexOf(',', i));
        if (m.contains("string tensors are not supported")) return "string tensors";
        return m.replaceAll("'[^']*'", "'…'").replaceAll("^[^:]*: ", "");
    }
}
