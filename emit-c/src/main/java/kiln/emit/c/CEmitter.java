package kiln.emit.c;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import kiln.relax.IRModule;
import kiln.runtime.RuntimeFiles;
import kiln.templates.Templates;
import kiln.tir.Buffer;
import kiln.tir.DType;
import kiln.tir.FloatBits;
import kiln.tir.NDArray;
import kiln.tir.PrimFunc;

/**
 * The C99 back end: renders a legalized module as a source bundle (kernels, executor, weights,
 * header, runtime, build files, demo, manifest, README). Java decides everything; templates print.
 */
public final class CEmitter {
    public static final String VERSION = "0.1.0";
    private static final String C_GROUP = "c.stg", BUNDLE_GROUP = "bundle.stg";

    private CEmitter() {}

    // ---- Output-model records (one template each) ----

    public record KernelSource(String name, List<String> comment, String qualifiers, List<String> params, String body) {}

    public record KernelsFile(BundleModel model, List<KernelSource> kernels) {}

    public record KernelsHeader(BundleModel model, List<String> prototypes) {}

    public record CallSource(String comment, String call) {}

    public record WeightSource(String symbol, String ctype, long count, List<String> lines, String description) {}

    /** shapeText is for comments ("" for scalars); shapeInit initialises the C shape array (never empty). */
    public record IOInfo(int index, String name, String cname, String dtypeEnum, String dtypeName, String shapeText,
                         String shapeInit, int rank, int rankOrOne, long bytes) {}

    public record HelperType(String ctype, String suffix, boolean isFloat, boolean isSigned, String fmod) {}

    public record BundleModel(String name, String upper, String version, String target, String sourceFile, String sourceHash,
                              List<IOInfo> inputs, List<IOInfo> outputs, long workspaceBytes, long weightsFileBytes,
                              boolean embedded, boolean hasArena, String weightsHash, String weightsDescription,
                              List<CallSource> calls, List<WeightSource> weights, List<KernelSource> kernels,
                              List<String> librarySources, List<String> demoSources, int alignment, long ioBytes) {}

    /** Names of the records rendered by each group, for the test that every record has a template. */
    public static Map<String, List<String>> templatesUsed() {
        return Map.of(C_GROUP, List.of("KernelsFile", "KernelsHeader", "KernelSource"),
                BUNDLE_GROUP, List.of("ModelHeader", "Executor", "CallSource", "WeightsHeader", "WeightsFile", "DemoMain",
                        "Makefile", "CMakeLists", "Readme", "Helpers",
                        "CMakeToolchainAarch64", "CMakeToolchainArmhf", "CMakeToolchainCortexM", "CMakeToolchainMingw",
                        "FirmwareStartup", "FirmwareLinkerScript"));
    }

