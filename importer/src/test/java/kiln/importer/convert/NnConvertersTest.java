package kiln.importer.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import kiln.diag.KilnError;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto;
import kiln.importer.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.ModelProto;
import kiln.importer.onnx.proto.OnnxProto.NodeProto;
import kiln.importer.onnx.proto.OnnxProto.OperatorSetIdProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorShapeProto;
import kiln.importer.onnx.proto.OnnxProto.TypeProto;
import kiln.importer.onnx.proto.OnnxProto.ValueInfoProto;
import kiln.relax.Attrs;
import kiln.relax.Binding;
import kiln.relax.Expr;
import kiln.relax.IRModule;
import kiln.relax.Interpreter;
import kiln.relax.Type;
import kiln.relax.op.OpRegistry;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nn converters on tiny ONNX models: attribute defaults per opset, auto_pad resolution, the pre-13
 * softmax flattening, Gemm's scaling and broadcasting, and the errors for training mode and unsupported
 * outputs.
 */
class NnConvertersTest {
    @TempDir
    Path dir;

    private final Random random = new Random(42);

    // ------------------------------------------------------------ model building

    /** One node over float inputs (name → shape); weights become initializers. */
    private final class ModelSpec {
        final NodeProto.Builder node;
        final Map<String, long[]> inputs = new LinkedHashMap<>();
        final Map<String, NDArray> weights = new LinkedHashMap<>();
        long opset = 17;

        ModelSpec(String op, String... inputNames) {
            node = NodeProto.newBuilder().setOpType(op).setName("n0");
            for (String i : inputNames) node.addInput(i);
            node.addOutput("y");
        }

        ModelSpec input(String name, long... shape) {
            inputs.put(name, shape);
            return this;
        }

        ModelSpec weight(String name, NDArray value) {
            weights.put(name, value);
            return this;
        }

        ModelSpec ints(String name, long... v) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
            for (long x : v) a.addInts(x);
            node.addAttribute(a);
            return this;
        }

