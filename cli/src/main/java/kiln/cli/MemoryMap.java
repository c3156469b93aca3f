package kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import kiln.diag.KilnError;

/** Renders the arena map of a bundle's manifest as text: one line per buffer, and the live bytes per kernel step. */
public final class MemoryMap {
    private MemoryMap() {}

    private record Buf(String name, long offset, long bytes, int from, int to) {}

    private static JsonNode parse(byte[] manifestJson) {
        try {
            return new ObjectMapper().readTree(manifestJson);
        } catch (IOException e) {
            throw new KilnError("manifest.json is not valid JSON: " + e.getMessage());
        }
    }

    private static List<Buf> buffers(JsonNode root) {
        List<Buf> bufs = new ArrayList<>();
        for (JsonNode b : root.path("arena")) {
            bufs.add(new Buf(b.path("buffer").asText(), b.path("offset").asLong(), b.path("bytes").asLong(),
                    b.path("live_from").asInt(), b.path("live_to").asInt()));
        }
        return bufs;
    }

    /** One line per kernel step: step, live bytes, a bar scaled to the peak, the kernel. */
    public static String timeline(byte[] manifestJson) {
        JsonNode root = parse(manifestJson);
        List<Buf> bufs = buffers(root);
        JsonNode calls = root.path("kernel_calls");
        long[] live = new long[calls.size()];
        long peak = 1;
        for (int k = 0; k < live.length; k++) {
            for (Buf b : bufs) if (b.from() <= k && k <= b.to()) live[k] += b.bytes();
            peak = Math.max(peak, live[k]);
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < live.length; k++) {
            int bar = (int) Math.round(40.0 * live[k] / peak);
            sb.append(String.format(Locale.ROOT, "  %4d %12d  %-40s  %s%n", k, live[k], "#".repeat(bar), calls.get(k).path("name").asText()));
        }
        return sb.toString();
    }

    public static String render(byte[] manifestJson) {
        JsonNode root = parse(manifestJson);
        List<Buf> bufs = buffers(root);
        bufs.sort(Comparator.comparingLong(Buf::offset).thenComparingInt(Buf::from).thenComparing(Buf::name));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %12s %12s  %-9s %s%n", "offset", "bytes", "steps", "buffer"));
        for (Buf b : bufs) {
            sb.append(String.format(Locale.ROOT, "  %12d %12d  %-9s %s%n", b.offset(), b.bytes(), b.from() + "-" + b.to(), b.name()));
        }
        JsonNode calls = root.path("kernel_calls");
        long peak = 0;
        int peakStep = -1;
        for (int k = 0; k < calls.size(); k++) {
            long live = 0;
            for (Buf b : bufs) if (b.from() <= k && k <= b.to()) live += b.bytes();
            if (live > peak) {
                peak = live;
                peakStep = k;
            }
        }
        sb.append(String.format(Locale.ROOT, "  arena %d bytes; peak live %d bytes at step %d%s", root.path("workspace_bytes").asLong(),
                peak, peakStep, peakStep >= 0 ? " (" + calls.get(peakStep).path("name").asText() + ")" : ""));
        return sb.toString();
    }
}
