package kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import kiln.diag.KilnError;
import kiln.tir.DType;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln run BUNDLE_DIR --input NAME=FILE.npy ... --output-dir DIR}: builds the bundle's demo with
 * the host C compiler and make, runs it on the inputs and writes {@code output_<i>.npy} into DIR.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Builds a bundle's demo (make -C BUNDLE_DIR) and runs it on .npy inputs.",
                "Writes DIR/output_<i>.npy and prints each output's name, dtype, shape and first values."})
final class RunCommand implements Callable<Integer> {
    /** How many values of each output are printed. */
    static final int SHOWN_VALUES = 8;
    /** Lines of compiler output shown when the build fails. */
    static final int BUILD_LOG_LINES = 40;
    /** The file in the build folder that records the CC and CFLAGS it was built with. */
    static final String BUILD_STAMP = ".kiln-run-flags";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BUNDLE_DIR", description = "A bundle written by kiln compile.")
    Path bundle;

    @Option(names = "--input", paramLabel = "NAME=FILE.npy", required = true,
            description = "A model input and its .npy file; give every input of the model once.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--output-dir", paramLabel = "DIR", required = true, description = "Folder for output_<i>.npy (created if missing).")
    Path outputDir;

    @Option(names = "--cc", paramLabel = "CC", description = "C compiler (default: $CC, else cc).")
    String cc;

    @Option(names = "--cflags", paramLabel = "FLAGS", defaultValue = "-O2", description = "C compiler flags (default: ${DEFAULT-VALUE}).")
    String cflags;

    @Option(names = "--repeat", paramLabel = "N", description = "Also time N runs after a warm-up and print median_ms.")
    Integer repeat;

    @Option(names = "--threads", paramLabel = "N", description = "Threads the model may use (default 1).")
    Integer threads;

    @Option(names = "--toolchain", paramLabel = "NAME", defaultValue = "host",
            description = "Build and run with this toolchain: host, aarch64-qemu, armhf-qemu, mingw-wine (default: ${DEFAULT-VALUE}).")
    String toolchain;

