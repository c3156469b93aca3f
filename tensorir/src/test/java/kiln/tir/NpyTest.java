package kiln.tir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import kiln.diag.KilnError;

class NpyTest {
    @TempDir
    Path tmp;

    /** A deterministic array of the dtype with edge values of its range mixed in. */
    static NDArray sample(DType dt, long[] shape, long seed) {
        int n = Math.toIntExact(NDArray.numel(shape));
        Random r = new Random(seed);
        if (dt.isFloat()) {
            double[] d = new double[n];
            double[] special = {0.0, -0.0, 1.0, -2.5, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 65504.0};
            for (int k = 0; k < n; k++) {
                double v = k < special.length ? special[k] : r.nextGaussian() * 100;
                // Keep the value representable so that a round trip is exact.
                d[k] = switch (dt) {
                    case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
                    case BFLOAT16 -> FloatBits.fromBfloat16(FloatBits.toBfloat16((float) v));
                    default -> v;
                };
            }
            return NDArray.ofDoubles(dt, shape, d);
        }
        long[] l = new long[n];
        long[] special = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 127, -128, 255, 0xFFFF_FFFFL};
        for (int k = 0; k < n; k++) l[k] = k < special.length ? special[k] : r.nextLong();
        return NDArray.ofLongs(dt, shape, l);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripsEveryDType(DType dt) {
        for (long[] shape : List.of(new long[] {2, 3, 4}, new long[] {7}, new long[] {}, new long[] {3, 0, 2})) {
            NDArray a = sample(dt, shape, 42);
            Path f = tmp.resolve(dt.irName() + "_" + shape.length + ".npy");
            Npy.write(f, a);
            NDArray b = Npy.read(f);
            assertEquals(a, b, dt + " " + Arrays.toString(shape));
            Npy.Header h = Npy.readHeader(f);
            assertEquals(dt, h.dtype());
            assertArrayEquals(shape, h.shape());
            assertEquals(1, h.major());
            assertEquals(0, h.dataOffset() % 64, "data must start 64-byte aligned");
        }
    }

    @Test
    void writesTheHeaderNumpyWrites() {
        byte[] b = Npy.encode(NDArray.ofFloats(new long[] {2, 3}, new float[6]));
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int len = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, len, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.strip());
        assertTrue(header.endsWith("\n"));
        assertEquals(0, (10 + len) % 64);
        assertEquals(10 + len + 24, b.length);

