package kiln.importer.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import kiln.tir.NDArray;

/**
 * The value of a node attribute. Kinds Kiln cannot use (type protos, lists of sparse tensors, tensors of
 * strings or of unsupported element types) load as {@link Unsupported} and fail with a clear message only
 * when a converter asks for them.
 */
public sealed interface OnnxAttribute {
    /** The ONNX attribute type name, e.g. {@code INT}, {@code FLOATS}, {@code GRAPH}. */
    String kind();

    record Int(long value) implements OnnxAttribute {
        @Override
        public String kind() { return "INT"; }
    }

    record Float(float value) implements OnnxAttribute {
        @Override
        public String kind() { return "FLOAT"; }
    }

    /** A STRING attribute, decoded as UTF-8. */
    record Str(String value) implements OnnxAttribute {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String kind() { return "STRING"; }
    }

    record Tensor(NDArray value) implements OnnxAttribute {
        public Tensor {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String kind() { return "TENSOR"; }
    }

    /** A SPARSE_TENSOR attribute, already expanded to its dense value. */
    record SparseTensor(NDArray dense) implements OnnxAttribute {
        public SparseTensor {
            Objects.requireNonNull(dense, "dense");
        }

        @Override
        public String kind() { return "SPARSE_TENSOR"; }
    }

    /** A GRAPH attribute: the body of If, Loop, Scan and similar control-flow ops. */
    record Graph(OnnxGraph value) implements OnnxAttribute {
        public Graph {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String kind() { return "GRAPH"; }
    }

    /** An INTS attribute; the array is copied in and out, so the record stays immutable. */
    record Ints(long[] values) implements OnnxAttribute {
        public Ints {
            values = values.clone();
        }

        @Override
        public long[] values() { return values.clone(); }

        public int size() { return values.length; }

        public long get(int k) { return values[k]; }

        @Override
        public String kind() { return "INTS"; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ints other && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() { return Arrays.hashCode(values); }

        @Override
        public String toString() { return "Ints" + Arrays.toString(values); }
    }

    /** A FLOATS attribute; the array is copied in and out, so the record stays immutable. */
    record Floats(float[] values) implements OnnxAttribute {
        public Floats {
            values = values.clone();
        }

        @Override
        public float[] values() { return values.clone(); }

        public int size() { return values.length; }

        public float get(int k) { return values[k]; }

        @Override
        public String kind() { return "FLOATS"; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Floats other && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() { return Arrays.hashCode(values); }

        @Override
        public String toString() { return "Floats" + Arrays.toString(values); }
    }

    record Strings(List<String> values) implements OnnxAttribute {
        public Strings {
            values = List.copyOf(values);
        }

        @Override
        public String kind() { return "STRINGS"; }
    }

    record Tensors(List<NDArray> values) implements OnnxAttribute {
        public Tensors {
            values = List.copyOf(values);
        }

        @Override
        public String kind() { return "TENSORS"; }
    }

    record Graphs(List<OnnxGraph> values) implements OnnxAttribute {
        public Graphs {
            values = List.copyOf(values);
        }

        @Override
        public String kind() { return "GRAPHS"; }
    }

    /**
     * Inside a function body: the attribute takes the value of the calling node's attribute
     * {@code refName} ({@code ref_attr_name}); it has to be substituted before use.
     */
    record Ref(String kind, String refName) implements OnnxAttribute {
        public Ref {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(refName, "refName");
        }
    }

    /**
     * An attribute Kiln cannot represent: {@code kind} is its ONNX type, {@code reason} a sentence saying why
     * it is unsupported and what to do, used when a converter asks for the value.
     */
    record Unsupported(String kind, String reason) implements OnnxAttribute {
        public Unsupported {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
