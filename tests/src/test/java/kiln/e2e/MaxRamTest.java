package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import org.junit.jupiter.api.Test;

/** {@code kiln compile --max-ram}: over budget fails with the memory map and writes nothing; within budget compiles. */
class MaxRamTest {
    private static Cli.Result compile(GoldenCase c, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("compile", c.model().toString(), "-o", out.toString()));
        c.inputShapes().forEach((n, s) -> args.addAll(List.of("--input-shape",
                n + "=" + String.join(",", s.stream().map(String::valueOf).toList()))));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void arenaOverBudgetFailsWithMemoryMap() {
        Path work = Env.freshDir("max-ram", "over");
        GoldenCase c = null;
        JsonNode manifest = null;
        for (GoldenCase g : Golden.smallModels()) {
            Path probe = work.resolve("probe_" + g.name());
            Cli.Result ok = compile(g, probe);
            assertEquals(0, ok.exitCode(), ok::toString);
            JsonNode m = OptLevelsTest.manifest(probe);
            if (m.path("arena").size() >= 2) {
                c = g;
                manifest = m;
                break;
            }
        }
        assertTrue(c != null, "no golden model has two or more arena buffers");
        long ws = manifest.path("workspace_bytes").asLong();

        Path out = work.resolve("bundle");
        Cli.Result r = compile(c, out, "--max-ram", String.valueOf(ws - 1));
        assertEquals(1, r.exitCode(), r::toString);
        List<String> lines = r.err().lines().toList();
        assertEquals("error: the model needs a " + bytes(ws) + " arena for its intermediate tensors, more than --max-ram "
                + bytes(ws - 1) + "; nothing was written. Memory map (arena offsets, kernel steps live):", lines.get(0));
        // header, one line per arena buffer, the summary line
        assertEquals(manifest.path("arena").size() + 3, lines.size(), r::toString);
        assertTrue(lines.get(lines.size() - 1).startsWith("  arena " + ws + " bytes; peak live "), r::toString);
        assertFalse(Files.exists(out), "a failed compile wrote " + out);

        Cli.Result ok = compile(c, work.resolve("fits"), "--max-ram", String.valueOf(ws));
        assertEquals(0, ok.exitCode(), ok::toString);
    }

    @Test
    void inspectMemoryOfBundleAndModelAgree() {
        GoldenCase c = Golden.smallModels().get(0);
        Path bundle = Env.freshDir("max-ram", "inspect").resolve("bundle");
        Cli.Result ok = compile(c, bundle);
        assertEquals(0, ok.exitCode(), ok::toString);
        JsonNode m = OptLevelsTest.manifest(bundle);
        Cli.Result fromBundle = Cli.run("inspect", "--memory", bundle.toString());
        assertEquals(0, fromBundle.exitCode(), fromBundle::toString);
        List<String> lines = fromBundle.out().lines().toList();
        // title, header, one line per buffer, summary, title, one line per kernel step
        assertEquals(2 + m.path("arena").size() + 1 + 1 + m.path("kernel_calls").size(), lines.size(), fromBundle::toString);
        assertEquals("arena buffers:", lines.get(0));
        assertEquals("live bytes per kernel step:", lines.get(3 + m.path("arena").size()));
        if (c.inputShapes().isEmpty()) {
            Cli.Result fromModel = Cli.run("inspect", "--memory", c.model().toString());
            assertEquals(fromBundle, fromModel);
        }
    }

    private static String bytes(long n) {
        if (n < 1024) return n + " bytes";
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%d bytes (%.1f %s)", n, v, units[u]);
    }
}
