package kiln.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import kiln.cli.Conformance.Outcome;
import kiln.cli.Conformance.Status;
import kiln.cli.Conformance.TestCase;
import kiln.importer.onnx.OnnxLoader;
import kiln.target.Target;

/**
 * A worker JVM of the conformance runner: reads one test per line on standard input
 * ({@code suite TAB name TAB folder}), runs it with {@link Conformance#run(TestCase)} and answers one
 * line {@code OUTCOME TAB ...} on standard output. {@link Handle} is the runner's side: it starts a
 * worker with the runner's own Java and class path, and kills it when a test runs over its time.
 */
public final class ConformanceWorker {
    private static final String PREFIX = "OUTCOME\t";
    private static final String LIST_SEP = "\u001f";

    private ConformanceWorker() {}

    /** {@code TARGET CC WORK BUILD_TIMEOUT RUN_TIMEOUT CFLAG...}. */
    public static void main(String[] args) throws IOException {
        Conformance.Options opt = new Conformance.Options(Target.parse(args[0]), args[1], Arrays.asList(args).subList(6, args.length), 1,
                Path.of(args[2]), 0, Long.parseLong(args[3]), Long.parseLong(args[4]), args[5]);
        // Answers go to the real standard output; anything else printed during a test goes to standard error.
        PrintStream answers = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        Conformance runner = new Conformance(opt);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split("\t", -1);
            if (f.length != 3) continue;
            Outcome o = runner.run(new TestCase(f[0], f[1], Path.of(f[2])));
            answers.println(encode(o));
            answers.flush();
        }
    }

    static String encode(Outcome o) {
        return PREFIX + String.join("\t", clean(o.suite()), clean(o.name()), o.status().name(), clean(o.detail()),
                String.join(LIST_SEP, o.ops()), String.join(LIST_SEP, o.bound()), Double.toString(o.seconds()));
    }

    static Outcome decode(String line) {
        String[] f = line.substring(PREFIX.length()).split("\t", -1);
        return new Outcome(f[0], f[1], Status.valueOf(f[2]), f[3], list(f[4]), list(f[5]), Double.parseDouble(f[6]));
    }

    private static List<String> list(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(LIST_SEP, -1));
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ').replace(LIST_SEP, " ");
    }

    /** Starts a worker JVM for the runner's options. */
    static Handle start(Conformance.Options opt) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xss64m", "-XX:+UseSerialGC"));
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ConformanceWorker.class.getName(),
                opt.target().toString(), opt.cc(), opt.work().toAbsolutePath().toString(),
                String.valueOf(opt.buildTimeoutSeconds()), String.valueOf(opt.runTimeoutSeconds()), opt.toolchain()));
        cmd.addAll(opt.cflags());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        return new Handle(pb.start());
    }

    /** The runner's end of one worker. */
    static final class Handle {
        private final Process process;
        private final BufferedWriter to;
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private static final String EOF = "\u0000EOF";
        private volatile boolean closed;

        Handle(Process p) {
            this.process = p;
            this.to = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith(PREFIX)) answers.add(line);
                    }
                } catch (IOException e) {
                    // The worker is gone; EOF below says so.
                }
                answers.add(EOF);
            }, "kiln-conformance-worker-reader");
            reader.setDaemon(true);
            reader.start();
        }

        boolean alive() {
            return !closed && process.isAlive();
        }

        /** Runs one test in the worker; a test over {@code timeoutSeconds} kills the worker and is a timeout. */
        Outcome run(TestCase t, long timeoutSeconds) throws IOException, InterruptedException {
            long start = System.nanoTime();
            to.write(t.suite() + "\t" + t.name() + "\t" + t.dir().toAbsolutePath());
            to.newLine();
            to.flush();
            String line = answers.poll(timeoutSeconds, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (line == null) {
                close();
                return new Outcome(t.suite(), t.name(), Status.TIMEOUT, "the test (compile, build and runs) took over " + timeoutSeconds
                        + " s; stopped", ops(t), List.of(), seconds);
            }
            if (line.equals(EOF)) {
                close();
                process.waitFor(10, TimeUnit.SECONDS);
                String how = process.isAlive() ? "" : " (exit code " + process.exitValue() + ")";
                return new Outcome(t.suite(), t.name(), Status.COMPILE_ERROR, "the worker JVM ended during the test" + how
                        + ", e.g. out of memory", ops(t), List.of(), seconds);
            }
            return decode(line);
        }

        /** The model's op types, for the per-op table, when the worker could not say. */
        private static List<String> ops(TestCase t) {
            try {
                return Conformance.opTypes(OnnxLoader.load(t.dir().resolve("model.onnx")));
            } catch (RuntimeException e) {
                return List.of();
            }
        }

        void close() {
            closed = true;
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
