package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kiln.diag.KilnError;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.OnnxModel;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graph inputs frozen to constants ({@code --bind}) and the message that asks for it. */
class BindingsTest {
    @TempDir
    Path dir;

    /** {@code y = Reshape(x, shape)} with both x float[2, 3] and shape int64[2] graph inputs. */
    private OnnxModel reshapeModel() throws IOException {
        GraphProto g = GraphProto.newBuilder().setName("g")
                .addInput(TinyModel.valueInfo("x", DType.FLOAT32, new long[] {2, 3}))
                .addInput(TinyModel.valueInfo("shape", DType.INT64, new long[] {2}))
                .addOutput(ValueInfoProto.newBuilder().setName("y"))
                .addNode(NodeProto.newBuilder().setOpType("Reshape").setName("reshape").addInput("x").addInput("shape").addOutput("y"))
                .build();
        ModelProto m = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
        Path file = dir.resolve("reshape.onnx");
        Files.write(file, m.toByteArray());
        return OnnxLoader.load(file);
    }

    @Test
    void runtimeShapeInputIsNamedInTheError() throws IOException {
        KilnError e = assertThrows(KilnError.class, () -> OnnxImporter.importModel(reshapeModel(), Map.of()));
        assertTrue(e.getMessage().contains("must be a compile-time constant"), e.getMessage());
        assertTrue(e.getMessage().contains("graph input 'shape'"), e.getMessage());
        assertTrue(e.getMessage().contains("--bind shape="), e.getMessage());
    }

    @Test
    void boundInputBecomesAConstantAndLeavesTheParameters() throws IOException {
        IRModule m = OnnxImporter.importModel(reshapeModel(), Map.of(), Map.of("shape", NDArray.vectorLong(3, 2)));
        assertEquals(1, m.main().params().size());
        NDArray x = NDArray.ofFloats(new long[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5});
        NDArray y = Interpreter.run(m, List.of(x)).get(0);
        assertEquals(List.of(3L, 2L), y.shapeList());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, y.toDoubleArray());
    }

    @Test
    void bindingMustNameAnInputAndMatchItsType() throws IOException {
        OnnxModel model = reshapeModel();
        KilnError notInput = assertThrows(KilnError.class,
                () -> OnnxImporter.importModel(model, Map.of(), Map.of("nope", NDArray.vectorLong(3, 2))));
        assertTrue(notInput.getMessage().contains("'nope', which is not an input"), notInput.getMessage());
        KilnError wrongShape = assertThrows(KilnError.class,
                () -> OnnxImporter.importModel(model, Map.of(), Map.of("shape", NDArray.vectorLong(6))));
        assertTrue(wrongShape.getMessage().contains("--bind shape"), wrongShape.getMessage());
        KilnError wrongType = assertThrows(KilnError.class, () -> OnnxImporter.importModel(model, Map.of(),
                Map.of("shape", NDArray.ofDoubles(DType.FLOAT32, new long[] {2}, new double[] {3, 2}))));
        assertTrue(wrongType.getMessage().contains("declares input 'shape'"), wrongType.getMessage());
    }
}
