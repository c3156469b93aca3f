package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.cli.BundleManifest;
import kiln.diag.KilnError;
import kiln.emit.c.EmitOptions;
import kiln.golden.GoldenCase;
import kiln.target.Target;
import kiln.tir.NDArray;
import kiln.tir.Npy;

/** The end-to-end flow shared by the golden tests: compile, build with the host compiler, run, compare. */
final class EndToEnd {
    private EndToEnd() {}

    /**
     * Compiles {@code c} into {@code work/bundle} with the given weights mode, builds it with
     * {@link Toolchain#STRICT_CFLAGS}, runs the demo on the golden inputs into {@code work/out} and
     * compares every output with the golden one. Returns the bundle's manifest.
     */
    static BundleManifest check(GoldenCase c, EmitOptions.Weights weights, Path work, Toolchain tc) {
        return check(c, weights, work, tc, CompileRequest.of(c.model(), Target.c()).optLevel());
    }

    /** {@link #check(GoldenCase, EmitOptions.Weights, Path, Toolchain)} at graph optimisation level {@code optLevel}. */
    static BundleManifest check(GoldenCase c, EmitOptions.Weights weights, Path work, Toolchain tc, int optLevel) {
        Path bundle = work.resolve("bundle"), out = work.resolve("out");
        CompileRequest req = CompileRequest.of(c.model(), Target.c()).withInputShapes(c.inputShapes()).withWeights(weights)
                .withOptLevel(optLevel);
        try {
            Kiln.compileTo(req, bundle, false);
        } catch (KilnError e) {
            fail("kiln compile of " + c.name() + " failed: " + e.getMessage(), e);
        }
        BundleManifest m = BundleManifest.read(bundle);
        boolean hasBin = Files.exists(bundle.resolve("weights.bin"));
        switch (weights) {
            case EMBED -> assertFalse(hasBin, "--weights embed wrote weights.bin");
            case FILE -> assertEquals(m.weightsBytes() > 0, hasBin, "--weights file: weights.bin exactly when the model has weights");
            case AUTO -> assertEquals(m.weightsInFile(), hasBin, "manifest 'weights' and weights.bin disagree");
        }
        assertEquals(c.inputs().size(), m.inputs().size(), "number of model inputs (golden input_<i>.npy files vs manifest)");
        assertEquals(c.outputs().size(), m.outputs().size(), "number of model outputs (golden output_<i>.npy files vs manifest)");

        Path demo = tc.build(bundle, Toolchain.STRICT_CFLAGS);
        tc.runDemo(demo, c.inputs(), out, List.of());

        for (int k = 0; k < c.outputs().size(); k++) {
            Path got = out.resolve("output_" + k + ".npy");
            assertTrue(Files.isRegularFile(got), "the demo did not write " + got);
            NDArray expected = Npy.read(c.outputs().get(k));
            Compare.assertClose(expected, Npy.read(got), c.name() + " output " + k + " '" + m.outputs().get(k).name() + "'");
        }
        return m;
    }

    /**
     * The torch-exported architectures (exported on first use into the cache under target/). Without
     * torch the calling test factory is skipped with the reason, or fails when CI=true.
     */
    static java.util.stream.Stream<GoldenCase> realArchitectures() {
        try {
            return kiln.golden.Golden.realArchitectures(kiln.golden.Golden.defaultTorchCache()).stream();
        } catch (kiln.golden.GoldenUnavailable e) {
            Env.missing("the torch golden models cannot be exported: " + e.getMessage());
            return java.util.stream.Stream.empty();
        }
    }
}
