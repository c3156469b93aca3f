package kiln.importer.convert;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kiln.importer.onnx.OnnxElemType;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.IRPrinter;
import kiln.relax.Interpreter;
import kiln.tir.DType;
import kiln.tir.NDArray;

/**
 * Builds one-graph ONNX models in memory for converter tests: graph inputs with static shapes,
 * initializers, nodes with attributes, outputs. {@link #run} writes the model, loads it with the real
 * loader, imports it and evaluates it with the graph interpreter.
 */
final class TinyModel {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
    private final long opset;
    private final List<NDArray> inputValues = new ArrayList<>();
    private IRModule imported;

    TinyModel(long opset) { this.opset = opset; }

    static ValueInfoProto valueInfo(String name, DType t, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxElemType.of(t).code()).setShape(s))).build();
    }

    static TensorProto tensor(String name, NDArray v) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(OnnxElemType.of(v.dtype()).code());
        for (long d : v.shape()) b.addDims(d);
        return b.setRawData(ByteString.copyFrom(v.toBytes())).build();
    }

    /** A graph input fed with {@code value} when the model runs. */
    TinyModel input(String name, NDArray value) {
        graph.addInput(valueInfo(name, value.dtype(), value.shape()));
        inputValues.add(value);
        return this;
    }

    TinyModel initializer(String name, NDArray value) {
        graph.addInitializer(tensor(name, value));
        return this;
    }

    TinyModel output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name));
        return this;
    }

    /** A node; attributes as name/value pairs (Long/Integer → INT, Double/Float → FLOAT, String, long[] → INTS). */
    TinyModel node(String op, List<String> inputs, List<String> outputs, Object... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + graph.getNodeCount());
        inputs.forEach(n::addInput);
        outputs.forEach(n::addOutput);
        for (int k = 0; k < attrs.length; k += 2) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName((String) attrs[k]);
            switch (attrs[k + 1]) {
                case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
                case Integer i -> a.setType(AttributeProto.AttributeType.INT).setI(i);
                case Double d -> a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
                case Float f -> a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
                case String s -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
                case long[] l -> {
                    a.setType(AttributeProto.AttributeType.INTS);
                    for (long v : l) a.addInts(v);
                }
                default -> throw new IllegalArgumentException("attribute value " + attrs[k + 1]);
            }
            n.addAttribute(a);
        }
        graph.addNode(n);
        return this;
    }

    /** Imports the model (writing it to {@code dir} first). */
    IRModule importInto(Path dir) {
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("kiln-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
        try {
            Path file = Files.createTempFile(dir, "tiny", ".onnx");
            Files.write(file, m.toByteArray());
            imported = OnnxImporter.importModel(OnnxLoader.load(file), Map.of());
            return imported;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Imports and runs the model on the inputs given with {@link #input}. */
    List<NDArray> run(Path dir) {
        return Interpreter.run(importInto(dir), inputValues);
    }

    /** The imported graph as text (after {@link #run} or {@link #importInto}). */
    String printed() { return IRPrinter.print(imported.main()); }

    /** The graph op names called in the imported function, in order. */
    List<String> ops() {
        return imported.main().bindings().stream().map(b -> b.value() instanceof Expr.Call c ? c.op() : "?").toList();
    }
}
