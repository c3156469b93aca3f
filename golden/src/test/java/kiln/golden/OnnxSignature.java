package kiln.golden;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The graph inputs and outputs (name, element type, dims) of an ONNX model, read straight from
 * the protobuf wire format so that this test needs no ONNX library. Only the fields needed here
 * are decoded: ModelProto.graph(7); GraphProto.initializer(5), input(11), output(12);
 * TensorProto.name(8); ValueInfoProto.name(1), type(2); TypeProto.tensor_type(1);
 * Tensor.elem_type(1), shape(2); TensorShapeProto.dim(1); Dimension.dim_value(1), dim_param(2).
 */
record OnnxSignature(List<Value> inputs, List<Value> outputs) {

    /** A dimension: a fixed size, or a symbolic name (then {@code value} is -1). */
    record Dim(long value, String param) {
        boolean symbolic() {
            return param != null;
        }

        @Override
        public String toString() {
            return symbolic() ? param : Long.toString(value);
        }
    }

    /** A graph input or output; {@code elemType} is the TensorProto.DataType number (1 float, 7 int64, 9 bool). */
    record Value(String name, int elemType, List<Dim> dims) {}

    static OnnxSignature read(Path model) throws IOException {
        Reader m = new Reader(Files.readAllBytes(model));
        byte[] graph = null;
        while (m.more()) {
            int tag = m.tag();
            if (tag >>> 3 == 7 && (tag & 7) == 2) graph = m.bytes();
            else m.skip(tag);
        }
        if (graph == null) throw new IOException(model + ": no graph");
        List<byte[]> inputs = new ArrayList<>();
        List<byte[]> outputs = new ArrayList<>();
        Set<String> initializers = new HashSet<>();
        Reader g = new Reader(graph);
        while (g.more()) {
            int tag = g.tag();
            int field = tag >>> 3;
            if ((tag & 7) != 2) {
                g.skip(tag);
            } else if (field == 5) {
                initializers.add(tensorName(g.bytes()));
            } else if (field == 11) {
                inputs.add(g.bytes());
            } else if (field == 12) {
                outputs.add(g.bytes());
            } else {
                g.skip(tag);
            }
        }
        List<Value> in = new ArrayList<>();
        for (byte[] b : inputs) {
            Value v = valueInfo(b);
            if (!initializers.contains(v.name())) in.add(v);
        }
        List<Value> out = new ArrayList<>();
        for (byte[] b : outputs) out.add(valueInfo(b));
        return new OnnxSignature(in, out);
    }

    private static String tensorName(byte[] tensor) throws IOException {
        Reader r = new Reader(tensor);
        String name = "";
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 8 && (tag & 7) == 2) name = r.string();
            else r.skip(tag);
        }
        return name;
    }

    private static Value valueInfo(byte[] b) throws IOException {
        Reader r = new Reader(b);
        String name = "";
        int elem = 0;
        List<Dim> dims = new ArrayList<>();
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                name = r.string();
            } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
                Reader type = new Reader(r.bytes());
                while (type.more()) {
                    int t = type.tag();
                    if (t >>> 3 != 1 || (t & 7) != 2) {
                        type.skip(t);
                        continue;
                    }
                    Reader tensor = new Reader(type.bytes());
                    while (tensor.more()) {
                        int tt = tensor.tag();
                        if (tt >>> 3 == 1 && (tt & 7) == 0) {
                            elem = (int) tensor.varint();
                        } else if (tt >>> 3 == 2 && (tt & 7) == 2) {
                            Reader shape = new Reader(tensor.bytes());
                            while (shape.more()) {
                                int st = shape.tag();
                                if (st >>> 3 == 1 && (st & 7) == 2) dims.add(dim(shape.bytes()));
                                else shape.skip(st);
                            }
                        } else {
                            tensor.skip(tt);
                        }
                    }
                }
            } else {
                r.skip(tag);
            }
        }
        return new Value(name, elem, dims);
    }

    private static Dim dim(byte[] b) throws IOException {
        Reader r = new Reader(b);
        long value = -1;
        String param = null;
        while (r.more()) {
            int tag = r.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 0) value = r.varint();
            else if (tag >>> 3 == 2 && (tag & 7) == 2) param = r.string();
            else r.skip(tag);
        }
        return new Dim(value, param);
    }

    /** Minimal protobuf wire-format cursor. */
    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        boolean more() {
            return pos < b.length;
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= b.length) throw new IOException("truncated varint");
                int x = b[pos++] & 0xFF;
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new IOException("varint too long");
        }

        int tag() throws IOException {
            return (int) varint();
        }

        byte[] bytes() throws IOException {
            long n = varint();
            if (n < 0 || pos + n > b.length) throw new IOException("truncated field");
            byte[] out = new byte[(int) n];
            System.arraycopy(b, pos, out, 0, (int) n);
            pos += (int) n;
            return out;
        }

        String string() throws IOException {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip(int tag) throws IOException {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> {
                    long n = varint();
                    pos += (int) n;
                }
                case 5 -> pos += 4;
                default -> throw new IOException("unsupported wire type " + (tag & 7));
            }
            if (pos > b.length) throw new IOException("truncated field");
        }
    }
}
