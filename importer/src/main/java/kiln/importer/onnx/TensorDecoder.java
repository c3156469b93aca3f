package kiln.importer.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.SparseTensorProto;
import kiln.importer.onnx.proto.OnnxProto.StringStringEntryProto;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import kiln.tir.DType;
import kiln.tir.FloatBits;
import kiln.tir.NDArray;

/**
 * Turns {@code TensorProto}s into {@link NDArray}s, whatever storage form they use: {@code raw_data}, the
 * typed {@code *_data} fields, or external data files, which must lie inside the folder of the file that
 * references them.
 */
final class TensorDecoder {
    /** Largest element count an NDArray can hold (it is backed by one Java array). */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8L;

    private final Path file;
    private Path realFolder;

    /** @param file the model or tensor file the tensors come from; external data is resolved next to it */
    TensorDecoder(Path file) {
        this.file = file;
    }

    private KilnError error(String what, String problem) {
        return new KilnError(file + ": " + what + " " + problem);
    }

    /** Why Kiln cannot hold this tensor's element type, or empty if it can. */
    Optional<String> unsupportedReason(TensorProto t) {
        OnnxElemType et = new OnnxElemType(t.getDataType());
        return et.dtype().isPresent() ? Optional.empty() : Optional.of(et.unsupportedReason());
    }

