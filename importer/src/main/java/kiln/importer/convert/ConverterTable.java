package kiln.importer.convert;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** ONNX op type → converter, for the default ai.onnx domain. Families register themselves here. */
public final class ConverterTable {
    private static final Map<String, Converter> TABLE = build();

    private ConverterTable() {}

    private static Map<String, Converter> build() {
        Map<String, Converter> m = new TreeMap<>();
        Registrar r = (opType, c) -> {
            if (m.put(opType, c) != null) throw new IllegalStateException("converter registered twice: " + opType);
        };
        ElementwiseConverters.register(r);
        NnConverters.register(r);
        TransformConverters.register(r);
        ReduceConverters.register(r);
        QuantConverters.register(r);
        IndexConverters.register(r);
        RnnConverters.register(r);
        return Collections.unmodifiableMap(m);
    }

    /** Adds converters to the table. */
    @FunctionalInterface
    public interface Registrar {
        void add(String opType, Converter c);
    }

    public static Converter get(String opType) { return TABLE.get(opType); }

    /** Supported ONNX op types, sorted. */
    public static java.util.Set<String> supported() { return TABLE.keySet(); }
}
