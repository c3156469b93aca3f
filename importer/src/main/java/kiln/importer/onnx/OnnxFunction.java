package kiln.importer.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A model-local function ({@code FunctionProto}): nodes with this {@code domain} and {@code opType == name}
 * call it. {@code attributeNames} lists every attribute the function takes, those with defaults included;
 * {@code attributeDefaults} holds the defaults. {@code opsets} maps domain ({@code ""} for ai.onnx) to version.
 */
public record OnnxFunction(String domain, String name, List<String> inputs, List<String> outputs,
        List<String> attributeNames, List<OnnxNode> nodes, Map<String, Long> opsets,
        Map<String, OnnxAttribute> attributeDefaults) {

    public OnnxFunction {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(name, "name");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributeNames = List.copyOf(attributeNames);
        nodes = List.copyOf(nodes);
        opsets = Collections.unmodifiableMap(new TreeMap<>(opsets));
        attributeDefaults = Collections.unmodifiableMap(new LinkedHashMap<>(attributeDefaults));
    }

    /** A function whose attributes have no defaults. */
    public OnnxFunction(String domain, String name, List<String> inputs, List<String> outputs,
            List<String> attributeNames, List<OnnxNode> nodes, Map<String, Long> opsets) {
        this(domain, name, inputs, outputs, attributeNames, nodes, opsets, Map.of());
    }
}
