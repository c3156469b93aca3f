package kiln.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.diag.KilnError;
import kiln.emit.c.Bundle;
import kiln.emit.c.BundleWriter;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.OnnxModel;
import kiln.importer.onnx.OnnxNode;
import kiln.importer.onnx.OnnxTensorFile;
import kiln.importer.onnx.OnnxValueInfo;
import kiln.target.Target;
import kiln.tir.DType;
import kiln.tir.NDArray;
import kiln.tir.Npy;

/**
 * The ONNX backend-suite conformance runner ({@code kiln conformance}): every test folder (one holding
 * {@code model.onnx} and {@code test_data_set_*}/{@code input_*.pb}, {@code output_*.pb}) is compiled
 * with Kiln, built with the host C compiler under strict flags, run on every data set and compared
 * with the expected outputs.
 *
 * <p>Test inputs are runtime inputs of the compiled program. When the compile fails because an input
 * must be a compile-time constant (Reshape's shape, TopK's k, ...), the test is compiled again per data
 * set with those inputs frozen to the data set's values ({@link CompileRequest#bindings()}); a pass then
 * counts as "pass (specialised)".
 */
public final class Conformance {
    /** The message part by which the importer says that a value must be known at compile time. */
    static final String CONSTANT_REQUIRED = "must be a compile-time constant";
    private static final Pattern GRAPH_INPUT = Pattern.compile("graph input '([^']*)'");
    private static final Pattern DATA_SET = Pattern.compile("test_data_set_\\d+");

    /** How a test ended, in report order. */
    public enum Status {
        PASS("pass"), PASS_SPECIALISED("pass (specialised)"), UNSUPPORTED("unsupported"), COMPILE_ERROR("compile error"),
        BUILD_ERROR("build error"), WRONG_RESULT("wrong result"), CRASH("crash"), TIMEOUT("timeout");

        private final String label;

        Status(String label) { this.label = label; }

        public String label() { return label; }

        public boolean passed() { return this == PASS || this == PASS_SPECIALISED; }
    }

    /**
     * One test's result: {@code name} is {@code suite/test}; {@code ops} the op types of its model;
     * {@code bound} the inputs frozen for a specialised compile; {@code detail} the reason of a failure.
     */
    public record Outcome(String suite, String name, Status status, String detail, List<String> ops, List<String> bound,
                          double seconds) {
        public Outcome {
            ops = List.copyOf(ops);
            bound = List.copyOf(bound);
        }

        /** {@code PASS node/test_abs} or {@code FAIL node/test_x: wrong result: ...}. */
        public String line() {
            return switch (status) {
                case PASS -> "PASS " + name;
                case PASS_SPECIALISED -> "PASS " + name + " (specialised: " + String.join(", ", bound) + " bound)";
                default -> "FAIL " + name + ": " + status.label() + ": " + detail;
            };
        }
    }

    /** One test folder of a suite. */
    public record TestCase(String suite, String name, Path dir) {}

    /**
     * Runner settings: the compile target, the C compiler and its flags, parallel jobs, the folder for
     * bundles and outputs, and the time limits of a build and of one demo run.
     */
    public record Options(Target target, String cc, List<String> cflags, int jobs, Path work, long testTimeoutSeconds,
                          long buildTimeoutSeconds, long runTimeoutSeconds, String toolchain) {
        public Options {
            cflags = List.copyOf(cflags);
            Toolchain.byName(toolchain);
            if (jobs < 1) throw new KilnError("--jobs must be at least 1, got " + jobs);
        }

        /** The strict flags every bundle must build with; {@code -O0} builds fastest on the suite's small models. */
        public static final List<String> STRICT_FLAGS = List.of("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O0");

        public static Options defaults(Path work) {
            return new Options(Target.parse("c"), defaultCc(), STRICT_FLAGS, Runtime.getRuntime().availableProcessors(), work,
                    60, 60, 60, "host");
        }

        public Options withJobs(int n) {
            return new Options(target, cc, cflags, n, work, testTimeoutSeconds, buildTimeoutSeconds, runTimeoutSeconds, toolchain);
        }

        public Options withCc(String c) {
            return new Options(target, c, cflags, jobs, work, testTimeoutSeconds, buildTimeoutSeconds, runTimeoutSeconds, toolchain);
        }

        public Options withTarget(Target t) {
            return new Options(t, cc, cflags, jobs, work, testTimeoutSeconds, buildTimeoutSeconds, runTimeoutSeconds, toolchain);
        }

        public Options withRunTimeout(long s) {
            return new Options(target, cc, cflags, jobs, work, testTimeoutSeconds, buildTimeoutSeconds, s, toolchain);
        }

        /**
         * Builds with {@code name}'s compiler and target flags (before the strict flags) and runs the demo
         * through its emulator; see {@link Toolchain#all()}.
         */
        public Options withToolchain(String name) {
            Toolchain t = Toolchain.byName(name);
            List<String> flags = new ArrayList<>(t.targetCflags());
            flags.addAll(STRICT_FLAGS);
            return new Options(target, t.cc(), flags, jobs, work, testTimeoutSeconds, buildTimeoutSeconds, runTimeoutSeconds, name);
        }

        public Options withTestTimeout(long s) {
            return new Options(target, cc, cflags, jobs, work, s, buildTimeoutSeconds, runTimeoutSeconds, toolchain);
        }
    }

