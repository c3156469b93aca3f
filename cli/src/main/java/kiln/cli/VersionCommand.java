package kiln.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kiln version}: Kiln's version and the Java runtime it runs on. */
@Command(name = "version", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Prints Kiln's version.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : new Main.VersionProvider().getVersion()) out.println(line);
        out.flush();
        return 0;
    }
}
