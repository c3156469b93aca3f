package kiln.relax.op;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** All graph ops by name. Each op family registers itself in {@link #ALL} via its own class. */
public final class OpRegistry {
    private static final Map<String, OpDef> OPS = build();

    private OpRegistry() {}

    private static Map<String, OpDef> build() {
        Map<String, OpDef> m = new TreeMap<>();
        for (List<OpDef> family : List.of(ElementwiseOps.all(), NnOps.all(), TransformOps.all(), ReduceOps.all(), QuantOps.all(), IndexOps.all(), RnnOps.all())) {
            for (OpDef op : family) {
                if (m.put(op.name(), op) != null) throw new IllegalStateException("op registered twice: " + op.name());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    public static OpDef get(String name) {
        OpDef op = OPS.get(name);
        if (op == null) throw new IllegalArgumentException("no graph op named " + name);
        return op;
    }

    public static boolean has(String name) { return OPS.containsKey(name); }

    public static Map<String, OpDef> all() { return OPS; }
}
