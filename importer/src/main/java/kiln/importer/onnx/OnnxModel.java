package kiln.importer.onnx;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import kiln.diag.KilnError;

/**
 * A loaded ONNX model. {@code opsets} maps each imported operator-set domain ({@code ""} for the default
 * ai.onnx set) to its version, sorted by domain. {@code producer} is the producer name followed by its
 * version when the model gives one (e.g. {@code "pytorch 2.3.0"}), or {@code ""}.
 */
public record OnnxModel(Path file, long irVersion, Map<String, Long> opsets, String producer, OnnxGraph graph,
        List<OnnxFunction> functions) {

    public OnnxModel {
        Objects.requireNonNull(file, "file");
        opsets = Collections.unmodifiableMap(new TreeMap<>(opsets));
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(graph, "graph");
        functions = List.copyOf(functions);
    }

    public OptionalLong opset(String domain) {
        Long v = opsets.get(domain);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The version of the default (ai.onnx) operator set; a KilnError if the model imports none. */
    public long onnxOpset() {
        Long v = opsets.get("");
        if (v == null) {
            throw new KilnError(file + " does not import the default ONNX operator set (ai.onnx) but only " + opsets
                    + "; Kiln converts ai.onnx operators: re-export the model with an ai.onnx opset");
        }
        return v;
    }

    /** The model-local function called by a node of this domain and op type, if there is one. */
    public Optional<OnnxFunction> function(String domain, String name) {
        return functions.stream().filter(f -> f.domain().equals(domain) && f.name().equals(name)).findFirst();
    }
}
