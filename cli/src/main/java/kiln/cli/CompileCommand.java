package kiln.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.diag.KilnError;
import kiln.emit.c.Bundle;
import kiln.emit.c.BundleWriter;
import kiln.emit.c.EmitOptions;
import kiln.target.Target;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln compile MODEL.onnx -o OUT_DIR ...}: writes a source bundle. */
@Command(name = "compile", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Compiles an ONNX model into a C99 source bundle: sources, runtime, Makefile,",
                "CMakeLists.txt, demo and README. Written atomically: on an error nothing is left behind."})
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model file.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT_DIR",
            description = "Folder to write the bundle into; it must not exist or be empty, unless --force.")
    Path output;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "c",
            description = "Target, e.g. \"c\" or \"c -isa=avx2\" (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--input-shape", paramLabel = "NAME=D0,D1,...", converter = InputShapes.Converter.class,
            description = "Fixes the shape of an input with symbolic dimensions; repeat for several inputs.")
    List<InputShapes.Spec> inputShapes = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "NAME=FILE.npy",
            description = "Freezes graph input NAME to the value in FILE.npy (it becomes a constant and the bundle no longer "
                    + "takes it); needed where an input must be a compile-time constant (Reshape's shape, TopK's k, ...). Repeatable.")
    List<String> binds = new ArrayList<>();

    @Option(names = "--force", description = "Replace OUT_DIR if it exists and is not empty.")
    boolean force;

    @Option(names = "--weights", paramLabel = "embed|file|auto", defaultValue = "auto", converter = WeightsConverter.class,
            description = "embed: weights as C arrays; file: in a weights.bin file; auto: in weights.bin when "
                    + "over 8 MiB (default: ${DEFAULT-VALUE}).")
    EmitOptions.Weights weights;

    @Option(names = "--opt-level", paramLabel = "0-3", defaultValue = "3",
            description = "Graph optimisation level, 0 (none) to 3 (all; default: ${DEFAULT-VALUE}).")
    int optLevel;

    @Option(names = "--name", paramLabel = "NAME",
            description = "C name of the model (prefix of every symbol and file); default: from the model's file name.")
    String name;

    @Option(names = "--dump-ir", paramLabel = "DIR", description = "Write the IR after import and after every pass into DIR.")
    Path dumpIr;

    @Option(names = "--max-ram", paramLabel = "BYTES",
            description = "Fail (writing nothing) when the arena for intermediate tensors needs more than BYTES; the error shows the memory map.")
    Long maxRam;

    @Override
    public Integer call() {
        Target t = Target.parse(target);
        CompileRequest req = new CompileRequest(model, t, InputShapes.toMap(inputShapes), weights, optLevel,
                Optional.ofNullable(name).map(CompileCommand::checkName), Optional.ofNullable(dumpIr), bindings(binds));
        if (maxRam != null && maxRam < 0) throw new KilnError("--max-ram must be a number of bytes >= 0, got " + maxRam);
        Bundle bundle = Kiln.compile(req);
        BundleManifest m = BundleManifest.parse(bundle.files().get("manifest.json"), "manifest.json");
        if (maxRam != null && m.workspaceBytes() > maxRam) {
            throw new KilnError("the model needs a " + bytes(m.workspaceBytes()) + " arena for its intermediate tensors, more than --max-ram "
                    + bytes(maxRam) + "; nothing was written. Memory map (arena offsets, kernel steps live):\n"
                    + MemoryMap.render(bundle.files().get("manifest.json")));
        }
        BundleWriter.write(bundle, output, force);
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + output + " (model '" + m.modelName() + "', target " + m.target() + ", " + bundle.files().size() + " files)");
        out.println("  kernels:   " + m.kernels());
        out.println("  workspace: " + bytes(m.workspaceBytes()));
        out.println("  weights:   " + bytes(m.weightsBytes()) + ", " + (m.weightsBytes() == 0 ? "none"
                : m.weightsInFile() ? "in weights.bin" : "embedded in the C sources"));
        for (BundleManifest.Tensor in : m.inputs()) out.println("  input:     " + in.name() + " " + in.describe());
        for (BundleManifest.Tensor o : m.outputs()) out.println("  output:    " + o.name() + " " + o.describe());
        if (dumpIr != null) out.println("  IR dumps:  " + dumpIr);
        t.firmwareBoard().ifPresent(board -> firmwareReport(out, board, m.modelName()));
        out.println("build it with: make -C " + output + "   (see " + output.resolve("README.md") + ")");
        out.flush();
        return 0;
    }

    /** Flash and RAM of the firmware bundle, measured on a linked image with arm-none-eabi-size. */
    private void firmwareReport(PrintWriter out, Target.Board board, String modelName) {
        java.nio.file.Path work;
        try {
            work = java.nio.file.Files.createTempDirectory("kiln-size-");
        } catch (java.io.IOException e) {
            throw new KilnError("cannot create a temporary folder for the firmware size image: " + e.getMessage());
        }
        try {
            var report = FirmwareReport.measure(output, modelName, board, work);
            if (report.isEmpty()) {
                out.println("  firmware:  size report skipped (arm-none-eabi-gcc not found; Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)");
                return;
            }
            var r = report.get();
            out.println("  firmware:  " + board.name() + ", measured with arm-none-eabi-size on a linked image (model + static arena and I/O buffers)");
            out.println("  flash:     " + bytes(r.flash()) + " (text " + r.text() + " + data " + r.data() + ")");
            out.println("  RAM:       " + bytes(r.ram()) + " (data " + r.data() + " + bss " + r.bss() + " + stack estimate " + r.stackBytes() + ")");
        } finally {
            kiln.emit.c.BundleWriter.deleteTree(work);
        }
    }

    /** {@code NAME=FILE.npy} values read into arrays; the name is everything before the last '='. */
    static Map<String, NDArray> bindings(List<String> specs) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.lastIndexOf('=');
            if (eq <= 0 || eq == s.length() - 1) throw new KilnError("--bind '" + s + "' is not NAME=FILE.npy");
            String n = s.substring(0, eq);
            Path f = Path.of(s.substring(eq + 1));
            if (!Files.isRegularFile(f)) throw new KilnError("--bind " + n + "=" + f + ": no such file");
            if (out.put(n, Npy.read(f)) != null) throw new KilnError("--bind names input '" + n + "' more than once");
        }
        return out;
    }

    private static String checkName(String n) {
        if (!n.matches("[A-Za-z_][A-Za-z0-9_]*") || n.length() > 64) {
            throw new KilnError("--name '" + n + "' is not a C identifier: use letters, digits and '_' (at most 64), "
                    + "not starting with a digit");
        }
        if (n.toLowerCase(Locale.ROOT).startsWith("kiln")) {
            throw new KilnError("--name '" + n + "' starts with 'kiln', which the runtime's symbols use; choose another name");
        }
        return n;
    }

    static String bytes(long n) {
        if (n < 1024) return n + " bytes";
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%d bytes (%.1f %s)", n, v, units[u]);
    }

    /** {@code embed|file|auto}, case-insensitive. */
    static final class WeightsConverter implements CommandLine.ITypeConverter<EmitOptions.Weights> {
        @Override
        public EmitOptions.Weights convert(String value) {
            for (EmitOptions.Weights w : EmitOptions.Weights.values()) {
                if (w.name().equalsIgnoreCase(value.strip())) return w;
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not one of embed, file, auto");
        }
    }
}