    /**
     * Decodes a tensor.
     *
     * @param what names the tensor in messages, e.g. {@code "initializer 'W' of graph 'main'"}
     */
    NDArray decode(TensorProto t, String what) {
        OnnxElemType et = new OnnxElemType(t.getDataType());
        DType dtype = et.dtype().orElseThrow(() -> error(what, et.unsupportedReason()));
        long[] shape = new long[t.getDimsCount()];
        for (int k = 0; k < shape.length; k++) shape[k] = t.getDims(k);
        int n = elementCount(shape, what);
        if (t.hasSegment()) {
            throw error(what, "is split into segments (TensorProto.segment), which Kiln does not support; save"
                    + " the model with each tensor in one piece");
        }
        long byteCount = (long) n * dtype.bytes();
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return fromBytes(dtype, shape, readExternal(t, what, byteCount));
        }
        if (t.hasRawData()) {
            if (t.getRawData().size() != byteCount) {
                throw error(what, "has " + t.getRawData().size() + " bytes of raw_data, but its shape "
                        + Arrays.toString(shape) + " and type " + et.onnxName() + " need " + byteCount
                        + "; the model is corrupted: re-export it");
            }
            return fromBytes(dtype, shape, t.getRawData().toByteArray());
        }
        return switch (dtype) {
            case FLOAT32 -> {
                checkCount(t, what, shape, et, "float_data", t.getFloatDataCount(), n);
                double[] d = new double[n];
                for (int k = 0; k < n; k++) d[k] = t.getFloatData(k);
                yield NDArray.ofDoubles(dtype, shape, d);
            }
            case FLOAT64 -> {
                checkCount(t, what, shape, et, "double_data", t.getDoubleDataCount(), n);
                double[] d = new double[n];
                for (int k = 0; k < n; k++) d[k] = t.getDoubleData(k);
                yield NDArray.ofDoubles(dtype, shape, d);
            }
            case FLOAT16, BFLOAT16 -> {
                checkCount(t, what, shape, et, "int32_data", t.getInt32DataCount(), n);
                double[] d = new double[n];
                for (int k = 0; k < n; k++) {
                    short bits = (short) t.getInt32Data(k);
                    d[k] = dtype == DType.FLOAT16 ? Float.float16ToFloat(bits) : FloatBits.fromBfloat16(bits);
                }
                yield NDArray.ofDoubles(dtype, shape, d);
            }
            case INT8, INT16, INT32, UINT8, UINT16, BOOL -> {
                checkCount(t, what, shape, et, "int32_data", t.getInt32DataCount(), n);
                long[] l = new long[n];
                for (int k = 0; k < n; k++) l[k] = t.getInt32Data(k);
                yield NDArray.ofLongs(dtype, shape, l);
            }
            case INT64 -> {
                checkCount(t, what, shape, et, "int64_data", t.getInt64DataCount(), n);
                long[] l = new long[n];
                for (int k = 0; k < n; k++) l[k] = t.getInt64Data(k);
                yield NDArray.ofLongs(dtype, shape, l);
            }
            case UINT32, UINT64 -> {
                checkCount(t, what, shape, et, "uint64_data", t.getUint64DataCount(), n);
                long[] l = new long[n];
                for (int k = 0; k < n; k++) l[k] = t.getUint64Data(k);
                yield NDArray.ofLongs(dtype, shape, l);
            }
        };
    }

    private int elementCount(long[] shape, String what) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw error(what, "has a negative dimension in its shape " + Arrays.toString(shape)
                        + "; the model is corrupted: re-export it");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
        }
        if (n > MAX_ELEMENTS) {
            throw error(what, "has shape " + Arrays.toString(shape) + " with " + (n == Long.MAX_VALUE ? "too many"
                    : Long.toString(n)) + " elements, more than Kiln can hold in one tensor (" + MAX_ELEMENTS + ")");
        }
        return (int) n;
    }

    private void checkCount(TensorProto t, String what, long[] shape, OnnxElemType et, String field, int have,
            int need) {
        if (have == need) return;
        StringBuilder msg = new StringBuilder("has ").append(have).append(" values in ").append(field)
                .append(" but its shape ").append(Arrays.toString(shape)).append(" needs ").append(need);
        if (have == 0) {
            String other = t.getFloatDataCount() > 0 ? "float_data" : t.getDoubleDataCount() > 0 ? "double_data"
                    : t.getInt32DataCount() > 0 ? "int32_data" : t.getInt64DataCount() > 0 ? "int64_data"
                    : t.getUint64DataCount() > 0 ? "uint64_data" : t.getStringDataCount() > 0 ? "string_data" : null;
            if (other != null) {
                msg.append("; its values are in ").append(other).append(", which is not the field ONNX uses for type ")
                        .append(et.onnxName()).append(" (").append(field).append(')');
            }
        }
        throw error(what, msg.append("; the model is corrupted or was written by a non-conforming exporter:"
                + " re-export it").toString());
    }

    private static NDArray fromBytes(DType dtype, long[] shape, byte[] bytes) {
        NDArray a = NDArray.fromBytes(dtype, shape, bytes);
        // ONNX bools are one byte each; any non-zero byte is true. Normalize to 0/1 as NDArray expects.
        return dtype == DType.BOOL ? NDArray.ofLongs(DType.BOOL, shape, a.toLongArray()) : a;
    }

    /** Expands a COO sparse tensor to a dense one; entries not listed are zero. */
    NDArray densify(SparseTensorProto s, String what) {
        if (!s.hasValues()) throw error(what, "is a sparse tensor without values; the model is malformed");
        NDArray values = decode(s.getValues(), what + " (values)");
        long[] shape = new long[s.getDimsCount()];
        for (int k = 0; k < shape.length; k++) shape[k] = s.getDims(k);
        int n = elementCount(shape, what);
        int nnz = values.size();
        if (values.rank() != 1) {
            throw error(what, "has sparse values of shape " + Arrays.toString(values.shape())
                    + " instead of a 1-D list; the model is malformed");
        }
        NDArray indices = s.hasIndices() ? decode(s.getIndices(), what + " (indices)")
                : NDArray.zeros(DType.INT64, new long[] {0});
        if (indices.dtype().isFloat() || indices.dtype() == DType.BOOL) {
            throw error(what, "has sparse indices of type " + indices.dtype().irName()
                    + " instead of int64; the model is malformed");
        }
        long[] ishape = indices.shape();
        boolean linear = ishape.length == 1 && ishape[0] == nnz;
        boolean coords = ishape.length == 2 && ishape[0] == nnz && ishape[1] == shape.length;
        if (!linear && !coords) {
            throw error(what, "has sparse indices of shape " + Arrays.toString(ishape) + " for " + nnz
                    + " values in a tensor of rank " + shape.length + "; expected [" + nnz + "] or [" + nnz + ", "
                    + shape.length + "]: the model is malformed");
        }
        long[] idx = indices.toLongArray();
        double[] fd = values.dtype().isFloat() ? new double[n] : null;
        long[] ld = values.dtype().isFloat() ? null : new long[n];
        for (int k = 0; k < nnz; k++) {
            long pos;
            if (linear) {
                pos = idx[k];
            } else {
                pos = 0;
                for (int d = 0; d < shape.length; d++) {
                    long c = idx[k * shape.length + d];
                    if (c < 0 || c >= shape[d]) {
                        throw error(what, "has sparse index " + c + " out of range for dimension " + d + " of size "
                                + shape[d] + "; the model is malformed");
                    }
                    pos = pos * shape[d] + c;
                }
            }
            if (pos < 0 || pos >= n) {
                throw error(what, "has sparse index " + pos + " outside its " + n + " elements; the model is malformed");
            }
            if (fd != null) fd[(int) pos] = values.getDouble(k);
            else ld[(int) pos] = values.getLong(k);
        }
        return fd != null ? NDArray.ofDoubles(values.dtype(), shape, fd) : NDArray.ofLongs(values.dtype(), shape, ld);
    }

    // ---------------------------------------------------------------------------------------------- external

    private byte[] readExternal(TensorProto t, String what, long byteCount) {
        Map<String, String> kv = new HashMap<>();
        for (StringStringEntryProto e : t.getExternalDataList()) kv.put(e.getKey(), e.getValue());
        String location = kv.getOrDefault("location", "");
        if (location.isEmpty()) {
            throw error(what, "is marked as external data but its external_data has no 'location'; the model is"
                    + " malformed: re-export it");
        }
        long offset = number(kv, "offset", 0, what);
        long length = number(kv, "length", byteCount, what);
        if (length != byteCount) {
            throw error(what, "has external data length " + length + " bytes, but its shape and type need "
                    + byteCount + "; the model is corrupted: re-export it");
        }
        Path data = resolveInsideFolder(location, what);
        byte[] bytes = new byte[(int) byteCount];
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset > size || size - offset < byteCount) {
                throw error(what, "needs bytes " + offset + " to " + (offset + byteCount) + " of its external data"
                        + " file '" + location + "', but that file has only " + size + " bytes (short or truncated"
                        + " file?); copy the complete data file next to the model");
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                int r = ch.read(buf, offset + buf.position());
                if (r < 0) {
                    throw error(what, "could not read all of its external data from '" + location + "': the file"
                            + " ended early (was it changed while reading?)");
                }
            }
        } catch (IOException e) {
            throw new KilnError(file + ": " + what + " cannot read its external data file '" + location + "' ("
                    + data + "): " + e + "; check that the file is readable", e);
        }
        String checksum = kv.get("checksum");
        if (checksum != null && !checksum.isEmpty()) {
            String actual = sha1(bytes);
            if (!actual.equalsIgnoreCase(checksum.trim())) {
                throw error(what, "has external data in '" + location + "' whose SHA-1 is " + actual + " but the"
                        + " model expects " + checksum + "; the data file does not belong to this model or is"
                        + " corrupted");
            }
        }
        return bytes;
    }

    private long number(Map<String, String> kv, String key, long dflt, String what) {
        String s = kv.get(key);
        if (s == null || s.isEmpty()) return dflt;
        try {
            long v = Long.parseLong(s.trim());
            if (v < 0) throw new NumberFormatException("negative");
            return v;
        } catch (NumberFormatException e) {
            throw error(what, "has external data " + key + " '" + s + "', which is not a non-negative integer;"
                    + " the model is malformed: re-export it");
        }
    }

    /** Resolves an external data location; it must name a regular file inside the referencing file's folder. */
    private Path resolveInsideFolder(String location, String what) {
        String how = "; Kiln only reads external data from inside the model's folder: move the data file next to"
                + " the model and give its location relative to the model";
        if (location.indexOf('\0') >= 0) {
            throw error(what, "has an external data location containing a NUL character, which is not a valid path"
                    + how);
        }
        if (location.startsWith("/") || location.startsWith("\\") || location.matches("^[A-Za-z]:.*")) {
            throw error(what, "has external data location '" + location + "', an absolute path" + how);
        }
        Path rel;
        try {
            rel = Path.of(location);
        } catch (InvalidPathException e) {
            throw error(what, "has external data location '" + location + "', which is not a valid path" + how);
        }
        if (rel.isAbsolute()) {
            throw error(what, "has external data location '" + location + "', an absolute path" + how);
        }
        for (Path part : rel) {
            if (part.toString().equals("..")) {
                throw error(what, "has external data location '" + location + "', which uses '..' to leave the"
                        + " model's folder; Kiln does not read files outside it" + how);
            }
        }
        Path folder = realFolder();
        Path target = folder.resolve(rel);
        if (!Files.exists(target)) {
            throw error(what, "keeps its data in external file '" + location + "', which does not exist (looked for "
                    + target + "); copy the model's data file next to it");
        }
        Path real;
        try {
            real = target.toRealPath();
        } catch (IOException e) {
            throw error(what, "keeps its data in external file '" + location + "', which cannot be resolved: " + e);
        }
        if (!real.startsWith(folder)) {
            throw error(what, "has external data location '" + location + "', which resolves through a symbolic link to "
                    + real + ", outside the model's folder " + folder + how);
        }
        if (!Files.isRegularFile(real)) {
            throw error(what, "keeps its data in external file '" + location + "', which is not a regular file");
        }
        if (!Files.isReadable(real)) {
            throw error(what, "keeps its data in external file '" + location + "', which cannot be read; check its"
                    + " permissions");
        }
        return real;
    }

    private Path realFolder() {
        if (realFolder == null) {
            Path parent = file.toAbsolutePath().getParent();
            try {
                realFolder = parent.toRealPath();
            } catch (IOException e) {
                throw new KilnError(file + ": the folder " + parent + " cannot be resolved to look up external data: "
                        + e, e);
            }
        }
        return realFolder;
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }
}