    public static Bundle emit(IRModule m, EmitOptions opt) {
        String name = opt.modelName();
        int align = opt.target().alignment();
        ExecutorModel ex = ExecutorModel.build(m, align);
        boolean embedded = switch (opt.weights()) {
            case EMBED -> true;
            case FILE -> false;
            // Firmware has no file system: weights go to flash as const arrays unless asked otherwise.
            case AUTO -> opt.target().firmwareBoard().isPresent() || ex.weightsBytes() <= EmitOptions.AUTO_FILE_THRESHOLD;
        };
        if (ex.weights().isEmpty()) embedded = true;

        // Kernels.
        List<KernelSource> kernels = new ArrayList<>();
        Map<String, CPrinter.Printed> printed = new LinkedHashMap<>();
        for (PrimFunc pf : m.prims().values()) {
            if (ex.calls().stream().noneMatch(c -> c.kernel().equals(pf.name()))) continue;
            CPrinter.Printed p = CPrinter.print(pf, CPrinter.Dialect.C99);
            printed.put(pf.name(), p);
            List<String> comment = new ArrayList<>();
            comment.add("kernel " + name + "_" + pf.name());
            comment.addAll(pf.notes());
            kernels.add(new KernelSource(name + "_" + pf.name(), comment, "", p.params(), p.body()));
        }

        // Weights.
        byte[] weightsBin = null;
        List<WeightSource> weightSources = new ArrayList<>();
        if (embedded) {
            for (ExecutorModel.Weight w : ex.weights()) weightSources.add(weightSource(w));
        } else {
            weightsBin = new byte[Math.toIntExact(ex.weightsBytes())];
            for (ExecutorModel.Weight w : ex.weights()) {
                byte[] b = w.value().toBytes();
                System.arraycopy(b, 0, weightsBin, (int) w.offset(), b.length);
            }
        }

        // Executor calls.
        List<CallSource> calls = new ArrayList<>();
        for (ExecutorModel.KernelCall call : ex.calls()) {
            PrimFunc pf = m.prims().get(call.kernel());
            List<Buffer> params = pf.params();
            List<String> args = new ArrayList<>();
            for (int k = 0; k < call.args().size(); k++) {
                Buffer b = params.get(k);
                boolean isConst = k < pf.inputs().size();
                String ptr = (isConst ? "const " : "") + b.dtype().cType() + " *";
                args.add(switch (call.args().get(k)) {
                    case ExecutorModel.Arg.Input in -> "(" + ptr + ")inputs[" + in.index() + "]";
                    case ExecutorModel.Arg.Output o -> "(" + ptr + ")outputs[" + o.index() + "]";
                    case ExecutorModel.Arg.Arena a -> "(" + ptr + ")(arena + " + a.offset() + ")";
                    case ExecutorModel.Arg.WeightRef w -> embedded ? w.weight().symbol()
                            : "(" + ptr + ")(wbytes + " + w.weight().offset() + ")";
                });
            }
            String comment = call.kernel() + ": " + String.join(", ", call.sources());
            calls.add(new CallSource(comment, name + "_" + call.kernel() + "(" + String.join(", ", args) + ");"));
        }

        List<String> libSources = new ArrayList<>(List.of("src/" + name + ".c", "src/" + name + "_kernels.c"));
        if (embedded && !ex.weights().isEmpty()) libSources.add("src/" + name + "_weights.c");
        for (String f : RuntimeFiles.libraryFiles()) if (f.endsWith(".c")) libSources.add("runtime/" + f);
        List<String> demoSources = new ArrayList<>(List.of("demo/main.c"));
        for (String f : RuntimeFiles.demoFiles()) if (f.endsWith(".c")) demoSources.add("runtime/" + f);

        String weightsHash = weightsBin == null ? "0" : Long.toUnsignedString(fnv1a64(weightsBin));
        String weightsDescription = embedded ? (ex.weights().isEmpty() ? "none" : ex.weightsBytes() + " bytes compiled in (" + name + "_weights.c)")
                : ex.weightsBytes() + " bytes in weights.bin (loaded by the caller)";
        BundleModel bm = new BundleModel(name, name.toUpperCase(Locale.ROOT), VERSION, opt.target().toString(), opt.sourceFile(),
                opt.sourceSha256(), ioInfos(ex.inputs()), ioInfos(ex.outputs()), ex.workspaceBytes(),
                embedded ? 0 : ex.weightsBytes(), embedded, ex.workspaceBytes() > 0, weightsHash, weightsDescription,
                calls, weightSources, kernels, libSources, demoSources, align, ioBytes(ex));

        TreeMap<String, byte[]> files = new TreeMap<>();
        put(files, "include/" + name + ".h", Templates.render(BUNDLE_GROUP, "ModelHeader", bm));
        put(files, "src/" + name + ".c", Templates.render(BUNDLE_GROUP, "Executor", bm));
        List<String> prototypes = new ArrayList<>();
        for (KernelSource k : kernels) prototypes.add("void " + k.name() + "(" + String.join(", ", k.params()) + ")");
        put(files, "src/" + name + "_kernels.h", Templates.render(C_GROUP, new KernelsHeader(bm, prototypes)));
        put(files, "src/" + name + "_kernels.c", Templates.render(C_GROUP, new KernelsFile(bm, kernels)));
        put(files, "src/kiln_helpers.h", Templates.render(BUNDLE_GROUP, "Helpers", helperTypes()));
        if (embedded && !ex.weights().isEmpty()) {
            put(files, "src/" + name + "_weights.h", Templates.render(BUNDLE_GROUP, "WeightsHeader", bm));
            put(files, "src/" + name + "_weights.c", Templates.render(BUNDLE_GROUP, "WeightsFile", bm));
        } else if (embedded) {
            put(files, "src/" + name + "_weights.h", Templates.render(BUNDLE_GROUP, "WeightsHeader", bm));
        }
        if (weightsBin != null) files.put("weights.bin", weightsBin);
        for (String f : RuntimeFiles.libraryFiles()) put(files, "runtime/" + f, RuntimeFiles.read(f));
        for (String f : RuntimeFiles.demoFiles()) put(files, "runtime/" + f, RuntimeFiles.read(f));
        put(files, "demo/main.c", Templates.render(BUNDLE_GROUP, "DemoMain", bm));
        put(files, "Makefile", Templates.render(BUNDLE_GROUP, "Makefile", bm));
        put(files, "CMakeLists.txt", Templates.render(BUNDLE_GROUP, "CMakeLists", bm));
        put(files, "cmake/aarch64-linux-gnu.cmake", Templates.render(BUNDLE_GROUP, "CMakeToolchainAarch64", bm));
        put(files, "cmake/arm-linux-gnueabihf.cmake", Templates.render(BUNDLE_GROUP, "CMakeToolchainArmhf", bm));
        put(files, "cmake/arm-none-eabi-cortex-m4.cmake", Templates.render(BUNDLE_GROUP, "CMakeToolchainCortexM", bm));
        put(files, "cmake/x86_64-w64-mingw32.cmake", Templates.render(BUNDLE_GROUP, "CMakeToolchainMingw", bm));
        if (opt.target().firmwareBoard().isPresent()) {
            put(files, "firmware/startup_cortex_m.c", Templates.render(BUNDLE_GROUP, "FirmwareStartup", bm));
            put(files, "firmware/qemu_mps.ld", Templates.render(BUNDLE_GROUP, "FirmwareLinkerScript", bm));
        }
        put(files, "README.md", Templates.render(BUNDLE_GROUP, "Readme", bm));
        put(files, "manifest.json", manifest(m, ex, bm, opt, files));
        return new Bundle(name, files);
    }

