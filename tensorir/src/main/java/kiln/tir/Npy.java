package kiln.tir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import kiln.diag.KilnError;

/**
 * Reads and writes numpy {@code .npy} files as {@link NDArray}s.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, C-order data only, with descriptors for
 * every {@link DType}: {@code f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1} in little-endian ({@code <}),
 * big-endian ({@code >}), native ({@code =}) or not-applicable ({@code |}) byte order, plus
 * {@code V2} which Kiln uses for bfloat16 (numpy has no bfloat16 type; see {@link DType#npyDescr()}).
 * Writing produces format 1.0 (2.0 only if the header would not fit in 1.0) with the descriptors of
 * {@link DType#npyDescr()}, which is what {@code numpy.save} writes for the same data.
 *
 * <p>Every problem with a file is reported as a {@link KilnError} whose message names the file.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy pads the header so that the data starts at a multiple of this. */
    private static final int ALIGN = 64;

    /** The parsed header of an .npy file: element type, shape and where the data starts. */
    public record Header(DType dtype, long[] shape, ByteOrder order, int major, int minor, int dataOffset) {
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public List<Long> shapeList() {
            return Arrays.stream(shape).boxed().toList();
        }

        public long numel() {
            return NDArray.numel(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && h.dtype == dtype && Arrays.equals(h.shape, shape) && h.order.equals(order)
                    && h.major == major && h.minor == minor && h.dataOffset == dataOffset;
        }

        @Override
        public int hashCode() {
            return dtype.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Header[" + dtype.irName() + Arrays.toString(shape) + ", " + order + ", v" + major + "." + minor
                    + ", data at " + dataOffset + "]";
        }
    }

    // ------------------------------------------------------------------------------------------
    // Reading

    /** Reads a whole .npy file. */
    public static NDArray read(Path file) {
        return read(readAll(file), file.toString());
    }

    /** Decodes the bytes of an .npy file; {@code source} names it in error messages. */
    public static NDArray read(byte[] bytes, String source) {
        Header h = parseHeader(bytes, bytes.length, source);
        long nbytes = Math.multiplyExact(h.numel(), (long) h.dtype().bytes());
        long available = (long) bytes.length - h.dataOffset();
        if (available < nbytes) {
            throw new KilnError(source + ": truncated .npy file: " + h.dtype().irName() + Arrays.toString(h.shape)
                    + " needs " + nbytes + " data bytes, the file has " + available);
        }
        if (available > nbytes) {
            throw new KilnError(source + ": malformed .npy file: " + (available - nbytes) + " unexpected bytes after the "
                    + nbytes + " data bytes of " + h.dtype().irName() + Arrays.toString(h.shape));
        }
        if (nbytes > Integer.MAX_VALUE - 16) {
            throw new KilnError(source + ": .npy array of " + nbytes + " bytes is too large to load");
        }
        byte[] data = Arrays.copyOfRange(bytes, h.dataOffset(), h.dataOffset() + (int) nbytes);
        int width = h.dtype().bytes();
        if (width > 1 && h.order() == ByteOrder.BIG_ENDIAN) {
            for (int off = 0; off < data.length; off += width) {
                for (int a = off, b = off + width - 1; a < b; a++, b--) {
                    byte t = data[a];
                    data[a] = data[b];
                    data[b] = t;
                }
            }
        }
        NDArray arr = NDArray.fromBytes(h.dtype(), h.shape(), data);
        if (h.dtype() == DType.BOOL) {
            // numpy treats any non-zero byte as True; NDArray keeps bools as 0/1.
            for (byte b : data) {
                if (b != 0 && b != 1) return NDArray.ofLongs(DType.BOOL, h.shape(), arr.toLongArray());
            }
        }
        return arr;
    }

    /** Reads only the header of an .npy file (dtype and shape), without loading the data. */
    public static Header readHeader(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(12);
            int need = start.length;
            if (start.length >= 10 && startsWithMagic(start)) {
                int major = start[6] & 0xFF;
                if (major == 1) {
                    need = 10 + ((start[8] & 0xFF) | (start[9] & 0xFF) << 8);
                } else if (start.length >= 12) {
                    long len = (start[8] & 0xFFL) | (start[9] & 0xFFL) << 8 | (start[10] & 0xFFL) << 16 | (start[11] & 0xFFL) << 24;
                    need = (int) Math.min(12 + len, Integer.MAX_VALUE - 16);
                }
            }
            byte[] rest = in.readNBytes(Math.max(0, need - start.length));
            head = new byte[start.length + rest.length];
            System.arraycopy(start, 0, head, 0, start.length);
            System.arraycopy(rest, 0, head, start.length, rest.length);
        } catch (NoSuchFileException e) {
            throw new KilnError(file + ": no such .npy file", e);
        } catch (IOException e) {
            throw new KilnError(file + ": cannot read .npy file: " + e.getMessage(), e);
        }
        return parseHeader(head, head.length, file.toString());
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KilnError(file + ": no such .npy file", e);
        } catch (IOException e) {
            throw new KilnError(file + ": cannot read .npy file: " + e.getMessage(), e);
        }
    }

    private static boolean startsWithMagic(byte[] b) {
        if (b.length < MAGIC.length) return false;
        for (int k = 0; k < MAGIC.length; k++) {
            if (b[k] != MAGIC[k]) return false;
        }
        return true;
    }

    private static Header parseHeader(byte[] b, int length, String source) {
        if (!startsWithMagic(b)) {
            throw new KilnError(source + ": not an .npy file (bad magic: expected \\x93NUMPY at the start"
                    + (length == 0 ? ", the file is empty)" : ")"));
        }
        if (length < 10) {
            throw new KilnError(source + ": truncated .npy file: it ends inside the preamble (" + length + " bytes)");
        }
        int major = b[6] & 0xFF;
        int minor = b[7] & 0xFF;
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (length < 12) {
                throw new KilnError(source + ": truncated .npy file: it ends inside the preamble (" + length + " bytes)");
            }
            headerLen = (b[8] & 0xFFL) | (b[9] & 0xFFL) << 8 | (b[10] & 0xFFL) << 16 | (b[11] & 0xFFL) << 24;
            headerStart = 12;
        } else {
            throw new KilnError(source + ": unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (minor != 0) {
            throw new KilnError(source + ": unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerStart + headerLen > length) {
            throw new KilnError(source + ": truncated .npy file: the header needs " + (headerStart + headerLen)
                    + " bytes, the file has " + length);
        }
        // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
        String text = new String(b, headerStart, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict;
        try {
            Object v = new LiteralParser(text).parseAll();
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("the header is not a dict");
            @SuppressWarnings("unchecked")
            Map<String, Object> mm = (Map<String, Object>) m;
            dict = mm;
        } catch (IllegalArgumentException e) {
            throw new KilnError(source + ": malformed .npy header " + quote(text) + ": " + e.getMessage());
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new KilnError(source + ": malformed .npy header " + quote(text) + ": missing key '" + key + "'");
            }
        }
        if (dict.size() != 3) {
            List<String> extra = new ArrayList<>(dict.keySet());
            extra.removeAll(List.of("descr", "fortran_order", "shape"));
            throw new KilnError(source + ": malformed .npy header " + quote(text) + ": unexpected keys " + extra);
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean f)) {
            throw new KilnError(source + ": malformed .npy header: fortran_order must be True or False, got " + fortran);
        }
        if (f) {
            throw new KilnError(source + ": unsupported .npy file: fortran_order is True (column-major data); "
                    + "save a C-ordered array instead, e.g. numpy.save(path, numpy.ascontiguousarray(a))");
        }
        Object shapeObj = dict.get("shape");
        if (!(shapeObj instanceof List<?> dims)) {
            throw new KilnError(source + ": malformed .npy header: shape must be a tuple of integers, got " + shapeObj);
        }
        long[] shape = new long[dims.size()];
        for (int k = 0; k < shape.length; k++) {
            if (!(dims.get(k) instanceof Long d) || d < 0) {
                throw new KilnError(source + ": malformed .npy header: shape must be a tuple of non-negative integers, got "
                        + dims);
            }
            shape[k] = d;
        }
        try {
            NDArray.numel(shape);
        } catch (ArithmeticException e) {
            throw new KilnError(source + ": malformed .npy header: shape " + dims + " has too many elements");
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String d)) {
            throw new KilnError(source + ": unsupported .npy dtype " + descr
                    + " (structured dtypes are not supported; expected a descriptor such as '<f4')");
        }
        DType dtype = dtypeOf(d);
        if (dtype == null) {
            throw new KilnError(source + ": unsupported .npy dtype '" + d + "' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 "
                    + "u8 b1, and V2 for bfloat16, with byte order <, >, = or |)");
        }
        ByteOrder order = switch (d.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> ByteOrder.LITTLE_ENDIAN;
        };
        return new Header(dtype, shape, order, major, minor, (int) (headerStart + headerLen));
    }

    /** The DType of a numpy descriptor such as {@code <f4}, or null if Kiln has no such type. */
    static DType dtypeOf(String descr) {
        if (descr.length() < 2) return null;
        char order = descr.charAt(0);
        String t = descr.substring(1);
        if (order != '<' && order != '>' && order != '=' && order != '|') {
            order = '=';
            t = descr;
        }
        DType d = switch (t) {
            case "f2" -> DType.FLOAT16;
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            case "i1" -> DType.INT8;
            case "i2" -> DType.INT16;
            case "i4" -> DType.INT32;
            case "i8" -> DType.INT64;
            case "u1" -> DType.UINT8;
            case "u2" -> DType.UINT16;
            case "u4" -> DType.UINT32;
            case "u8" -> DType.UINT64;
            case "b1" -> DType.BOOL;
            case "V2" -> DType.BFLOAT16;
            default -> null;
        };
        // '|' (byte order not applicable) fits one-byte types, and raw two-byte voids, which numpy
        // writes as '|V2' when bfloat16 bits are saved through a view as 'V2'.
        if (d != null && order == '|' && d.bytes() != 1 && d != DType.BFLOAT16) return null;
        return d;
    }

    private static String quote(String s) {
        String t = s.strip();
        if (t.length() > 200) t = t.substring(0, 200) + "...";
        return "\"" + t.replace("\n", "\\n") + "\"";
    }

    // ------------------------------------------------------------------------------------------
    // Writing

    /** Writes an array as an .npy file (format 1.0), replacing any existing file. */
    public static void write(Path file, NDArray array) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.write(file, encode(array));
        } catch (IOException e) {
            throw new KilnError(file + ": cannot write .npy file: " + e.getMessage(), e);
        }
    }

    /** The bytes of an .npy file holding the array. */
    public static byte[] encode(NDArray array) {
        long[] shape = array.shape();
        StringBuilder dict = new StringBuilder();
        dict.append("{'descr': '").append(array.dtype().npyDescr()).append("', 'fortran_order': False, 'shape': (");
        for (int k = 0; k < shape.length; k++) {
            if (k > 0) dict.append(", ");
            dict.append(shape[k]);
        }
        if (shape.length == 1) dict.append(',');
        dict.append("), }");
        byte[] data = array.toBytes();
        int major = 1;
        int preamble = 10;
        int total = padded(preamble + dict.length() + 1);
        if (total - preamble > 0xFFFF) {
            // Format 1.0 stores the header length in two bytes; numpy switches to 2.0 in this case too.
            major = 2;
            preamble = 12;
            total = padded(preamble + dict.length() + 1);
        }
        int headerLen = total - preamble;
        byte[] out = new byte[total + data.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = (byte) major;
        out[7] = 0;
        out[8] = (byte) headerLen;
        out[9] = (byte) (headerLen >>> 8);
        if (major == 2) {
            out[10] = (byte) (headerLen >>> 16);
            out[11] = (byte) (headerLen >>> 24);
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, preamble, text.length);
        Arrays.fill(out, preamble + text.length, total - 1, (byte) ' ');
        out[total - 1] = '\n';
        System.arraycopy(data, 0, out, total, data.length);
        return out;
    }

    private static int padded(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Parses the subset of Python literal syntax that .npy headers use: dicts, tuples, lists,
     * strings, integers (with an optional Python 2 {@code L} suffix), True, False and None.
     */
    private static final class LiteralParser {
        private final String s;
        private int pos;

        LiteralParser(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (pos != s.length()) throw error("unexpected text after the dict");
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at offset " + pos);
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private boolean eat(char c) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!eat(c)) throw error("expected '" + c + "'");
        }

        private Object value() {
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end of header");
            char c = s.charAt(pos);
            if (c == '{') return dict();
            if (c == '(') return sequence('(', ')');
            if (c == '[') return sequence('[', ']');
            if (c == '\'' || c == '"') return string();
            if (c == '-' || c == '+' || Character.isDigit(c)) return integer();
            if (Character.isLetter(c)) {
                int start = pos;
                while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) pos++;
                String word = s.substring(start, pos);
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> NONE;
                    default -> {
                        pos = start;
                        throw error("unexpected word '" + word + "'");
                    }
                };
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<String, Object> dict() {
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            while (!eat('}')) {
                Object k = value();
                if (!(k instanceof String key)) throw error("dict keys must be strings");
                expect(':');
                Object v = value();
                if (m.put(key, v) != null) throw error("duplicate key '" + key + "'");
                if (!eat(',')) {
                    expect('}');
                    break;
                }
            }
            return m;
        }

        private List<Object> sequence(char open, char close) {
            expect(open);
            List<Object> items = new ArrayList<>();
            while (!eat(close)) {
                items.add(value());
                if (!eat(',')) {
                    expect(close);
                    break;
                }
            }
            return items;
        }

        private String string() {
            char q = s.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == q) return sb.toString();
                if (c == '\\') {
                    if (pos >= s.length()) throw error("unterminated string");
                    sb.append(s.charAt(pos++));
                } else {
                    sb.append(c);
                }
            }
        }

        private Long integer() {
            int start = pos;
            if (s.charAt(pos) == '-' || s.charAt(pos) == '+') pos++;
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (pos == digits) throw error("expected an integer");
            if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                throw error("expected an integer, found a float");
            }
            long v;
            try {
                v = Long.parseLong(s.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("integer out of range");
            }
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) pos++;
            return v;
        }

        private static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };
    }
}