    @Override
    public Integer call() {
        if (repeat != null && repeat < 1) throw new KilnError("--repeat must be at least 1, got " + repeat);
        if (threads != null && threads < 1) throw new KilnError("--threads must be at least 1, got " + threads);
        PrintWriter out = spec.commandLine().getOut();
        BundleManifest manifest = BundleManifest.read(bundle);
        List<Path> files = orderInputs(manifest, inputs);
        for (int k = 0; k < files.size(); k++) checkInput(manifest.inputs().get(k), files.get(k));

        Toolchain tc = Toolchain.byName(toolchain);
        if (!toolchain.equals("host")) {
            if (cc != null) throw new KilnError("--cc and --toolchain exclude each other (the toolchain names its compiler)");
            if (!tc.missingPrograms().isEmpty()) {
                throw new KilnError("toolchain " + toolchain + " needs " + String.join(", ", tc.missingPrograms())
                        + " (Debian: apt-get install " + tc.debianPackages() + ")");
            }
        }
        String compiler = !toolchain.equals("host") ? tc.cc()
                : cc != null ? cc : System.getenv("CC") != null && !System.getenv("CC").isBlank() ? System.getenv("CC") : "cc";
        Path demo = build(bundle, compiler, cflags, tc);
        out.println("built " + demo + " (toolchain " + toolchain + ", CC=" + compiler + ", CFLAGS=" + cflags + ")");

        List<String> cmd = demoCommand(demo, bundle, manifest, outputDir, files, repeat, threads);
        Proc.Result r;
        try {
            r = Proc.run(tc.runCommand(demo, cmd.subList(1, cmd.size())), null, 0, tc.runEnvironment(bundle.resolve("build")));
        } catch (IOException e) {
            throw new KilnError("cannot run " + demo + ": " + e.getMessage());
        }
        if (r.exitCode() != 0) {
            throw new KilnError("the demo of " + bundle + " failed (exit code " + r.exitCode() + "):\n" + Proc.tail(r.output(), BUILD_LOG_LINES));
        }
        for (int k = 0; k < manifest.outputs().size(); k++) {
            BundleManifest.Tensor o = manifest.outputs().get(k);
            Path f = outputDir.resolve("output_" + k + ".npy");
            if (!Files.isRegularFile(f)) throw new KilnError("the demo did not write " + f);
            NDArray a = Npy.read(f);
            out.println("output " + k + " '" + o.name() + "': " + a.dtype().irName()
                    + a.shapeList().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"))
                    + " -> " + f);
            out.println("  " + firstValues(a));
        }
        // The demo prints nothing but median_ms (with --repeat); pass its lines on unchanged.
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) out.println(line.stripTrailing());
        }
        out.flush();
        return 0;
    }

    /**
     * The command line that runs a built bundle's demo on {@code inputs} (in the model's input order),
     * writing {@code output_<i>.npy} into {@code outputDir}; {@code repeat} and {@code threads} may be null.
     */
    static List<String> demoCommand(Path demo, Path bundle, BundleManifest manifest, Path outputDir, List<Path> inputs,
                                    Integer repeat, Integer threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(demo.toAbsolutePath().toString());
        if (repeat != null) cmd.addAll(List.of("--repeat", String.valueOf(repeat)));
        if (threads != null) cmd.addAll(List.of("--threads", String.valueOf(threads)));
        if (manifest.weightsInFile()) cmd.addAll(List.of("--weights", bundle.resolve("weights.bin").toAbsolutePath().toString()));
        cmd.addAll(List.of("--output-dir", outputDir.toAbsolutePath().toString()));
        for (Path f : inputs) cmd.add(f.toAbsolutePath().toString());
        return cmd;
    }

    /** The input files in the model's input order; each input must be given exactly once. */
    static List<Path> orderInputs(BundleManifest manifest, List<String> specs) {
        List<String> names = manifest.inputs().stream().map(BundleManifest.Tensor::name).toList();
        Map<String, Path> given = new LinkedHashMap<>();
        for (String s : specs) {
            String name = null;
            // A name may contain '=': take the split whose left part is an input of the model.
            for (int eq = s.indexOf('='); eq >= 0; eq = s.indexOf('=', eq + 1)) {
                if (names.contains(s.substring(0, eq))) {
                    name = s.substring(0, eq);
                    break;
                }
            }
            if (name == null) {
                int eq = s.indexOf('=');
                if (eq <= 0 || eq == s.length() - 1) {
                    throw new KilnError("--input '" + s + "' is not NAME=FILE.npy; the model's inputs are " + quoted(names));
                }
                throw new KilnError("--input names '" + s.substring(0, eq) + "', which is not an input of the model; its inputs are "
                        + quoted(names));
            }
            String file = s.substring(name.length() + 1);
            if (file.isEmpty()) throw new KilnError("--input '" + s + "' gives no file after '='");
            if (given.put(name, Path.of(file)) != null) throw new KilnError("--input '" + name + "' is given more than once");
        }
        List<String> missing = names.stream().filter(n -> !given.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new KilnError("missing --input for " + quoted(missing) + "; the model's inputs are " + quoted(names)
                    + " (give each as --input NAME=FILE.npy)");
        }
        return names.stream().map(given::get).toList();
    }

    private static String quoted(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    /** Checks the file's dtype and shape against the model's input, for a clear message before building. */
    private static void checkInput(BundleManifest.Tensor in, Path file) {
        if (!Files.isRegularFile(file)) throw new KilnError("--input " + in.name() + "=" + file + ": no such file");
        Npy.Header h = Npy.readHeader(file);
        if (!h.dtype().irName().equals(in.dtype()) || !h.shapeList().equals(in.shape())) {
            throw new KilnError("--input " + in.name() + "=" + file + " holds " + h.dtype().irName()
                    + h.shapeList().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"))
                    + " but the model's input '" + in.name() + "' is " + in.describe());
        }
    }

    /**
     * Builds the bundle with {@code make -C bundle CC=... CFLAGS=...} and returns the demo program. A
     * build folder made with other flags (or by hand) is cleaned first so that the flags take effect.
     */
    static Path build(Path bundle, String cc, String cflags) {
        return build(bundle, cc, cflags, Toolchain.byName("host"));
    }

    /** As {@link #build(Path, String, String)}, with a toolchain's archiver, target flags and link flags. */
    static Path build(Path bundle, String cc, String cflags, Toolchain tc) {
        if (!Files.isRegularFile(bundle.resolve("Makefile"))) {
            throw new KilnError(bundle + " has no Makefile; regenerate the bundle with kiln compile");
        }
        String first = cc.strip().split("\\s+")[0];
        if (Proc.which(first) == null) {
            throw new KilnError("C compiler '" + first + "' not found" + (first.contains("/") ? "" : " on PATH")
                    + "; install one (Debian: apt-get install gcc) or choose it with --cc or the CC environment variable");
        }
        if (Proc.which("make") == null) {
            throw new KilnError("'make' not found on PATH; install it (Debian: apt-get install make)");
        }
        Path buildDir = bundle.resolve("build");
        Path stamp = buildDir.resolve(BUILD_STAMP);
        String allCflags = (String.join(" ", tc.targetCflags()) + " " + cflags).strip();
        String flags = "CC=" + cc + "\nCFLAGS=" + allCflags + "\nLDFLAGS=" + String.join(" ", tc.ldflags()) + "\n";
        try {
            if (Files.isDirectory(buildDir) && !(Files.isRegularFile(stamp) && Files.readString(stamp).equals(flags))) {
                make(bundle, List.of("clean"), "clean");
            }
            List<String> args = new ArrayList<>(List.of("-j" + Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors())),
                    "CC=" + cc, "AR=" + tc.ar(), "CFLAGS=" + allCflags));
            if (!tc.ldflags().isEmpty()) args.add("LDFLAGS=" + String.join(" ", tc.ldflags()));
            make(bundle, args, "build");
            Files.writeString(stamp, flags, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KilnError("cannot build " + bundle + ": " + e.getMessage());
        }
        Path demo = tc.demo(bundle);
        if (!Files.isRegularFile(demo)) throw new KilnError("building " + bundle + " did not produce " + demo);
        return demo;
    }

    private static void make(Path bundle, List<String> args, String what) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("make", "-C", bundle.toAbsolutePath().toString()));
        cmd.addAll(args);
        Proc.Result r = Proc.run(cmd, null, 0);
        if (r.exitCode() != 0) {
            throw new KilnError("could not " + what + " " + bundle + ": make " + String.join(" ", args)
                    + " exited with " + r.exitCode() + ":\n" + Proc.tail(r.output(), BUILD_LOG_LINES));
        }
    }

    /** {@code [v0, v1, ...] (N values)} with at most {@link #SHOWN_VALUES} values. */
    static String firstValues(NDArray a) {
        int n = a.size();
        List<String> vals = new ArrayList<>();
        for (int k = 0; k < Math.min(n, SHOWN_VALUES); k++) {
            vals.add(a.dtype().isFloat() ? String.format(Locale.ROOT, "%.6g", a.getDouble(k))
                    : a.dtype() == DType.BOOL ? (a.getLong(k) != 0 ? "true" : "false")
                    : a.dtype() == DType.UINT64 ? Long.toUnsignedString(a.getLong(k)) : String.valueOf(a.getLong(k)));
        }
        return "[" + String.join(", ", vals) + (n > SHOWN_VALUES ? ", ..." : "") + "] (" + n + " value" + (n == 1 ? "" : "s") + ")";
    }
}
