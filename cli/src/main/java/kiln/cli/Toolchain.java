package kiln.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kiln.diag.KilnError;

/**
 * A C toolchain that builds a bundle and runs its demo: the host compiler, a cross compiler with a
 * user-mode emulator (qemu) or with wine. Data: the compiler, archiver, flags the target needs (kept
 * apart from the user's CFLAGS), and the command prefix that runs a built program.
 */
public record Toolchain(String name, String description, String cc, String ar, List<String> targetCflags,
                        List<String> ldflags, List<String> runner, String exeSuffix, Map<String, String> runEnv,
                        List<String> requiredPrograms, String debianPackages) {

    public Toolchain {
        targetCflags = List.copyOf(targetCflags);
        ldflags = List.copyOf(ldflags);
        runner = List.copyOf(runner);
        runEnv = Map.copyOf(runEnv);
        requiredPrograms = List.copyOf(requiredPrograms);
    }

    /** Every known toolchain, by name. */
    public static Map<String, Toolchain> all() {
        Map<String, Toolchain> m = new LinkedHashMap<>();
        String cc = Proc.which("cc") != null || Proc.which("gcc") == null ? "cc" : "gcc";
        m.put("host", new Toolchain("host", "the host C compiler, native run", cc, "ar", List.of(), List.of(), List.of(), "",
                Map.of(), List.of(cc, "make"), "build-essential"));
        m.put("aarch64-qemu", new Toolchain("aarch64-qemu", "64-bit Raspberry Pi (Cortex-A72) under qemu-aarch64",
                "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ar", List.of("-mcpu=cortex-a72"), List.of("-static"),
                List.of("qemu-aarch64", "-cpu", "cortex-a72"), "", Map.of(),
                List.of("aarch64-linux-gnu-gcc", "qemu-aarch64", "make"), "gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"));
        m.put("armhf-qemu", new Toolchain("armhf-qemu", "32-bit Raspberry Pi (ARMv7 hard-float, NEON/VFPv4) under qemu-arm",
                "arm-linux-gnueabihf-gcc", "arm-linux-gnueabihf-ar",
                List.of("-march=armv7-a", "-mfpu=neon-vfpv4", "-mfloat-abi=hard"), List.of("-static"),
                List.of("qemu-arm", "-cpu", "cortex-a15"), "", Map.of(),
                List.of("arm-linux-gnueabihf-gcc", "qemu-arm", "make"), "gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user"));
        m.put("mingw-wine", new Toolchain("mingw-wine", "Windows x64 (MinGW-w64) under wine64",
                "x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-ar", List.of(), List.of("-static"),
                List.of(wine64()), ".exe", Map.of("WINEDEBUG", "-all", "WINEDLLOVERRIDES", "mscoree,mshtml="),
                List.of("x86_64-w64-mingw32-gcc", wine64(), "make"), "gcc-mingw-w64-x86-64 wine64"));
        return m;
    }

    /** Debian installs wine64 off PATH. */
    private static String wine64() {
        Path deb = Path.of("/usr/lib/wine/wine64");
        return Proc.which("wine64") != null ? "wine64" : deb.toString();
    }

    public static Toolchain byName(String name) {
        Toolchain t = all().get(name);
        if (t == null) throw new KilnError("unknown toolchain '" + name + "'; known: " + String.join(", ", all().keySet()));
        return t;
    }

    /** Programs this toolchain needs that are not installed (empty when it is usable). */
    public List<String> missingPrograms() {
        List<String> miss = new ArrayList<>();
        for (String p : requiredPrograms) if (Proc.which(p) == null) miss.add(p);
        return miss;
    }

    /** {@code make} arguments that build a bundle with this toolchain and the user's CFLAGS. */
    public List<String> makeCommand(Path bundle, String userCflags) {
        List<String> cmd = new ArrayList<>(List.of("make", "-C", bundle.toString(), "CC=" + cc, "AR=" + ar));
        String cflags = String.join(" ", targetCflags) + (targetCflags.isEmpty() ? "" : " ") + userCflags;
        cmd.add("CFLAGS=" + cflags.trim());
        if (!ldflags.isEmpty()) cmd.add("LDFLAGS=" + String.join(" ", ldflags));
        return cmd;
    }

    /** The demo executable the Makefile produces with this toolchain. */
    public Path demo(Path bundle) {
        return bundle.resolve("build").resolve("demo" + exeSuffix);
    }

    /** The command that runs {@code program} with {@code args} (through the emulator, if any). */
    public List<String> runCommand(Path program, List<String> args) {
        List<String> cmd = new ArrayList<>(runner);
        cmd.add(program.toString());
        cmd.addAll(args);
        return cmd;
    }

    /** Environment for running programs; wine gets a prefix of its own under {@code workDir}. */
    public Map<String, String> runEnvironment(Path workDir) {
        Map<String, String> env = new LinkedHashMap<>(runEnv);
        if (name.equals("mingw-wine")) env.put("WINEPREFIX", workDir.resolve("wineprefix").toAbsolutePath().toString());
        return env;
    }
}
