package kiln.relax;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import kiln.tir.PrimFunc;

/** The unit every pass transforms: the main graph function plus the kernels it calls (in creation order). */
public record IRModule(Function main, Map<String, PrimFunc> prims) {
    public IRModule {
        Objects.requireNonNull(main);
        prims = Collections.unmodifiableMap(new LinkedHashMap<>(prims));
    }

    public static IRModule of(Function main) { return new IRModule(main, Map.of()); }

    public IRModule withMain(Function f) { return new IRModule(f, prims); }
}
