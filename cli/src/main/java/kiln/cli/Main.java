package kiln.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import kiln.diag.KilnError;
import kiln.emit.c.CEmitter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code kiln} command line: {@code kiln compile}, {@code kiln run}, {@code kiln compare},
 * {@code kiln conformance}, {@code kiln version}.
 *
 * <p>Exit codes: 0 success (for {@code compare}: the arrays match); 1 a problem with the user's input ({@link KilnError}: the message is
 * printed as {@code error: ...}, without a stack trace); 2 a usage error (bad or missing options: the
 * message and the usage are printed); 70 a bug in Kiln ({@code internal error: ...} and a stack trace).
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        subcommands = {CompileCommand.class, RunCommand.class, CompareCommand.class, InspectCommand.class, OpsCommand.class,
                ConformanceCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class},
        description = "Compiles ONNX models into portable C99 source bundles.",
        footer = {"", "Examples:",
                "  kiln compile model.onnx -o out/model",
                "  kiln compile model.onnx --input-shape x=1,3,224,224 -o out/model",
                "  kiln run out/model --input x=x.npy --output-dir out/result --repeat 20",
                "  kiln compare out/result/output_0.npy reference.npy",
                "  kiln conformance /usr/share/libonnx-testdata/data/node --target c --report report.md"})
public final class Main implements Runnable {
    /** Exit code of a {@link KilnError}: the input (model, flags, files) is wrong. */
    public static final int EXIT_ERROR = 1;
    /** Exit code of a usage error (unknown option, missing value, malformed option value). */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a compiler bug (EX_SOFTWARE of sysexits.h). */
    public static final int EXIT_INTERNAL = 70;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use kiln compile, kiln run, kiln compare, kiln conformance or kiln version");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int rc = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(rc);
    }

    /** Runs the command line with the given streams and returns the exit code (never calls System.exit). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(out, err).execute(args);
    }

    /** The configured picocli command line, for in-process use (tests). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return configure(new CommandLine(new Main()), out, err);
    }

    /**
     * Sets streams, exit-code mapping and parsing options on {@code cl} and the subcommands it has now
     * (picocli applies these settings only to subcommands present when they are set).
     */
    static CommandLine configure(CommandLine cl, PrintWriter out, PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        cl.setParameterExceptionHandler(Main::handleParameterException);
        return cl;
    }

    private static int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (ex instanceof KilnError user) {
            err.println("error: " + user.getMessage());
            err.flush();
            return EXIT_ERROR;
        }
        err.println("internal error: " + ex);
        ex.printStackTrace(err);
        err.println("This is a bug in Kiln " + CEmitter.VERSION + "; please report it with the command line and the model.");
        err.flush();
        return EXIT_INTERNAL;
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            cmd.usage(err);
        }
        err.flush();
        return EXIT_USAGE;
    }

    /** {@code kiln --version} and {@code kiln version}. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kiln " + CEmitter.VERSION,
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
