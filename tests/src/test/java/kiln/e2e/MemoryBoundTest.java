package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import kiln.api.CompileRequest;
import kiln.api.Kiln;
import kiln.target.Target;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The arena the planner chose against a lower bound computed here from the manifest alone: the
 * largest total size of intermediate buffers live at the same kernel step. Every arena argument of
 * every kernel call must be a buffer of the arena map that is live at that call, so the lifetimes
 * used for the bound are the ones the executor really has.
 */
class MemoryBoundTest {
    static final Set<String> MODELS = Set.of("mobilenet_v2", "resnet50", "efficientnet_b0");

    @TestFactory
    Stream<DynamicTest> workspaceNearLiveBytesBound() {
        return EndToEnd.realArchitectures().filter(c -> MODELS.contains(c.name())).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path bundle = Env.freshDir("memory", c.name()).resolve("bundle");
            Kiln.compileTo(CompileRequest.of(c.model(), Target.c()).withInputShapes(c.inputShapes()), bundle, false);
            JsonNode m = OptLevelsTest.manifest(bundle);
            long bound = liveBytesBound(m);
            long ws = m.path("workspace_bytes").asLong(-1);
            assertTrue(bound > 0, "no intermediate buffers in " + c.name());
            assertTrue(ws <= 1.10 * bound, c.name() + ": workspace " + ws + " bytes, more than 1.10 x the live-bytes bound " + bound);
        }));
    }

    /** Max over kernel steps of the bytes of arena buffers live at that step; checks calls use only live buffers. */
    static long liveBytesBound(JsonNode manifest) {
        JsonNode calls = manifest.path("kernel_calls"), arena = manifest.path("arena");
        int steps = calls.size();
        for (int k = 0; k < steps; k++) {
            for (JsonNode a : calls.get(k).path("args")) {
                if (!a.has("arena_offset")) continue;
                long off = a.get("arena_offset").asLong(), bytes = a.get("bytes").asLong();
                boolean found = false;
                for (JsonNode b : arena) {
                    found |= b.get("offset").asLong() == off && b.get("bytes").asLong() == bytes
                            && b.get("live_from").asInt() <= k && k <= b.get("live_to").asInt();
                }
                assertTrue(found, "kernel call " + k + " uses arena [" + off + ", +" + bytes + ") which is no buffer live at that step");
            }
        }
        long best = 0;
        for (int k = 0; k < steps; k++) {
            long live = 0;
            for (JsonNode b : arena) {
                if (b.get("live_from").asInt() <= k && k <= b.get("live_to").asInt()) live += b.get("bytes").asLong();
            }
            best = Math.max(best, live);
        }
        return best;
    }
}
