package kiln.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import kiln.importer.convert.ConverterTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln ops}: the ONNX ops Kiln compiles (ai.onnx domain), one per line or as README Markdown. */
@Command(name = "ops", mixinStandardHelpOptions = true, description = "Lists the supported ONNX ops (ai.onnx domain).")
final class OpsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--markdown", description = "Print the list as the README.md section, grouped by first letter.")
    boolean markdown;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> ops = List.copyOf(ConverterTable.supported());
        if (!markdown) {
            ops.forEach(out::println);
        } else {
            out.println("<!-- ops:start -->");
            out.println(ops.size() + " ONNX ops (ai.onnx domain; every opset variant from 1 to 21 unless noted in");
            out.println("docs/CONFORMANCE.md). Regenerate this list with `./kiln ops --markdown`.");
            out.println();
            Map<Character, StringBuilder> rows = new TreeMap<>();
            for (String op : ops) {
                StringBuilder sb = rows.computeIfAbsent(op.charAt(0), c -> new StringBuilder());
                if (!sb.isEmpty()) sb.append(", ");
                sb.append('`').append(op).append('`');
            }
            rows.values().forEach(r -> out.println("- " + r));
            out.println("<!-- ops:end -->");
        }
        out.flush();
        return 0;
    }
}