    /** $CC when set, else {@code cc}. */
    public static String defaultCc() {
        String env = System.getenv("CC");
        return env != null && !env.isBlank() ? env : "cc";
    }

    private final Options options;
    private final DirectBuild builder;

    public Conformance(Options options) {
        this.options = options;
        Toolchain tc = Toolchain.byName(options.toolchain());
        this.builder = new DirectBuild(options.cc(), options.cflags(), tc.ldflags(), "build/demo" + tc.exeSuffix(),
                options.work().resolve(".runtime-objects"));
    }

    // ------------------------------------------------------------------ discovery

    /**
     * The test folders of the suites (folders holding {@code model.onnx}, at any depth), sorted within each
     * suite, suites in the given order; {@code filter} (may be null) keeps tests whose {@code suite/test}
     * name it finds.
     */
    public static List<TestCase> discover(List<Path> suites, Pattern filter) {
        List<TestCase> out = new ArrayList<>();
        for (Path suite : suites) {
            Path abs = suite.toAbsolutePath().normalize();
            String suiteName = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
            List<Path> dirs;
            try (Stream<Path> s = Files.walk(abs)) {
                dirs = s.filter(p -> p.getFileName() != null && p.getFileName().toString().equals("model.onnx") && Files.isRegularFile(p))
                        .map(Path::getParent).sorted(Comparator.comparing(Path::toString)).toList();
            } catch (IOException e) {
                throw new KilnError("cannot list " + suite + ": " + e.getMessage());
            }
            for (Path d : dirs) {
                String rel = abs.relativize(d).toString().replace('\\', '/');
                String name = rel.isEmpty() ? suiteName : suiteName + "/" + rel;
                if (filter == null || filter.matcher(name).find()) out.add(new TestCase(suiteName, name, d));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ running

    /**
     * Runs the tests with {@link Options#jobs()} in parallel; {@code onEach} sees every outcome in test
     * order (as soon as it and all tests before it are done). Returns the outcomes in test order.
     *
     * <p>Each job runs its tests in a worker JVM of its own ({@link ConformanceWorker}, same class path),
     * so that a compile that runs away (a compile cannot be stopped from outside a JVM) is ended by
     * killing its worker after {@link Options#testTimeoutSeconds()}; the test is then a timeout and the
     * job starts a fresh worker.
     */
    public List<Outcome> run(List<TestCase> tests, Consumer<Outcome> onEach) {
        int jobs = Math.max(1, Math.min(options.jobs(), tests.size()));
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "kiln-conformance");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<ConformanceWorker.Handle> worker = new ThreadLocal<>();
        List<ConformanceWorker.Handle> all = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (TestCase t : tests) {
                futures.add(pool.submit(() -> {
                    for (int attempt = 0; ; attempt++) {
                        ConformanceWorker.Handle h = worker.get();
                        if (h == null || !h.alive()) {
                            h = ConformanceWorker.start(options);
                            worker.set(h);
                            all.add(h);
                        }
                        try {
                            return h.run(t, options.testTimeoutSeconds());
                        } catch (IOException e) {
                            // The worker ended before it took the test: start another one, once.
                            h.close();
                            if (attempt > 0) throw e;
                        }
                    }
                }));
            }
            List<Outcome> out = new ArrayList<>();
            for (int k = 0; k < futures.size(); k++) {
                Outcome o;
                try {
                    o = futures.get(k).get();
                } catch (ExecutionException e) {
                    TestCase t = tests.get(k);
                    o = new Outcome(t.suite(), t.name(), Status.COMPILE_ERROR, "runner error: " + message(e.getCause()), List.of(), List.of(), 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KilnError("interrupted");
                }
                out.add(o);
                if (onEach != null) onEach.accept(o);
            }
            return out;
        } finally {
            pool.shutdownNow();
            synchronized (all) {
                all.forEach(ConformanceWorker.Handle::close);
            }
        }
    }

    /** Runs one test; never throws (every problem is an outcome). */
    public Outcome run(TestCase test) {
        long start = System.nanoTime();
        List<String> ops = List.of();
        List<String> bound = List.of();
        Status status;
        String detail = "";
        try {
            Path work = options.work().resolve(test.name());
            deleteTree(work);
            Files.createDirectories(work);
            Path modelFile = test.dir().resolve("model.onnx");
            OnnxModel model;
            try {
                model = OnnxLoader.load(modelFile);
                ops = opTypes(model);
            } catch (Throwable e) {
                return outcome(test, classifyCompileFailure(e), message(e), ops, bound, start);
            }
            List<String> inputNames = model.graph().inputs().stream().map(OnnxValueInfo::name)
                    .filter(n -> !model.graph().initializers().containsKey(n)).toList();
            List<DataSet> dataSets;
            try {
                dataSets = dataSets(test.dir(), inputNames);
            } catch (KilnError e) {
                return outcome(test, Status.UNSUPPORTED, message(e), ops, bound, start);
            }
            if (dataSets.isEmpty()) return outcome(test, Status.UNSUPPORTED, "the test has no test_data_set_* folder", ops, bound, start);

            // First: every input at run time, one bundle for all data sets.
            CompileRequest req = CompileRequest.of(modelFile, options.target()).withName("model");
            Result r;
            try {
                r = buildAndRun(Kiln.compile(req), work.resolve("bundle"), dataSets, work, Map.of());
                status = r.status;
                detail = r.detail;
            } catch (Throwable e) {
                if (!(e instanceof KilnError ke) || !ke.getMessage().contains(CONSTANT_REQUIRED)) {
                    return outcome(test, classifyCompileFailure(e), message(e), ops, bound, start);
                }
                // Then: inputs that must be constants frozen to each data set's values.
                Specialised s = specialise(req, model, inputNames, dataSets, work, ke);
                bound = s.bound;
                status = s.status;
                detail = s.detail;
            }
        } catch (Throwable e) {
            status = Status.COMPILE_ERROR;
            detail = "runner error: " + message(e);
        }
        return outcome(test, status, detail, ops, bound, start);
    }

    /** The outcome, with the test's and the work folder's paths left out of the detail (they say nothing and vary). */
    private Outcome outcome(TestCase t, Status s, String detail, List<String> ops, List<String> bound, long start) {
        String d = detail.replace(options.work().toAbsolutePath().resolve(t.name()) + java.io.File.separator, "")
                .replace(t.dir().toAbsolutePath() + java.io.File.separator, "");
        return new Outcome(t.suite(), t.name(), s, d, ops, bound, (System.nanoTime() - start) / 1e9);
    }

    private record Specialised(Status status, String detail, List<String> bound) {}

    private record Result(Status status, String detail) {}

    /** One test_data_set folder: inputs in the model's input order (by name) and expected outputs. */
    private record DataSet(String name, Map<String, NDArray> inputs, List<NDArray> outputs) {}

    /**
     * Compiles per data set, binding the inputs the compiler asks for: the graph input named in the
     * "must be a compile-time constant" message, else every integer input not yet bound.
     */
    private Specialised specialise(CompileRequest req, OnnxModel model, List<String> inputNames, List<DataSet> dataSets, Path work,
                                   KilnError first) throws IOException {
        Set<String> bind = new LinkedHashSet<>();
        for (int d = 0; d < dataSets.size(); d++) {
            DataSet ds = dataSets.get(d);
            KilnError last = first;
            while (true) {
                if (!addBinding(last, bind, model, inputNames)) {
                    return new Specialised(Status.UNSUPPORTED, firstLine(last.getMessage()), List.copyOf(bind));
                }
                Map<String, NDArray> values = new LinkedHashMap<>();
                for (String b : bind) values.put(b, ds.inputs().get(b));
                Bundle bundle;
                try {
                    bundle = Kiln.compile(req.withBindings(values));
                } catch (KilnError e) {
                    if (e.getMessage().contains(CONSTANT_REQUIRED)) {
                        last = e;
                        continue;
                    }
                    return new Specialised(classifyCompileFailure(e), message(e), List.copyOf(bind));
                } catch (Throwable e) {
                    return new Specialised(classifyCompileFailure(e), message(e), List.copyOf(bind));
                }
                Result r = buildAndRun(bundle, work.resolve("bundle_" + ds.name()), List.of(ds), work, values);
                if (!r.status.passed()) return new Specialised(r.status, r.detail, List.copyOf(bind));
                break;
            }
            if (d + 1 < dataSets.size()) first = null;
        }
        return new Specialised(Status.PASS_SPECIALISED, "", List.copyOf(bind));
    }

    /**
     * Adds to {@code bind} the input that {@code error} names, or (when it names none, or none that is
     * left) every integer input not bound yet. False when nothing could be added. A null error (a later
     * data set starts with the bindings the first needed) adds nothing and succeeds once.
     */
    private static boolean addBinding(KilnError error, Set<String> bind, OnnxModel model, List<String> inputNames) {
        if (error == null) return !bind.isEmpty();
        Matcher m = GRAPH_INPUT.matcher(error.getMessage());
        while (m.find()) {
            if (inputNames.contains(m.group(1)) && bind.add(m.group(1))) return true;
        }
        boolean added = false;
        for (OnnxValueInfo in : model.graph().inputs()) {
            if (!inputNames.contains(in.name()) || bind.contains(in.name())) continue;
            boolean integer = in.tensorType().flatMap(t -> t.dtype()).map(DType::isInt).orElse(false);
            if (integer) added |= bind.add(in.name());
        }
        return added;
    }

    /** Writes the bundle, builds it, runs it on every data set and compares. */
    private Result buildAndRun(Bundle bundle, Path dir, List<DataSet> dataSets, Path work, Map<String, NDArray> bound) throws IOException {
        BundleWriter.write(bundle, dir, true);
        BundleManifest manifest = BundleManifest.parse(bundle.files().get("manifest.json"), "manifest.json");
        Proc.Result b = builder.build(dir, options.buildTimeoutSeconds());
        if (b.timedOut()) return new Result(Status.TIMEOUT, "building the bundle took over " + options.buildTimeoutSeconds() + " s");
        if (b.exitCode() != 0) return new Result(Status.BUILD_ERROR, firstError(b.output()));
        Toolchain tc = Toolchain.byName(options.toolchain());
        Path demo = tc.demo(dir);
        for (DataSet ds : dataSets) {
            Path dsDir = work.resolve(dir.getFileName() + "_" + ds.name());
            deleteTree(dsDir);
            Path outDir = dsDir.resolve("out");
            Files.createDirectories(outDir);
            List<Path> files = new ArrayList<>();
            for (int k = 0; k < manifest.inputs().size(); k++) {
                BundleManifest.Tensor in = manifest.inputs().get(k);
                NDArray value = ds.inputs().get(in.name());
                if (value == null) {
                    return new Result(Status.COMPILE_ERROR, "the bundle takes input '" + in.name() + "', which the test does not give");
                }
                Path f = dsDir.resolve("input_" + k + ".npy");
                Npy.write(f, value);
                files.add(f);
            }
            List<String> demoCmd = RunCommand.demoCommand(demo, dir, manifest, outDir, files, null, null);
            Proc.Result r = Proc.run(tc.runCommand(Path.of(demoCmd.get(0)), demoCmd.subList(1, demoCmd.size())), dsDir,
                    options.runTimeoutSeconds(), tc.runEnvironment(options.work()));
            if (r.timedOut()) return new Result(Status.TIMEOUT, ds.name() + ": the demo ran over " + options.runTimeoutSeconds() + " s");
            if (r.exitCode() != 0) {
                String how = r.exitCode() > 128 ? "killed by signal " + (r.exitCode() - 128) : "exit code " + r.exitCode();
                String msg = firstLine(r.output());
                return new Result(Status.CRASH, ds.name() + ": " + how + (msg.isEmpty() ? "" : ": " + msg));
            }
            if (manifest.outputs().size() != ds.outputs().size()) {
                return new Result(Status.WRONG_RESULT, ds.name() + ": the bundle has " + manifest.outputs().size()
                        + " outputs, the test expects " + ds.outputs().size());
            }
            for (int k = 0; k < ds.outputs().size(); k++) {
                Path f = outDir.resolve("output_" + k + ".npy");
                String what = ds.name() + ": output " + k + " '" + manifest.outputs().get(k).name() + "'";
                if (!Files.isRegularFile(f)) return new Result(Status.CRASH, what + ": the demo did not write " + f.getFileName());
                String diff = difference(Npy.read(f), ds.outputs().get(k));
                if (diff != null) return new Result(Status.WRONG_RESULT, what + ": " + diff);
            }
        }
        return new Result(bound.isEmpty() ? Status.PASS : Status.PASS_SPECIALISED, "");
    }

    /** Relative tolerance of float outputs. */
    public static final double RTOL = 1e-3;
    /** Absolute tolerance of float outputs. */
    public static final double ATOL = 1e-5;

    /**
     * Null when {@code got} matches {@code want}: same dtype and shape, floats within
     * {@code |a-b| <= ATOL + RTOL*|b|} (NaN matches NaN), integers and booleans exactly; else the reason
     * with the worst element.
     */
    public static String difference(NDArray got, NDArray want) {
        if (got.dtype() != want.dtype() || !got.shapeList().equals(want.shapeList())) {
            return "got " + CompareCommand.describe(got) + ", want " + CompareCommand.describe(want);
        }
        boolean exact = !want.dtype().isFloat();
        CompareCommand.Result r = CompareCommand.compare(got, want, exact ? 0 : RTOL, exact ? 0 : ATOL);
        if (r.outside() == 0) return null;
        int w = r.worst();
        return String.format(Locale.ROOT, "%d of %d elements differ; worst at %s: got %s, want %s", r.outside(), r.size(),
                CompareCommand.index(w, want.shape()), value(got, w), value(want, w));
    }

    private static String value(NDArray a, int k) {
        if (a.dtype().isFloat()) return String.format(Locale.ROOT, "%.9g", a.getDouble(k));
        if (a.dtype() == DType.UINT64) return Long.toUnsignedString(a.getLong(k));
        return String.valueOf(a.getLong(k));
    }

    /** The data sets of a test, inputs keyed by graph input name (by the .pb's name when it is one, else by position). */
    private static List<DataSet> dataSets(Path testDir, List<String> inputNames) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(testDir)) {
            dirs = s.filter(p -> Files.isDirectory(p) && DATA_SET.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
        List<DataSet> out = new ArrayList<>();
        for (Path d : dirs) {
            List<NDArray> ins = new ArrayList<>(), outs = new ArrayList<>();
            List<String> pbNames = new ArrayList<>();
            for (String kind : List.of("input", "output")) {
                for (int k = 0; ; k++) {
                    Path f = d.resolve(kind + "_" + k + ".pb");
                    if (!Files.isRegularFile(f)) break;
                    OnnxTensorFile t = OnnxLoader.loadTensor(f);
                    if (kind.equals("input")) {
                        ins.add(t.value());
                        pbNames.add(t.name());
                    } else {
                        outs.add(t.value());
                    }
                }
            }
            if (ins.size() != inputNames.size()) {
                throw new KilnError(d.getFileName() + " has " + ins.size() + " input files but the model has " + inputNames.size()
                        + " runtime inputs " + inputNames);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            boolean named = new TreeSet<>(pbNames).equals(new TreeSet<>(inputNames));
            for (int k = 0; k < ins.size(); k++) byName.put(named ? pbNames.get(k) : inputNames.get(k), ins.get(k));
            out.add(new DataSet(d.getFileName().toString(), byName, outs));
        }
        return out;
    }

    /** The distinct op types of the model's main graph, sorted (custom domains as {@code domain.Op}). */
    static List<String> opTypes(OnnxModel model) {
        Set<String> ops = new TreeSet<>();
        for (OnnxNode n : model.graph().nodes()) {
            boolean std = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            ops.add(std ? n.opType() : n.domain() + "." + n.opType());
        }
        return List.copyOf(ops);
    }

    /**
     * A {@link KilnError} is Kiln saying that it does not support something in the model: unsupported;
     * a KilnError wrapping another exception (a converter crash) and any other exception: compile error.
     */
    static Status classifyCompileFailure(Throwable e) {
        if (e instanceof KilnError ke && (ke.getCause() == null || ke.getCause() instanceof KilnError)
                && !ke.getMessage().contains("this is a Kiln bug")) {
            return Status.UNSUPPORTED;
        }
        return Status.COMPILE_ERROR;
    }

    /** A one-line reason: the list of missing ops, or the first line of the message (with the exception class for non-Kiln errors). */
    static String message(Throwable e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (msg.contains("that Kiln does not support")) {
            List<String> missing = missingOps(msg);
            if (!missing.isEmpty()) return "unsupported op" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing);
        }
        String first = firstLine(msg);
        return e instanceof KilnError ? first : e.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
    }

    /** The ops listed in the importer's "the model uses N ONNX ops that Kiln does not support" message. */
    static List<String> missingOps(String msg) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^  (\\S+) \\(first at node").matcher(msg);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        String line = nl < 0 ? t : t.substring(0, nl).strip();
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    /** The first line of compiler output that reports an error, else the first line. */
    static String firstError(String output) {
        for (String line : output.split("\n")) {
            if (line.contains("error:") || line.contains("error :")) return firstLine(line);
        }
        return firstLine(output);
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }
}
