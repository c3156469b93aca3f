package kiln.tir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable dense tensor value: constants in the graph IR, interpreter values, golden data.
 * Floating types are held as doubles (float32 values are always kept rounded to float), integer
 * and bool types as longs. Row-major, no strides.
 */
public final class NDArray {
    private final DType dtype;
    private final long[] shape;
    private final double[] f;
    private final long[] i;

    private NDArray(DType dtype, long[] shape, double[] f, long[] i) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.f = f;
        this.i = i;
        long n = numel(shape);
        int len = f != null ? f.length : i.length;
        if (n != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, got " + len);
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static long numel(List<Long> shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Wraps values without copying; callers hand over ownership of the array. */
    public static NDArray ofDoubles(DType dtype, long[] shape, double[] data) {
        if (!dtype.isFloat()) throw new IllegalArgumentException(dtype + " is not a float type");
        if (dtype == DType.FLOAT32) {
            for (int k = 0; k < data.length; k++) data[k] = (float) data[k];
        }
        return new NDArray(dtype, shape, data, null);
    }

    public static NDArray ofLongs(DType dtype, long[] shape, long[] data) {
        if (dtype.isFloat()) throw new IllegalArgumentException(dtype + " is a float type");
        for (int k = 0; k < data.length; k++) data[k] = wrap(dtype, data[k]);
        return new NDArray(dtype, shape, null, data);
    }

    public static NDArray ofFloats(long[] shape, float[] data) {
        double[] d = new double[data.length];
        for (int k = 0; k < data.length; k++) d[k] = data[k];
        return new NDArray(DType.FLOAT32, shape, d, null);
    }

    public static NDArray zeros(DType dtype, long[] shape) {
        int n = Math.toIntExact(numel(shape));
        return dtype.isFloat() ? new NDArray(dtype, shape, new double[n], null) : new NDArray(dtype, shape, null, new long[n]);
    }

    public static NDArray scalarLong(DType dtype, long v) {
        return ofLongs(dtype, new long[0], new long[] {v});
    }

    public static NDArray vectorLong(long... v) {
        return ofLongs(DType.INT64, new long[] {v.length}, v.clone());
    }

    public static NDArray scalarDouble(DType dtype, double v) {
        return ofDoubles(dtype, new long[0], new double[] {v});
    }

    /** Truncates an integer to the range of an integer dtype, as a C cast would. */
    public static long wrap(DType dtype, long v) {
        return switch (dtype) {
            case INT8 -> (byte) v;
            case INT16 -> (short) v;
            case INT32 -> (int) v;
            case UINT8 -> v & 0xFFL;
            case UINT16 -> v & 0xFFFFL;
            case UINT32 -> v & 0xFFFFFFFFL;
            case BOOL -> v != 0 ? 1 : 0;
            default -> v;
        };
    }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public List<Long> shapeList() { return Arrays.stream(shape).boxed().toList(); }

    public int rank() { return shape.length; }

    public int size() { return f != null ? f.length : i.length; }

    public double getDouble(int k) { return f != null ? f[k] : (dtype == DType.UINT64 ? unsignedToDouble(i[k]) : i[k]); }

    public long getLong(int k) { return i != null ? i[k] : (long) f[k]; }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    /** A copy of the data as doubles (floats exactly, integers converted). */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int k = 0; k < out.length; k++) out[k] = getDouble(k);
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[size()];
        for (int k = 0; k < out.length; k++) out[k] = getLong(k);
        return out;
    }

    public NDArray reshape(long[] newShape) {
        return new NDArray(dtype, newShape, f, i);
    }

    /** Little-endian bytes in the dtype's storage format (float16/bfloat16 rounded to nearest even). */
    public byte[] toBytes() {
        ByteBuffer bb = ByteBuffer.allocate(size() * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < size(); k++) {
            switch (dtype) {
                case FLOAT32 -> bb.putFloat((float) f[k]);
                case FLOAT64 -> bb.putDouble(f[k]);
                case FLOAT16 -> bb.putShort(Float.floatToFloat16((float) f[k]));
                case BFLOAT16 -> bb.putShort(FloatBits.toBfloat16((float) f[k]));
                case INT8, UINT8, BOOL -> bb.put((byte) i[k]);
                case INT16, UINT16 -> bb.putShort((short) i[k]);
                case INT32, UINT32 -> bb.putInt((int) i[k]);
                case INT64, UINT64 -> bb.putLong(i[k]);
            }
        }
        return bb.array();
    }

    /** Reads little-endian bytes in the dtype's storage format. */
    public static NDArray fromBytes(DType dtype, long[] shape, byte[] bytes) {
        int n = Math.toIntExact(numel(shape));
        if ((long) n * dtype.bytes() != bytes.length) {
            throw new IllegalArgumentException("expected " + (long) n * dtype.bytes() + " bytes for " + dtype.irName()
                    + Arrays.toString(shape) + ", got " + bytes.length);
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype.isFloat()) {
            double[] d = new double[n];
            for (int k = 0; k < n; k++) {
                d[k] = switch (dtype) {
                    case FLOAT32 -> bb.getFloat();
                    case FLOAT64 -> bb.getDouble();
                    case FLOAT16 -> Float.float16ToFloat(bb.getShort());
                    case BFLOAT16 -> FloatBits.fromBfloat16(bb.getShort());
                    default -> throw new AssertionError(dtype);
                };
            }
            return new NDArray(dtype, shape, d, null);
        }
        long[] l = new long[n];
        for (int k = 0; k < n; k++) {
            l[k] = switch (dtype) {
                case INT8 -> bb.get();
                case UINT8, BOOL -> bb.get() & 0xFFL;
                case INT16 -> bb.getShort();
                case UINT16 -> bb.getShort() & 0xFFFFL;
                case INT32 -> bb.getInt();
                case UINT32 -> bb.getInt() & 0xFFFFFFFFL;
                default -> bb.getLong();
            };
        }
        return new NDArray(dtype, shape, null, l);
    }

    /** Converts element values to another dtype with C cast semantics. */
    public NDArray cast(DType to) {
        if (to == dtype) return this;
        int n = size();
        if (to.isFloat()) {
            double[] d = new double[n];
            for (int k = 0; k < n; k++) d[k] = getDouble(k);
            return ofDoubles(to, shape, d);
        }
        long[] l = new long[n];
        for (int k = 0; k < n; k++) {
            if (to == DType.BOOL) {
                l[k] = f != null ? (f[k] != 0 ? 1 : 0) : (i[k] != 0 ? 1 : 0);
            } else {
                l[k] = f != null ? FloatBits.toLongSaturating(f[k]) : i[k];
            }
        }
        return ofLongs(to, shape, l);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NDArray a && a.dtype == dtype && Arrays.equals(a.shape, shape)
                && Arrays.equals(a.f, f) && Arrays.equals(a.i, i);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + (f != null ? Arrays.hashCode(f) : Arrays.hashCode(i));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.irName()).append(Arrays.toString(shape)).append('{');
        int n = Math.min(size(), 8);
        for (int k = 0; k < n; k++) {
            if (k > 0) sb.append(", ");
            sb.append(f != null ? Double.toString(f[k]) : Long.toString(i[k]));
        }
        if (size() > n) sb.append(", ...");
        return sb.append('}').toString();
    }
}
