package kiln.emit.c;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Static arena planning: every intermediate tensor and kernel scratch buffer gets an offset in one
 * arena such that buffers whose lifetimes overlap never overlap in memory. Greedy by size (largest
 * first, each at the lowest aligned offset that fits between already placed, simultaneously live
 * buffers), which is within a few percent of the live-bytes lower bound on CNNs.
 */
public final class MemoryPlan {
    /** One buffer to place: live from step {@code first} to step {@code last} inclusive. */
    public record Request(String name, long bytes, int first, int last) {}

    /** Where a request was placed. */
    public record Placement(Request request, long offset) {}

    private MemoryPlan() {}

    public static List<Placement> plan(List<Request> requests, int alignment) {
        List<Request> order = new ArrayList<>(requests);
        order.sort(Comparator.comparingLong(Request::bytes).reversed().thenComparingInt(Request::first)
                .thenComparing(Request::name));
        List<Placement> placed = new ArrayList<>();
        for (Request r : order) {
            List<Placement> overlapping = new ArrayList<>();
            for (Placement p : placed) {
                if (p.request().first() <= r.last() && r.first() <= p.request().last()) overlapping.add(p);
            }
            overlapping.sort(Comparator.comparingLong(Placement::offset));
            long best = -1, bestGap = Long.MAX_VALUE, cursor = 0;
            for (Placement p : overlapping) {
                long gap = p.offset() - cursor;
                if (gap >= r.bytes() && gap < bestGap) {
                    best = cursor;
                    bestGap = gap;
                }
                cursor = Math.max(cursor, align(p.offset() + p.request().bytes(), alignment));
            }
            if (best < 0) best = cursor;
            placed.add(new Placement(r, best));
        }
        placed.sort(Comparator.comparingInt((Placement p) -> p.request().first()).thenComparing(p -> p.request().name()));
        return placed;
    }

    public static long arenaSize(List<Placement> placements, int alignment) {
        long size = 0;
        for (Placement p : placements) size = Math.max(size, p.offset() + p.request().bytes());
        return align(size, alignment);
    }

    public static long align(long v, int alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }
}
