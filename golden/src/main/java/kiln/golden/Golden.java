package kiln.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Locates Kiln's golden test data.
 *
 * <ul>
 *   <li>{@link #smallModels()}: the small hand-built models committed under {@code golden/models}
 *       (made by {@code golden/gen_golden.py}).
 *   <li>{@link #realArchitectures(Path)}: real networks exported from torch/torchvision by
 *       {@code golden/export_torch.py} into a cache folder outside git, on first use.
 * </ul>
 *
 * The python interpreter is {@code /usr/bin/python3} unless the environment variable
 * {@code KILN_PYTHON} names another.
 */
public final class Golden {
    private Golden() {}

    /** The real architectures {@code export_torch.py} produces, in name order. */
    public static final List<String> REAL_ARCHITECTURES =
            List.of("efficientnet_b0", "mobilenet_v2", "resnet18", "resnet50", "squeezenet1_1", "transformer_encoder");

    private static final Pattern DATA_FILE = Pattern.compile("(input|output)_(\\d+)\\.npy");
    private static final String STAMP = ".export_torch.sha256";
    private static final long EXPORT_TIMEOUT_MINUTES = 15;

    /** The python interpreter used to run the generator scripts. */
    public static String python() {
        String p = System.getenv("KILN_PYTHON");
        return p != null && !p.isBlank() ? p : "/usr/bin/python3";
    }

    /**
     * The repository root: the nearest folder, from the working directory upwards, that contains
     * both {@code pom.xml} and {@code golden/models}.
     */
    public static Path repoRoot() {
        Path start = Path.of("").toAbsolutePath().normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("golden").resolve("models"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Kiln repository root (a folder with pom.xml and golden/models) "
                + "from " + start + " or any folder above it");
    }

    /** {@code <repo>/golden/models}. */
    public static Path smallModelsDir() {
        return repoRoot().resolve("golden").resolve("models");
    }

    /** The usual cache folder for {@link #realArchitectures(Path)}: {@code <repo>/target/golden-torch}. */
    public static Path defaultTorchCache() {
        return repoRoot().resolve("target").resolve("golden-torch");
    }

    /** Every case under {@code golden/models}, sorted by name. */
    public static List<GoldenCase> smallModels() {
        return casesIn(smallModelsDir());
    }

    /** Every case folder (a sub-folder with a {@code model.onnx}) directly under {@code dir}, sorted by name. */
    public static List<GoldenCase> casesIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.onnx")))
                    .sorted()
                    .map(Golden::load)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list golden cases in " + dir, e);
        }
    }

    /**
     * Reads one case folder: {@code model.onnx}, {@code input_<i>.npy} and {@code output_<i>.npy}
     * numbered from 0 without gaps, and the optional {@code meta.json}.
     */
    public static GoldenCase load(Path folder) {
        Path model = folder.resolve("model.onnx");
        if (!Files.isRegularFile(model)) throw new IllegalStateException(folder + ": golden case has no model.onnx");
        Map<String, List<Integer>> numbers = new LinkedHashMap<>();
        numbers.put("input", new ArrayList<>());
        numbers.put("output", new ArrayList<>());
        try (Stream<Path> s = Files.list(folder)) {
            for (Iterator<Path> it = s.iterator(); it.hasNext();) {
                Matcher m = DATA_FILE.matcher(it.next().getFileName().toString());
                if (m.matches()) numbers.get(m.group(1)).add(Integer.parseInt(m.group(2)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        List<Path> inputs = numbered(folder, "input", numbers.get("input"));
        List<Path> outputs = numbered(folder, "output", numbers.get("output"));
        if (outputs.isEmpty()) throw new IllegalStateException(folder + ": golden case has no output_0.npy");
        Path meta = folder.resolve("meta.json");
        Map<String, List<Long>> shapes = Files.exists(meta) ? readInputShapes(meta) : Map.of();
        return new GoldenCase(folder.getFileName().toString(), folder, model, inputs, outputs, shapes);
    }

    private static List<Path> numbered(Path folder, String kind, List<Integer> found) {
        List<Integer> sorted = found.stream().sorted().toList();
        for (int k = 0; k < sorted.size(); k++) {
            if (sorted.get(k) != k) {
                throw new IllegalStateException(folder + ": " + kind + " files must be numbered 0.." + (sorted.size() - 1)
                        + " without gaps, found " + kind + "_" + sorted.get(k) + ".npy where " + kind + "_" + k
                        + ".npy was expected");
            }
        }
        return sorted.stream().map(k -> folder.resolve(kind + "_" + k + ".npy")).toList();
    }

    /** Parses {@code {"input_shapes": {"x": [2, 16], ...}}}. */
    static Map<String, List<Long>> readInputShapes(Path meta) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(meta.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(meta + ": invalid JSON: " + e.getMessage(), e);
        }
        JsonNode shapes = root == null ? null : root.get("input_shapes");
        if (shapes == null || !shapes.isObject()) {
            throw new IllegalStateException(meta + ": expected an object {\"input_shapes\": {\"name\": [dims...]}}");
        }
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : shapes.properties()) {
            if (!e.getValue().isArray()) throw new IllegalStateException(meta + ": input_shapes." + e.getKey() + " is not a list");
            List<Long> dims = new ArrayList<>();
            for (JsonNode d : e.getValue()) {
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                    throw new IllegalStateException(meta + ": input_shapes." + e.getKey() + " must hold non-negative integers");
                }
                dims.add(d.asLong());
            }
            out.put(e.getKey(), dims);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------

    /**
     * The real architectures of {@link #REAL_ARCHITECTURES}, exported by {@code golden/export_torch.py}
     * into {@code cacheDir} (typically {@link #defaultTorchCache()}) unless it already holds them from
     * the current version of the script.
     *
     * @throws GoldenUnavailable if the export is needed and the python interpreter cannot import
     *                           torch, torchvision and onnx
     */
    public static List<GoldenCase> realArchitectures(Path cacheDir) throws GoldenUnavailable {
        return realArchitectures(cacheDir, python());
    }

    static synchronized List<GoldenCase> realArchitectures(Path cacheDir, String python) throws GoldenUnavailable {
        Path root = repoRoot();
        Path script = root.resolve("golden").resolve("export_torch.py");
        String stamp = sha256(script);
        if (!cacheIsCurrent(cacheDir, stamp)) {
            try {
                Files.createDirectories(cacheDir);
                // Serialises exports between processes (parallel builds); re-checks after waiting.
                try (FileChannel ch = FileChannel.open(cacheDir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
                    if (lock.isValid() && !cacheIsCurrent(cacheDir, stamp)) export(root, script, cacheDir, stamp, python);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the torch golden cache " + cacheDir, e);
            }
        }
        return REAL_ARCHITECTURES.stream().map(n -> load(cacheDir.resolve(n))).toList();
    }

    private static boolean cacheIsCurrent(Path cacheDir, String stamp) {
        try {
            Path s = cacheDir.resolve(STAMP);
            if (!Files.isRegularFile(s) || !Files.readString(s).strip().equals(stamp)) return false;
        } catch (IOException e) {
            return false;
        }
        for (String name : REAL_ARCHITECTURES) {
            Path d = cacheDir.resolve(name);
            for (String f : List.of("model.onnx", "input_0.npy", "output_0.npy")) {
                if (!Files.isRegularFile(d.resolve(f))) return false;
            }
        }
        return true;
    }

    private static void export(Path root, Path script, Path cacheDir, String stamp, String python)
            throws IOException, GoldenUnavailable {
        checkTorch(python);
        Files.deleteIfExists(cacheDir.resolve(STAMP));
        Path log = cacheDir.resolve("export.log");
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), cacheDir.toAbsolutePath().toString()));
        cmd.addAll(REAL_ARCHITECTURES);
        Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean done;
        try {
            done = p.waitFor(EXPORT_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while exporting the torch golden models", e);
        }
        if (!done) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + EXPORT_TIMEOUT_MINUTES
                    + " minutes; log: " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed with exit code " + p.exitValue() + ":\n"
                    + tail(Files.readString(log, StandardCharsets.UTF_8), 4000));
        }
        Files.writeString(cacheDir.resolve(STAMP), stamp + "\n");
    }

    /** Throws GoldenUnavailable unless {@code python} can import torch, torchvision, onnx and numpy. */
    static void checkTorch(String python) throws GoldenUnavailable {
        Process p;
        try {
            p = new ProcessBuilder(python, "-c", "import numpy, onnx, torch, torchvision").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new GoldenUnavailable("cannot run " + python + " to export the torch golden models (" + e.getMessage()
                    + "); install python3 with torch, torchvision and onnx, or set KILN_PYTHON", e);
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new GoldenUnavailable(python + " took more than 5 minutes to import torch");
            }
            if (p.exitValue() != 0) {
                throw new GoldenUnavailable(python + " cannot import torch/torchvision/onnx/numpy, which the torch golden "
                        + "models need (install them, or set KILN_PYTHON to a python3 that has them):\n"
                        + tail(new String(out, StandardCharsets.UTF_8).strip(), 1000));
            }
        } catch (IOException e) {
            throw new GoldenUnavailable("cannot read the output of " + python + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new GoldenUnavailable("interrupted while checking for torch", e);
        }
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
