package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.emit.c.EmitOptions;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import kiln.target.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same model compiled twice gives byte-identical bundles, also into another output path and from
 * a copy of the model in another folder: nothing in a bundle depends on the time, the machine, hash
 * ordering or absolute paths.
 */
class DeterminismTest {
    static Stream<Arguments> goldenCases() {
        List<Arguments> out = new ArrayList<>();
        for (GoldenCase c : Golden.smallModels()) {
            out.add(Arguments.of(c, EmitOptions.Weights.FILE));
            out.add(Arguments.of(c, EmitOptions.Weights.EMBED));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldenCases")
    void goldenModel(GoldenCase c, EmitOptions.Weights weights) throws IOException {
        Path work = Env.freshDir("determinism", c.name() + "-" + weights.name().toLowerCase(java.util.Locale.ROOT));
        checkDeterministic(c.model(), c.inputShapes(), weights, work);
    }

    @Test
    void fixtureModelWithWeightsFile() throws IOException {
        Path work = Env.freshDir("determinism", "tiny_mlp");
        Path model = OnnxFixtures.write(work.resolve("src").resolve("tiny_mlp.onnx"), OnnxFixtures.tinyMlp(2L));
        Map<String, byte[]> files = checkDeterministic(model, Map.of(), EmitOptions.Weights.FILE, work);
        assertTrue(files.containsKey("weights.bin"), "--weights file should write weights.bin; files: " + files.keySet());
    }

    /** Compiles four times (two fresh folders, another path, a copied model) and compares every file. */
    private static Map<String, byte[]> checkDeterministic(Path model, Map<String, List<Long>> shapes, EmitOptions.Weights weights,
                                                          Path work) throws IOException {
        CompileRequest req = CompileRequest.of(model, Target.c()).withInputShapes(shapes).withWeights(weights);
        Path first = work.resolve("run1").resolve("bundle");
        Path second = work.resolve("run2").resolve("bundle");
        Path elsewhere = work.resolve("somewhere").resolve("else entirely").resolve("other_name");
        Kiln.compileTo(req, first, false);
        Kiln.compileTo(req, second, false);
        Kiln.compileTo(req, elsewhere, false);

        Path copyDir = Files.createDirectories(work.resolve("copied model"));
        Path copy = Files.copy(model, copyDir.resolve(model.getFileName()));
        Path fromCopy = work.resolve("from_copy");
        Kiln.compileTo(CompileRequest.of(copy, Target.c()).withInputShapes(shapes).withWeights(weights), fromCopy, false);

        Map<String, byte[]> a = tree(first);
        assertFalse(a.isEmpty(), "empty bundle");
        assertSameTree(a, tree(second), "second compile into a fresh folder");
        assertSameTree(a, tree(elsewhere), "compile into another path");
        assertSameTree(a, tree(fromCopy), "compile of a copy of the model in another folder");

        List<String> paths = List.of(work.toString(), model.toAbsolutePath().getParent().toString(), first.toString(),
                Path.of("").toAbsolutePath().toString());
        for (Map.Entry<String, byte[]> f : a.entrySet()) {
            String text = new String(f.getValue(), StandardCharsets.ISO_8859_1);
            for (String p : paths) {
                if (p != null && p.length() > 1) assertFalse(text.contains(p), f.getKey() + " contains the absolute path " + p);
            }
        }
        return a;
    }

    private static void assertSameTree(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": file lists differ");
        for (String f : expected.keySet()) {
            assertArrayEquals(expected.get(f), actual.get(f), what + ": " + f + " differs");
        }
    }

    /** Relative path → contents of every file under {@code dir}. */
    private static Map<String, byte[]> tree(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return m;
    }
}
