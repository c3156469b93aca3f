package kiln.importer.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import kiln.tir.NDArray;

/**
 * An ONNX graph: the main graph of a model or the body of a control-flow attribute. {@code inputs} are the
 * runtime inputs only (graph inputs that also have an initializer are left out); {@code initializers} keep
 * the model's order and include sparse initializers, expanded to dense. Nodes are in the model's order.
 */
public record OnnxGraph(String name, List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs,
        List<OnnxValueInfo> valueInfo, Map<String, NDArray> initializers, List<OnnxNode> nodes) {

    public OnnxGraph {
        Objects.requireNonNull(name, "name");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        valueInfo = List.copyOf(valueInfo);
        initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        for (var e : initializers.entrySet()) {
            Objects.requireNonNull(e.getKey(), "initializer name");
            Objects.requireNonNull(e.getValue(), "initializer value");
        }
        nodes = List.copyOf(nodes);
    }

    /** The declared value info for a name, searched among inputs, outputs and value_info in that order. */
    public Optional<OnnxValueInfo> findValueInfo(String valueName) {
        return Stream.of(inputs, outputs, valueInfo).flatMap(List::stream)
                .filter(v -> v.name().equals(valueName)).findFirst();
    }

    public boolean isInitializer(String valueName) {
        return initializers.containsKey(valueName);
    }
}