        String vec = headerText(Npy.encode(NDArray.vectorLong(1, 2, 3)));
        assertEquals("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", vec.strip());
        String scalar = headerText(Npy.encode(NDArray.scalarLong(DType.BOOL, 1)));
        assertEquals("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", scalar.strip());
    }

    private static String headerText(byte[] b) {
        int len = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        return new String(b, 10, len, StandardCharsets.ISO_8859_1);
    }

    /** Builds an .npy file by hand: any version, any header text, raw data. */
    static byte[] file(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.write(major);
        out.write(0);
        byte[] h = (header + "\n").getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.write(h.length & 0xFF);
            out.write(h.length >>> 8);
        } else {
            ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length);
            out.writeBytes(len.array());
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] bytes(ByteOrder order, int width, long... values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * width).order(order);
        for (long v : values) {
            switch (width) {
                case 1 -> bb.put((byte) v);
                case 2 -> bb.putShort((short) v);
                case 4 -> bb.putInt((int) v);
                default -> bb.putLong(v);
            }
        }
        return bb.array();
    }

    @Test
    void readsBigEndianAndNativeDescriptors() {
        float[] fv = {1.5f, -2.25f, 3e-3f, 7f};
        ByteBuffer be = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        for (float v : fv) be.putFloat(v);
        NDArray f = Npy.read(file(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", be.array()), "be.npy");
        assertEquals(NDArray.ofFloats(new long[] {2, 2}, fv), f);

        NDArray i8 = Npy.read(file(1, "{'descr': '>i8', 'fortran_order': False, 'shape': (3,), }",
                bytes(ByteOrder.BIG_ENDIAN, 8, -5, 1L << 40, 7)), "be_i8.npy");
        assertEquals(NDArray.ofLongs(DType.INT64, new long[] {3}, new long[] {-5, 1L << 40, 7}), i8);

        NDArray u2 = Npy.read(file(1, "{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }",
                bytes(ByteOrder.BIG_ENDIAN, 2, 0xFFFE, 3)), "be_u2.npy");
        assertEquals(NDArray.ofLongs(DType.UINT16, new long[] {2}, new long[] {0xFFFE, 3}), u2);

        ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
        h.putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(-3f));
        NDArray f2 = Npy.read(file(1, "{'descr': '>f2', 'fortran_order': False, 'shape': (2,), }", h.array()), "be_f2.npy");
        assertEquals(NDArray.ofDoubles(DType.FLOAT16, new long[] {2}, new double[] {0.5, -3}), f2);

        NDArray nat = Npy.read(file(1, "{'descr': '=i4', 'fortran_order': False, 'shape': (2,), }",
                bytes(ByteOrder.nativeOrder(), 4, 123456, -9)), "native.npy");
        assertEquals(NDArray.ofLongs(DType.INT32, new long[] {2}, new long[] {123456, -9}), nat);

        NDArray b = Npy.read(file(1, "{'descr': '>b1', 'fortran_order': False, 'shape': (3,), }", new byte[] {1, 0, 1}),
                "be_b1.npy");
        assertEquals(NDArray.ofLongs(DType.BOOL, new long[] {3}, new long[] {1, 0, 1}), b);

        // bfloat16 bits saved by numpy through a 'V2' view come with the '|V2' descriptor.
        short one = FloatBits.toBfloat16(1.0f);
        NDArray bf = Npy.read(file(1, "{'descr': '|V2', 'fortran_order': False, 'shape': (1,), }",
                bytes(ByteOrder.LITTLE_ENDIAN, 2, one)), "bf16.npy");
        assertEquals(NDArray.ofDoubles(DType.BFLOAT16, new long[] {1}, new double[] {1.0}), bf);
    }

    @Test
    void readsFormatVersions2And3() {
        byte[] data = bytes(ByteOrder.LITTLE_ENDIAN, 4, 1, 2, 3, 4, 5, 6);
        NDArray want = NDArray.ofLongs(DType.INT32, new long[] {3, 2}, new long[] {1, 2, 3, 4, 5, 6});
        for (int major : new int[] {2, 3}) {
            byte[] f = file(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", data);
            assertEquals(want, Npy.read(f, "v" + major + ".npy"));
        }
        // Headers written by Python 2 numpy spell integers with an L suffix and may order keys freely.
        byte[] f = file(1, "{'shape': (3L, 2L), 'fortran_order': False, 'descr': '<i4'}", data);
        assertEquals(want, Npy.read(f, "py2.npy"));
    }

    @Test
    void normalisesBoolBytes() {
        NDArray b = Npy.read(file(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new byte[] {0, 2, (byte) 255}),
                "b.npy");
        assertEquals(NDArray.ofLongs(DType.BOOL, new long[] {3}, new long[] {0, 1, 1}), b);
    }

    private static String errorOf(byte[] f, String name) {
        return assertThrows(KilnError.class, () -> Npy.read(f, name)).getMessage();
    }

    @Test
    void reportsBrokenFiles() {
        String ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        byte[] data = new byte[16];

        byte[] badMagic = file(1, ok, data);
        badMagic[1] = 'X';
        assertContains(errorOf(badMagic, "m.npy"), "m.npy", "bad magic");
        assertContains(errorOf(new byte[0], "empty.npy"), "empty.npy", "bad magic", "empty");
        assertContains(errorOf("hello world".getBytes(StandardCharsets.US_ASCII), "txt.npy"), "txt.npy", "bad magic");

        assertContains(errorOf(Arrays.copyOf(file(1, ok, data), 8), "pre.npy"), "pre.npy", "truncated");
        assertContains(errorOf(Arrays.copyOf(file(1, ok, data), 30), "hdr.npy"), "hdr.npy", "truncated", "header");
        assertContains(errorOf(file(1, ok, new byte[10]), "data.npy"), "data.npy", "truncated", "needs 16", "has 10");
        assertContains(errorOf(file(1, ok, new byte[20]), "long.npy"), "long.npy", "4 unexpected bytes");

        assertContains(errorOf(file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data), "f.npy"),
                "f.npy", "fortran_order is True");
        assertContains(errorOf(file(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", data), "c.npy"),
                "c.npy", "unsupported .npy dtype '<c8'");
        assertContains(errorOf(file(1, "{'descr': '|S4', 'fortran_order': False, 'shape': (4,), }", data), "s.npy"),
                "s.npy", "unsupported .npy dtype '|S4'");
        assertContains(errorOf(file(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (4,), }", data), "p.npy"),
                "p.npy", "unsupported .npy dtype '|f4'");
        assertContains(errorOf(file(1, "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                data), "st.npy"), "st.npy", "structured");
        assertContains(errorOf(file(1, "{'descr': '<f4', 'shape': (2, 2), }", data), "k.npy"), "k.npy", "missing key 'fortran_order'");
        assertContains(errorOf(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", data), "neg.npy"),
                "neg.npy", "non-negative");
        assertContains(errorOf(file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", data), "syn.npy"),
                "syn.npy", "malformed .npy header");
        assertContains(errorOf(file(4, ok, data), "v4.npy"), "v4.npy", "unsupported .npy format version 4.0");

        Path missing = tmp.resolve("nothing-here.npy");
        assertContains(assertThrows(KilnError.class, () -> Npy.read(missing)).getMessage(), "nothing-here.npy", "no such");
    }

    @Test
    void readHeaderDoesNotNeedTheData() throws IOException {
        Path f = tmp.resolve("big.npy");
        Npy.write(f, sample(DType.FLOAT64, new long[] {100, 50}, 3));
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, 200)); // data cut off: the header is still readable
        Npy.Header h = Npy.readHeader(f);
        assertEquals(DType.FLOAT64, h.dtype());
        assertEquals(List.of(100L, 50L), h.shapeList());
        assertContains(assertThrows(KilnError.class, () -> Npy.read(f)).getMessage(), "big.npy", "truncated");
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message '" + message + "' lacks '" + p + "'");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Interoperability with numpy itself.

    static String python() {
        String p = System.getenv("KILN_PYTHON");
        return p != null && !p.isBlank() ? p : "/usr/bin/python3";
    }

    /** Skips the test when python3 with numpy is missing, except in CI (env CI=true), where it fails. */
    static void assumeNumpy() throws InterruptedException {
        String why = null;
        try {
            Process p = new ProcessBuilder(python(), "-c", "import numpy").redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                why = python() + " -c 'import numpy' did not finish within 60 s";
            } else if (p.exitValue() != 0) {
                why = python() + " cannot import numpy: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            why = "cannot run " + python() + ": " + e.getMessage();
        }
        if (why == null) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("numpy interop test needs python3 with numpy in CI: " + why);
        Assumptions.abort("skipping numpy interop test (set KILN_PYTHON to a python3 with numpy): " + why);
    }

    static String runPython(Path script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python(), script.toString()));
        cmd.addAll(List.of(args));
        Path log = script.resolveSibling(script.getFileName() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(script + " timed out");
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) fail(script + " failed (exit " + p.exitValue() + "):\n" + out);
        return out;
    }

    /** Parses a value printed by the python scripts below: float.hex(), an integer, inf or nan. */
    static double parseDouble(String s) {
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan", "-nan" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    private static final String WRITER = """
            import sys, os
            import numpy as np
            out = sys.argv[1]
            rng = np.random.default_rng(7)
            specs = [('<f4', (2, 3, 4)), ('<f8', (5,)), ('<f2', (3, 2)), ('<i1', (6,)), ('<i2', (2, 2)),
                     ('<i4', (4, 1)), ('<i8', (3, 2)), ('<u1', (5,)), ('<u2', (2, 3)), ('<u4', (3,)),
                     ('<u8', (2, 2)), ('|b1', (3, 3)), ('>f4', (2, 2)), ('>i8', (3,)), ('>u4', (2,)),
                     ('>f8', ()), ('<f4', (0, 3)), ('<i8', ())]
            for k, (descr, shape) in enumerate(specs):
                dt = np.dtype(descr)
                if dt.kind == 'f':
                    a = (rng.standard_normal(shape) * 1000).astype(dt)
                    if a.size >= 4:
                        a.flat[0], a.flat[1], a.flat[2], a.flat[3] = np.inf, -np.inf, np.nan, -0.0
                elif dt.kind == 'b':
                    a = rng.integers(0, 2, size=shape).astype(dt)
                else:
                    info = np.iinfo(dt)
                    a = rng.integers(info.min, info.max, size=shape, dtype=dt.newbyteorder('='), endpoint=True).astype(dt)
                name = 'a%02d.npy' % k
                np.save(os.path.join(out, name), a)
                shape_txt = ','.join(str(d) for d in a.shape)
                if dt.kind == 'f':
                    vals = [float(v).hex() if np.isfinite(v) else str(float(v)) for v in a.ravel().tolist()]
                else:
                    vals = [str(int(v)) for v in a.ravel().tolist()]
                print(name, dt.str[1:], shape_txt, ' '.join(vals), sep=';')
            """;

    @Test
    void readsFilesWrittenByNumpy() throws Exception {
        assumeNumpy();
        Path script = tmp.resolve("write_npy.py");
        Files.writeString(script, WRITER);
        Path dir = Files.createDirectories(tmp.resolve("from_numpy"));
        String listing = runPython(script, dir.toString());
        int checked = 0;
        for (String line : listing.strip().split("\n")) {
            String[] parts = line.split(";", -1);
            assertEquals(4, parts.length, line);
            Path f = dir.resolve(parts[0]);
            NDArray a = Npy.read(f);
            DType want = Npy.dtypeOf("=" + parts[1]);
            assertEquals(want, a.dtype(), line);
            long[] shape = parts[2].isEmpty() ? new long[0] : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).toArray();
            assertArrayEquals(shape, a.shape(), line);
            String[] vals = parts[3].isEmpty() ? new String[0] : parts[3].split(" ");
            assertEquals(vals.length, a.size(), line);
            for (int k = 0; k < vals.length; k++) {
                if (a.dtype().isFloat()) {
                    double v = parseDouble(vals[k]);
                    assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(a.getDouble(k)), f + " element " + k);
                } else {
                    long v = a.dtype() == DType.UINT64 ? Long.parseUnsignedLong(vals[k]) : Long.parseLong(vals[k]);
                    assertEquals(v, a.getLong(k), f + " element " + k);
                }
            }
            checked++;
        }
        assertEquals(18, checked);
    }

    private static final String READER = """
            import sys, os
            import numpy as np
            d = sys.argv[1]
            for name in sorted(os.listdir(d)):
                a = np.load(os.path.join(d, name), allow_pickle=False)
                assert a.flags['C_CONTIGUOUS']
                if a.dtype.kind == 'f':
                    vals = [float(v).hex() if np.isfinite(v) else str(float(v)) for v in a.ravel().tolist()]
                elif a.dtype.kind == 'V':
                    vals = [str(int(v)) for v in a.view('<u2').ravel().tolist()]
                else:
                    vals = [str(int(v)) for v in a.ravel().tolist()]
                print(name, a.dtype.str, ','.join(str(s) for s in a.shape), ' '.join(vals), sep=';')
            """;

    @Test
    void numpyReadsFilesWeWrite() throws Exception {
        assumeNumpy();
        Path dir = Files.createDirectories(tmp.resolve("to_numpy"));
        List<NDArray> arrays = new ArrayList<>();
        int k = 0;
        for (DType dt : DType.values()) {
            NDArray a = sample(dt, dt.ordinal() % 2 == 0 ? new long[] {3, 4} : new long[] {11}, 100 + k);
            arrays.add(a);
            Npy.write(dir.resolve(String.format("a%02d.npy", k++)), a);
        }
        Path script = tmp.resolve("read_npy.py");
        Files.writeString(script, READER);
        String[] lines = runPython(script, dir.toString()).strip().split("\n");
        assertEquals(arrays.size(), lines.length);
        for (int j = 0; j < lines.length; j++) {
            String[] parts = lines[j].split(";", -1);
            NDArray a = arrays.get(j);
            assertEquals(String.format("a%02d.npy", j), parts[0]);
            String expectDescr = a.dtype() == DType.BFLOAT16 ? "|V2" : a.dtype().npyDescr();
            assertEquals(expectDescr, parts[1], a.dtype().toString());
            assertEquals(String.join(",", Arrays.stream(a.shape()).mapToObj(Long::toString).toList()), parts[2]);
            String[] vals = parts[3].split(" ");
            assertEquals(a.size(), vals.length);
            for (int e = 0; e < vals.length; e++) {
                String msg = a.dtype() + " element " + e;
                if (a.dtype() == DType.BFLOAT16) {
                    assertEquals(FloatBits.toBfloat16((float) a.getDouble(e)), (short) Integer.parseInt(vals[e]), msg);
                } else if (a.dtype().isFloat()) {
                    assertEquals(Double.doubleToLongBits(a.getDouble(e)), Double.doubleToLongBits(parseDouble(vals[e])), msg);
                } else if (a.dtype() == DType.UINT64) {
                    assertEquals(a.getLong(e), Long.parseUnsignedLong(vals[e]), msg);
                } else {
                    assertEquals(a.getLong(e), Long.parseLong(vals[e]), msg);
                }
            }
        }
    }
}