        ModelSpec i(String name, long v) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v));
            return this;
        }

        ModelSpec f(String name, float v) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(v));
            return this;
        }

        ModelSpec s(String name, String v) {
            node.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                    .setS(com.google.protobuf.ByteString.copyFromUtf8(v)));
            return this;
        }

        ModelSpec outputs(String... names) {
            node.clearOutput();
            for (String n : names) node.addOutput(n);
            return this;
        }

        ModelSpec opset(long v) {
            opset = v;
            return this;
        }

        IRModule load() throws IOException {
            GraphProto.Builder g = GraphProto.newBuilder().setName("g").addNode(node);
            inputs.forEach((n, s) -> g.addInput(value(n, s)));
            for (String o : node.getOutputList()) if (!o.isEmpty()) g.addOutput(value(o, null));
            weights.forEach((n, w) -> {
                TensorProto.Builder t = TensorProto.newBuilder().setName(n).setDataType(1);
                for (long d : w.shape()) t.addDims(d);
                for (double v : w.toDoubleArray()) t.addFloatData((float) v);
                g.addInitializer(t);
            });
            ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("kiln-tests")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
            Path p = dir.resolve("model" + System.nanoTime() + ".onnx");
            Files.write(p, m.toByteArray());
            return OnnxImporter.importModel(OnnxLoader.load(p), Map.of());
        }

        NDArray run(NDArray... in) throws IOException {
            return Interpreter.run(load(), List.of(in)).get(0);
        }

        KilnError fails() {
            return assertThrows(KilnError.class, this::load);
        }
    }

    private static ValueInfoProto value(String name, long[] shape) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(1);
        if (shape != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (long d : shape) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            t.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    private NDArray rand(long... shape) {
        double[] d = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < d.length; k++) d[k] = random.nextGaussian();
        return NDArray.ofDoubles(DType.FLOAT32, shape, d);
    }

    /** Evaluates a graph op directly with explicit attributes (the expected lowering of a converter). */
    private static NDArray op(String name, Attrs attrs, NDArray... args) {
        List<Type> types = new ArrayList<>();
        for (NDArray a : args) types.add(new Type.TensorType(a.shapeList(), a.dtype()));
        Type t = OpRegistry.get(name).inferType(types, attrs);
        return Interpreter.evalOp(name, List.of(args), attrs, t).get(0);
    }

    private static void assertClose(NDArray expected, NDArray actual, double tol) {
        assertEquals(expected.shapeList(), actual.shapeList(), "shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int k = 0; k < e.length; k++) {
            if (Math.abs(e[k] - a[k]) > tol * (1 + Math.abs(e[k]))) fail("element " + k + ": expected " + e[k] + " but got " + a[k]);
        }
    }

    private static void assertMentions(KilnError e, String... fragments) {
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
    }

    // ------------------------------------------------------------ softmax

    @Test
    void softmaxBeforeOpset13NormalizesTheFlattenedTail() throws IOException {
        NDArray x = rand(2, 3, 4);
        double[] xv = x.toDoubleArray();
        for (String op : new String[] {"Softmax", "LogSoftmax"}) {
            for (long axis : new long[] {0, 1, 2}) {
                ModelSpec m = new ModelSpec(op, "x").input("x", 2, 3, 4).opset(11);
                if (axis != 1) m.i("axis", axis); // 1 is the default
                NDArray y = m.run(x);
                // rows of the 2-D view [prod(dims before axis), prod(dims from axis)]
                int inner = axis == 0 ? 24 : axis == 1 ? 12 : 4;
                double[] expected = new double[24];
                for (int row = 0; row < 24 / inner; row++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < inner; j++) max = Math.max(max, xv[row * inner + j]);
                    for (int j = 0; j < inner; j++) sum += Math.exp(xv[row * inner + j] - max);
                    for (int j = 0; j < inner; j++) {
                        double v = xv[row * inner + j] - max;
                        expected[row * inner + j] = op.equals("Softmax") ? Math.exp(v) / sum : v - Math.log(sum);
                    }
                }
                assertClose(NDArray.ofDoubles(DType.FLOAT32, new long[] {2, 3, 4}, expected), y, 1e-5);
            }
        }
    }

    @Test
    void softmaxFromOpset13IsOneAxisDefaultLast() throws IOException {
        NDArray x = rand(2, 3, 4);
        assertClose(op("softmax", Attrs.of("axis", 2L), x), new ModelSpec("Softmax", "x").input("x", 2, 3, 4).opset(13).run(x), 0);
        assertClose(op("log_softmax", Attrs.of("axis", 1L), x),
                new ModelSpec("LogSoftmax", "x").input("x", 2, 3, 4).opset(13).i("axis", -2).run(x), 0);
    }

    // ------------------------------------------------------------ conv

    @Test
    void convAutoPadResolvesToExplicitPads() throws IOException {
        NDArray x = rand(1, 2, 7, 6), w = rand(3, 2, 4, 3);
        // in (7, 6), kernel (4, 3), strides (2, 2): out = ceil(in / 2) = (4, 3);
        // total pads = (out-1)*2 + k - in = (3, 1)
        long[][] cases = {{1, 0, 2, 1}, {2, 1, 1, 0}, {0, 0, 0, 0}};
        String[] modes = {"SAME_UPPER", "SAME_LOWER", "VALID"};
        for (int c = 0; c < 3; c++) {
            NDArray y = new ModelSpec("Conv", "x", "w").input("x", 1, 2, 7, 6).weight("w", w)
                    .s("auto_pad", modes[c]).ints("strides", 2, 2).run(x);
            NDArray expected = op("conv", Attrs.of("strides", List.of(2L, 2L), "pads", cases[c]), x, w);
            assertClose(expected, y, 0);
            if (c < 2) assertEquals(List.of(1L, 3L, 4L, 3L), y.shapeList());
        }
    }

    @Test
    void convWithGroupBiasAndKernelShapeCheck() throws IOException {
        NDArray x = rand(1, 4, 5), w = rand(6, 2, 3), b = rand(6);
        NDArray y = new ModelSpec("Conv", "x", "w", "b").input("x", 1, 4, 5).weight("w", w).weight("b", b)
                .i("group", 2).ints("kernel_shape", 3).ints("pads", 1, 1).ints("dilations", 2).opset(1).run(x);
        assertClose(op("conv", Attrs.of("groups", 2L, "pads", List.of(1L, 1L), "dilations", List.of(2L)), x, w, b), y, 0);
        KilnError e = new ModelSpec("Conv", "x", "w").input("x", 1, 4, 5).weight("w", w).ints("kernel_shape", 2).fails();
        assertMentions(e, "kernel_shape [2] does not match", "'n0'", "Conv");
        e = new ModelSpec("Conv", "x", "w").input("x", 1, 4, 5).weight("w", rand(6, 3, 3)).fails();
        assertMentions(e, "input channels", "'n0'");
        e = new ModelSpec("Conv", "x", "w").input("x", 1, 4, 5).weight("w", w).s("auto_pad", "SAME").fails();
        assertMentions(e, "auto_pad 'SAME'");
    }

    @Test
    void convTransposeOutputShapeDerivesPads() throws IOException {
        NDArray x = rand(1, 2, 3, 4), w = rand(2, 3, 3, 3);
        // natural extent: 2*(in-1) + 3 = (7, 9); output_shape (6, 10) → total pads (1, -1)
        // NOTSET/SAME_LOWER: begin = total - floor(total/2); SAME_UPPER: begin = floor(total/2)
        NDArray y = new ModelSpec("ConvTranspose", "x", "w").input("x", 1, 2, 3, 4).weight("w", w)
                .ints("strides", 2, 2).ints("output_shape", 6, 10).run(x);
        assertEquals(List.of(1L, 3L, 6L, 10L), y.shapeList());
        assertClose(op("conv_transpose", Attrs.of("strides", List.of(2L, 2L), "pads", List.of(1L, 0L, 0L, -1L)), x, w), y, 0);
        NDArray up = new ModelSpec("ConvTranspose", "x", "w").input("x", 1, 2, 3, 4).weight("w", w)
                .ints("strides", 2, 2).ints("output_shape", 1, 3, 6, 10).s("auto_pad", "SAME_UPPER").run(x);
        assertClose(op("conv_transpose", Attrs.of("strides", List.of(2L, 2L), "pads", List.of(0L, -1L, 1L, 0L)), x, w), up, 0);
        // SAME without output_shape: out = in * stride = (6, 8); total = (1, 1)
        NDArray same = new ModelSpec("ConvTranspose", "x", "w").input("x", 1, 2, 3, 4).weight("w", w)
                .ints("strides", 2, 2).s("auto_pad", "SAME_LOWER").run(x);
        assertClose(op("conv_transpose", Attrs.of("strides", List.of(2L, 2L), "pads", List.of(1L, 1L, 0L, 0L)), x, w), same, 0);
    }

    @Test
    void convTransposeWithOutputPaddingAndBias() throws IOException {
        NDArray x = rand(1, 4, 3), w = rand(4, 1, 3), b = rand(2);
        NDArray y = new ModelSpec("ConvTranspose", "x", "w", "b").input("x", 1, 4, 3).weight("w", w).weight("b", b)
                .i("group", 2).ints("strides", 3).ints("output_padding", 2).ints("pads", 1, 0).run(x);
        assertEquals(List.of(1L, 2L, 3L * 2 + 2 + 3 - 1), y.shapeList());
        assertClose(op("conv_transpose", Attrs.of("groups", 2L, "strides", List.of(3L), "output_padding", List.of(2L),
                "pads", List.of(1L, 0L)), x, w, b), y, 0);
    }

    // ------------------------------------------------------------ pools

    @Test
    void poolsResolveAutoPadAndIgnoreCeilModeThen() throws IOException {
        NDArray x = rand(1, 1, 5, 5);
        // SAME_UPPER, k 2, s 2: out 3, total pad 1 at the end
        NDArray avg = new ModelSpec("AveragePool", "x").input("x", 1, 1, 5, 5).ints("kernel_shape", 2, 2).ints("strides", 2, 2)
                .s("auto_pad", "SAME_UPPER").i("ceil_mode", 1).i("count_include_pad", 1).run(x);
        assertClose(op("avg_pool", Attrs.of("kernel_shape", List.of(2L, 2L), "strides", List.of(2L, 2L), "pads", List.of(0L, 0L, 1L, 1L),
                "count_include_pad", 1L), x), avg, 0);
        NDArray max = new ModelSpec("MaxPool", "x").input("x", 1, 1, 5, 5).ints("kernel_shape", 3, 2).s("auto_pad", "SAME_LOWER").run(x);
        assertClose(op("max_pool", Attrs.of("kernel_shape", List.of(3L, 2L), "pads", List.of(1L, 1L, 1L, 0L)), x), max, 0);
        NDArray ceil = new ModelSpec("MaxPool", "x").input("x", 1, 1, 5, 5).ints("kernel_shape", 2, 2).ints("strides", 2, 2)
                .i("ceil_mode", 1).opset(10).run(x);
        assertEquals(List.of(1L, 1L, 3L, 3L), ceil.shapeList());
    }

    @Test
    void maxPoolIndicesOutputIsRejected() {
        KilnError e = new ModelSpec("MaxPool", "x").input("x", 1, 1, 4, 4).ints("kernel_shape", 2, 2).outputs("y", "idx").fails();
        assertMentions(e, "Indices", "'n0'", "MaxPool");
        e = new ModelSpec("MaxPool", "x").input("x", 1, 1, 4, 4).fails();
        assertMentions(e, "kernel_shape");
    }

    @Test
    void globalPools() throws IOException {
        NDArray x = rand(2, 3, 4, 5);
        assertClose(op("global_avg_pool", Attrs.EMPTY, x), new ModelSpec("GlobalAveragePool", "x").input("x", 2, 3, 4, 5).run(x), 0);
        assertClose(op("global_max_pool", Attrs.EMPTY, x), new ModelSpec("GlobalMaxPool", "x").input("x", 2, 3, 4, 5).run(x), 0);
    }

    // ------------------------------------------------------------ normalization

    private ModelSpec batchNorm(long opset) {
        return new ModelSpec("BatchNormalization", "x", "s", "b", "m", "v").input("x", 2, 3, 4).weight("s", rand(3)).weight("b", rand(3))
                .weight("m", rand(3)).weight("v", NDArray.ofDoubles(DType.FLOAT32, new long[] {3}, new double[] {0.5, 1, 2})).opset(opset);
    }

    @Test
    void batchNormInferenceInEveryOpset() throws IOException {
        NDArray x = rand(2, 3, 4);
        for (long opset : new long[] {6, 7, 9, 14, 15}) {
            ModelSpec m = batchNorm(opset).f("epsilon", 1e-3f);
            if (opset < 7) m.i("is_test", 1);
            IRModule mod = m.load();
            NDArray y = Interpreter.run(mod, List.of(x)).get(0);
            Binding bind = mod.main().bindings().get(0);
            Expr.Call call = (Expr.Call) bind.value();
            assertEquals("batch_norm", call.op());
            List<NDArray> params = new ArrayList<>();
            for (int k = 1; k < 5; k++) params.add(((Expr.Constant) call.args().get(k)).value());
            assertClose(op("batch_norm", Attrs.of("epsilon", (double) 1e-3f), x, params.get(0), params.get(1), params.get(2), params.get(3)), y, 0);
        }
    }

    @Test
    void batchNormTrainingIsRejected() {
        assertMentions(batchNorm(15).i("training_mode", 1).fails(), "training_mode=1");
        assertMentions(batchNorm(6).fails(), "is_test=0");
        assertMentions(batchNorm(9).outputs("y", "running_mean").fails(), "training mode");
    }

    @Test
    void layerNormOutputsAndDefaults() throws IOException {
        NDArray x = rand(2, 3, 4), scale = rand(3, 4);
        IRModule mod = new ModelSpec("LayerNormalization", "x", "s").input("x", 2, 3, 4).weight("s", scale).i("axis", -2)
                .outputs("y", "", "inv").load();
        List<NDArray> out = Interpreter.run(mod, List.of(x));
        assertEquals(2, out.size());
        assertClose(op("layer_norm", Attrs.of("axis", 1L, "epsilon", (double) 1e-5f), x, scale), out.get(0), 0);
        NDArray inv = out.get(1);
        assertEquals(List.of(2L, 1L, 1L), inv.shapeList());
        double[] xv = x.toDoubleArray();
        for (int n = 0; n < 2; n++) {
            double mean = 0, var = 0;
            for (int j = 0; j < 12; j++) mean += xv[n * 12 + j] / 12;
            for (int j = 0; j < 12; j++) var += Math.pow(xv[n * 12 + j] - mean, 2) / 12;
            assertEquals(1 / Math.sqrt(var + 1e-5), inv.getDouble(n), 1e-4);
        }
    }

    @Test
    void instanceNormLrnAndLpNormalization() throws IOException {
        NDArray x = rand(2, 3, 4), s = rand(3), b = rand(3);
        assertClose(op("instance_norm", Attrs.of("epsilon", (double) 1e-5f), x, s, b),
                new ModelSpec("InstanceNormalization", "x", "s", "b").input("x", 2, 3, 4).weight("s", s).weight("b", b).run(x), 0);
        assertClose(op("lrn", Attrs.of("size", 3L, "alpha", (double) 1e-4f, "beta", 0.75, "bias", 1.0), x),
                new ModelSpec("LRN", "x").input("x", 2, 3, 4).i("size", 3).run(x), 0);
        assertMentions(new ModelSpec("LRN", "x").input("x", 2, 3, 4).fails(), "'size'");
        assertClose(op("lp_normalization", Attrs.of("axis", 2L, "p", 2L), x),
                new ModelSpec("LpNormalization", "x").input("x", 2, 3, 4).run(x), 0);
        assertClose(op("lp_normalization", Attrs.of("axis", 0L, "p", 1L), x),
                new ModelSpec("LpNormalization", "x").input("x", 2, 3, 4).i("axis", 0).i("p", 1).run(x), 0);
    }

    // ------------------------------------------------------------ gemm

    @Test
    void gemmScalesAndBroadcastsC() throws IOException {
        NDArray a = rand(3, 4), bw = rand(4, 5), c = rand(5);
        NDArray y = new ModelSpec("Gemm", "a", "b", "c").input("a", 3, 4).weight("b", bw).weight("c", c)
                .f("alpha", 0.5f).f("beta", 2f).run(a);
        double[] av = a.toDoubleArray(), bv = bw.toDoubleArray(), cv = c.toDoubleArray();
        double[] e = new double[15];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                double acc = 0;
                for (int k = 0; k < 4; k++) acc += av[i * 4 + k] * bv[k * 5 + j];
                e[i * 5 + j] = 0.5 * acc + 2 * cv[j];
            }
        }
        assertClose(NDArray.ofDoubles(DType.FLOAT32, new long[] {3, 5}, e), y, 1e-5);
        // no C from opset 11; required before
        NDArray noC = new ModelSpec("Gemm", "a", "b").input("a", 3, 4).weight("b", bw).opset(11).run(a);
        assertClose(op("matmul", Attrs.EMPTY, a, bw), noC, 0);
        assertMentions(new ModelSpec("Gemm", "a", "b").input("a", 3, 4).weight("b", bw).opset(9).fails(), "input C is required");
        assertMentions(new ModelSpec("Gemm", "a", "b").input("a", 3, 4, 1).weight("b", bw).fails(), "2-D");
    }

    @Test
    void gemmTransposes() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(OpRegistry.has("transpose"), "the transpose op is not available yet");
        NDArray a = rand(4, 3), bw = rand(5, 4);
        NDArray y = new ModelSpec("Gemm", "a", "b").input("a", 4, 3).weight("b", bw).i("transA", 1).i("transB", 1).run(a);
        double[] av = a.toDoubleArray(), bv = bw.toDoubleArray();
        double[] e = new double[15];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 4; k++) e[i * 5 + j] += av[k * 3 + i] * bv[j * 4 + k];
            }
        }
        assertClose(NDArray.ofDoubles(DType.FLOAT32, new long[] {3, 5}, e), y, 1e-5);
    }
}
