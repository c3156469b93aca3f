package kiln.importer.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto;
import kiln.importer.onnx.proto.OnnxProto.FunctionProto;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.SparseTensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.tir.NDArray;

/**
 * Reads ONNX files into Kiln's immutable model ({@link OnnxModel}). Every problem with the input (missing
 * or unreadable file, corrupt protobuf, tensors Kiln cannot represent, external data outside the model's
 * folder, ...) is reported as a {@link KilnError} whose message names the file and the offending part.
 */
public final class OnnxLoader {
    /** Nesting depth protobuf may parse: graphs inside attributes inside graphs count several levels each. */
    private static final int RECURSION_LIMIT = 1000;
    /** Protobuf messages are limited to 2 GiB; Java arrays to a little less. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8L;

    private final Path file;
    private final TensorDecoder tensors;

    private OnnxLoader(Path file) {
        this.file = file;
        this.tensors = new TensorDecoder(file);
    }

    /** Parses an .onnx model file. */
    public static OnnxModel load(Path model) {
        OnnxLoader loader = new OnnxLoader(model);
        byte[] bytes = readFile(model, "an ONNX model");
        ModelProto proto = parse(bytes, ModelProto.parser(), model + " is not a valid ONNX model");
        return loader.model(proto);
    }

    /**
     * Parses a file holding one serialized {@code TensorProto}, as the ONNX backend test data does
     * ({@code test_data_set_0/input_0.pb}). External data is looked up next to the file.
     */
    public static OnnxTensorFile loadTensor(Path pbFile) {
        byte[] bytes = readFile(pbFile, "a serialized ONNX tensor");
        TensorProto proto = parse(bytes, TensorProto.parser(),
                pbFile + " is not a valid serialized ONNX tensor (TensorProto)");
        String name = proto.getName();
        String what = name.isEmpty() ? "the tensor" : "tensor '" + name + "'";
        try {
            return new OnnxTensorFile(name, new TensorDecoder(pbFile).decode(proto, what));
        } catch (KilnError e) {
            if (!looksLikeOtherValue(proto)) throw e;
            throw new KilnError(pbFile + " does not hold a tensor (TensorProto): it looks like a serialized sequence,"
                    + " map or optional value (ONNX's SequenceProto, MapProto or OptionalProto), which Kiln does not"
                    + " support, or like a corrupted file", e);
        }
    }

