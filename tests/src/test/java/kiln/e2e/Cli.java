package kiln.e2e;

import java.io.PrintWriter;
import java.io.StringWriter;
import kiln.cli.Main;

/** Runs the {@code kiln} command line in-process and captures what it prints. */
final class Cli {
    private Cli() {}

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc;
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            rc = Main.execute(o, e, args);
        }
        return new Result(rc, out.toString(), err.toString());
    }
}