    private static long ioBytes(ExecutorModel ex) {
        long n = 0;
        for (var io : ex.inputs()) n += MemoryPlan.align(io.type().bytes(), 8);
        for (var io : ex.outputs()) n += MemoryPlan.align(io.type().bytes(), 8);
        return n;
    }

    private static void put(Map<String, byte[]> files, String path, String text) {
        files.put(path, text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<HelperType> helperTypes() {
        List<HelperType> out = new ArrayList<>();
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
                DType.UINT8, DType.UINT16, DType.UINT32, DType.UINT64)) {
            out.add(new HelperType(t.cType(), CPrinter.suffix(t), t.isFloat(), t.isSigned(), t == DType.FLOAT64 ? "fmod" : "fmodf"));
        }
        return out;
    }

    private static List<IOInfo> ioInfos(List<ExecutorModel.IO> ios) {
        List<IOInfo> out = new ArrayList<>();
        kiln.tir.NameAllocator names = new kiln.tir.NameAllocator();
        for (int k = 0; k < ios.size(); k++) {
            var io = ios.get(k);
            var t = io.type();
            String shape = t.rank() == 0 ? "1" : t.shape().stream().map(String::valueOf).collect(Collectors.joining(", "));
            out.add(new IOInfo(k, escape(io.name()), names.fresh(io.name()), "KILN_" + t.dtype().name(), t.dtype().irName(),
                    t.rank() == 0 ? "" : shape, t.rank() == 0 ? "0" : shape, t.rank(), Math.max(1, t.rank()), t.bytes()));
        }
        return out;
    }

