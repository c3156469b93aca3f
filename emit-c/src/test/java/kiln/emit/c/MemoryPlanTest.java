package kiln.emit.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    @Test
    void simultaneouslyLiveBuffersNeverOverlapAndAreAligned() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            List<MemoryPlan.Request> reqs = new ArrayList<>();
            for (int k = 0; k < 30; k++) {
                int first = r.nextInt(20);
                reqs.add(new MemoryPlan.Request("b" + k, 1 + r.nextInt(5000), first, first + r.nextInt(5)));
            }
            List<MemoryPlan.Placement> ps = MemoryPlan.plan(reqs, 64);
            assertEquals(reqs.size(), ps.size());
            long size = MemoryPlan.arenaSize(ps, 64);
            for (MemoryPlan.Placement a : ps) {
                assertEquals(0, a.offset() % 64, "offset alignment");
                assertTrue(a.offset() + a.request().bytes() <= size);
                for (MemoryPlan.Placement b : ps) {
                    if (a == b) continue;
                    boolean liveTogether = a.request().first() <= b.request().last() && b.request().first() <= a.request().last();
                    boolean overlap = a.offset() < b.offset() + b.request().bytes() && b.offset() < a.offset() + a.request().bytes();
                    assertFalse(liveTogether && overlap, a + " overlaps " + b);
                }
            }
            // Never worse than placing everything side by side.
            long sum = reqs.stream().mapToLong(q -> MemoryPlan.align(q.bytes(), 64)).sum();
            assertTrue(size <= sum);
        }
    }

    @Test
    void chainReusesMemory() {
        // a -> b -> c -> d, each live for two steps: two slots suffice.
        List<MemoryPlan.Request> reqs = List.of(
                new MemoryPlan.Request("a", 1000, 0, 1), new MemoryPlan.Request("b", 1000, 1, 2),
                new MemoryPlan.Request("c", 1000, 2, 3), new MemoryPlan.Request("d", 1000, 3, 4));
        assertEquals(2 * 1024, MemoryPlan.arenaSize(MemoryPlan.plan(reqs, 64), 64));
    }
}
