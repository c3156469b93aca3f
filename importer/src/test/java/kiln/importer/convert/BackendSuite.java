package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import kiln.importer.onnx.OnnxLoader;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared harness of the op-family backend tests: runs the ONNX backend node tests whose folder
 * names match a pattern (Debian's libonnx-testdata) through the importer and the reference
 * interpreter, and compares every output with the suite's expected values.
 */
final class BackendSuite {
    /** Debian's libonnx-testdata location; the system property {@code kiln.onnx.nodeTests} overrides it. */
    static final Path ROOT = Path.of(System.getProperty("kiln.onnx.nodeTests", "/usr/share/libonnx-testdata/data/node"));

    private final Path tmp;

    private BackendSuite(Path tmp) {
        this.tmp = tmp;
    }

    /**
     * Runs every non-expanded test folder matching {@code ops} except {@code skip}; fails with every
     * mismatch listed. Skips when the suite is missing, except in CI (CI=true), where that fails.
     */
    static void check(String label, Pattern ops, Set<String> skip, Path tmp) throws IOException {
        new BackendSuite(tmp).run(label, ops, skip);
    }

    private void run(String label, Pattern ops, Set<String> skip) throws IOException {
        if (!Files.isDirectory(ROOT)) {
            String msg = ROOT + " is missing: install Debian's libonnx-testdata package to run the backend tests";
            if ("true".equals(System.getenv("CI"))) fail(msg);
            Assumptions.abort(msg);
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(ROOT)) {
            dirs = s.filter(d -> ops.matcher(d.getFileName().toString()).matches())
                    .filter(d -> !d.getFileName().toString().endsWith("_expanded"))
                    .filter(d -> !skip.contains(d.getFileName().toString()))
                    .filter(d -> Files.isRegularFile(d.resolve("model.onnx"))).sorted().toList();
        }
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            try {
                List<Path> sets;
                try (Stream<Path> s = Files.list(dir)) {
                    sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
                }
                for (Path set : sets) {
                    List<NDArray> inputs = tensors(set, "input_");
                    List<NDArray> expected = tensors(set, "output_");
                    List<NDArray> got = runWithConstants(dir, set, inputs);
                    for (int k = 0; k < expected.size(); k++) {
                        String problem = compare(expected.get(k), got.get(k));
                        if (problem != null) failures.add(name + "/" + set.getFileName() + " output " + k + ": " + problem);
                    }
                    cases++;
                }
            } catch (RuntimeException e) {
                failures.add(name + ": " + e);
            }
        }
        assertTrue(cases > 0, "no backend tests found under " + ROOT);
        System.out.println(label + " backend tests: " + dirs.size() + " models, " + cases + " data sets, " + failures.size() + " failures");
        if (!failures.isEmpty()) fail(failures.size() + " of " + cases + " backend cases failed:\n" + String.join("\n", failures));
    }

    /**
     * The suite feeds shape-defining values (Reshape's shape, Resize's scales, ...) as graph inputs, which
     * Kiln requires to be constants. Imports with every input at run time first; if the importer asks for a
     * constant, binds all inputs but the first (then all of them) as initializers and imports again.
     */
    private List<NDArray> runWithConstants(Path dir, Path set, List<NDArray> inputs) throws IOException {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        KilnError last = null;
        for (int firstConst : new int[] {inputs.size(), 1, 0}) {
            GraphProto.Builder g = proto.getGraph().toBuilder();
            for (int k = firstConst; k < inputs.size(); k++) {
                TensorProto t = TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_" + k + ".pb")));
                g.addInitializer(t.toBuilder().setName(g.getInput(k).getName()));
            }
            Path file = Files.createTempFile(tmp, "model", ".onnx");
            Files.write(file, proto.toBuilder().setGraph(g).build().toByteArray());
            try {
                IRModule mod = OnnxImporter.importModel(OnnxLoader.load(file), Map.of());
                return Interpreter.run(mod, inputs.subList(0, firstConst));
            } catch (KilnError e) {
                if (!e.getMessage().contains("compile-time constant")) throw e;
                last = e;
            }
        }
        throw last;
    }

    private static List<NDArray> tensors(Path set, String prefix) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(set)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".pb"))
                    .sorted((a, b) -> Integer.compare(index(a), index(b))).toList();
        }
        List<NDArray> out = new ArrayList<>();
        for (Path p : files) out.add(OnnxLoader.loadTensor(p).value());
        return out;
    }

    private static int index(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(n.indexOf('_') + 1, n.length() - 3));
    }

    private static String compare(NDArray e, NDArray g) {
        if (e.dtype() != g.dtype()) return "dtype " + g.dtype() + " instead of " + e.dtype();
        if (!Arrays.equals(e.shape(), g.shape())) return "shape " + g.shapeList() + " instead of " + e.shapeList();
        for (int k = 0; k < e.size(); k++) {
            if (e.dtype().isFloat()) {
                double a = e.getDouble(k), b = g.getDouble(k);
                if (Double.isNaN(a) && Double.isNaN(b)) continue;
                if (Math.abs(a - b) > 1e-5 + 1e-4 * Math.abs(a)) return "element " + k + " is " + b + ", expected " + a;
            } else if (e.getLong(k) != g.getLong(k)) {
                return "element " + k + " is " + g.getLong(k) + ", expected " + e.getLong(k);
            }
        }
        return null;
    }
}
