package kiln.e2e;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.StringStringEntryProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Small ONNX models built in Java for tests that need a model with a particular property (a symbolic
 * dimension, an unsupported op, external data). Values come from a seeded random generator.
 */
final class OnnxFixtures {
    static final int FLOAT = 1;
    static final int OPSET = 17;

    private OnnxFixtures() {}

    /** {@code y = Relu(x @ W + b)} with x float[batch, 4] and W, b initializers; batch symbolic when null. */
    static ModelProto tinyMlp(Long batch) {
        Random rnd = new Random(42);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny_mlp")
                .addInput(tensorInfo("x", batch == null ? new Object[] {"batch", 4L} : new Object[] {batch, 4L}))
                .addOutput(tensorInfo("y", batch == null ? new Object[] {"batch", 3L} : new Object[] {batch, 3L}))
                .addInitializer(floatTensor("W", new long[] {4, 3}, rnd))
                .addInitializer(floatTensor("b", new long[] {3}, rnd))
                .addNode(node("MatMul", "mm", new String[] {"x", "W"}, new String[] {"h"}))
                .addNode(node("Add", "add", new String[] {"h", "b"}, new String[] {"z"}))
                .addNode(node("Relu", "relu", new String[] {"z"}, new String[] {"y"}));
        return model(g);
    }

    /** {@code y = Relu(x) -> op_type in domain (a custom op Kiln cannot know)}. */
    static ModelProto withOp(String domain, String opType) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("custom")
                .addInput(tensorInfo("x", new Object[] {2L, 4L}))
                .addOutput(tensorInfo("y", new Object[] {2L, 4L}))
                .addNode(node("Relu", "relu", new String[] {"x"}, new String[] {"r"}))
                .addNode(node(opType, "mystery", new String[] {"r"}, new String[] {"y"}).toBuilder().setDomain(domain).build());
        ModelProto.Builder m = model(g).toBuilder();
        if (!domain.isEmpty()) m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
        return m.build();
    }

    /** The tiny MLP with W stored as external data at {@code location} (relative to the model's folder). */
    static ModelProto externalWeights(String location) {
        ModelProto m = tinyMlp(2L);
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto w = g.getInitializer(0);
        TensorProto ext = w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(String.valueOf(w.getRawData().size())))
                .build();
        g.setInitializer(0, ext);
        return m.toBuilder().setGraph(g).build();
    }

    /** The raw bytes of the tiny MLP's W, for writing a valid external data file. */
    static byte[] tinyMlpWeightBytes() {
        return tinyMlp(2L).getGraph().getInitializer(0).getRawData().toByteArray();
    }

    static Path write(Path file, ModelProto m) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, m.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("kiln-tests").setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g).build();
    }

    private static NodeProto node(String op, String name, String[] in, String[] out) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String s : in) n.addInput(s);
        for (String s : out) n.addOutput(s);
        return n.build();
    }

    /** A float tensor value info; each dim is a Long (fixed) or a String (symbolic). */
    private static ValueInfoProto tensorInfo(String name, Object[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) b.setDimParam(s);
            else b.setDimValue((Long) d);
            shape.addDim(b);
        }
        TypeProto t = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(t).build();
    }

    private static TensorProto floatTensor(String name, long[] dims, Random rnd) {
        long n = 1;
        for (long d : dims) n *= d;
        ByteBuffer buf = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) buf.putFloat((float) rnd.nextGaussian());
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }
}
