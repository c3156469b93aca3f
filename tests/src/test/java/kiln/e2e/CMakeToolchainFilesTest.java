package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.cli.Proc;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import kiln.target.Target;
import kiln.tir.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CMake toolchain files shipped in every bundle build it unchanged: the golden CNN for a 64-bit
 * Raspberry Pi (run under qemu-aarch64) and for Windows (run under wine), and the Cortex-M4 firmware
 * library, whose objects must not reference malloc, free or stdio.
 */
class CMakeToolchainFilesTest {
    private static final String STRICT = "-std=c99 -Wall -Wextra -Werror -pedantic";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"aarch64-linux-gnu", "x86_64-w64-mingw32", "arm-none-eabi-cortex-m4"})
    void bundleBuildsWithShippedToolchainFile(String file) throws IOException {
        String runner = switch (file) {
            case "aarch64-linux-gnu" -> "aarch64-qemu";
            case "x86_64-w64-mingw32" -> "mingw-wine";
            default -> null;
        };
        String compiler = file.startsWith("arm-none-eabi") ? "arm-none-eabi-gcc" : file + "-gcc";
        if (Proc.which("cmake") == null || Proc.which(compiler) == null) {
            Env.missing("building with cmake/" + file + ".cmake needs cmake and " + compiler + " on PATH");
        }
        GoldenCase c = Golden.smallModels().stream().filter(g -> g.name().equals("cnn")).findFirst().orElseThrow();
        Path work = Env.freshDir("cmake", file);
        Path bundle = work.resolve("bundle"), build = work.resolve("build");
        Kiln.compileTo(CompileRequest.of(c.model(), Target.c()), bundle, false);
        List<String> configure = new ArrayList<>(List.of("cmake", "-S", bundle.toString(), "-B", build.toString(),
                "-DCMAKE_TOOLCHAIN_FILE=" + bundle.resolve("cmake").resolve(file + ".cmake"), "-DCMAKE_BUILD_TYPE=Release",
                "-DCMAKE_C_FLAGS=" + STRICT));
        if (file.equals("aarch64-linux-gnu")) configure.add("-DCMAKE_EXE_LINKER_FLAGS=-static");
        run(configure, Map.of());
        run(List.of("cmake", "--build", build.toString()), Map.of());
        if (runner == null) {
            Path lib = build.resolve("libmodel.a");
            assertTrue(Files.isRegularFile(lib), "no firmware library " + lib);
            String undefined = run(List.of("arm-none-eabi-nm", "-u", lib.toString()), Map.of()).stdout();
            for (String forbidden : List.of("malloc", "free", "calloc", "realloc", "printf", "fopen", "fwrite", "pthread_create")) {
                assertTrue(undefined.lines().noneMatch(l -> l.trim().endsWith(" " + forbidden)),
                        "the firmware library references " + forbidden + ":\n" + undefined);
            }
            return;
        }
        kiln.cli.Toolchain tc = kiln.cli.Toolchain.byName(runner);
        if (!tc.missingPrograms().isEmpty()) Env.missing("running needs " + tc.missingPrograms());
        Path demo = build.resolve("demo" + tc.exeSuffix());
        Path out = work.resolve("out");
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("--output-dir", out.toString()));
        for (Path p : c.inputs()) args.add(p.toAbsolutePath().toString());
        run(tc.runCommand(demo, args), tc.runEnvironment(Env.root()));
        for (int k = 0; k < c.outputs().size(); k++) {
            Compare.assertClose(Npy.read(c.outputs().get(k)), Npy.read(out.resolve("output_" + k + ".npy")), file + " output " + k);
        }
        assertEquals(c.outputs().size(), (int) Files.list(out).count());
    }

    private static Proc.Result run(List<String> cmd, Map<String, String> env) throws IOException {
        Proc.Result r = Proc.run(cmd, null, 600, env);
        if (r.exitCode() != 0 || r.timedOut()) fail(String.join(" ", cmd) + " failed:\n" + Proc.tail(r.output(), 40));
        return r;
    }
}
