package kiln.e2e;

import java.util.ArrayList;
import java.util.List;
import kiln.emit.c.EmitOptions;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden model built with each cross toolchain (Raspberry Pi 64-bit and 32-bit under qemu-user,
 * Windows x64 under wine) with the strict C99 flags, run, and compared with the golden outputs, with
 * weights compiled in and in weights.bin. A missing toolchain skips on a laptop and fails in CI.
 */
class CrossTargetsTest {
    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String tc : List.of("aarch64-qemu", "armhf-qemu", "mingw-wine")) {
            for (GoldenCase c : Golden.smallModels()) out.add(Arguments.of(tc, c));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void goldenModelMatches(String toolchain, GoldenCase c) {
        Toolchain tc = Toolchain.require(toolchain);
        // Alternate weight storage so both paths run on every toolchain.
        EmitOptions.Weights w = c.name().hashCode() % 2 == 0 ? EmitOptions.Weights.EMBED : EmitOptions.Weights.FILE;
        EndToEnd.check(c, w, Env.freshDir("cross", toolchain, c.name()), tc);
    }

    /** mobilenet_v2 (torch reference) on both Raspberry Pi toolchains under qemu-user. */
    @ParameterizedTest(name = "{0} mobilenet_v2")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"aarch64-qemu", "armhf-qemu"})
    void mobilenetV2OnRaspberryPi(String toolchain) throws Exception {
        Toolchain tc = Toolchain.require(toolchain);
        GoldenCase c = EndToEnd.realArchitectures().filter(g -> g.name().equals("mobilenet_v2")).findFirst().orElseThrow();
        EndToEnd.check(c, EmitOptions.Weights.AUTO, Env.freshDir("cross", toolchain, "mobilenet_v2"), tc);
    }
}
