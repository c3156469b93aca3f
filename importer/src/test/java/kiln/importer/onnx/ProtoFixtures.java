package kiln.importer.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.StringStringEntryProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;

/** Builders for small ONNX protos used by the tests. */
final class ProtoFixtures {
    private ProtoFixtures() {}

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, COMPLEX64 = 14, BFLOAT16 = 16;

    static ModelProto.Builder model(GraphProto graph) {
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("kiln-tests")
                .setProducerVersion("1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph);
    }

    static Path write(Path dir, String name, ModelProto model) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, model.toByteArray());
        return p;
    }

    static Path write(Path dir, GraphProto graph) throws IOException {
        return write(dir, "model.onnx", model(graph).build());
    }

    static TensorProto.Builder tensor(String name, int dataType, long... dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) b.addDims(d);
        return b;
    }

    static TensorProto.Builder external(String name, int dataType, long[] dims, String... keyValues) {
        TensorProto.Builder b = tensor(name, dataType, dims).setDataLocation(TensorProto.DataLocation.EXTERNAL);
        for (int k = 0; k < keyValues.length; k += 2) {
            b.addExternalData(StringStringEntryProto.newBuilder().setKey(keyValues[k]).setValue(keyValues[k + 1]));
        }
        return b;
    }

    static TensorProto.Builder raw(String name, int dataType, long[] dims, byte[] bytes) {
        return tensor(name, dataType, dims).setRawData(ByteString.copyFrom(bytes));
    }

    /** A graph "g" with one float input x, one output y = Identity(x), and the given initializers. */
    static GraphProto.Builder graphWith(TensorProto... initializers) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addInput(tensorValue("x", FLOAT, 2))
                .addOutput(tensorValue("y", FLOAT, 2))
                .addNode(NodeProto.newBuilder().setOpType("Identity").setName("id").addInput("x").addOutput("y"));
        for (TensorProto t : initializers) g.addInitializer(t);
        return g;
    }

    static ValueInfoProto tensorValue(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) db.setDimValue(n.longValue());
            else if (d instanceof String s) db.setDimParam(s);
            shape.addDim(db);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    static AttributeProto.Builder attr(String name, AttributeProto.AttributeType type) {
        return AttributeProto.newBuilder().setName(name).setType(type);
    }

    static NodeProto.Builder node(String op, String name, String[] inputs, String... outputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) n.addInput(i);
        for (String o : outputs) n.addOutput(o);
        return n;
    }
}
