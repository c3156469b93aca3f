package kiln.importer.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import kiln.relax.Attrs;
import kiln.relax.Expr;

/** Converters for ONNX reductions (axes as attribute before opset 13/18, as input after). */
final class ReduceConverters {
    private ReduceConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("ReduceSum", ctx -> List.of(reduce(ctx, "sum", 13)));
    }

    /**
     * Normalized reduction axes: from the 'axes' attribute before {@code axesInputSince}, from input 1
     * after; empty means all axes unless noop_with_empty_axes is set.
     */
    static List<Long> axes(ConvertContext ctx, long axesInputSince) {
        int rank = ctx.rank(0);
        long[] raw;
        if (ctx.opset() >= axesInputSince) {
            raw = ctx.hasInput(1) ? ctx.constInputLongs(1, "axes") : new long[0];
        } else {
            raw = ctx.node().attrInts("axes").orElse(new long[0]);
        }
        TreeSet<Long> set = new TreeSet<>();
        for (long a : raw) set.add((long) ctx.axis(a, rank));
        if (set.isEmpty() && ctx.node().attrInt("noop_with_empty_axes", 0) == 0) {
            for (long d = 0; d < rank; d++) set.add(d);
        }
        return new ArrayList<>(set);
    }

    static Expr reduce(ConvertContext ctx, String op, long axesInputSince) {
        List<Long> axes = axes(ctx, axesInputSince);
        if (axes.isEmpty()) return ctx.call("identity", Attrs.EMPTY, ctx.input(0));
        return ctx.call(op, Attrs.of("axes", axes, "keepdims", ctx.node().attrInt("keepdims", 1)), ctx.input(0));
    }
}
