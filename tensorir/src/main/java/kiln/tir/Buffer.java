package kiln.tir;

import java.util.List;
import java.util.Objects;

/** A named, typed, row-major memory region. Params of kernels are GLOBAL; accumulators are LOCAL. */
public record Buffer(String name, DType dtype, List<Long> shape, Scope scope) {
    public enum Scope { GLOBAL, LOCAL }

    public Buffer {
        Objects.requireNonNull(name);
        Objects.requireNonNull(dtype);
        Objects.requireNonNull(scope);
        shape = List.copyOf(shape);
        for (long d : shape) if (d < 0) throw new IllegalArgumentException("negative extent in buffer " + name);
    }

    public static Buffer global(String name, DType dtype, List<Long> shape) {
        return new Buffer(name, dtype, shape, Scope.GLOBAL);
    }

    public int rank() { return shape.size(); }

    public long numel() { return NDArray.numel(shape); }

    public long bytes() { return numel() * dtype.bytes(); }

    /** Row-major stride of dimension {@code d}, in elements. */
    public long stride(int d) {
        long s = 1;
        for (int k = d + 1; k < shape.size(); k++) s *= shape.get(k);
        return s;
    }
}
