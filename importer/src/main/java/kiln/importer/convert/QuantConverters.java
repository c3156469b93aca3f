package kiln.importer.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kiln.importer.onnx.OnnxElemType;
import kiln.relax.Attrs;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;

/**
 * Converters for the linear-quantization ONNX ops: QuantizeLinear, DequantizeLinear (opsets 10, 13, 19, 21:
 * per tensor and per axis; blocked quantization is rejected), DynamicQuantizeLinear, MatMulInteger,
 * ConvInteger, QLinearMatMul and QLinearConv. The QLinear ops are an int32 integer matmul / convolution
 * of the zero-point-shifted operands followed by {@code requantize} with the multiplier
 * {@code a_scale * b_scale / y_scale} (float32, per tensor, per row/column or per output channel).
 */
final class QuantConverters {
    private QuantConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("QuantizeLinear", ctx -> List.of(quantize(ctx)));
        r.add("DequantizeLinear", ctx -> List.of(dequantize(ctx)));
        r.add("DynamicQuantizeLinear", QuantConverters::dynamicQuantize);
        r.add("MatMulInteger", ctx -> List.of(matmulInteger(ctx, ctx.input(0), ctx.input(1), optional(ctx, 2), optional(ctx, 3))));
        r.add("ConvInteger", ctx -> List.of(convInteger(ctx, 0, 1, 2, 3, -1)));
        r.add("QLinearMatMul", ctx -> List.of(qlinearMatMul(ctx)));
        r.add("QLinearConv", ctx -> List.of(qlinearConv(ctx)));
    }

    private static Expr optional(ConvertContext ctx, int i) {
        return ctx.hasInput(i) ? ctx.input(i) : null;
    }

    /** Whether a quantization parameter is per axis (more than one element). */
    private static boolean perAxis(ConvertContext ctx, int i) {
        return ctx.hasInput(i) && ctx.type(i).numel() != 1;
    }

    private static void noBlocks(ConvertContext ctx) {
        if (ctx.node().attrInt("block_size", 0) != 0) {
            throw ctx.error("blocked quantization (block_size=" + ctx.node().attrInt("block_size", 0) + ") is not supported");
        }
    }

    /** The normalized axis attribute (default 1) where the scale is per axis; 0 (unused) otherwise. */
    private static long quantAxis(ConvertContext ctx) {
        if (!perAxis(ctx, 1)) return 0;
        if (ctx.opset() < 13) throw ctx.error("per-axis scales need opset 13 or later; got scale " + ctx.type(1));
        return ctx.axis(ctx.node().attrInt("axis", 1), ctx.rank(0));
    }

    private static Expr quantize(ConvertContext ctx) {
        noBlocks(ctx);
        DType out;
        if (ctx.hasInput(2)) {
            out = ctx.type(2).dtype();
        } else {
            long code = ctx.node().attrInt("output_dtype", 0);
            out = code == 0 ? DType.UINT8 : new OnnxElemType((int) code).require("the output_dtype of " + ctx.node().describe());
        }
        List<Expr> args = new ArrayList<>(List.of(ctx.input(0), ctx.input(1)));
        if (ctx.hasInput(2)) args.add(ctx.input(2));
        return ctx.call("quantize_linear", Attrs.of("axis", quantAxis(ctx), "dtype", out.irName()), args);
    }

    private static Expr dequantize(ConvertContext ctx) {
        noBlocks(ctx);
        List<Expr> args = new ArrayList<>(List.of(ctx.input(0), ctx.input(1)));
        if (ctx.hasInput(2)) args.add(ctx.input(2));
        return ctx.call("dequantize_linear", Attrs.of("axis", quantAxis(ctx)), args);
    }

    /** y, y_scale, y_zero_point: uint8 quantization with the range of x (extended to hold 0). */
    private static List<Expr> dynamicQuantize(ConvertContext ctx) {
        Expr x = ctx.input(0);
        Expr scale = ctx.call("dynamic_quantize_scale", Attrs.EMPTY, x);
        Expr zp = ctx.call("dynamic_quantize_zero_point", Attrs.EMPTY, x);
        Expr y = ctx.call("quantize_linear", Attrs.of("axis", 0L, "dtype", "uint8"), x, scale, zp);
        return List.of(y, scale, zp);
    }

    /** A zero scalar of the type of input {@code i}. */
    private static Expr zero(ConvertContext ctx, DType t, String what) {
        return ctx.constant(NDArray.scalarLong(t, 0), ctx.node().name() + "_" + what);
    }

    private static Expr reshape(ConvertContext ctx, Expr e, List<Long> shape) {
        if (e.type().tensor().shape().equals(shape)) return e;
        return ctx.call("reshape", Attrs.of("shape", shape), e);
    }

    /** A 1-D per-row parameter of a (rank >= 2) as [M, 1] so that it broadcasts against a; others as they are. */
    private static Expr perRow(ConvertContext ctx, Expr p, Type.TensorType a) {
        Type.TensorType t = p.type().tensor();
        if (t.rank() == 1 && t.numel() != 1 && a.rank() >= 2) return reshape(ctx, p, List.of(t.dim(0), 1L));
        return p;
    }

    private static Expr matmulInteger(ConvertContext ctx, Expr a, Expr b, Expr aZp, Expr bZp) {
        Type.TensorType ta = a.type().tensor(), tb = b.type().tensor();
        List<Expr> args = new ArrayList<>(List.of(a, b));
        if (aZp != null || bZp != null) {
            args.add(aZp == null ? zero(ctx, ta.dtype(), "a_zero_point") : perRow(ctx, aZp, ta));
            args.add(bZp == null ? zero(ctx, tb.dtype(), "b_zero_point") : bZp);
        }
        return ctx.call("matmul_integer", Attrs.EMPTY, args);
    }

    /** product of two scales divided by a third, in float32 (the multiplier of a requantization). */
    private static Expr multiplier(ConvertContext ctx, Expr s1, Expr s2, Expr sy) {
        return ctx.call("divide", Attrs.EMPTY, ctx.call("multiply", Attrs.EMPTY, s1, s2), sy);
    }

    private static DType zpType(ConvertContext ctx, int i, DType dflt) {
        return ctx.hasInput(i) ? ctx.type(i).dtype() : dflt;
    }

    private static Expr qlinearMatMul(ConvertContext ctx) {
        Type.TensorType ta = ctx.type(0);
        Expr acc = matmulInteger(ctx, ctx.input(0), ctx.input(3), optional(ctx, 2), optional(ctx, 5));
        Expr m = multiplier(ctx, perRow(ctx, ctx.input(1), ta), ctx.input(4), ctx.input(6));
        DType out = zpType(ctx, 7, ta.dtype());
        List<Expr> args = new ArrayList<>(List.of(acc, m));
        if (ctx.hasInput(7)) args.add(ctx.input(7));
        return ctx.call("requantize", Attrs.of("dtype", out.irName()), args);
    }

    /** ConvInteger-style int32 convolution of inputs x, w with zero points xz, wz and optional int32 bias (index or -1). */
    private static Expr convInteger(ConvertContext ctx, int xi, int wi, int xz, int wz, int bi) {
        Type.TensorType x = ctx.type(xi), w = ctx.type(wi);
        int k = x.rank() - 2;
        if (k < 1) throw ctx.error("input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        if (w.rank() != x.rank()) throw ctx.error("weight " + w + " must have the input's rank " + x.rank());
        long[] kernel = Arrays.copyOfRange(w.shapeArray(), 2, w.rank());
        long[] attr = ctx.node().attrInts("kernel_shape").orElse(null);
        if (attr != null && !Arrays.equals(attr, kernel)) {
            throw ctx.error("kernel_shape " + Arrays.toString(attr) + " does not match the weight's spatial shape " + Arrays.toString(kernel));
        }
        long[] strides = ints(ctx, "strides", k, 1), dilations = ints(ctx, "dilations", k, 1);
        long[] pads = windowPads(ctx, x, kernel, strides, dilations);
        Attrs at = Attrs.of("strides", strides, "dilations", dilations, "pads", pads, "groups", ctx.node().attrInt("group", 1));
        List<Expr> args = new ArrayList<>(List.of(ctx.input(xi), ctx.input(wi),
                ctx.hasInput(xz) ? ctx.input(xz) : zero(ctx, x.dtype(), "x_zero_point"),
                ctx.hasInput(wz) ? ctx.input(wz) : zero(ctx, w.dtype(), "w_zero_point")));
        if (bi >= 0 && ctx.hasInput(bi)) args.add(ctx.input(bi));
        return ctx.call("conv_integer", at, args);
    }

    private static Expr qlinearConv(ConvertContext ctx) {
        Expr acc = convInteger(ctx, 0, 3, 2, 5, 8);
        Type.TensorType out = acc.type().tensor();
        Expr ws = ctx.input(4);
        Type.TensorType tws = ws.type().tensor();
        if (tws.numel() != 1) {
            // Per output channel: [M] as [M, 1, ...] against the output [N, M, spatial...].
            List<Long> shape = new ArrayList<>(List.of(tws.numel()));
            for (int d = 2; d < out.rank(); d++) shape.add(1L);
            ws = reshape(ctx, ws, shape);
        }
        Expr m = multiplier(ctx, ctx.input(1), ws, ctx.input(6));
        DType dt = zpType(ctx, 7, ctx.type(0).dtype());
        List<Expr> args = new ArrayList<>(List.of(acc, m));
        if (ctx.hasInput(7)) args.add(ctx.input(7));
        return ctx.call("requantize", Attrs.of("dtype", dt.irName()), args);
    }

    // ------------------------------------------------------------ window attributes (as for Conv)

    private static long[] ints(ConvertContext ctx, String name, int n, long dflt) {
        long[] v = ctx.node().attrInts(name).orElse(null);
        if (v == null) {
            v = new long[n];
            Arrays.fill(v, dflt);
            return v;
        }
        if (v.length != n) throw ctx.error("attribute '" + name + "' has " + v.length + " values, expected " + n);
        return v;
    }

    /** Explicit pads from auto_pad (NOTSET, VALID, SAME_UPPER, SAME_LOWER), as Conv resolves them. */
    private static long[] windowPads(ConvertContext ctx, Type.TensorType x, long[] kernel, long[] strides, long[] dilations) {
        String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
        if (autoPad.isEmpty()) autoPad = "NOTSET";
        int k = kernel.length;
        long[] pads = new long[2 * k];
        switch (autoPad) {
            case "NOTSET" -> pads = ints(ctx, "pads", 2 * k, 0);
            case "VALID" -> { }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int d = 0; d < k; d++) {
                    long n = x.dim(d + 2), s = strides[d];
                    long out = (n + s - 1) / s;
                    long total = Math.max(0, (out - 1) * s + (kernel[d] - 1) * dilations[d] + 1 - n);
                    long small = total / 2, large = total - small;
                    pads[d] = autoPad.equals("SAME_UPPER") ? small : large;
                    pads[d + k] = autoPad.equals("SAME_UPPER") ? large : small;
                }
            }
            default -> throw ctx.error("auto_pad '" + autoPad + "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }
        return pads;
    }
}
