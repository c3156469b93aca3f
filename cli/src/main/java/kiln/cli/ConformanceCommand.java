package kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import kiln.diag.KilnError;
import kiln.target.Target;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln conformance SUITE_DIR... --target TARGET [--report FILE.md] [--jobs N] [--filter REGEX] [--work DIR]}:
 * runs ONNX backend test folders through Kiln and the host C compiler (see {@link Conformance}).
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs ONNX backend-suite test folders (model.onnx + test_data_set_*): compiles each with Kiln,",
                "builds it with the host C compiler (-std=c99 -Wall -Wextra -Werror -pedantic), runs it on every data",
                "set and compares with the expected outputs. Prints PASS/FAIL per test and 'N passed, N failed'.",
                "Exits 0 whatever the results (it is a report); non-zero only for usage errors."})
final class ConformanceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "SUITE_DIR", description = "Suite folders, e.g. .../libonnx-testdata/data/node.")
    List<Path> suites = new ArrayList<>();

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "c", description = "Compile target (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--report", paramLabel = "FILE.md", description = "Also write a Markdown report.")
    Path report;

    @Option(names = "--jobs", paramLabel = "N", description = "Tests run in parallel (default: the number of cores).")
    Integer jobs;

    @Option(names = "--filter", paramLabel = "REGEX", description = "Only tests whose name (suite/test) contains a match.")
    String filter;

    @Option(names = "--work", paramLabel = "DIR", description = "Keep bundles and outputs in DIR (default: a temporary folder, removed afterwards).")
    Path work;

    @Option(names = "--cc", paramLabel = "CC", description = "C compiler (default: $CC, else cc).")
    String cc;

    @Option(names = "--toolchain", paramLabel = "NAME", defaultValue = "host",
            description = "Build and run with this toolchain: host, aarch64-qemu, armhf-qemu, mingw-wine (default: ${DEFAULT-VALUE}).")
    String toolchain;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time limit of one test: compile, build and runs together (default: ${DEFAULT-VALUE}); one demo run gets at most 60.")
    long timeout;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        for (Path s : suites) {
            if (!Files.isDirectory(s)) throw new CommandLine.ParameterException(cl, "SUITE_DIR " + s + " is not a folder");
        }
        if (jobs != null && jobs < 1) throw new CommandLine.ParameterException(cl, "--jobs must be at least 1, got " + jobs);
        if (timeout < 1) throw new CommandLine.ParameterException(cl, "--timeout must be at least 1 second, got " + timeout);
        Pattern regex;
        try {
            regex = filter == null ? null : Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new CommandLine.ParameterException(cl, "--filter '" + filter + "' is not a regular expression: " + e.getDescription());
        }
        Target t = Target.parse(target);
        boolean temporary = work == null;
        Path dir = temporary ? Files.createTempDirectory("kiln-conformance") : work.toAbsolutePath();
        Files.createDirectories(dir);
        Conformance.Options opt = Conformance.Options.defaults(dir).withTarget(t)
                .withJobs(jobs != null ? jobs : Runtime.getRuntime().availableProcessors()).withRunTimeout(Math.min(60, timeout)).withTestTimeout(timeout);
        if (!toolchain.equals("host")) {
            if (cc != null) throw new CommandLine.ParameterException(cl, "--cc and --toolchain exclude each other");
            opt = opt.withToolchain(toolchain);
            List<String> missing = Toolchain.byName(toolchain).missingPrograms();
            if (!missing.isEmpty()) {
                throw new KilnError("toolchain " + toolchain + " needs " + String.join(", ", missing) + " (Debian: apt-get install "
                        + Toolchain.byName(toolchain).debianPackages() + ")");
            }
        }
        if (cc != null) opt = opt.withCc(cc);
        if (Proc.which(opt.cc().strip().split("\\s+")[0]) == null) {
            throw new KilnError("C compiler '" + opt.cc() + "' not found; install one (Debian: apt-get install gcc) or choose it with --cc");
        }
        PrintWriter out = cl.getOut();
        List<Conformance.TestCase> tests = Conformance.discover(suites, regex);
        long start = System.nanoTime();
        List<Conformance.Outcome> outcomes;
        try {
            outcomes = new Conformance(opt).run(tests, o -> {
                out.println(o.line());
                out.flush();
            });
        } finally {
            if (temporary) Conformance.deleteTree(dir);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long passed = outcomes.stream().filter(o -> o.status().passed()).count();
        if (report != null) {
            // The original arguments start with the subcommand's name (after any options of kiln itself).
            List<String> args = cl.getParseResult().originalArgs();
            int at = args.indexOf(spec.name());
            String cmd = "kiln " + spec.name() + " " + args.subList(at + 1, args.size()).stream().map(ConformanceCommand::shellWord)
                    .collect(Collectors.joining(" "));
            ConformanceReport.RunInfo info = new ConformanceReport.RunInfo(cmd,
                    ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                    machine(), compilerVersion(opt.cc()) + ", flags " + String.join(" ", opt.cflags()), seconds, opt.jobs());
            Path parent = report.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(report, ConformanceReport.markdown(info, outcomes), StandardCharsets.UTF_8);
        }
        out.println(passed + " passed, " + (outcomes.size() - passed) + " failed");
        out.flush();
        return 0;
    }

    private static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./=,:+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** OS, architecture and core count. */
    static String machine() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version");
    }

    /** The first line of {@code cc --version}. */
    static String compilerVersion(String cc) {
        List<String> cmd = new ArrayList<>(List.of(cc.strip().split("\\s+")));
        cmd.add("--version");
        try {
            Proc.Result r = Proc.run(cmd, null, 30);
            String first = r.output().strip().lines().findFirst().orElse("");
            return first.isEmpty() ? cc : first;
        } catch (IOException e) {
            return cc;
        }
    }
}