    /** Escapes a string for a C string literal and a C comment. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 32 || c > 126) sb.append('_');
            else if (c == '*' || c == '/') sb.append(c == '*' ? "\\x2a" : "/");
            else sb.append(c);
        }
        return sb.toString().replace("?", "\\?");
    }

    private static WeightSource weightSource(ExecutorModel.Weight w) {
        NDArray v = w.value();
        DType t = v.dtype();
        List<String> lines = new ArrayList<>();
        int perLine = t.isFloat() ? 6 : 12;
        StringBuilder line = new StringBuilder();
        for (int k = 0; k < v.size(); k++) {
            String lit = switch (t) {
                case FLOAT32 -> FloatBits.cHexFloat((float) v.getDouble(k));
                case FLOAT64 -> FloatBits.cHexDouble(v.getDouble(k));
                case FLOAT16 -> Integer.toString(Float.floatToFloat16((float) v.getDouble(k)) & 0xFFFF) + "u";
                case BFLOAT16 -> Integer.toString(FloatBits.toBfloat16((float) v.getDouble(k)) & 0xFFFF) + "u";
                default -> CPrinter.intLiteral(new kiln.tir.Expr.IntImm(t, v.getLong(k)));
            };
            line.append(lit).append(',');
            if ((k + 1) % perLine == 0 || k == v.size() - 1) {
                lines.add(line.toString());
                line.setLength(0);
            } else {
                line.append(' ');
            }
        }
        String desc = t.irName() + v.shapeList();
        return new WeightSource(w.symbol(), t.cType(), Math.max(1, v.size()), lines.isEmpty() ? List.of("0") : lines, desc);
    }

    private static String manifest(IRModule m, ExecutorModel ex, BundleModel bm, EmitOptions opt, Map<String, byte[]> files) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kiln_version", VERSION);
        root.put("model", Map.of("name", bm.name(), "source_file", opt.sourceFile(), "sha256", opt.sourceSha256()));
        root.put("target", opt.target().toString());
        root.put("onnx_nodes", opt.onnxNodes());
        root.put("kernels", ex.calls().size());
        root.put("workspace_bytes", ex.workspaceBytes());
        root.put("weights_bytes", ex.weightsBytes());
        root.put("weights", bm.embedded() ? "embedded" : "weights.bin");
        root.put("passes", opt.passes());
        root.put("inputs", ex.inputs().stream().map(CEmitter::ioJson).toList());
        root.put("outputs", ex.outputs().stream().map(CEmitter::ioJson).toList());
        List<Map<String, Object>> kernelList = new ArrayList<>();
        for (ExecutorModel.KernelCall call : ex.calls()) {
            PrimFunc pf = m.prims().get(call.kernel());
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("name", bm.name() + "_" + call.kernel());
            k.put("onnx_nodes", call.sources());
            k.put("notes", pf.notes());
            List<Map<String, Object>> args = new ArrayList<>();
            for (var a : call.args()) {
                args.add(switch (a) {
                    case ExecutorModel.Arg.Input in -> Map.of("input", in.index());
                    case ExecutorModel.Arg.Output o -> Map.of("output", o.index());
                    case ExecutorModel.Arg.Arena ar -> Map.of("arena_offset", ar.offset(), "bytes", ar.bytes());
                    case ExecutorModel.Arg.WeightRef w -> Map.of("weight", w.weight().symbol());
                });
            }
            k.put("args", args);
            kernelList.add(k);
        }
        root.put("kernel_calls", kernelList);
        List<Map<String, Object>> arena = new ArrayList<>();
        for (MemoryPlan.Placement p : ex.placements()) {
            arena.add(Map.of("buffer", p.request().name(), "offset", p.offset(), "bytes", p.request().bytes(),
                    "live_from", p.request().first(), "live_to", p.request().last()));
        }
        root.put("arena", arena);
        Map<String, String> hashes = new TreeMap<>();
        files.forEach((path, bytes) -> hashes.put(path, sha256(bytes)));
        root.put("files", hashes);
        try {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"));
            return om.writer(pp).writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("manifest serialization failed", e);
        }
    }

    private static Map<String, Object> ioJson(ExecutorModel.IO io) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", io.name());
        m.put("dtype", io.type().dtype().irName());
        m.put("shape", io.type().shape());
        return m;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** FNV-1a 64-bit, the checksum the runtime verifies weights.bin with. */
    public static long fnv1a64(byte[] data) {
        long h = 0xcbf29ce484222325L;
        for (byte b : data) {
            h ^= (b & 0xFF);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
