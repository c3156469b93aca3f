package kiln.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import kiln.diag.KilnError;
import kiln.emit.c.Bundle;
import kiln.emit.c.BundleWriter;
import kiln.emit.c.CEmitter;
import kiln.emit.c.EmitOptions;
import kiln.importer.convert.OnnxImporter;
import kiln.importer.onnx.OnnxLoader;
import kiln.importer.onnx.OnnxModel;
import kiln.relax.IRModule;
import kiln.relax.IRPrinter;
import kiln.relax.Verifier;
import kiln.relax.pass.Pass;
import kiln.relax.pass.Pipeline;
import kiln.target.Target;

/** The public Java API: ONNX model → source bundle. */
public final class Kiln {
    private Kiln() {}

    /** Compiles a model into an in-memory bundle. Throws {@link KilnError} for problems with the input. */
    public static Bundle compile(CompileRequest req) {
        if (req.target().kind() != Target.Kind.C) {
            throw new KilnError("target '" + req.target() + "' is not available yet; use --target c");
        }
        OnnxModel model = OnnxLoader.load(req.model());
        byte[] bytes = readModelBytes(req.model());
        IRModule mod = OnnxImporter.importModel(model, req.inputShapes(), req.bindings());
        Verifier.verify(mod);
        List<Pass> passes = Pipeline.forOptLevel(req.optLevel());
        List<String> passNames = new ArrayList<>();
        int[] step = {0};
        req.dumpIrDir().ifPresent(dir -> dump(dir, String.format(Locale.ROOT, "%02d_import.ir", 0), mod));
        IRModule out = Pipeline.run(mod, passes, (pass, m) -> {
            passNames.add(pass.name());
            step[0]++;
            req.dumpIrDir().ifPresent(dir -> dump(dir, String.format(Locale.ROOT, "%02d_%s.ir", step[0], pass.name()), m));
        });
        Verifier.verify(out);
        String name = req.name().orElseGet(() -> modelName(req.model()));
        EmitOptions opt = new EmitOptions(name, req.target(), req.weights(), req.model().getFileName().toString(),
                CEmitter.sha256(bytes), model.graph().nodes().size(), passNames);
        return CEmitter.emit(out, opt);
    }

    /** Compiles and writes the bundle atomically into {@code out}. */
    public static Bundle compileTo(CompileRequest req, Path out, boolean force) {
        Bundle b = compile(req);
        BundleWriter.write(b, out, force);
        return b;
    }

    /** A C identifier from the model's file name: {@code resnet-18.onnx} → {@code resnet_18}. */
    public static String modelName(Path model) {
        String f = model.getFileName().toString();
        if (f.toLowerCase(Locale.ROOT).endsWith(".onnx")) f = f.substring(0, f.length() - 5);
        String n = kiln.tir.NameAllocator.sanitize(f.toLowerCase(Locale.ROOT));
        return n.startsWith("kiln") ? "m_" + n : n;
    }

    private static byte[] readModelBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new KilnError("cannot read model file " + p + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }

    private static void dump(Path dir, String file, IRModule m) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), IRPrinter.print(m));
        } catch (IOException e) {
            throw new KilnError("cannot write --dump-ir file into " + dir + ": " + e.getMessage());
        }
    }
}
