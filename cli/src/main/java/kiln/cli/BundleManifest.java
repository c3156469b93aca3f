package kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import kiln.diag.KilnError;

/**
 * What the CLI needs from a bundle's {@code manifest.json}: model name, inputs and outputs in the
 * order the generated code takes them, kernel count, workspace and weights sizes.
 */
public record BundleManifest(String modelName, String target, List<Tensor> inputs, List<Tensor> outputs, long kernels,
                             long workspaceBytes, long weightsBytes, String weights) {
    /** One model input or output as the manifest describes it. */
    public record Tensor(String name, String dtype, List<Long> shape) {
        public Tensor {
            shape = List.copyOf(shape);
        }

        /** {@code float32[1, 3, 224, 224]}. */
        public String describe() {
            return dtype + shape.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    public BundleManifest {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** True when the weights live in {@code weights.bin} rather than in the C sources. */
    public boolean weightsInFile() {
        return "weights.bin".equals(weights);
    }

    /** Reads {@code manifest.json} of the bundle folder {@code bundle}. */
    public static BundleManifest read(Path bundle) {
        Path file = bundle.resolve("manifest.json");
        if (!Files.isDirectory(bundle)) {
            throw new KilnError(bundle + " is not a folder; pass the folder that kiln compile -o wrote");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KilnError(bundle + " is not a Kiln bundle: it has no manifest.json; pass the folder that kiln compile -o wrote");
        } catch (IOException e) {
            throw new KilnError("cannot read " + file + ": " + e.getMessage());
        }
        return parse(bytes, file.toString());
    }

    /** Parses the manifest's JSON text; {@code source} names it in error messages. */
    public static BundleManifest parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new KilnError(source + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); regenerate the bundle with kiln compile");
        }
        if (root == null || !root.isObject()) {
            throw new KilnError(source + " is not a Kiln manifest (expected a JSON object); regenerate the bundle with kiln compile");
        }
        JsonNode model = root.path("model");
        return new BundleManifest(text(model, "name", source), text(root, "target", source),
                tensors(root, "inputs", source), tensors(root, "outputs", source), number(root, "kernels", source),
                number(root, "workspace_bytes", source), number(root, "weights_bytes", source), text(root, "weights", source));
    }

    private static List<Tensor> tensors(JsonNode root, String field, String source) {
        JsonNode list = root.get(field);
        if (list == null || !list.isArray()) throw broken(source, "has no \"" + field + "\" list");
        List<Tensor> out = new ArrayList<>();
        for (JsonNode t : list) {
            JsonNode shape = t.get("shape");
            if (shape == null || !shape.isArray()) throw broken(source, "has an entry of \"" + field + "\" without a shape");
            List<Long> dims = new ArrayList<>();
            for (JsonNode d : shape) {
                if (!d.canConvertToLong()) throw broken(source, "has a non-integer dimension in \"" + field + "\"");
                dims.add(d.asLong());
            }
            out.add(new Tensor(text(t, "name", source), text(t, "dtype", source), dims));
        }
        return out;
    }

    private static String text(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw broken(source, "has no text field \"" + field + "\"");
        return v.asText();
    }

    private static long number(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToLong()) throw broken(source, "has no integer field \"" + field + "\"");
        return v.asLong();
    }

    private static KilnError broken(String source, String what) {
        return new KilnError(source + " " + what + "; it was not written by this version of Kiln: regenerate the bundle with kiln compile");
    }
}