    /**
     * Serialized sequences, maps and optionals carry no type tag and parse as TensorProtos of nonsense. Their
     * tell-tale signs: fields a TensorProto does not have, a "segment" that is really a nested tensor, no
     * element type, or a shape whose element count differs from the values stored where the element type
     * keeps them.
     */
    private static boolean looksLikeOtherValue(TensorProto t) {
        if (!t.getUnknownFields().asMap().isEmpty()) return true;
        if (t.hasSegment() && !t.getSegment().getUnknownFields().asMap().isEmpty()) return true;
        if (t.getDataType() == 0) return true;
        if (t.hasRawData() || t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return false;
        int stored = switch (t.getDataType()) {
            case 1, 14 -> t.getFloatDataCount();
            case 11, 15 -> t.getDoubleDataCount();
            case 7 -> t.getInt64DataCount();
            case 12, 13 -> t.getUint64DataCount();
            case 8 -> t.getStringDataCount();
            default -> t.getInt32DataCount();
        };
        long elements = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) return true;
            elements = d == 0 ? 0 : elements > Long.MAX_VALUE / d ? Long.MAX_VALUE : elements * d;
        }
        return stored != elements;
    }

    private static <T> T parse(byte[] bytes, Parser<T> parser, String notValid) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(RECURSION_LIMIT);
            T message = parser.parseFrom(in);
            in.checkLastTagWas(0);
            return message;
        } catch (IOException e) { // InvalidProtocolBufferException; nothing else can fail reading from memory
            throw new KilnError(notValid + ": " + e.getMessage() + " (truncated or corrupted?); re-export or"
                    + " re-download it", e);
        }
    }

    private static byte[] readFile(Path path, String kind) {
        if (!Files.exists(path)) {
            throw new KilnError(path + " does not exist; check the path (expected " + kind + " file)");
        }
        if (Files.isDirectory(path)) {
            throw new KilnError(path + " is a directory, not " + kind + " file; pass the path of the file itself");
        }
        try {
            long size = Files.size(path);
            if (size == 0) {
                throw new KilnError(path + " is empty (0 bytes), so it is not " + kind + " file; re-export or"
                        + " re-download it");
            }
            if (size > MAX_FILE_BYTES) {
                throw new KilnError(path + " is " + size + " bytes, over protobuf's 2 GiB limit for one file; save"
                        + " the model with its weights as external data (ONNX's save_as_external_data)");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new KilnError(path + " cannot be read: " + e + "; check that it exists and is readable", e);
        }
    }

    private KilnError error(String message) {
        return new KilnError(file + ": " + message);
    }

    // ---------------------------------------------------------------------------------------------- model

    private OnnxModel model(ModelProto m) {
        if (!m.hasGraph()) {
            throw error("the file has no graph (ModelProto.graph is missing), so it is not a usable ONNX model"
                    + " (truncated or corrupted?); re-export it");
        }
        Map<String, Long> opsets = opsets(m.getOpsetImportList(), "the model");
        if (opsets.isEmpty()) {
            if (m.getIrVersion() >= 3) {
                throw error("the model imports no operator set (opset_import is empty) although its IR version is "
                        + m.getIrVersion() + "; re-export it with a current exporter");
            }
            opsets.put("", 1L); // before IR version 3 the default operator set was implied
        }
        String producer = (m.getProducerName() + " " + m.getProducerVersion()).trim();
        OnnxGraph graph = graph(m.getGraph(), "");
        List<OnnxFunction> functions = new ArrayList<>();
        for (FunctionProto f : m.getFunctionsList()) functions.add(function(f));
        return new OnnxModel(file, m.getIrVersion(), opsets, producer, graph, functions);
    }

    private static String normalizeDomain(String domain) {
        return domain.equals("ai.onnx") ? "" : domain;
    }

    private Map<String, Long> opsets(List<OperatorSetIdProto> imports, String owner) {
        Map<String, Long> out = new TreeMap<>();
        for (OperatorSetIdProto op : imports) {
            String domain = normalizeDomain(op.getDomain());
            String shown = domain.isEmpty() ? "ai.onnx" : domain;
            if (op.getVersion() < 1) {
                throw error(owner + " imports operator set '" + shown + "' with version " + op.getVersion()
                        + ", which is not a valid opset version; re-export the model");
            }
            Long prev = out.put(domain, op.getVersion());
            if (prev != null && prev != op.getVersion()) {
                throw error(owner + " imports operator set '" + shown + "' twice, as versions " + prev + " and "
                        + op.getVersion() + "; keep one opset_import entry per domain");
            }
        }
        return out;
    }

    private OnnxFunction function(FunctionProto f) {
        String domain = normalizeDomain(f.getDomain());
        String scope = "function '" + (domain.isEmpty() ? "" : domain + "::") + f.getName() + "'";
        if (f.getName().isEmpty()) throw error("a model-local function has no name; the model is malformed");
        List<OnnxNode> nodes = new ArrayList<>();
        for (int k = 0; k < f.getNodeCount(); k++) nodes.add(node(f.getNode(k), k, scope));
        List<String> attributeNames = new ArrayList<>(f.getAttributeList());
        Map<String, OnnxAttribute> defaults = new LinkedHashMap<>();
        for (AttributeProto a : f.getAttributeProtoList()) {
            String where = scope + " default of attribute '" + a.getName() + "'";
            if (defaults.put(a.getName(), attribute(a, where, scope)) != null || attributeNames.contains(a.getName())) {
                throw error(scope + " declares attribute '" + a.getName() + "' twice; the model is malformed");
            }
        }
        attributeNames.addAll(defaults.keySet());
        return new OnnxFunction(domain, f.getName(), f.getInputList(), f.getOutputList(), attributeNames, nodes,
                opsets(f.getOpsetImportList(), scope), defaults);
    }

    // ---------------------------------------------------------------------------------------------- graphs

    /** @param parent where the graph sits, empty for the main graph; used to name things in messages */
    private OnnxGraph graph(GraphProto g, String parent) {
        String scope = (parent.isEmpty() ? "" : parent + " > ") + "graph '" + g.getName() + "'";
        Map<String, NDArray> inits = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            addInitializer(inits, t.getName(), scope, () -> tensors.decode(t, "initializer '" + t.getName() + "' of " + scope));
        }
        for (SparseTensorProto s : g.getSparseInitializerList()) {
            String name = s.getValues().getName();
            addInitializer(inits, name, scope,
                    () -> tensors.densify(s, "sparse initializer '" + name + "' of " + scope));
        }
        List<OnnxValueInfo> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inits.containsKey(v.getName())) inputs.add(valueInfo(v));
        }
        List<OnnxValueInfo> outputs = g.getOutputList().stream().map(this::valueInfo).toList();
        List<OnnxValueInfo> valueInfo = g.getValueInfoList().stream().map(this::valueInfo).toList();
        List<OnnxNode> nodes = new ArrayList<>(g.getNodeCount());
        for (int k = 0; k < g.getNodeCount(); k++) nodes.add(node(g.getNode(k), k, scope));
        return new OnnxGraph(g.getName(), inputs, outputs, valueInfo, inits, nodes);
    }

    private void addInitializer(Map<String, NDArray> inits, String name, String scope,
            java.util.function.Supplier<NDArray> value) {
        if (name.isEmpty()) {
            throw error("an initializer of " + scope + " has no name; the model is malformed: re-export it");
        }
        if (inits.containsKey(name)) {
            throw error("initializer '" + name + "' appears twice in " + scope + "; the model is malformed:"
                    + " re-export it");
        }
        inits.put(name, value.get());
    }

    private OnnxNode node(NodeProto n, int index, String scope) {
        String opType = n.getOpType();
        if (opType.isEmpty()) {
            throw error("node #" + index + (n.getName().isEmpty() ? "" : " '" + n.getName() + "'") + " of " + scope
                    + " has no op_type; the model is malformed: re-export it");
        }
        String name = n.getName().isEmpty() ? opType + "_" + index : n.getName();
        String domain = normalizeDomain(n.getDomain());
        String desc = "node '" + name + "' (" + (domain.isEmpty() ? "" : domain + "::") + opType + ")";
        Map<String, OnnxAttribute> attrs = new LinkedHashMap<>();
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().isEmpty()) {
                throw error(scope + " > " + desc + " has an attribute without a name; the model is malformed");
            }
            String where = scope + " > " + desc + " attribute '" + a.getName() + "'";
            if (attrs.put(a.getName(), attribute(a, where, where)) != null) {
                throw error(scope + " > " + desc + " has attribute '" + a.getName() + "' twice; the model is"
                        + " malformed: re-export it");
            }
        }
        return new OnnxNode(name, opType, domain, n.getInputList(), n.getOutputList(), attrs);
    }

    // ---------------------------------------------------------------------------------------------- attributes

    private OnnxAttribute attribute(AttributeProto a, String where, String graphParent) {
        AttributeProto.AttributeType type = a.getType();
        if (!a.getRefAttrName().isEmpty()) return new OnnxAttribute.Ref(type.name(), a.getRefAttrName());
        if (type == AttributeProto.AttributeType.UNDEFINED) type = inferType(a, where);
        return switch (type) {
            case FLOAT -> new OnnxAttribute.Float(a.getF());
            case INT -> new OnnxAttribute.Int(a.getI());
            case STRING -> new OnnxAttribute.Str(a.getS().toStringUtf8());
            case TENSOR -> {
                Optional<String> why = tensors.unsupportedReason(a.getT());
                yield why.<OnnxAttribute>map(r -> new OnnxAttribute.Unsupported("TENSOR", "is a tensor that " + r))
                        .orElseGet(() -> new OnnxAttribute.Tensor(tensors.decode(a.getT(), where)));
            }
            case SPARSE_TENSOR -> {
                Optional<String> why = tensors.unsupportedReason(a.getSparseTensor().getValues());
                yield why.<OnnxAttribute>map(r -> new OnnxAttribute.Unsupported("SPARSE_TENSOR",
                                "is a sparse tensor whose values " + r))
                        .orElseGet(() -> new OnnxAttribute.SparseTensor(tensors.densify(a.getSparseTensor(), where)));
            }
            case GRAPH -> new OnnxAttribute.Graph(graph(a.getG(), graphParent));
            case FLOATS -> {
                float[] v = new float[a.getFloatsCount()];
                for (int k = 0; k < v.length; k++) v[k] = a.getFloats(k);
                yield new OnnxAttribute.Floats(v);
            }
            case INTS -> {
                long[] v = new long[a.getIntsCount()];
                for (int k = 0; k < v.length; k++) v[k] = a.getInts(k);
                yield new OnnxAttribute.Ints(v);
            }
            case STRINGS -> new OnnxAttribute.Strings(a.getStringsList().stream().map(s -> s.toStringUtf8()).toList());
            case TENSORS -> {
                List<NDArray> list = new ArrayList<>();
                for (int k = 0; k < a.getTensorsCount(); k++) {
                    Optional<String> why = tensors.unsupportedReason(a.getTensors(k));
                    if (why.isPresent()) {
                        yield new OnnxAttribute.Unsupported("TENSORS", "is a list whose tensor #" + k + " " + why.get());
                    }
                    list.add(tensors.decode(a.getTensors(k), where + " tensor #" + k));
                }
                yield new OnnxAttribute.Tensors(list);
            }
            case GRAPHS -> {
                List<OnnxGraph> list = new ArrayList<>();
                for (int k = 0; k < a.getGraphsCount(); k++) list.add(graph(a.getGraphs(k), graphParent + " #" + k));
                yield new OnnxAttribute.Graphs(list);
            }
            case SPARSE_TENSORS -> new OnnxAttribute.Unsupported("SPARSE_TENSORS",
                    "is a list of sparse tensors (SPARSE_TENSORS), which Kiln does not support; replace"
                            + " this node or run it outside the compiled code");
            case TYPE_PROTO, TYPE_PROTOS -> new OnnxAttribute.Unsupported(type.name(),
                    "is a type (" + type.name() + ") attribute, which Kiln does not support; replace this"
                            + " node or run it outside the compiled code");
            case UNDEFINED -> throw new AssertionError("inferred type is never UNDEFINED");
        };
    }

    /** Old models leave {@code type} unset; the field that holds a value tells the type. */
    private AttributeProto.AttributeType inferType(AttributeProto a, String where) {
        if (a.hasF()) return AttributeProto.AttributeType.FLOAT;
        if (a.hasI()) return AttributeProto.AttributeType.INT;
        if (a.hasS()) return AttributeProto.AttributeType.STRING;
        if (a.hasT()) return AttributeProto.AttributeType.TENSOR;
        if (a.hasG()) return AttributeProto.AttributeType.GRAPH;
        if (a.hasSparseTensor()) return AttributeProto.AttributeType.SPARSE_TENSOR;
        if (a.hasTp()) return AttributeProto.AttributeType.TYPE_PROTO;
        if (a.getFloatsCount() > 0) return AttributeProto.AttributeType.FLOATS;
        if (a.getIntsCount() > 0) return AttributeProto.AttributeType.INTS;
        if (a.getStringsCount() > 0) return AttributeProto.AttributeType.STRINGS;
        if (a.getTensorsCount() > 0) return AttributeProto.AttributeType.TENSORS;
        if (a.getGraphsCount() > 0) return AttributeProto.AttributeType.GRAPHS;
        if (a.getSparseTensorsCount() > 0) return AttributeProto.AttributeType.SPARSE_TENSORS;
        if (a.getTypeProtosCount() > 0) return AttributeProto.AttributeType.TYPE_PROTOS;
        throw error(where + " has neither a type nor a value; the model is malformed: re-export it");
    }

    // ---------------------------------------------------------------------------------------------- types

    private OnnxValueInfo valueInfo(ValueInfoProto v) {
        Optional<OnnxType> type = v.hasType() && v.getType().getValueCase() != TypeProto.ValueCase.VALUE_NOT_SET
                ? Optional.of(type(v.getType()))
                : Optional.empty();
        return new OnnxValueInfo(v.getName(), type);
    }

    private OnnxType type(TypeProto t) {
        return switch (t.getValueCase()) {
            case TENSOR_TYPE -> {
                TypeProto.Tensor tt = t.getTensorType();
                yield new OnnxType.TensorT(new OnnxElemType(tt.getElemType()),
                        tt.hasShape() ? Optional.of(dims(tt.getShape())) : Optional.empty());
            }
            case SEQUENCE_TYPE -> new OnnxType.SequenceT(t.getSequenceType().hasElemType()
                    ? type(t.getSequenceType().getElemType())
                    : new OnnxType.Other("unspecified type"));
            case OPTIONAL_TYPE -> new OnnxType.OptionalT(t.getOptionalType().hasElemType()
                    ? type(t.getOptionalType().getElemType())
                    : new OnnxType.Other("unspecified type"));
            case MAP_TYPE -> new OnnxType.Other("map(" + new OnnxElemType(t.getMapType().getKeyType()) + ", "
                    + (t.getMapType().hasValueType() ? type(t.getMapType().getValueType()).describe() : "unspecified type")
                    + ")");
            case SPARSE_TENSOR_TYPE -> new OnnxType.Other("sparse_tensor("
                    + new OnnxElemType(t.getSparseTensorType().getElemType()) + ")");
            case VALUE_NOT_SET -> new OnnxType.Other("unspecified type");
        };
    }

    private static List<OnnxDim> dims(TensorShapeProto shape) {
        List<OnnxDim> out = new ArrayList<>(shape.getDimCount());
        for (TensorShapeProto.Dimension d : shape.getDimList()) {
            if (d.hasDimValue() && d.getDimValue() >= 0) {
                out.add(new OnnxDim.Static(d.getDimValue()));
            } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                out.add(new OnnxDim.Symbolic(d.getDimParam()));
            } else {
                out.add(OnnxDim.UNKNOWN); // also negative sizes, which some exporters write for "unknown"
            }
        }
        return out;
    }
}
