package kiln.importer.onnx;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import kiln.diag.KilnError;
import kiln.tir.DType;

/** The declared type of a graph value ({@code TypeProto}). */
public sealed interface OnnxType {
    /** A short description for messages, e.g. {@code tensor(float32)[batch,3,224,224]}. */
    String describe();

    /**
     * A dense tensor type. {@code shape} is empty when the model does not declare a rank at all;
     * a present but empty list is a scalar.
     */
    record TensorT(OnnxElemType elemType, Optional<List<OnnxDim>> shape) implements OnnxType {
        public TensorT {
            Objects.requireNonNull(elemType, "elemType");
            shape = shape.map(List::copyOf);
        }

        /** A tensor type of a supported dtype and known rank. */
        public TensorT(DType dtype, List<OnnxDim> dims) {
            this(OnnxElemType.of(dtype), Optional.of(dims));
        }

        /** The Kiln dtype, empty if the element type is not one Kiln supports. */
        public Optional<DType> dtype() {
            return elemType.dtype();
        }

        public boolean hasRank() {
            return shape.isPresent();
        }

        /**
         * The dimensions; a KilnError if the model leaves the rank unknown.
         *
         * @param what names the value for the message, e.g. {@code "input 'x'"}
         */
        public List<OnnxDim> dims(String what) {
            return shape.orElseThrow(() -> new KilnError(what + " has a tensor type without a shape (unknown rank);"
                    + " Kiln needs the rank: give the model a shape for it (e.g. with ONNX shape inference)"));
        }

        /** The dimensions if every one is static, else empty. */
        public Optional<long[]> staticShape() {
            if (shape.isEmpty()) return Optional.empty();
            List<OnnxDim> d = shape.get();
            long[] out = new long[d.size()];
            for (int k = 0; k < out.length; k++) {
                if (!(d.get(k) instanceof OnnxDim.Static s)) return Optional.empty();
                out[k] = s.value();
            }
            return Optional.of(out);
        }

        @Override
        public String describe() {
            return "tensor(" + elemType + ")"
                    + shape.map(d -> d.stream().map(Object::toString).collect(Collectors.joining(",", "[", "]")))
                            .orElse("[unknown rank]");
        }
    }

    /** A sequence of values of one type. */
    record SequenceT(OnnxType elemType) implements OnnxType {
        public SequenceT {
            Objects.requireNonNull(elemType, "elemType");
        }

        @Override
        public String describe() {
            return "sequence(" + elemType.describe() + ")";
        }
    }

    /** A value that may be absent. */
    record OptionalT(OnnxType elemType) implements OnnxType {
        public OptionalT {
            Objects.requireNonNull(elemType, "elemType");
        }

        @Override
        public String describe() {
            return "optional(" + elemType.describe() + ")";
        }
    }

    /** Any other type (maps, sparse tensors, unspecified), kept only as a description for messages. */
    record Other(String description) implements OnnxType {
        public Other {
            Objects.requireNonNull(description, "description");
        }

        @Override
        public String describe() {
            return description;
        }
    }
}
