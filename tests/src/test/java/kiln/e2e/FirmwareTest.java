package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.cli.BundleManifest;
import kiln.cli.FirmwareReport;
import kiln.cli.Proc;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import kiln.target.Target;
import kiln.tir.FloatBits;
import kiln.tir.NDArray;
import kiln.tir.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The golden CNN as Cortex-M firmware: compiled for the board, linked with the bundle's startup file
 * and linker script under -Werror -Wdouble-promotion, run under qemu-system-arm with semihosting, and
 * its outputs compared on the device with the golden outputs. The compile's size report is checked
 * against arm-none-eabi-size of the image it measured.
 */
class FirmwareTest {
    private static final String FLAGS = "-std=c99 -O2 -Wall -Wextra -Werror -pedantic -Wdouble-promotion -fno-math-errno"
            + " -ffunction-sections -fdata-sections";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cortex-m4", "cortex-m7", "cortex-m55"})
    void goldenCnnRunsOnTheBoard(String boardName) throws IOException {
        for (String tool : List.of("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")) {
            if (Proc.which(tool) == null) {
                Env.missing("firmware tests need " + tool + " (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)");
            }
        }
        Target target = Target.parse("c -board=" + boardName);
        Target.Board board = target.firmwareBoard().orElseThrow();
        GoldenCase c = Golden.smallModels().stream().filter(g -> g.name().equals("cnn")).findFirst().orElseThrow();
        Path work = Env.freshDir("firmware", boardName);
        Path bundle = work.resolve("bundle");
        Kiln.compileTo(CompileRequest.of(c.model(), target), bundle, false);
        assertTrue(!Files.exists(bundle.resolve("weights.bin")), "firmware weights belong in flash (const arrays)");

        Path harness = work.resolve("fw_main.c");
        Files.writeString(harness, harness(Npy.read(c.inputs().get(0)), Npy.read(c.outputs().get(0))));
        Path elf = work.resolve("image.elf");
        List<String> cmd = new ArrayList<>(List.of("arm-none-eabi-gcc"));
        cmd.addAll(List.of(FLAGS.split(" ")));
        cmd.addAll(List.of(board.cpuFlags().split(" ")));
        cmd.addAll(List.of("-I" + bundle.resolve("include"), "-I" + bundle.resolve("src"), "-I" + bundle.resolve("runtime"),
                "--specs=rdimon.specs", "-T", bundle.resolve("firmware/qemu_mps.ld").toString(), "-Wl,--gc-sections",
                bundle.resolve("firmware/startup_cortex_m.c").toString(), harness.toString()));
        for (String f : List.of("src/model.c", "src/model_kernels.c", "src/model_weights.c", "runtime/kiln_runtime.c")) {
            cmd.add(bundle.resolve(f).toString());
        }
        cmd.addAll(List.of("-lm", "-o", elf.toString()));
        Proc.Result build = Proc.run(cmd, work, 600);
        if (build.exitCode() != 0) fail("firmware build failed:\n" + Proc.tail(build.output(), 40));

        Proc.Result run = Proc.run(List.of("qemu-system-arm", "-M", board.qemuMachine(), "-nographic", "-monitor", "none",
                "-serial", "none", "-semihosting-config", "enable=on,target=native", "-kernel", elf.toString()), work, 120);
        assertTrue(!run.timedOut(), "qemu-system-arm timed out (the core may be stuck in a fault handler)");
        assertEquals(0, run.exitCode(), "on-device comparison failed on " + boardName + ":\n" + run.output());
        assertTrue(run.stdout().contains("bad=0"), run.output());

        FirmwareReport r = FirmwareReport.measure(bundle, "model", board, work.resolve("size")).orElseThrow();
        Proc.Result size = Proc.run(List.of("arm-none-eabi-size", "-A", r.image().toString()), work, 60);
        long text = 0, data = 0, bss = 0;
        for (String line : size.stdout().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[1].matches("\\d+")) continue;
            long n = Long.parseLong(f[1]);
            switch (f[0]) {
                // Berkeley size: read-only allocated sections are text, writable ones with contents are data.
                case ".text", ".ARM.exidx" -> text += n;
                case ".data", ".init_array", ".fini_array" -> data += n;
                case ".bss" -> bss += n;
                default -> { }
            }
        }
        assertEquals(text, r.text(), "text");
        assertEquals(data, r.data(), "data");
        assertEquals(bss, r.bss(), "bss");
        BundleManifest m = BundleManifest.read(bundle);
        assertTrue(r.flash() >= m.weightsBytes(), "flash must hold the weights");
        assertTrue(r.bss() >= m.workspaceBytes(), "RAM must hold the arena");
        assertTrue(r.stackBytes() > 0, "stack estimate from -fstack-usage");
    }

    /** A semihosted main with the golden input and output compiled in; prints the worst error, exits 0 on a match. */
    private static String harness(NDArray in, NDArray want) {
        StringBuilder sb = new StringBuilder("#include <stdio.h>\n#include <math.h>\n#include \"model.h\"\n\n");
        sb.append(array("in0", in)).append(array("want0", want));
        sb.append("static float out0[").append(want.size()).append("];\n");
        sb.append("static unsigned char arena[MODEL_WORKSPACE_BYTES + KILN_ALIGNMENT];\n\n");
        sb.append("""
                int main(void)
                {
                    const void *inputs[1];
                    void *outputs[1];
                    unsigned char *ws = arena;
                    float worst = 0.0f;
                    int i, bad = 0;
                    kiln_status st;
                    while (((uintptr_t)ws % KILN_ALIGNMENT) != 0) {
                        ws++;
                    }
                    inputs[0] = in0;
                    outputs[0] = out0;
                    st = model_run(inputs, outputs, ws, NULL, 1);
                    if (st != KILN_OK) {
                        printf("status %d\\n", (int)st);
                        return 2;
                    }
                    for (i = 0; i < (int)(sizeof out0 / sizeof out0[0]); i++) {
                        float d = fabsf(out0[i] - want0[i]);
                        if (d > worst) {
                            worst = d;
                        }
                        if (d > 1e-5f + 1e-4f * fabsf(want0[i])) {
                            bad++;
                        }
                    }
                    printf("max_abs_err=%g bad=%d\\n", (double)worst, bad);
                    return bad == 0 ? 0 : 1;
                }
                """);
        return sb.toString();
    }

    private static String array(String name, NDArray a) {
        StringBuilder sb = new StringBuilder("static const float " + name + "[" + a.size() + "] = {");
        for (int k = 0; k < a.size(); k++) {
            if (k % 8 == 0) sb.append("\n    ");
            sb.append(FloatBits.cHexFloat((float) a.getDouble(k))).append(", ");
        }
        return sb.append("\n};\n").toString();
    }
}
