package kiln.relax;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import kiln.tir.DType;
import kiln.tir.NDArray;

/** Types of graph values: tensors with static shapes, and tuples of them. */
public sealed interface Type permits Type.TensorType, Type.TupleType {

    record TensorType(List<Long> shape, DType dtype) implements Type {
        public TensorType {
            shape = List.copyOf(shape);
            Objects.requireNonNull(dtype);
            for (long d : shape) if (d < 0) throw new IllegalArgumentException("negative dimension in " + shape);
        }

        public static TensorType of(DType dtype, long... shape) {
            return new TensorType(java.util.Arrays.stream(shape).boxed().toList(), dtype);
        }

        public int rank() { return shape.size(); }

        public long numel() { return NDArray.numel(shape); }

        public long bytes() { return numel() * dtype.bytes(); }

        public long dim(int k) { return shape.get(k); }

        public long[] shapeArray() { return shape.stream().mapToLong(Long::longValue).toArray(); }

        @Override
        public String toString() {
            return dtype.irName() + shape.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    record TupleType(List<Type> fields) implements Type {
        public TupleType {
            fields = List.copyOf(fields);
        }

        @Override
        public String toString() {
            return fields.stream().map(Type::toString).collect(Collectors.joining(", ", "(", ")"));
        }
    }

    /** This type as a tensor type, or an exception naming what was expected. */
    default TensorType tensor() {
        if (this instanceof TensorType t) return t;
        throw new IllegalStateException("expected a tensor, got tuple " + this);
    }
}
