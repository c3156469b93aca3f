package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import kiln.cli.BundleManifest;
import kiln.emit.c.EmitOptions;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every small golden model (golden/models): compile, build with strict C99 warnings as errors, run
 * the demo on the golden inputs, compare with the numpy/torch outputs. Once with the weights compiled
 * in, once with the weights in weights.bin (read by the demo from next to the bundle).
 */
class GoldenModelsTest {
    /** Cases whose FILE-mode bundle really had a weights.bin, to be sure that path was exercised. */
    private static final AtomicInteger WEIGHTS_FILES_RUN = new AtomicInteger();
    private static final AtomicInteger FILE_CASES_PASSED = new AtomicInteger();

    static List<GoldenCase> cases() {
        return Golden.smallModels();
    }

    @Test
    void thereAreGoldenModels() {
        assertFalse(cases().isEmpty(), "no golden models found under " + Golden.smallModelsDir());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void embeddedWeights(GoldenCase c) {
        Toolchain tc = Toolchain.require();
        EndToEnd.check(c, EmitOptions.Weights.EMBED, Env.freshDir("golden", c.name() + "-embed"), tc);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void weightsFile(GoldenCase c) {
        Toolchain tc = Toolchain.require();
        BundleManifest m = EndToEnd.check(c, EmitOptions.Weights.FILE, Env.freshDir("golden", c.name() + "-file"), tc);
        if (m.weightsInFile()) WEIGHTS_FILES_RUN.incrementAndGet();
        FILE_CASES_PASSED.incrementAndGet();
    }

    /** Guards against a golden set (or an emitter) where no model ever goes through weights.bin. */
    @AfterAll
    static void someModelUsedWeightsBin() {
        if (FILE_CASES_PASSED.get() == 0) return; // every case failed or was skipped: those failures say why
        assertTrue(WEIGHTS_FILES_RUN.get() > 0, "none of the " + FILE_CASES_PASSED.get()
                + " golden models that passed with --weights file had a weights.bin, so loading weights from a file was not tested");
    }
}
