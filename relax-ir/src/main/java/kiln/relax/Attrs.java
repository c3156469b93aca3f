package kiln.relax;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import kiln.tir.NDArray;

/**
 * Operator attributes: an immutable, key-sorted map whose values are Long, Double, String,
 * List&lt;Long&gt;, List&lt;Double&gt; or NDArray. Sorted keys make printing deterministic.
 */
public record Attrs(Map<String, Object> values) {
    public static final Attrs EMPTY = new Attrs(Map.of());

    public Attrs {
        TreeMap<String, Object> m = new TreeMap<>();
        for (var e : values.entrySet()) m.put(e.getKey(), normalize(e.getKey(), e.getValue()));
        values = Collections.unmodifiableMap(m);
    }

    private static Object normalize(String k, Object v) {
        return switch (v) {
            case Integer i -> (long) i;
            case Long l -> l;
            case Double d -> d;
            case Float f -> (double) f;
            case String s -> s;
            case Boolean b -> b ? 1L : 0L;
            case NDArray a -> a;
            case long[] a -> java.util.Arrays.stream(a).boxed().toList();
            case int[] a -> java.util.Arrays.stream(a).mapToObj(x -> (long) x).toList();
            case double[] a -> java.util.Arrays.stream(a).boxed().toList();
            case List<?> l -> {
                List<Object> out = new ArrayList<>();
                for (Object o : l) {
                    if (o instanceof Integer i) out.add((long) i);
                    else if (o instanceof Long || o instanceof Double || o instanceof String) out.add(o);
                    else throw new IllegalArgumentException("attribute " + k + ": unsupported list element " + o);
                }
                yield List.copyOf(out);
            }
            default -> throw new IllegalArgumentException("attribute " + k + ": unsupported value type " + v.getClass());
        };
    }

    public static Builder builder() { return new Builder(); }

    public static Attrs of(Object... kv) {
        Builder b = builder();
        for (int i = 0; i < kv.length; i += 2) b.put((String) kv[i], kv[i + 1]);
        return b.build();
    }

    public boolean has(String k) { return values.containsKey(k); }

    public long getLong(String k) {
        Object v = need(k);
        if (v instanceof Long l) return l;
        throw new IllegalArgumentException("attribute " + k + " is not an integer: " + v);
    }

    public long getLong(String k, long dflt) { return has(k) ? getLong(k) : dflt; }

    public double getDouble(String k) {
        Object v = need(k);
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l;
        throw new IllegalArgumentException("attribute " + k + " is not a number: " + v);
    }

    public double getDouble(String k, double dflt) { return has(k) ? getDouble(k) : dflt; }

    public String getString(String k) {
        Object v = need(k);
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("attribute " + k + " is not a string: " + v);
    }

    public String getString(String k, String dflt) { return has(k) ? getString(k) : dflt; }

    public List<Long> getLongs(String k) {
        Object v = need(k);
        if (v instanceof List<?> l) return l.stream().map(o -> ((Number) o).longValue()).toList();
        throw new IllegalArgumentException("attribute " + k + " is not a list: " + v);
    }

    public long[] getLongArray(String k) { return getLongs(k).stream().mapToLong(Long::longValue).toArray(); }

    public List<Double> getDoubles(String k) {
        Object v = need(k);
        if (v instanceof List<?> l) return l.stream().map(o -> ((Number) o).doubleValue()).toList();
        throw new IllegalArgumentException("attribute " + k + " is not a list: " + v);
    }

    public NDArray getTensor(String k) {
        Object v = need(k);
        if (v instanceof NDArray a) return a;
        throw new IllegalArgumentException("attribute " + k + " is not a tensor: " + v);
    }

    private Object need(String k) {
        Object v = values.get(k);
        if (v == null) throw new IllegalArgumentException("missing attribute " + k);
        return v;
    }

    public Attrs with(String k, Object v) {
        Builder b = builder();
        values.forEach(b::put);
        return b.put(k, v).build();
    }

    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + show(e.getValue())).collect(Collectors.joining(", "));
    }

    private static String show(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof NDArray a) return "tensor(" + a.dtype().irName() + a.shapeList() + ")";
        return String.valueOf(v);
    }

    public static final class Builder {
        private final Map<String, Object> m = new TreeMap<>();

        public Builder put(String k, Object v) {
            m.put(k, v);
            return this;
        }

        public Attrs build() { return new Attrs(m); }
    }
}
