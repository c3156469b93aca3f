package kiln.importer.convert;

import java.util.ArrayList;
import java.util.List;
import kiln.importer.onnx.OnnxElemType;
import kiln.relax.Attrs;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;

/**
 * Converters for data-dependent indexing ONNX ops: ScatterND, ScatterElements, Scatter (opsets 9-10,
 * ScatterElements without reduction), TopK (k must be a compile-time constant; the values are gathered
 * at the selected indices), EyeLike, and Compress with a compile-time constant condition (a gather of the
 * selected positions), Einsum.
 */
final class IndexConverters {
    private IndexConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("ScatterElements", ctx -> List.of(scatterElements(ctx)));
        r.add("Scatter", ctx -> List.of(scatterElements(ctx)));
        r.add("ScatterND", ctx -> List.of(ctx.call("scatter_nd", Attrs.of("reduction", reduction(ctx)),
                ctx.input(0), ctx.input(1), ctx.input(2))));
        r.add("TopK", IndexConverters::topk);
        r.add("EyeLike", ctx -> List.of(eyeLike(ctx)));
        r.add("Compress", ctx -> List.of(compress(ctx)));
        r.add("Einsum", ctx -> {
            List<Expr> args = new ArrayList<>();
            for (int k = 0; k < ctx.numInputs(); k++) args.add(ctx.input(k));
            String eq = ctx.node().attrString("equation").orElseThrow(() -> ctx.error("required attribute 'equation' is missing"));
            return List.of(ctx.call("einsum", Attrs.of("equation", eq), args));
        });
    }

    private static String reduction(ConvertContext ctx) {
        String red = ctx.node().attrString("reduction", "none");
        List<String> allowed = ctx.opset() >= 18 ? List.of("none", "add", "mul", "max", "min") : List.of("none", "add", "mul");
        if (!allowed.contains(red)) throw ctx.error("reduction '" + red + "' is not one of " + allowed + " in opset " + ctx.opset());
        return red;
    }

    private static Expr scatterElements(ConvertContext ctx) {
        int axis = ctx.axis(ctx.node().attrInt("axis", 0), ctx.rank(0));
        String red = ctx.node().opType().equals("Scatter") ? "none" : reduction(ctx);
        return ctx.call("scatter_elements", Attrs.of("axis", (long) axis, "reduction", red), ctx.input(0), ctx.input(1), ctx.input(2));
    }

    /** Values and int64 indices of the k largest (smallest) elements along the axis, sorted best first. */
    private static List<Expr> topk(ConvertContext ctx) {
        Type.TensorType x = ctx.type(0);
        long k;
        if (ctx.opset() < 10) {
            k = ctx.node().attrInt("k").orElseThrow(() -> ctx.error("required attribute 'k' is missing"));
        } else {
            long[] kv = ctx.constInputLongs(1, "K");
            if (kv.length != 1) throw ctx.error("K must hold one value, got " + kv.length);
            k = kv[0];
        }
        int axis = ctx.axis(ctx.node().attrInt("axis", -1), x.rank());
        long largest = ctx.opset() >= 11 ? ctx.node().attrInt("largest", 1) : 1;
        if (k < 0 || k > x.dim(axis)) throw ctx.error("k = " + k + " must be between 0 and " + x.dim(axis) + ", the extent of axis " + axis);
        Expr idx = ctx.call("topk_indices", Attrs.of("axis", (long) axis, "k", k, "largest", largest), ctx.input(0));
        Expr values = ctx.call("gather_elements", Attrs.of("axis", (long) axis), ctx.input(0), idx);
        return List.of(values, idx);
    }

    private static Expr eyeLike(ConvertContext ctx) {
        Attrs.Builder at = Attrs.builder().put("k", ctx.node().attrInt("k", 0));
        long code = ctx.node().attrInt("dtype", 0);
        if (code != 0) at.put("dtype", new OnnxElemType((int) code).require("the dtype of " + ctx.node().describe()).irName());
        return ctx.call("eye_like", at.build(), ctx.input(0));
    }

    private static Expr compress(ConvertContext ctx) {
        NDArray cond = ctx.constInput(1, "condition");
        if (cond.rank() != 1) throw ctx.error("condition must be 1-D, got shape " + cond.shapeList());
        Expr data = ctx.input(0);
        Type.TensorType x = ctx.type(0);
        long axis;
        if (ctx.node().attrInt("axis").isPresent()) {
            axis = ctx.axis(ctx.node().attrInt("axis").getAsLong(), x.rank());
        } else {
            axis = 0;
            if (x.rank() != 1) data = ctx.call("reshape", Attrs.of("shape", List.of(x.numel())), data);
        }
        long extent = data.type().tensor().dim((int) axis);
        if (cond.size() > extent) throw ctx.error("condition has " + cond.size() + " entries but the axis has only " + extent);
        List<Long> picked = new ArrayList<>();
        for (int k = 0; k < cond.size(); k++) {
            boolean on = cond.dtype().isFloat() ? cond.getDouble(k) != 0 : cond.getLong(k) != 0;
            if (on) picked.add((long) k);
        }
        NDArray idx = NDArray.ofLongs(DType.INT64, new long[] {picked.size()}, picked.stream().mapToLong(Long::longValue).toArray());
        return ctx.call("take", Attrs.of("axis", axis), data, ctx.constant(idx, ctx.node().name() + "_positions"));
    }
}
