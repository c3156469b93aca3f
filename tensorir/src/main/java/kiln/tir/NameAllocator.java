package kiln.tir;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives deterministic, collision-free identifiers: the first request for "x" gets "x", later ones
 * "x_1", "x_2", ... Characters that are not valid in C identifiers become '_'.
 */
public final class NameAllocator {
    private final Map<String, Integer> counts = new HashMap<>();
    private final java.util.Set<String> taken = new java.util.HashSet<>();

    public String fresh(String hint) {
        String base = sanitize(hint);
        String name = base;
        int n = counts.getOrDefault(base, 0);
        while (!taken.add(name)) {
            n++;
            name = base + "_" + n;
        }
        counts.put(base, n);
        return name;
    }

    /** Reserves a name so fresh() never returns it (C keywords, runtime symbols). */
    public void reserve(String name) {
        taken.add(name);
    }

    public static String sanitize(String hint) {
        StringBuilder sb = new StringBuilder();
        for (char c : hint.toCharArray()) {
            sb.append((c < 128 && (Character.isLetterOrDigit(c) || c == '_')) ? c : '_');
        }
        if (sb.isEmpty() || Character.isDigit(sb.charAt(0))) sb.insert(0, 'v');
        return sb.toString();
    }
}
