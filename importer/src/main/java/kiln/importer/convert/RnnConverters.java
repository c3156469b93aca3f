package kiln.importer.convert;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.tir.NDArray;

/**
 * Converters for ONNX RNN, GRU and LSTM (every opset; layout 1 from opset 14). Supported: forward, reverse
 * and bidirectional layers with the parameterless activations (Tanh, Sigmoid, Relu, Softsign, Softplus; the
 * defaults when absent), optional bias, initial states and peepholes. Not supported (rejected with a
 * message): activations with alpha/beta parameters, clip, LSTM input_forget, and sequence_lens
 * that are not all the full sequence length. Outputs Y, Y_h (and LSTM's Y_c) are slices of the layer's
 * per-step states.
 */
final class RnnConverters {
    private RnnConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("RNN", ctx -> convert(ctx, "rnn", 1));
        r.add("GRU", ctx -> convert(ctx, "gru", 3));
        r.add("LSTM", ctx -> convert(ctx, "lstm", 4));
    }

    private static List<Expr> convert(ConvertContext ctx, String op, int gates) {
        boolean lstm = op.equals("lstm");
        String direction = ctx.node().attrString("direction", "forward");
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        List<String> acts = ctx.node().attrStrings("activations").orElse(null);
        if (ctx.node().attrFloats("activation_alpha").isPresent() || ctx.node().attrFloats("activation_beta").isPresent()) {
            throw ctx.error("activation_alpha / activation_beta are not supported (only parameterless activations)");
        }
        if (ctx.node().attrFloat("clip").isPresent()) throw ctx.error("the clip attribute is not supported");
        if (lstm && ctx.node().attrInt("input_forget", 0) != 0) throw ctx.error("input_forget=1 is not supported");
        long layout = ctx.opset() >= 14 ? ctx.node().attrInt("layout", 0) : 0;
        Expr x = ctx.input(0);
        if (ctx.rank(0) != 3) throw ctx.error("X must be 3-D, got " + ctx.type(0));
        if (layout != 0) x = ctx.call("transpose", Attrs.of("axes", List.of(1L, 0L, 2L)), x);
        Type.TensorType tx = x.type().tensor(), tr = ctx.type(2);
        if (tr.rank() != 3) throw ctx.error("R must be [num_directions, " + gates + "*hidden_size, hidden_size], got " + tr);
        long t = tx.dim(0), b = tx.dim(1), h = tr.dim(2), d = tr.dim(0);
        long hs = ctx.node().attrInt("hidden_size", h);
        if (hs != h) throw ctx.error("hidden_size " + hs + " does not match R " + tr);
        if (ctx.hasInput(4)) {
            if (!allEqual(ctx.constInput(4, "sequence_lens"), t)) {
                throw ctx.error("sequence_lens is supported only as a constant equal to the sequence length " + t + " for every batch entry");
            }
        }
        var dt = tx.dtype();
        List<Expr> args = new ArrayList<>(List.of(x, ctx.input(1), ctx.input(2)));
        args.add(ctx.hasInput(3) ? ctx.input(3) : zeros(ctx, dt, "B", d, 2L * gates * h));
        args.add(ctx.hasInput(5) ? state(ctx, ctx.input(5), layout) : zeros(ctx, dt, "initial_h", d, b, h));
        if (lstm) {
            args.add(ctx.hasInput(6) ? state(ctx, ctx.input(6), layout) : zeros(ctx, dt, "initial_c", d, b, h));
            args.add(ctx.hasInput(7) ? ctx.input(7) : zeros(ctx, dt, "P", d, 3 * h));
        }
        Attrs at = Attrs.of("direction", direction, "linear_before_reset", op.equals("gru") ? ctx.node().attrInt("linear_before_reset", 0) : 0L);
        if (acts != null) at = at.with("activations", String.join(",", acts));
        Expr all = ctx.call(op, at, args);
        boolean[] rev = new boolean[(int) d];
        if (direction.equals("reverse")) rev[0] = true;
        if (direction.equals("bidirectional")) rev[1] = true;
        List<String> names = ctx.node().outputs();
        List<Expr> outs = new ArrayList<>();
        Expr y = lstm ? slice(ctx, all, List.of(3L), List.of(0L), List.of(h)) : all;
        outs.add(used(names, 0) ? layoutY(ctx, y, layout) : all);
        if (names.size() > 1) outs.add(used(names, 1) ? last(ctx, all, rev, t, 0, h, layout) : all);
        if (lstm && names.size() > 2) outs.add(used(names, 2) ? last(ctx, all, rev, t, h, 2 * h, layout) : all);
        return outs;
    }

    private static boolean used(List<String> names, int k) {
        return k < names.size() && !names.get(k).isEmpty();
    }

    private static boolean allEqual(NDArray a, long v) {
        for (int k = 0; k < a.size(); k++) if (a.getLong(k) != v) return false;
        return true;
    }

    private static Expr zeros(ConvertContext ctx, kiln.tir.DType dt, String what, long... shape) {
        return ctx.constant(NDArray.zeros(dt, shape), ctx.node().name() + "_" + what);
    }

    /** An initial state in layout 0 ([D, B, H]); layout 1 gives [B, D, H]. */
    private static Expr state(ConvertContext ctx, Expr s, long layout) {
        return layout == 0 ? s : ctx.call("transpose", Attrs.of("axes", List.of(1L, 0L, 2L)), s);
    }

    private static Expr slice(ConvertContext ctx, Expr e, List<Long> axes, List<Long> begin, List<Long> end) {
        return ctx.call("strided_slice", Attrs.of("axes", axes, "begin", begin, "end", end), e);
    }

    /** Y [T, D, B, H], or [B, T, D, H] for layout 1. */
    private static Expr layoutY(ConvertContext ctx, Expr y, long layout) {
        return layout == 0 ? y : ctx.call("transpose", Attrs.of("axes", List.of(2L, 0L, 1L, 3L)), y);
    }

    /** The last state of each direction (channels [lo, hi) of the per-step states), [D, B, H] or [B, D, H] for layout 1. */
    private static Expr last(ConvertContext ctx, Expr all, boolean[] rev, long t, long lo, long hi, long layout) {
        List<Expr> parts = new ArrayList<>();
        for (int d = 0; d < rev.length; d++) {
            long step = rev[d] ? 0 : t - 1;
            parts.add(slice(ctx, all, List.of(0L, 1L, 3L), List.of(step, (long) d, lo), List.of(step + 1, d + 1L, hi)));
        }
        Expr cat = parts.size() == 1 ? parts.get(0) : ctx.call("concat", Attrs.of("axis", 1L), parts);
        Type.TensorType ct = cat.type().tensor();
        Expr s = ctx.call("reshape", Attrs.of("shape", List.of(ct.dim(1), ct.dim(2), ct.dim(3))), cat);
        return layout == 0 ? s : ctx.call("transpose", Attrs.of("axes", List.of(1L, 0L, 2L)), s);
    }
}
