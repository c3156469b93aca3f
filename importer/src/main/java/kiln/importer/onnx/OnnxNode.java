package kiln.importer.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import kiln.diag.KilnError;
import kiln.tir.NDArray;

/**
 * One node of an ONNX graph. {@code domain} is {@code ""} for the default ONNX operator set (a model's
 * {@code "ai.onnx"} is normalized to {@code ""}). Omitted optional inputs and outputs are kept as {@code ""}
 * so positions stay meaningful. Attributes keep the model's order.
 *
 * <p>The {@code attr*} accessors return the attribute's value, the default (or empty) when it is absent,
 * and throw a {@link KilnError} naming the node, op and attribute when it has a different type.
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
        Map<String, OnnxAttribute> attributes) {

    public OnnxNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opType, "opType");
        Objects.requireNonNull(domain, "domain");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        for (var e : attributes.entrySet()) {
            Objects.requireNonNull(e.getKey(), "attribute name");
            Objects.requireNonNull(e.getValue(), "attribute value");
        }
    }

    /** For messages: {@code node 'conv1' (Conv)}, with the domain when it is not the default one. */
    public String describe() {
        return "node '" + name + "' (" + (domain.isEmpty() ? "" : domain + "::") + opType + ")";
    }

    /** A KilnError whose message starts with this node's description, e.g. for an unsupported mode. */
    public KilnError error(String problem) {
        return new KilnError(describe() + ": " + problem);
    }

    /** The i-th input name, or {@code ""} when it is omitted or beyond the list. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /** True if the i-th input is given (present and not the empty name). */
    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public boolean hasAttr(String attr) {
        return attributes.containsKey(attr);
    }

    /** The attribute, or a KilnError saying the node requires it. */
    public OnnxAttribute requireAttr(String attr) {
        OnnxAttribute a = attributes.get(attr);
        if (a == null) {
            throw error("required attribute '" + attr + "' is missing; the model does not follow the " + opType
                    + " operator spec: re-export it");
        }
        return a;
    }

    public long attrInt(String attr, long defaultValue) {
        return attrInt(attr).orElse(defaultValue);
    }

    public OptionalLong attrInt(String attr) {
        return get(attr, OnnxAttribute.Int.class).map(a -> OptionalLong.of(a.value())).orElse(OptionalLong.empty());
    }

    /** An INTS attribute; a fresh array each call. */
    public Optional<long[]> attrInts(String attr) {
        return get(attr, OnnxAttribute.Ints.class).map(OnnxAttribute.Ints::values);
    }

    public float attrFloat(String attr, float defaultValue) {
        return attrFloat(attr).orElse(defaultValue);
    }

    public Optional<Float> attrFloat(String attr) {
        return get(attr, OnnxAttribute.Float.class).map(OnnxAttribute.Float::value);
    }

    /** A FLOATS attribute; a fresh array each call. */
    public Optional<float[]> attrFloats(String attr) {
        return get(attr, OnnxAttribute.Floats.class).map(OnnxAttribute.Floats::values);
    }

    public String attrString(String attr, String defaultValue) {
        return attrString(attr).orElse(defaultValue);
    }

    public Optional<String> attrString(String attr) {
        return get(attr, OnnxAttribute.Str.class).map(OnnxAttribute.Str::value);
    }

    public Optional<List<String>> attrStrings(String attr) {
        return get(attr, OnnxAttribute.Strings.class).map(OnnxAttribute.Strings::values);
    }

    /** A TENSOR attribute; a SPARSE_TENSOR attribute is accepted too and returned dense. */
    public Optional<NDArray> attrTensor(String attr) {
        OnnxAttribute a = attributes.get(attr);
        if (a instanceof OnnxAttribute.SparseTensor s) return Optional.of(s.dense());
        return get(attr, OnnxAttribute.Tensor.class).map(OnnxAttribute.Tensor::value);
    }

    public Optional<List<NDArray>> attrTensors(String attr) {
        return get(attr, OnnxAttribute.Tensors.class).map(OnnxAttribute.Tensors::values);
    }

    public Optional<OnnxGraph> attrGraph(String attr) {
        return get(attr, OnnxAttribute.Graph.class).map(OnnxAttribute.Graph::value);
    }

    public Optional<List<OnnxGraph>> attrGraphs(String attr) {
        return get(attr, OnnxAttribute.Graphs.class).map(OnnxAttribute.Graphs::values);
    }

    private <T extends OnnxAttribute> Optional<T> get(String attr, Class<T> type) {
        OnnxAttribute a = attributes.get(attr);
        if (a == null) return Optional.empty();
        if (type.isInstance(a)) return Optional.of(type.cast(a));
        String wanted = kindOf(type);
        if (a instanceof OnnxAttribute.Unsupported u) {
            throw error("attribute '" + attr + "' " + u.reason());
        }
        if (a instanceof OnnxAttribute.Ref r) {
            throw error("attribute '" + attr + "' refers to attribute '" + r.refName() + "' of the enclosing function"
                    + " (ref_attr_name) and must be substituted with the calling node's value before it is read;"
                    + " this is a Kiln bug if it reaches a converter");
        }
        throw error("attribute '" + attr + "' is " + a.kind() + " but " + wanted + " was expected; the model does"
                + " not follow the " + opType + " operator spec: re-export it or fix the attribute");
    }

    private static String kindOf(Class<? extends OnnxAttribute> type) {
        if (type == OnnxAttribute.Int.class) return "INT";
        if (type == OnnxAttribute.Float.class) return "FLOAT";
        if (type == OnnxAttribute.Str.class) return "STRING";
        if (type == OnnxAttribute.Tensor.class) return "TENSOR";
        if (type == OnnxAttribute.Graph.class) return "GRAPH";
        if (type == OnnxAttribute.Ints.class) return "INTS";
        if (type == OnnxAttribute.Floats.class) return "FLOATS";
        if (type == OnnxAttribute.Strings.class) return "STRINGS";
        if (type == OnnxAttribute.Tensors.class) return "TENSORS";
        if (type == OnnxAttribute.Graphs.class) return "GRAPHS";
        return type.getSimpleName();
    }
}
