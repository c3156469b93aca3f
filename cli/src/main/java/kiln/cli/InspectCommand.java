package kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.diag.KilnError;
import kiln.emit.c.EmitOptions;
import kiln.target.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln inspect --memory BUNDLE_OR_MODEL}: the arena map and the live bytes at every kernel step. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Shows how a bundle (a folder written by kiln compile) or a model (compiled in memory,",
                "nothing written) uses memory."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BUNDLE_OR_MODEL", description = "A bundle folder or an ONNX model file.")
    Path path;

    @Option(names = "--memory", required = true, description = "Print the arena map and the live bytes per kernel step.")
    boolean memory;

    @Option(names = "--input-shape", paramLabel = "NAME=D0,D1,...", converter = InputShapes.Converter.class,
            description = "For a model: fixes the shape of an input with symbolic dimensions.")
    List<InputShapes.Spec> inputShapes = new ArrayList<>();

    @Option(names = "--opt-level", paramLabel = "0-3", defaultValue = "3", description = "For a model: the optimisation level (default: ${DEFAULT-VALUE}).")
    int optLevel;

    @Override
    public Integer call() {
        byte[] manifest;
        if (Files.isDirectory(path)) {
            try {
                manifest = Files.readAllBytes(path.resolve("manifest.json"));
            } catch (IOException e) {
                throw new KilnError(path + " is not a Kiln bundle: it has no readable manifest.json; pass a folder written by kiln compile or an .onnx file");
            }
        } else {
            CompileRequest req = new CompileRequest(path, Target.c(), InputShapes.toMap(inputShapes), EmitOptions.Weights.AUTO, optLevel,
                    Optional.empty(), Optional.empty());
            manifest = Kiln.compile(req).files().get("manifest.json");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("arena buffers:");
        out.println(MemoryMap.render(manifest));
        out.println("live bytes per kernel step:");
        out.print(MemoryMap.timeline(manifest));
        out.flush();
        return 0;
    }
}
