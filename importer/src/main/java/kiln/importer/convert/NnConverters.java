package kiln.importer.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.tir.NDArray;

/**
 * Converters for neural-network ONNX ops: MatMul, Gemm, convolutions, pooling, normalization, softmax.
 * {@code auto_pad} is resolved here into explicit pads, so the graph ops only know explicit padding.
 * Attributes missing from older opsets take their spec defaults, which are those of the newest opset.
 */
final class NnConverters {
    private NnConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("MatMul", ctx -> List.of(ctx.call("matmul", Attrs.EMPTY, ctx.input(0), ctx.input(1))));
        r.add("Gemm", ctx -> List.of(gemm(ctx)));
        r.add("Conv", ctx -> List.of(conv(ctx)));
        r.add("ConvTranspose", ctx -> List.of(convTranspose(ctx)));
        r.add("MaxPool", ctx -> {
            onlyFirstOutput(ctx, "the Indices output (argmax positions) is not supported");
            return List.of(pool(ctx, "max_pool"));
        });
        r.add("AveragePool", ctx -> List.of(pool(ctx, "avg_pool")));
        r.add("GlobalAveragePool", ctx -> List.of(globalPool(ctx, "global_avg_pool")));
        r.add("GlobalMaxPool", ctx -> List.of(globalPool(ctx, "global_max_pool")));
        r.add("BatchNormalization", ctx -> List.of(batchNorm(ctx)));
        r.add("InstanceNormalization", ctx -> List.of(ctx.call("instance_norm",
                Attrs.of("epsilon", (double) ctx.node().attrFloat("epsilon", 1e-5f)), ctx.input(0), ctx.input(1), ctx.input(2))));
        r.add("LayerNormalization", NnConverters::layerNorm);
        r.add("LpNormalization", ctx -> List.of(ctx.call("lp_normalization",
                Attrs.of("axis", (long) ctx.axis(ctx.node().attrInt("axis", -1), ctx.rank(0)), "p", ctx.node().attrInt("p", 2)),
                ctx.input(0))));
        r.add("LRN", ctx -> List.of(lrn(ctx)));
        r.add("Softmax", ctx -> List.of(softmax(ctx, "softmax")));
        r.add("LogSoftmax", ctx -> List.of(softmax(ctx, "log_softmax")));
    }

    /** Fails if the node uses any output after the first. */
    private static void onlyFirstOutput(ConvertContext ctx, String why) {
        List<String> outs = ctx.node().outputs();
        for (int k = 1; k < outs.size(); k++) {
            if (!outs.get(k).isEmpty()) throw ctx.error("output " + k + " ('" + outs.get(k) + "') is used, but " + why);
        }
    }

    // ------------------------------------------------------------ Gemm

    /** Y = alpha * A' B' + beta * C, with A' and B' optionally transposed 2-D operands. */
    private static Expr gemm(ConvertContext ctx) {
        Expr a = ctx.input(0), b = ctx.input(1);
        if (ctx.rank(0) != 2 || ctx.rank(1) != 2) {
            throw ctx.error("A and B must be 2-D matrices, got " + ctx.type(0) + " and " + ctx.type(1));
        }
        double alpha = ctx.node().attrFloat("alpha", 1f), beta = ctx.node().attrFloat("beta", 1f);
        if (ctx.node().attrInt("transA", 0) != 0) a = transpose2d(ctx, a);
        if (ctx.node().attrInt("transB", 0) != 0) b = transpose2d(ctx, b);
        // Scale a constant operand (folded at import) rather than the product.
        boolean scaled = false;
        if (alpha != 1 && b instanceof Expr.Constant) {
            b = ctx.call("multiply", Attrs.EMPTY, b, scalar(ctx, alpha));
            scaled = true;
        } else if (alpha != 1 && a instanceof Expr.Constant) {
            a = ctx.call("multiply", Attrs.EMPTY, a, scalar(ctx, alpha));
            scaled = true;
        }
        Expr y = ctx.call("matmul", Attrs.EMPTY, a, b);
        if (alpha != 1 && !scaled) y = ctx.call("multiply", Attrs.EMPTY, y, scalar(ctx, alpha));
        if (ctx.hasInput(2) && beta != 0) {
            Expr c = ctx.input(2);
            if (beta != 1) c = ctx.call("multiply", Attrs.EMPTY, c, scalar(ctx, beta));
            y = ctx.call("add", Attrs.EMPTY, y, c);
        } else if (!ctx.hasInput(2) && ctx.opset() < 11) {
            throw ctx.error("input C is required before opset 11");
        }
        return y;
    }

    private static Expr transpose2d(ConvertContext ctx, Expr m) {
        return ctx.call("transpose", Attrs.of("axes", List.of(1L, 0L)), m);
    }

    /** A scalar constant of the node's element type (integer types take the truncated value). */
    private static Expr scalar(ConvertContext ctx, double v) {
        var dt = ctx.type(0).dtype();
        NDArray a = dt.isFloat() ? NDArray.scalarDouble(dt, v) : NDArray.scalarLong(dt, (long) v);
        return ctx.constant(a, ctx.node().name() + "_scale");
    }

    // ------------------------------------------------------------ window attributes

    /** A per-spatial-dim INTS attribute of length {@code n}, or {@code dflt} everywhere when absent. */
    private static long[] ints(ConvertContext ctx, String name, int n, long dflt) {
        long[] v = ctx.node().attrInts(name).orElse(null);
        if (v == null) {
            v = new long[n];
            Arrays.fill(v, dflt);
            return v;
        }
        if (v.length != n) throw ctx.error("attribute '" + name + "' has " + v.length + " values, expected " + n + " for an input of rank " + ctx.rank(0));
        return v;
    }

    private static String autoPad(ConvertContext ctx) {
        String s = ctx.node().attrString("auto_pad", "NOTSET");
        if (s.isEmpty()) return "NOTSET";
        if (!List.of("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(s)) {
            throw ctx.error("auto_pad '" + s + "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }
        return s;
    }

    /**
     * Explicit pads [begin..., end...] of a forward window (Conv, pools): the pads attribute for NOTSET,
     * zeros for VALID, and for SAME_* the padding that makes the output ceil(in / stride), split evenly
     * with the odd element at the end (SAME_UPPER) or the beginning (SAME_LOWER).
     */
    private static long[] windowPads(ConvertContext ctx, String autoPad, long[] kernel, long[] strides, long[] dilations) {
        List<Long> in = ctx.type(0).shape();
        int k = kernel.length;
        long[] pads = new long[2 * k];
        switch (autoPad) {
            case "NOTSET" -> pads = ints(ctx, "pads", 2 * k, 0);
            case "VALID" -> { }
            default -> {
                for (int d = 0; d < k; d++) {
                    long n = in.get(d + 2), s = strides[d];
                    long out = (n + s - 1) / s;
                    long total = Math.max(0, (out - 1) * s + (kernel[d] - 1) * dilations[d] + 1 - n);
                    long small = total / 2, large = total - small;
                    pads[d] = autoPad.equals("SAME_UPPER") ? small : large;
                    pads[d + k] = autoPad.equals("SAME_UPPER") ? large : small;
                }
            }
        }
        return pads;
    }

    private static void requireSpatial(ConvertContext ctx) {
        if (ctx.rank(0) < 3) throw ctx.error("input must be [N, C, spatial...] with at least one spatial dim, got " + ctx.type(0));
    }

    /** The kernel's spatial extents from the weight, checked against the kernel_shape attribute if present. */
    private static long[] kernelOf(ConvertContext ctx) {
        Type.TensorType x = ctx.type(0), w = ctx.type(1);
        if (w.rank() != x.rank()) throw ctx.error("weight " + w + " must have the input's rank " + x.rank());
        long[] kernel = Arrays.copyOfRange(w.shapeArray(), 2, w.rank());
        long[] attr = ctx.node().attrInts("kernel_shape").orElse(null);
        if (attr != null && !Arrays.equals(attr, kernel)) {
            throw ctx.error("kernel_shape " + Arrays.toString(attr) + " does not match the weight's spatial shape " + Arrays.toString(kernel));
        }
        return kernel;
    }

    // ------------------------------------------------------------ convolutions

    private static Expr conv(ConvertContext ctx) {
        requireSpatial(ctx);
        int k = ctx.rank(0) - 2;
        long[] kernel = kernelOf(ctx);
        long[] strides = ints(ctx, "strides", k, 1), dilations = ints(ctx, "dilations", k, 1);
        long[] pads = windowPads(ctx, autoPad(ctx), kernel, strides, dilations);
        Attrs at = Attrs.of("strides", strides, "dilations", dilations, "pads", pads, "groups", ctx.node().attrInt("group", 1));
        List<Expr> args = new ArrayList<>(List.of(ctx.input(0), ctx.input(1)));
        if (ctx.hasInput(2)) args.add(ctx.input(2));
        return ctx.call("conv", at, args);
    }

    /**
     * ConvTranspose. With {@code output_shape} (or SAME_* auto_pad, whose output is in * stride) the pads are
     * derived from the requested output: total = stride*(in-1) + output_padding + (k-1)*dilation + 1 - out,
     * begin = floor(total/2) for SAME_UPPER and total - floor(total/2) otherwise. A negative total (an output
     * larger than the natural one) gives negative pads, which extend the output with zeros (plus bias).
     */
    private static Expr convTranspose(ConvertContext ctx) {
        requireSpatial(ctx);
        Type.TensorType x = ctx.type(0);
        int k = x.rank() - 2;
        long[] kernel = kernelOf(ctx);
        long[] strides = ints(ctx, "strides", k, 1), dilations = ints(ctx, "dilations", k, 1);
        long[] outPad = ints(ctx, "output_padding", k, 0);
        String autoPad = autoPad(ctx);
        long[] outputShape = ctx.node().attrInts("output_shape").orElse(null);
        if (outputShape != null) {
            if (outputShape.length == x.rank()) outputShape = Arrays.copyOfRange(outputShape, 2, x.rank());
            if (outputShape.length != k) {
                throw ctx.error("output_shape " + Arrays.toString(ctx.node().attrInts("output_shape").get()) + " must have "
                        + k + " spatial extents for an input of rank " + x.rank());
            }
        } else if (autoPad.startsWith("SAME")) {
            outputShape = new long[k];
            for (int d = 0; d < k; d++) outputShape[d] = x.dim(d + 2) * strides[d];
        }
        long[] pads;
        if (outputShape != null) {
            pads = new long[2 * k];
            for (int d = 0; d < k; d++) {
                long total = strides[d] * (x.dim(d + 2) - 1) + outPad[d] + (kernel[d] - 1) * dilations[d] + 1 - outputShape[d];
                long half = Math.floorDiv(total, 2);
                pads[d] = autoPad.equals("SAME_UPPER") ? half : total - half;
                pads[d + k] = total - pads[d];
            }
        } else {
            pads = autoPad.equals("VALID") ? new long[2 * k] : ints(ctx, "pads", 2 * k, 0);
        }
        Attrs at = Attrs.of("strides", strides, "dilations", dilations, "pads", pads, "output_padding", outPad,
                "groups", ctx.node().attrInt("group", 1));
        List<Expr> args = new ArrayList<>(List.of(ctx.input(0), ctx.input(1)));
        if (ctx.hasInput(2)) args.add(ctx.input(2));
        return ctx.call("conv_transpose", at, args);
    }

    // ------------------------------------------------------------ pooling

    private static Expr pool(ConvertContext ctx, String op) {
        requireSpatial(ctx);
        int k = ctx.rank(0) - 2;
        long[] kernel = ctx.node().attrInts("kernel_shape").orElseThrow(() -> ctx.error("required attribute 'kernel_shape' is missing"));
        if (kernel.length != k) throw ctx.error("kernel_shape " + Arrays.toString(kernel) + " must have " + k + " entries for an input of rank " + ctx.rank(0));
        long[] strides = ints(ctx, "strides", k, 1), dilations = ints(ctx, "dilations", k, 1);
        String autoPad = autoPad(ctx);
        long[] pads = windowPads(ctx, autoPad, kernel, strides, dilations);
        // With auto_pad the output extent is fixed by the padding rule, whatever ceil_mode says.
        long ceil = autoPad.equals("NOTSET") ? ctx.node().attrInt("ceil_mode", 0) : 0;
        Attrs.Builder at = Attrs.builder().put("kernel_shape", kernel).put("strides", strides).put("dilations", dilations)
                .put("pads", pads).put("ceil_mode", ceil);
        if (op.equals("avg_pool")) at.put("count_include_pad", ctx.node().attrInt("count_include_pad", 0));
        return ctx.call(op, at.build(), ctx.input(0));
    }

    private static Expr globalPool(ConvertContext ctx, String op) {
        requireSpatial(ctx);
        return ctx.call(op, Attrs.EMPTY, ctx.input(0));
    }

    // ------------------------------------------------------------ normalization

    /** Inference-mode BatchNormalization for every opset; training mode is rejected. */
    private static Expr batchNorm(ConvertContext ctx) {
        if (ctx.opset() >= 14 && ctx.node().attrInt("training_mode", 0) != 0) {
            throw ctx.error("training_mode=1 is not supported: Kiln compiles inference graphs; re-export the model in eval mode");
        }
        if (ctx.opset() < 7 && ctx.node().attrInt("is_test", 0) == 0) {
            throw ctx.error("is_test=0 (training mode, using batch statistics) is not supported: Kiln compiles inference graphs;"
                    + " re-export the model in eval mode or set is_test=1");
        }
        onlyFirstOutput(ctx, "the running and saved mean/variance outputs exist only in training mode, which Kiln does not support");
        return ctx.call("batch_norm", Attrs.of("epsilon", (double) ctx.node().attrFloat("epsilon", 1e-5f)),
                ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), ctx.input(4));
    }

    /**
     * LayerNormalization (opset 17). The optional Mean and InvStdDev outputs are computed by their own ops
     * when the model uses them, in the type stash_type names (float32 by default).
     */
    private static List<Expr> layerNorm(ConvertContext ctx) {
        int axis = ctx.axis(ctx.node().attrInt("axis", -1), ctx.rank(0));
        double epsilon = ctx.node().attrFloat("epsilon", 1e-5f);
        Attrs at = Attrs.of("axis", (long) axis, "epsilon", epsilon);
        List<Expr> args = new ArrayList<>(List.of(ctx.input(0), ctx.input(1)));
        if (ctx.hasInput(2)) args.add(ctx.input(2));
        Expr y = ctx.call("layer_norm", at, args);
        List<Expr> outs = new ArrayList<>(List.of(y));
        List<String> names = ctx.node().outputs();
        for (int k = 1; k < Math.min(3, names.size()); k++) {
            if (names.get(k).isEmpty()) {
                outs.add(y); // not read: the output is omitted
                continue;
            }
            long stash = ctx.node().attrInt("stash_type", 1);
            String dtype = switch ((int) stash) {
                case 1 -> "float32";
                case 10 -> "float16";
                case 11 -> "float64";
                case 16 -> "bfloat16";
                default -> throw ctx.error("stash_type " + stash + " is not a floating-point ONNX element type");
            };
            outs.add(ctx.call(k == 1 ? "layer_norm_mean" : "layer_norm_inv_std_dev", at.with("dtype", dtype), ctx.input(0)));
        }
        return outs;
    }

    private static Expr lrn(ConvertContext ctx) {
        long size = ctx.node().attrInt("size").orElseThrow(() -> ctx.error("required attribute 'size' is missing"));
        Attrs at = Attrs.of("size", size, "alpha", (double) ctx.node().attrFloat("alpha", 1e-4f),
                "beta", (double) ctx.node().attrFloat("beta", 0.75f), "bias", (double) ctx.node().attrFloat("bias", 1f));
        return ctx.call("lrn", at, ctx.input(0));
    }

    /**
     * Softmax / LogSoftmax. From opset 13 along one axis (default -1). Before, the input is viewed as 2-D
     * [prod(dims before axis), prod(dims from axis)] (axis default 1) and normalized along the second dim.
     */
    private static Expr softmax(ConvertContext ctx, String op) {
        Type.TensorType x = ctx.type(0);
        int rank = x.rank();
        if (ctx.opset() >= 13) {
            int axis = ctx.axis(ctx.node().attrInt("axis", -1), rank);
            return ctx.call(op, Attrs.of("axis", (long) axis), ctx.input(0));
        }
        int axis = ctx.axis(ctx.node().attrInt("axis", 1), rank);
        if (axis == rank - 1) return ctx.call(op, Attrs.of("axis", (long) axis), ctx.input(0));
        long outer = NDArray.numel(x.shape().subList(0, axis)), inner = NDArray.numel(x.shape().subList(axis, rank));
        Expr flat = ctx.call("reshape", Attrs.of("shape", List.of(outer, inner)), ctx.input(0));
        Expr y = ctx.call(op, Attrs.of("axis", 1L), flat);
        return ctx.call("reshape", Attrs.of("shape", x.shape()), y);
    }
}
