package kiln.importer.onnx;

import static kiln.importer.onnx.ProtoFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.GraphProto;
import kiln.importer.onnx.proto.OnnxProto.SparseTensorProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.tir.DType;
import kiln.tir.FloatBits;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every TensorProto storage form decodes to the right values, for every dtype Kiln supports. */
class TensorStorageTest {
    @TempDir
    Path dir;

    /** Edge-case values of each dtype, all exactly representable in it. */
    static NDArray sample(DType t) {
        return switch (t) {
            case FLOAT32 -> NDArray.ofDoubles(t, new long[] {3, 3}, new double[] {0.0, -0.0, 1.5, -3.25e-3f,
                    Float.MAX_VALUE, Float.MIN_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN});
            case FLOAT64 -> NDArray.ofDoubles(t, new long[] {7}, new double[] {0.0, -0.0, 1e300, -2.5, Double.MIN_VALUE,
                    Double.NaN, Double.POSITIVE_INFINITY});
            case FLOAT16 -> NDArray.ofDoubles(t, new long[] {2, 3}, new double[] {1.0, -2.5, 65504.0, 0x1p-24,
                    Double.POSITIVE_INFINITY, 0.333251953125});
            case BFLOAT16 -> NDArray.ofDoubles(t, new long[] {4}, new double[] {1.0, -2.5,
                    FloatBits.fromBfloat16((short) 0x7F7F), FloatBits.fromBfloat16((short) 0x0001)});
            case INT8 -> NDArray.ofLongs(t, new long[] {4}, new long[] {-128, 127, 0, -1});
            case INT16 -> NDArray.ofLongs(t, new long[] {3}, new long[] {-32768, 32767, 5});
            case INT32 -> NDArray.ofLongs(t, new long[] {3}, new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE, -7});
            case INT64 -> NDArray.ofLongs(t, new long[] {3}, new long[] {Long.MIN_VALUE, Long.MAX_VALUE, -7});
            case UINT8 -> NDArray.ofLongs(t, new long[] {3}, new long[] {0, 255, 128});
            case UINT16 -> NDArray.ofLongs(t, new long[] {3}, new long[] {0, 65535, 40000});
            case UINT32 -> NDArray.ofLongs(t, new long[] {3}, new long[] {0, 4294967295L, 2147483648L});
            // 2^64-1 and 2^63 as their bit patterns
            case UINT64 -> NDArray.ofLongs(t, new long[] {4}, new long[] {0, -1L, Long.MIN_VALUE, 42});
            case BOOL -> NDArray.ofLongs(t, new long[] {2, 2}, new long[] {1, 0, 1, 1});
        };
    }

    /** The same values in the typed *_data field ONNX prescribes for the dtype. */
    static TensorProto typed(String name, NDArray v) {
        DType t = v.dtype();
        TensorProto.Builder b = tensor(name, OnnxElemType.of(t).code(), v.shape());
        for (int k = 0; k < v.size(); k++) {
            switch (t) {
                case FLOAT32 -> b.addFloatData((float) v.getDouble(k));
                case FLOAT64 -> b.addDoubleData(v.getDouble(k));
                case FLOAT16 -> b.addInt32Data(Float.floatToFloat16((float) v.getDouble(k)) & 0xFFFF);
                case BFLOAT16 -> b.addInt32Data(FloatBits.toBfloat16((float) v.getDouble(k)) & 0xFFFF);
                case INT8, INT16, INT32, UINT8, UINT16, BOOL -> b.addInt32Data((int) v.getLong(k));
                case INT64 -> b.addInt64Data(v.getLong(k));
                case UINT32, UINT64 -> b.addUint64Data(v.getLong(k));
            }
        }
        return b.build();
    }

    @Test
    void everyStorageFormDecodesEveryDtype() throws IOException {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.write(new byte[] {9, 9, 9}); // so offsets are not aligned
        List<TensorProto> inits = new ArrayList<>();
        for (DType t : DType.values()) {
            NDArray v = sample(t);
            int code = OnnxElemType.of(t).code();
            inits.add(raw("raw_" + t, code, v.shape(), v.toBytes()).build());
            inits.add(typed("typed_" + t, v));
            byte[] bytes = v.toBytes();
            inits.add(external("ext_" + t, code, v.shape(), "location", "weights.bin",
                    "offset", Integer.toString(blob.size()), "length", Integer.toString(bytes.length)).build());
            blob.write(bytes);
        }
        Files.write(dir.resolve("weights.bin"), blob.toByteArray());
        OnnxModel m = OnnxLoader.load(write(dir, graphWith(inits.toArray(TensorProto[]::new)).build()));
        Map<String, NDArray> got = m.graph().initializers();
        assertEquals(3 * DType.values().length, got.size());
        for (DType t : DType.values()) {
            for (String form : List.of("raw_", "typed_", "ext_")) {
                NDArray a = got.get(form + t);
                assertEquals(sample(t), a, form + t + " decoded as " + a);
                assertEquals(t, a.dtype());
            }
        }
        // initializers keep the model's order
        assertEquals(inits.stream().map(TensorProto::getName).toList(), List.copyOf(got.keySet()));
    }

    @Test
    void float16AndBfloat16BitPatterns() throws IOException {
        int[] halfBits = {0x3C00, 0xC100, 0x7BFF, 0x0001, 0x7C00, 0x8000, 0x3555};
        double[] halfValues = {1.0, -2.5, 65504.0, 5.960464477539063e-8, Double.POSITIVE_INFINITY, -0.0, 0.333251953125};
        int[] bfBits = {0x3F80, 0xC020, 0x4049, 0xFF80};
        double[] bfValues = {1.0, -2.5, 3.140625, Double.NEGATIVE_INFINITY};
        TensorProto.Builder h = tensor("h", FLOAT16, halfBits.length);
        for (int b : halfBits) h.addInt32Data(b);
        TensorProto.Builder bf = tensor("bf", BFLOAT16, bfBits.length);
        for (int b : bfBits) bf.addInt32Data(b);
        byte[] rawHalf = new byte[halfBits.length * 2];
        for (int k = 0; k < halfBits.length; k++) {
            rawHalf[2 * k] = (byte) halfBits[k];
            rawHalf[2 * k + 1] = (byte) (halfBits[k] >> 8);
        }
        OnnxModel m = OnnxLoader.load(write(dir, graphWith(h.build(), bf.build(),
                raw("hraw", FLOAT16, new long[] {halfBits.length}, rawHalf).build()).build()));
        for (String n : List.of("h", "hraw")) {
            NDArray a = m.graph().initializers().get(n);
            assertEquals(DType.FLOAT16, a.dtype());
            assertArrayEquals(halfValues, a.toDoubleArray(), n);
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(a.getDouble(5)), "sign of zero");
        }
        NDArray b = m.graph().initializers().get("bf");
        assertEquals(DType.BFLOAT16, b.dtype());
        assertArrayEquals(bfValues, b.toDoubleArray());
    }

    @Test
    void boolsAreNormalizedAndNarrowIntsWrap() throws IOException {
        OnnxModel m = OnnxLoader.load(write(dir, graphWith(
                raw("b", BOOL, new long[] {4}, new byte[] {0, 1, 2, (byte) 0xFF}).build(),
                tensor("bi", BOOL, 3).addInt32Data(0).addInt32Data(1).addInt32Data(7).build(),
                raw("u8", UINT8, new long[] {2}, new byte[] {(byte) 0xFF, (byte) 0x80}).build(),
                raw("i8", INT8, new long[] {2}, new byte[] {(byte) 0xFF, (byte) 0x80}).build()).build()));
        var init = m.graph().initializers();
        assertArrayEquals(new long[] {0, 1, 1, 1}, init.get("b").toLongArray());
        assertArrayEquals(new long[] {0, 1, 1}, init.get("bi").toLongArray());
        assertArrayEquals(new long[] {255, 128}, init.get("u8").toLongArray());
        assertArrayEquals(new long[] {-1, -128}, init.get("i8").toLongArray());
    }

    @Test
    void scalarsAndEmptyTensors() throws IOException {
        OnnxModel m = OnnxLoader.load(write(dir, graphWith(
                tensor("s", INT64).addInt64Data(42).build(),
                tensor("e", FLOAT, 0, 3).build(),
                raw("er", DOUBLE, new long[] {2, 0}, new byte[0]).build()).build()));
        var init = m.graph().initializers();
        assertEquals(0, init.get("s").rank());
        assertEquals(42, init.get("s").getLong(0));
        assertArrayEquals(new long[] {0, 3}, init.get("e").shape());
        assertEquals(0, init.get("er").size());
    }

    @Test
    void sparseInitializersAreExpanded() throws IOException {
        SparseTensorProto linear = SparseTensorProto.newBuilder()
                .setValues(tensor("sp", FLOAT, 2).addFloatData(5).addFloatData(7))
                .setIndices(tensor("", INT64, 2).addInt64Data(1).addInt64Data(5))
                .addDims(2).addDims(3).build();
        SparseTensorProto coords = SparseTensorProto.newBuilder()
                .setValues(tensor("sc", INT32, 2).addInt32Data(-1).addInt32Data(9))
                .setIndices(tensor("", INT64, 2, 2).addInt64Data(0).addInt64Data(2).addInt64Data(1).addInt64Data(0))
                .addDims(2).addDims(3).build();
        GraphProto g = graphWith().addSparseInitializer(linear).addSparseInitializer(coords).build();
        var init = OnnxLoader.load(write(dir, g)).graph().initializers();
        assertArrayEquals(new double[] {0, 5, 0, 0, 0, 7}, init.get("sp").toDoubleArray());
        assertArrayEquals(new long[] {0, 0, -1, 9, 0, 0}, init.get("sc").toLongArray());
        assertArrayEquals(new long[] {2, 3}, init.get("sc").shape());
    }

    private KilnError loadFails(TensorProto t) throws IOException {
        Path p = write(dir, graphWith(t).build());
        return assertThrows(KilnError.class, () -> OnnxLoader.load(p));
    }

    @Test
    void stringTensorsAreRejectedByName() throws IOException {
        KilnError e = loadFails(tensor("vocab", STRING, 1).addStringData(ByteString.copyFromUtf8("a")).build());
        assertTrue(e.getMessage().contains("string tensors are not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("'vocab'"), e.getMessage());
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
    }

    @Test
    void unknownAndUnsupportedDataTypes() throws IOException {
        KilnError unknown = loadFails(tensor("w", 99, 1).setRawData(ByteString.copyFrom(new byte[4])).build());
        assertTrue(unknown.getMessage().contains("unknown data type code 99"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("'w'"), unknown.getMessage());
        KilnError complex = loadFails(tensor("c", COMPLEX64, 1).addFloatData(1).addFloatData(2).build());
        assertTrue(complex.getMessage().contains("COMPLEX64"), complex.getMessage());
        KilnError undefined = loadFails(tensor("u", 0, 1).build());
        assertTrue(undefined.getMessage().contains("UNDEFINED"), undefined.getMessage());
    }

    @Test
    void segmentsAreRejected() throws IOException {
        TensorProto t = tensor("seg", FLOAT, 2).addFloatData(1).addFloatData(2)
                .setSegment(TensorProto.Segment.newBuilder().setBegin(0).setEnd(2)).build();
        KilnError e = loadFails(t);
        assertTrue(e.getMessage().contains("segment") && e.getMessage().contains("'seg'"), e.getMessage());
    }

    @Test
    void inconsistentDataIsRejected() throws IOException {
        KilnError rawLen = loadFails(raw("r", FLOAT, new long[] {2}, new byte[7]).build());
        assertTrue(rawLen.getMessage().contains("7 bytes of raw_data") && rawLen.getMessage().contains("need 8"),
                rawLen.getMessage());
        KilnError count = loadFails(tensor("c", INT64, 3).addInt64Data(1).build());
        assertTrue(count.getMessage().contains("1 values in int64_data") && count.getMessage().contains("'c'"),
                count.getMessage());
        KilnError field = loadFails(tensor("f", INT64, 1).addFloatData(1).build());
        assertTrue(field.getMessage().contains("float_data"), field.getMessage());
        KilnError neg = loadFails(tensor("n", FLOAT, -1).build());
        assertTrue(neg.getMessage().contains("negative dimension"), neg.getMessage());
        KilnError huge = loadFails(tensor("h", FLOAT, 1L << 40, 1L << 40).build());
        assertTrue(huge.getMessage().contains("more than Kiln can hold"), huge.getMessage());
    }

    @Test
    void loadTensorReadsSerializedTensorProto() throws IOException {
        NDArray v = sample(DType.INT16);
        Path pb = dir.resolve("input_0.pb");
        Files.write(pb, typed("x", v).toByteArray());
        OnnxTensorFile f = OnnxLoader.loadTensor(pb);
        assertEquals("x", f.name());
        assertEquals(v, f.value());

        Path unnamed = dir.resolve("output_0.pb");
        Files.write(unnamed, raw("", DOUBLE, new long[] {1}, NDArray.scalarDouble(DType.FLOAT64, 2.5).toBytes())
                .build().toByteArray());
        assertEquals("", OnnxLoader.loadTensor(unnamed).name());
        assertEquals(2.5, OnnxLoader.loadTensor(unnamed).value().getDouble(0));
    }

    @Test
    void loadTensorRejectsNonTensorsClearly() throws IOException {
        Path garbage = dir.resolve("g.pb");
        Files.write(garbage, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        KilnError e = assertThrows(KilnError.class, () -> OnnxLoader.loadTensor(garbage));
        assertTrue(e.getMessage().contains("not a valid serialized ONNX tensor"), e.getMessage());

        // A SequenceProto-like message: name (field 1), elem_type (2), one tensor in field 3.
        TensorProto inner = tensor("t", FLOAT, 1).addFloatData(1).build();
        ByteArrayOutputStream seq = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(seq);
        out.writeString(1, "seq");
        out.writeInt32(2, 1);
        out.writeMessage(3, inner);
        out.flush();
        Path sequence = dir.resolve("seq.pb");
        Files.write(sequence, seq.toByteArray());
        KilnError s = assertThrows(KilnError.class, () -> OnnxLoader.loadTensor(sequence));
        assertTrue(s.getMessage().contains("sequence, map or optional"), s.getMessage());
    }
}
