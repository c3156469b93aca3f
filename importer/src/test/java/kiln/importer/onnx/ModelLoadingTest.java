package kiln.importer.onnx;

import static kiln.importer.onnx.ProtoFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import kiln.importer.onnx.proto.OnnxProto.FunctionProto;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files, graphs, nodes, attributes, types, nested graphs and functions. */
class ModelLoadingTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------ bad files

    @Test
    void missingFileAndDirectory() {
        KilnError missing = assertThrows(KilnError.class, () -> OnnxLoader.load(dir.resolve("nope.onnx")));
        assertTrue(missing.getMessage().contains("nope.onnx") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        KilnError directory = assertThrows(KilnError.class, () -> OnnxLoader.load(dir));
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
        assertThrows(KilnError.class, () -> OnnxLoader.loadTensor(dir.resolve("nope.pb")));
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.createFile(dir.resolve("empty.onnx"));
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(p));
        assertTrue(e.getMessage().contains("empty.onnx") && e.getMessage().contains("empty (0 bytes)"), e.getMessage());
    }

    @Test
    void truncatedModel() throws IOException {
        var t = tensor("w", FLOAT, 1000);
        for (int k = 0; k < 1000; k++) t.addFloatData(k);
        Path good = write(dir, graphWith(t.build()).build());
        assertEquals(1000, OnnxLoader.load(good).graph().initializers().get("w").size());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(cut));
        assertTrue(e.getMessage().contains("cut.onnx is not a valid ONNX model"), e.getMessage());
        assertTrue(e.getMessage().contains("(truncated or corrupted?)"), e.getMessage());
    }

    @Test
    void everyTruncationFailsCleanly() throws IOException {
        NodeProto.Builder n = node("Relu", "r", new String[] {"x"}, "y");
        Path good = write(dir, graphWith(tensor("b", INT64, 2).addInt64Data(1).addInt64Data(2).build())
                .addNode(n).build());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.onnx");
        for (int len = 1; len < bytes.length; len++) {
            Files.write(cut, Arrays.copyOf(bytes, len));
            try {
                OnnxLoader.load(cut); // a cut between fields can leave a smaller valid model
            } catch (KilnError expected) {
                assertTrue(expected.getMessage().contains("cut.onnx"), expected.getMessage());
            }
        }
    }

    @Test
    void randomBytes() throws IOException {
        Random r = new Random(1234);
        for (int trial = 0; trial < 50; trial++) {
            byte[] b = new byte[1 + r.nextInt(4096)];
            r.nextBytes(b);
            Path p = dir.resolve("random" + trial + ".onnx");
            Files.write(p, b);
            KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(p));
            assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        }
    }

    @Test
    void corruptedBytesOnlyEverGiveKilnErrors() throws IOException {
        GraphProto then = oneNode(node("Neg", "neg", new String[] {"x"}, "y")).setName("then").build();
        var sparse = kiln.importer.onnx.proto.OnnxProto.SparseTensorProto.newBuilder()
                .setValues(tensor("sp", FLOAT, 2).addFloatData(5).addFloatData(7))
                .setIndices(tensor("", INT64, 2, 2).addInt64Data(0).addInt64Data(1).addInt64Data(1).addInt64Data(0))
                .addDims(2).addDims(2);
        GraphProto g = graphWith(
                tensor("t", FLOAT16, 2).addInt32Data(0x3C00).addInt32Data(0x4000).build(),
                raw("r", INT32, new long[] {2, 2}, new byte[16]).build(),
                tensor("u", UINT64, 2).addUint64Data(-1).addUint64Data(3).build())
                .addSparseInitializer(sparse)
                .addInput(tensorValue("z", BOOL, "n", 2))
                .addNode(node("If", "iff", new String[] {"c"}, "o")
                        .addAttribute(attr("then_branch", AttributeType.GRAPH).setG(then))
                        .addAttribute(attr("ints", AttributeType.INTS).addInts(1).addInts(-1))
                        .addAttribute(attr("value", AttributeType.TENSOR).setT(tensor("", DOUBLE, 1).addDoubleData(1))))
                .build();
        byte[] good = model(g).build().toByteArray();
        Random r = new Random(42);
        Path p = dir.resolve("fuzz.onnx");
        int loaded = 0;
        for (int trial = 0; trial < 1500; trial++) {
            byte[] b = good.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            Files.write(p, b);
            try {
                OnnxLoader.load(p);
                loaded++;
            } catch (KilnError expected) {
                assertTrue(expected.getMessage().contains("fuzz.onnx"), expected.getMessage());
            }
        }
        assertTrue(loaded > 0, "some corruptions (e.g. in names) still load");
    }

    @Test
    void modelWithoutGraphOrOpsets() throws IOException {
        Path noGraph = write(dir, "nograph.onnx", ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).build());
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(noGraph));
        assertTrue(e.getMessage().contains("no graph"), e.getMessage());

        Path noOpset = write(dir, "noopset.onnx", model(graphWith().build()).clearOpsetImport().build());
        KilnError o = assertThrows(KilnError.class, () -> OnnxLoader.load(noOpset));
        assertTrue(o.getMessage().contains("opset_import is empty"), o.getMessage());

        Path legacy = write(dir, "legacy.onnx", model(graphWith().build()).clearOpsetImport().setIrVersion(2).build());
        assertEquals(Map.of("", 1L), OnnxLoader.load(legacy).opsets());

        Path twice = write(dir, "twice.onnx", model(graphWith().build())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx").setVersion(13)).build());
        KilnError t = assertThrows(KilnError.class, () -> OnnxLoader.load(twice));
        assertTrue(t.getMessage().contains("twice") && t.getMessage().contains("17") && t.getMessage().contains("13"),
                t.getMessage());
    }

    // ------------------------------------------------------------------------------------------ model, graph

    @Test
    void modelHeaderAndOpsets() throws IOException {
        Path p = write(dir, "m.onnx", model(graphWith().build())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3)).build());
        OnnxModel m = OnnxLoader.load(p);
        assertEquals(p, m.file());
        assertEquals(8, m.irVersion());
        assertEquals("kiln-tests 1.0", m.producer());
        assertEquals(List.of("", "ai.onnx.ml", "com.microsoft"), List.copyOf(m.opsets().keySet()));
        assertEquals(17, m.onnxOpset());
        assertEquals(3, m.opset("ai.onnx.ml").getAsLong());
        assertTrue(m.opset("x").isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> m.opsets().put("y", 1L));
    }

    @Test
    void inputsExcludeInitializersAndTypesComeThrough() throws IOException {
        TypeProto seqOfTensor = TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
                .setElemType(tensorValue("", FLOAT, 2).getType())).build();
        TypeProto optional = TypeProto.newBuilder().setOptionalType(TypeProto.Optional.newBuilder()
                .setElemType(tensorValue("", INT64).getType())).build();
        TypeProto map = TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder().setKeyType(STRING)
                .setValueType(tensorValue("", FLOAT).getType())).build();
        TypeProto noShape = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(DOUBLE))
                .build();
        TypeProto stringTensor = tensorValue("", STRING, 3).getType();
        GraphProto g = GraphProto.newBuilder().setName("main")
                .addInput(tensorValue("x", FLOAT, "batch", 3, null, -1))
                .addInput(tensorValue("w", FLOAT, 3))
                .addInput(ValueInfoProto.newBuilder().setName("s").setType(seqOfTensor))
                .addInput(ValueInfoProto.newBuilder().setName("o").setType(optional))
                .addInput(ValueInfoProto.newBuilder().setName("m").setType(map))
                .addInput(ValueInfoProto.newBuilder().setName("u").setType(noShape))
                .addInput(ValueInfoProto.newBuilder().setName("str").setType(stringTensor))
                .addInput(ValueInfoProto.newBuilder().setName("untyped"))
                .addInitializer(tensor("w", FLOAT, 3).addFloatData(1).addFloatData(2).addFloatData(3))
                .addOutput(tensorValue("y", FLOAT, "batch", 3))
                .addValueInfo(tensorValue("mid", FLOAT, "batch", 3))
                .addNode(node("Add", "add", new String[] {"x", "w"}, "mid"))
                .addNode(node("Relu", "", new String[] {"mid"}, "y"))
                .build();
        OnnxGraph graph = OnnxLoader.load(write(dir, g)).graph();
        assertEquals("main", graph.name());
        assertEquals(List.of("x", "s", "o", "m", "u", "str", "untyped"),
                graph.inputs().stream().map(OnnxValueInfo::name).toList());
        assertTrue(graph.isInitializer("w"));

        OnnxType.TensorT x = graph.inputs().get(0).tensorType().orElseThrow();
        assertEquals(Optional.of(DType.FLOAT32), x.dtype());
        assertEquals(List.of(new OnnxDim.Symbolic("batch"), new OnnxDim.Static(3), OnnxDim.UNKNOWN, OnnxDim.UNKNOWN),
                x.dims("x"));
        assertTrue(x.staticShape().isEmpty());
        assertEquals("tensor(float32)[batch,3,?,?]", x.describe());

        OnnxType s = graph.inputs().get(1).type().orElseThrow();
        assertInstanceOf(OnnxType.SequenceT.class, s);
        assertInstanceOf(OnnxType.TensorT.class, ((OnnxType.SequenceT) s).elemType());
        OnnxType o = graph.inputs().get(2).type().orElseThrow();
        assertEquals(DType.INT64, ((OnnxType.TensorT) ((OnnxType.OptionalT) o).elemType()).dtype().orElseThrow());
        assertEquals("map(STRING, tensor(float32)[])", ((OnnxType.Other) graph.inputs().get(3).type().orElseThrow())
                .description());
        OnnxType.TensorT u = graph.inputs().get(4).tensorType().orElseThrow();
        assertFalse(u.hasRank());
        KilnError noRank = assertThrows(KilnError.class, () -> u.dims("input 'u'"));
        assertTrue(noRank.getMessage().contains("input 'u'") && noRank.getMessage().contains("unknown rank"));
        OnnxType.TensorT str = graph.inputs().get(5).tensorType().orElseThrow();
        assertTrue(str.dtype().isEmpty());
        KilnError strErr = assertThrows(KilnError.class, () -> str.elemType().require("input 'str'"));
        assertTrue(strErr.getMessage().contains("string tensors are not supported"), strErr.getMessage());
        assertTrue(graph.inputs().get(6).type().isEmpty());

        assertEquals(List.of(new OnnxDim.Symbolic("batch"), new OnnxDim.Static(3)),
                graph.outputs().get(0).tensorType().orElseThrow().dims("y"));
        assertTrue(graph.findValueInfo("mid").isPresent());
        assertEquals(List.of("add", "Relu_1"), graph.nodes().stream().map(OnnxNode::name).toList());
        assertThrows(UnsupportedOperationException.class, () -> graph.nodes().add(graph.nodes().get(0)));
    }

    @Test
    void duplicateInitializerIsRejected() throws IOException {
        var t = tensor("w", FLOAT, 1).addFloatData(1).build();
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(write(dir, graphWith(t, t).build())));
        assertTrue(e.getMessage().contains("'w' appears twice"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ nodes, attributes

    private static GraphProto.Builder oneNode(NodeProto.Builder n) {
        return GraphProto.newBuilder().setName("g").addInput(tensorValue("x", FLOAT, 2))
                .addOutput(tensorValue("y", FLOAT, 2)).addNode(n);
    }

    @Test
    void nodesKeepOmittedInputsAndNormalizeDomain() throws IOException {
        NodeProto.Builder n = node("Clip", "", new String[] {"x", "", "hi"}, "y").setDomain("ai.onnx");
        OnnxNode node = OnnxLoader.load(write(dir, oneNode(n).build())).graph().nodes().get(0);
        assertEquals("Clip_0", node.name());
        assertEquals("", node.domain());
        assertEquals(List.of("x", "", "hi"), node.inputs());
        assertTrue(node.hasInput(0));
        assertFalse(node.hasInput(1));
        assertTrue(node.hasInput(2));
        assertFalse(node.hasInput(7));
        assertEquals(List.of("y"), node.outputs());
    }

    @Test
    void everyAttributeKindAndAccessor() throws IOException {
        GraphProto body = oneNode(node("Neg", "neg", new String[] {"x"}, "y")).setName("body").build();
        NodeProto.Builder n = node("Custom", "c", new String[] {"x"}, "y").setDomain("kiln.test")
                .addAttribute(attr("i", AttributeType.INT).setI(-3))
                .addAttribute(attr("f", AttributeType.FLOAT).setF(0.25f))
                .addAttribute(attr("s", AttributeType.STRING).setS(ByteString.copyFromUtf8("héllo")))
                .addAttribute(attr("t", AttributeType.TENSOR).setT(tensor("", INT64, 2).addInt64Data(4).addInt64Data(5)))
                .addAttribute(attr("g", AttributeType.GRAPH).setG(body))
                .addAttribute(attr("ints", AttributeType.INTS).addInts(1).addInts(2).addInts(3))
                .addAttribute(attr("floats", AttributeType.FLOATS).addFloats(1.5f).addFloats(-1))
                .addAttribute(attr("strings", AttributeType.STRINGS).addStrings(ByteString.copyFromUtf8("a"))
                        .addStrings(ByteString.copyFromUtf8("b")))
                .addAttribute(attr("tensors", AttributeType.TENSORS).addTensors(tensor("", FLOAT).addFloatData(2)))
                .addAttribute(attr("graphs", AttributeType.GRAPHS).addGraphs(body).addGraphs(body))
                .addAttribute(attr("tp", AttributeType.TYPE_PROTO).setTp(tensorValue("", FLOAT).getType()))
                .addAttribute(attr("strtensor", AttributeType.TENSOR)
                        .setT(tensor("names", STRING, 1).addStringData(ByteString.copyFromUtf8("x"))))
                .addAttribute(AttributeProto.newBuilder().setName("legacy").addInts(7)) // no type field
                .addAttribute(attr("emptyints", AttributeType.INTS));
        OnnxModel m = OnnxLoader.load(write(dir, oneNode(n).build()));
        OnnxNode node = m.graph().nodes().get(0);
        assertEquals("kiln.test", node.domain());
        assertEquals(List.of("i", "f", "s", "t", "g", "ints", "floats", "strings", "tensors", "graphs", "tp",
                "strtensor", "legacy", "emptyints"), List.copyOf(node.attributes().keySet()));

        assertEquals(-3, node.attrInt("i", 0));
        assertEquals(9, node.attrInt("absent", 9));
        assertTrue(node.attrInt("absent").isEmpty());
        assertEquals(0.25f, node.attrFloat("f", 0));
        assertEquals(Optional.empty(), node.attrFloat("absent"));
        assertEquals("héllo", node.attrString("s", ""));
        assertEquals("dflt", node.attrString("absent", "dflt"));
        assertEquals(NDArray.vectorLong(4, 5), node.attrTensor("t").orElseThrow());
        assertEquals("body", node.attrGraph("g").orElseThrow().name());
        assertEquals("Neg", node.attrGraph("g").orElseThrow().nodes().get(0).opType());
        assertArrayEquals(new long[] {1, 2, 3}, node.attrInts("ints").orElseThrow());
        assertTrue(node.attrInts("absent").isEmpty());
        assertArrayEquals(new float[] {1.5f, -1f}, node.attrFloats("floats").orElseThrow());
        assertEquals(List.of("a", "b"), node.attrStrings("strings").orElseThrow());
        assertEquals(2.0, node.attrTensors("tensors").orElseThrow().get(0).getDouble(0));
        assertEquals(2, node.attrGraphs("graphs").orElseThrow().size());
        assertArrayEquals(new long[] {7}, node.attrInts("legacy").orElseThrow());
        assertArrayEquals(new long[0], node.attrInts("emptyints").orElseThrow());

        // the arrays handed out are copies
        node.attrInts("ints").orElseThrow()[0] = 99;
        assertEquals(1, node.attrInts("ints").orElseThrow()[0]);

        KilnError mismatch = assertThrows(KilnError.class, () -> node.attrInt("f", 0));
        assertTrue(mismatch.getMessage().contains("node 'c' (kiln.test::Custom)"), mismatch.getMessage());
        assertTrue(mismatch.getMessage().contains("attribute 'f' is FLOAT but INT was expected"), mismatch.getMessage());
        KilnError mismatch2 = assertThrows(KilnError.class, () -> node.attrInts("i"));
        assertTrue(mismatch2.getMessage().contains("'i' is INT but INTS"), mismatch2.getMessage());
        assertThrows(KilnError.class, () -> node.attrString("ints"));
        assertThrows(KilnError.class, () -> node.attrTensor("g"));
        assertThrows(KilnError.class, () -> node.attrGraph("t"));
        assertThrows(KilnError.class, () -> node.attrFloats("ints"));

        KilnError tp = assertThrows(KilnError.class, () -> node.attrTensor("tp"));
        assertTrue(tp.getMessage().contains("'tp'") && tp.getMessage().contains("TYPE_PROTO"), tp.getMessage());
        assertInstanceOf(OnnxAttribute.Unsupported.class, node.attributes().get("strtensor"));
        KilnError st = assertThrows(KilnError.class, () -> node.attrTensor("strtensor"));
        assertTrue(st.getMessage().contains("string tensors are not supported")
                && st.getMessage().contains("node 'c'"), st.getMessage());
        KilnError req = assertThrows(KilnError.class, () -> node.requireAttr("axis"));
        assertTrue(req.getMessage().contains("'axis' is missing") && req.getMessage().contains("Custom"));
    }

    @Test
    void sparseTensorAttributeIsDense() throws IOException {
        var sparse = kiln.importer.onnx.proto.OnnxProto.SparseTensorProto.newBuilder()
                .setValues(tensor("v", FLOAT, 1).addFloatData(3))
                .setIndices(tensor("", INT64, 1).addInt64Data(2)).addDims(4);
        NodeProto.Builder n = node("Constant", "k", new String[0], "y")
                .addAttribute(attr("sparse_value", AttributeType.SPARSE_TENSOR).setSparseTensor(sparse));
        OnnxNode node = OnnxLoader.load(write(dir, oneNode(n).build())).graph().nodes().get(0);
        assertArrayEquals(new double[] {0, 0, 3, 0}, node.attrTensor("sparse_value").orElseThrow().toDoubleArray());
    }

    @Test
    void badTensorAttributeDataFailsAtLoadNamingNode() throws IOException {
        NodeProto.Builder n = node("Constant", "k", new String[0], "y")
                .addAttribute(attr("value", AttributeType.TENSOR).setT(tensor("", FLOAT, 3).addFloatData(1)));
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(write(dir, oneNode(n).build())));
        assertTrue(e.getMessage().contains("node 'k' (Constant) attribute 'value'"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ nested graphs

    @Test
    void nestedGraphsAreLoadedRecursively() throws IOException {
        GraphProto thenBranch = GraphProto.newBuilder().setName("then")
                .addOutput(tensorValue("t_out", FLOAT, 2))
                .addInitializer(tensor("one", FLOAT, 2).addFloatData(1).addFloatData(1))
                .addNode(node("Add", "", new String[] {"x", "one"}, "t_out")).build();
        GraphProto elseBranch = GraphProto.newBuilder().setName("else")
                .addOutput(tensorValue("e_out", FLOAT, 2))
                .addNode(node("Neg", "", new String[] {"x"}, "e_out")).build();
        GraphProto loopBody = GraphProto.newBuilder().setName("body")
                .addInput(tensorValue("iter", INT64))
                .addInput(tensorValue("cond", BOOL))
                .addOutput(tensorValue("cond_out", BOOL))
                .addOutput(tensorValue("z", FLOAT, 2))
                .addNode(node("Identity", "", new String[] {"cond"}, "cond_out"))
                .addNode(node("If", "inner_if", new String[] {"cond"}, "z")
                        .addAttribute(attr("then_branch", AttributeType.GRAPH).setG(thenBranch))
                        .addAttribute(attr("else_branch", AttributeType.GRAPH).setG(elseBranch)))
                .build();
        NodeProto.Builder loop = node("Loop", "loop", new String[] {"", "c"}, "y")
                .addAttribute(attr("body", AttributeType.GRAPH).setG(loopBody));
        OnnxGraph g = OnnxLoader.load(write(dir, oneNode(loop).build())).graph();
        OnnxGraph body = g.nodes().get(0).attrGraph("body").orElseThrow();
        assertEquals(List.of("iter", "cond"), body.inputs().stream().map(OnnxValueInfo::name).toList());
        OnnxNode innerIf = body.nodes().get(1);
        OnnxGraph then = innerIf.attrGraph("then_branch").orElseThrow();
        assertEquals("then", then.name());
        assertEquals("Add_0", then.nodes().get(0).name());
        assertArrayEquals(new double[] {1, 1}, then.initializers().get("one").toDoubleArray());
        assertEquals("Neg", innerIf.attrGraph("else_branch").orElseThrow().nodes().get(0).opType());
    }

    @Test
    void errorsInsideNestedGraphsSayWhere() throws IOException {
        GraphProto bad = GraphProto.newBuilder().setName("then")
                .addInitializer(tensor("strs", STRING, 1).addStringData(ByteString.copyFromUtf8("x"))).build();
        NodeProto.Builder iff = node("If", "branchy", new String[] {"c"}, "y")
                .addAttribute(attr("then_branch", AttributeType.GRAPH).setG(bad));
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.load(write(dir, oneNode(iff).build())));
        assertTrue(e.getMessage().contains("'strs'") && e.getMessage().contains("node 'branchy' (If)")
                && e.getMessage().contains("string tensors are not supported"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ functions

    @Test
    void modelLocalFunctions() throws IOException {
        FunctionProto f = FunctionProto.newBuilder().setDomain("custom").setName("ScaledRelu")
                .addInput("X").addOutput("Y").addAttribute("alpha")
                .addAttributeProto(attr("beta", AttributeType.FLOAT).setF(2f))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addNode(node("Constant", "", new String[0], "A")
                        .addAttribute(AttributeProto.newBuilder().setName("value_float").setType(AttributeType.FLOAT)
                                .setRefAttrName("alpha")))
                .addNode(node("Mul", "", new String[] {"X", "A"}, "XA"))
                .addNode(node("Relu", "", new String[] {"XA"}, "Y"))
                .build();
        NodeProto.Builder call = node("ScaledRelu", "call", new String[] {"x"}, "y").setDomain("custom")
                .addAttribute(attr("alpha", AttributeType.FLOAT).setF(0.5f));
        ModelProto mp = model(oneNode(call).build())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("custom").setVersion(1))
                .addFunctions(f).build();
        OnnxModel m = OnnxLoader.load(write(dir, "f.onnx", mp));
        assertEquals(1, m.functions().size());
        OnnxFunction fn = m.function("custom", "ScaledRelu").orElseThrow();
        assertEquals(List.of("X"), fn.inputs());
        assertEquals(List.of("Y"), fn.outputs());
        assertEquals(List.of("alpha", "beta"), fn.attributeNames());
        assertEquals(new OnnxAttribute.Float(2f), fn.attributeDefaults().get("beta"));
        assertEquals(Map.of("", 17L), fn.opsets());
        assertEquals(List.of("Constant_0", "Mul_1", "Relu_2"), fn.nodes().stream().map(OnnxNode::name).toList());
        OnnxAttribute ref = fn.nodes().get(0).attributes().get("value_float");
        assertEquals(new OnnxAttribute.Ref("FLOAT", "alpha"), ref);
        KilnError e = assertThrows(KilnError.class, () -> fn.nodes().get(0).attrFloat("value_float"));
        assertTrue(e.getMessage().contains("ref_attr_name"), e.getMessage());
    }

    @Test
    void recordsAreImmutable() {
        long[] v = {1, 2};
        OnnxAttribute.Ints ints = new OnnxAttribute.Ints(v);
        v[0] = 5;
        assertEquals(1, ints.get(0));
        assertEquals(new OnnxAttribute.Ints(new long[] {1, 2}), ints);
        var attrs = new java.util.LinkedHashMap<String, OnnxAttribute>();
        attrs.put("a", ints);
        OnnxNode n = new OnnxNode("n", "Op", "", List.of("x"), List.of("y"), attrs);
        attrs.clear();
        assertEquals(1, n.attributes().size());
        assertThrows(UnsupportedOperationException.class, () -> n.attributes().clear());
        assertThrows(NullPointerException.class, () -> new OnnxValueInfo("x", null));
        assertThrows(IllegalArgumentException.class, () -> new OnnxDim.Static(-1));
        assertEquals(TensorShapeProto.Dimension.ValueCase.VALUE_NOT_SET,
                TensorShapeProto.Dimension.getDefaultInstance().getValueCase());
    }
}
