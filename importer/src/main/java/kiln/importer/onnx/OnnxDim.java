package kiln.importer.onnx;

import java.util.Objects;

/** One dimension of a declared tensor shape: a fixed size, a named symbolic size, or nothing known. */
public sealed interface OnnxDim {
    /** The shared instance for a dimension with neither a value nor a name. */
    OnnxDim UNKNOWN = new Unknown();

    /** A dimension of known size ({@code dim_value}). */
    record Static(long value) implements OnnxDim {
        public Static {
            if (value < 0) throw new IllegalArgumentException("negative dimension " + value);
        }

        @Override
        public String toString() { return Long.toString(value); }
    }

    /** A dimension named by {@code dim_param}, e.g. {@code batch}; equal names mean equal sizes. */
    record Symbolic(String name) implements OnnxDim {
        public Symbolic {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) throw new IllegalArgumentException("empty symbolic dimension name");
        }

        @Override
        public String toString() { return name; }
    }

    /** A dimension the model says nothing about. */
    record Unknown() implements OnnxDim {
        @Override
        public String toString() { return "?"; }
    }
}
