package kiln.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import kiln.emit.c.EmitOptions;
import kiln.tir.NDArray;
import kiln.target.Target;

/**
 * Everything {@link Kiln#compile} needs: the model, the target, fixed input shapes for symbolic dims,
 * how to store weights, the optimisation level, the bundle's model name (default: from the file name),
 * an optional folder to dump the IR after every pass, and graph inputs frozen to constant values
 * ({@code bindings}, by input name: the compiled program does not take them; {@code kiln compile --bind}).
 */
public record CompileRequest(Path model, Target target, Map<String, List<Long>> inputShapes, EmitOptions.Weights weights,
                             int optLevel, Optional<String> name, Optional<Path> dumpIrDir, Map<String, NDArray> bindings) {
    public CompileRequest {
        inputShapes = new TreeMap<>(inputShapes);
        inputShapes.replaceAll((k, v) -> List.copyOf(v));
        inputShapes = java.util.Collections.unmodifiableMap(inputShapes);
        bindings = java.util.Collections.unmodifiableMap(new TreeMap<>(bindings));
        if (optLevel < 0 || optLevel > 3) throw new kiln.diag.KilnError("--opt-level must be 0, 1, 2 or 3, got " + optLevel);
    }

    public CompileRequest(Path model, Target target, Map<String, List<Long>> inputShapes, EmitOptions.Weights weights,
                          int optLevel, Optional<String> name, Optional<Path> dumpIrDir) {
        this(model, target, inputShapes, weights, optLevel, name, dumpIrDir, Map.of());
    }

    public static CompileRequest of(Path model, Target target) {
        return new CompileRequest(model, target, Map.of(), EmitOptions.Weights.AUTO, 3, Optional.empty(), Optional.empty());
    }

    public CompileRequest withInputShapes(Map<String, List<Long>> shapes) {
        return new CompileRequest(model, target, shapes, weights, optLevel, name, dumpIrDir, bindings);
    }

    public CompileRequest withWeights(EmitOptions.Weights w) {
        return new CompileRequest(model, target, inputShapes, w, optLevel, name, dumpIrDir, bindings);
    }

    public CompileRequest withOptLevel(int level) {
        return new CompileRequest(model, target, inputShapes, weights, level, name, dumpIrDir, bindings);
    }

    public CompileRequest withName(String n) {
        return new CompileRequest(model, target, inputShapes, weights, optLevel, Optional.of(n), dumpIrDir, bindings);
    }

    public CompileRequest withBindings(Map<String, NDArray> b) {
        return new CompileRequest(model, target, inputShapes, weights, optLevel, name, dumpIrDir, b);
    }

    public CompileRequest withDumpIr(Path dir) {
        return new CompileRequest(model, target, inputShapes, weights, optLevel, name, Optional.of(dir), bindings);
    }
}
