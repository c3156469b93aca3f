package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Broadcast;
import kiln.tir.topi.Nn;

/**
 * Neural-network ops: matmul, convolutions, pooling, normalization, softmax. Layouts are channel-first
 * (data {@code [N, C, spatial...]}). Window attributes are lists with one entry per spatial dim:
 * {@code strides} and {@code dilations} (default 1), {@code pads} = [begin..., end...] (default 0),
 * {@code kernel_shape} for pools; {@code groups} (default 1). Floating attributes are Doubles. Axes are
 * normalized (non-negative) by the importer.
 *
 * <ul>
 *   <li>{@code conv(x, w[, b])}: w is [M, C/groups, k...], b is [M]; out [N, M, o...].</li>
 *   <li>{@code conv_transpose(x, w[, b])}: w is [C, M/groups, k...]; attr {@code output_padding} (default 0);
 *       pads may be negative, which extends the output with zeros (plus bias), as ONNX's output_shape can ask.</li>
 *   <li>{@code max_pool(x)}, {@code avg_pool(x)}: {@code kernel_shape}, {@code ceil_mode} (0/1);
 *       avg_pool also {@code count_include_pad} (0/1).</li>
 *   <li>{@code global_max_pool(x)}, {@code global_avg_pool(x)}: out [N, C, 1...].</li>
 *   <li>{@code batch_norm(x, scale, bias, mean, var)}: inference; {@code epsilon}; parameters are [C], or
 *       x's shape without the batch dim, of any float type.</li>
 *   <li>{@code layer_norm(x, scale[, bias])}: {@code axis}, {@code epsilon}; normalizes dims [axis, rank).</li>
 *   <li>{@code layer_norm_mean(x)}, {@code layer_norm_inv_std_dev(x)}: the statistics of layer_norm, with dims
 *       [axis, rank) kept as size 1; attr {@code dtype} (IR type name, default float32 for 16-bit floats).</li>
 *   <li>{@code instance_norm(x, scale, bias)}: {@code epsilon}; scale and bias are [C].</li>
 *   <li>{@code lp_normalization(x)}: {@code axis}, {@code p} (1 or 2).</li>
 *   <li>{@code lrn(x)}: {@code size}, {@code alpha}, {@code beta}, {@code bias}.</li>
 *   <li>{@code softmax(x)}, {@code log_softmax(x)}: {@code axis}.</li>
 * </ul>
 */
public final class NnOps {
    private NnOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("matmul", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            arity(args, 2, 2);
            Type.TensorType a = arg(args, 0), b = arg(args, 1);
            require(a.dtype() == b.dtype(), "operand types differ: " + a.dtype().irName() + " vs " + b.dtype().irName());
            require(a.rank() >= 1 && b.rank() >= 1, "matmul operands must have rank >= 1");
            long ka = a.dim(a.rank() - 1), kb = b.rank() == 1 ? b.dim(0) : b.dim(b.rank() - 2);
            require(ka == kb, "inner dimensions differ: " + a + " x " + b);
            List<Long> ba = a.rank() > 2 ? a.shape().subList(0, a.rank() - 2) : List.of();
            List<Long> bb = b.rank() > 2 ? b.shape().subList(0, b.rank() - 2) : List.of();
            List<Long> batch = Broadcast.shape(ba, bb);
            require(batch != null, "batch dimensions do not broadcast: " + a + " x " + b);
            List<Long> out = new ArrayList<>(batch);
            if (a.rank() > 1) out.add(a.dim(a.rank() - 2));
            if (b.rank() > 1) out.add(b.dim(b.rank() - 1));
            return new Type.TensorType(out, a.dtype());
        }, single((a, at, out) -> Nn.matmul(a.get(0), a.get(1), out.shape()))));

        ops.add(define("conv", Pattern.OUT_ELEMWISE_FUSABLE, NnOps::convType, single((a, at, out) -> {
            Window w = Window.conv(at, a.get(0).rank() - 2);
            return Nn.conv(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, w.strides, w.dilations, w.pads, w.groups, out.shape());
        })));
        ops.add(define("conv_transpose", Pattern.OUT_ELEMWISE_FUSABLE, NnOps::convTransposeType, single((a, at, out) -> {
            Window w = Window.conv(at, a.get(0).rank() - 2);
            return Nn.convTranspose(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, w.strides, w.dilations, w.pads, w.groups, out.shape());
        })));
        ops.add(define("max_pool", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> poolType(args, at, false), single((a, at, out) -> {
            Window w = Window.pool(at, a.get(0).rank() - 2);
            return Nn.maxPool(a.get(0), w.kernel, w.strides, w.dilations, w.pads, out.shape());
        })));
        ops.add(define("avg_pool", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> poolType(args, at, true), single((a, at, out) -> {
            Window w = Window.pool(at, a.get(0).rank() - 2);
            return Nn.avgPool(a.get(0), w.kernel, w.strides, w.dilations, w.pads, at.getLong("count_include_pad", 0) != 0, out.shape());
        })));
        ops.add(define("global_max_pool", Pattern.REDUCTION, (args, at) -> globalPoolType(args, false),
                single((a, at, out) -> Nn.globalMaxPool(a.get(0)))));
        ops.add(define("global_avg_pool", Pattern.REDUCTION, (args, at) -> globalPoolType(args, true),
                single((a, at, out) -> Nn.globalAvgPool(a.get(0)))));
        ops.add(define("batch_norm", Pattern.BROADCAST, NnOps::batchNormType,
                single((a, at, out) -> Nn.batchNorm(a.get(0), a.get(1), a.get(2), a.get(3), a.get(4), at.getDouble("epsilon", 1e-5)))));
        ops.add(define("layer_norm", Pattern.REDUCTION, NnOps::layerNormType,
                single((a, at, out) -> Nn.layerNorm(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null,
                        (int) at.getLong("axis"), at.getDouble("epsilon", 1e-5)))));
        for (boolean inv : new boolean[] {false, true}) {
            ops.add(define(inv ? "layer_norm_inv_std_dev" : "layer_norm_mean", Pattern.REDUCTION, (args, at) -> {
                Type.TensorType x = floatData(args, 1, 1);
                int axis = axisOf(at, x);
                DType dt = statType(at, x);
                require(dt.isFloat(), "dtype must be a floating-point type, got " + dt.irName());
                List<Long> shape = new ArrayList<>(x.shape());
                for (int d = axis; d < x.rank(); d++) shape.set(d, 1L);
                return new Type.TensorType(shape, dt);
            }, single((a, at, out) -> Nn.layerNormStat(a.get(0), (int) at.getLong("axis"), at.getDouble("epsilon", 1e-5), inv, out.dtype()))));
        }
        ops.add(define("instance_norm", Pattern.REDUCTION, NnOps::instanceNormType,
                single((a, at, out) -> Nn.instanceNorm(a.get(0), a.get(1), a.get(2), at.getDouble("epsilon", 1e-5)))));
        ops.add(define("lp_normalization", Pattern.REDUCTION, (args, at) -> {
            Type.TensorType x = floatData(args, 1, 1);
            axisOf(at, x);
            long p = at.getLong("p", 2);
            require(p == 1 || p == 2, "p must be 1 or 2, got " + p);
            return x;
        }, single((a, at, out) -> Nn.lpNormalize(a.get(0), (int) at.getLong("axis"), (int) at.getLong("p", 2)))));
        ops.add(define("lrn", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            Type.TensorType x = floatData(args, 1, 1);
            require(x.rank() >= 2, "input must have a channel dimension (rank >= 2), got " + x);
            require(at.has("size"), "missing attribute size");
            require(at.getLong("size") >= 1, "size must be positive, got " + at.getLong("size"));
            return x;
        }, single((a, at, out) -> Nn.lrn(a.get(0), at.getLong("size"), at.getDouble("alpha", 1e-4), at.getDouble("beta", 0.75),
                at.getDouble("bias", 1.0)))));
        for (boolean log : new boolean[] {false, true}) {
            ops.add(define(log ? "log_softmax" : "softmax", Pattern.REDUCTION, (args, at) -> {
                Type.TensorType x = floatData(args, 1, 1);
                axisOf(at, x);
                return x;
            }, single((a, at, out) -> Nn.softmax(a.get(0), (int) at.getLong("axis"), log))));
        }
        return ops;
    }

    // ---------------------------------------------------------------- attributes

    /** Window attributes with defaults filled in, for {@code k} spatial dims. */
    record Window(long[] kernel, long[] strides, long[] dilations, long[] pads, long groups) {
        static Window conv(Attrs at, int k) {
            return new Window(null, ints(at, "strides", k, 1), ints(at, "dilations", k, 1), ints(at, "pads", 2 * k, 0), at.getLong("groups", 1));
        }

        static Window pool(Attrs at, int k) {
            require(at.has("kernel_shape"), "missing attribute kernel_shape");
            return new Window(ints(at, "kernel_shape", k, 1), ints(at, "strides", k, 1), ints(at, "dilations", k, 1),
                    ints(at, "pads", 2 * k, 0), 1);
        }

        void check(int k, boolean negativePads) {
            for (int d = 0; d < k; d++) {
                require(strides[d] >= 1, "strides must be positive, got " + Arrays.toString(strides));
                require(dilations[d] >= 1, "dilations must be positive, got " + Arrays.toString(dilations));
                require(negativePads || pads[d] >= 0 && pads[d + k] >= 0, "pads must be non-negative, got " + Arrays.toString(pads));
                if (kernel != null) require(kernel[d] >= 1, "kernel_shape must be positive, got " + Arrays.toString(kernel));
            }
        }
    }

    /** A per-spatial-dim attribute of length {@code n}, or {@code dflt} everywhere when absent. */
    static long[] ints(Attrs at, String key, int n, long dflt) {
        if (!at.has(key)) {
            long[] v = new long[n];
            Arrays.fill(v, dflt);
            return v;
        }
        long[] v = at.getLongArray(key);
        require(v.length == n, key + " has " + v.length + " entries, expected " + n
                + (key.equals("pads") ? " (begin and end for each of " + n / 2 + " spatial dims)" : " (one per spatial dim)"));
        return v;
    }

    private static Type.TensorType floatData(List<Type> args, int min, int max) {
        arity(args, min, max);
        Type.TensorType x = arg(args, 0);
        require(x.dtype().isFloat(), "input must be a floating-point tensor, got " + x.dtype().irName());
        return x;
    }

    private static int axisOf(Attrs at, Type.TensorType x) {
        require(at.has("axis"), "missing attribute axis");
        long a = at.getLong("axis");
        require(a >= 0 && a < x.rank(), "axis " + a + " is out of range for " + x);
        return (int) a;
    }

    /** The element type of layer-norm statistics: attr {@code dtype}, by default float32 for 16-bit floats, else x's. */
    private static DType statType(Attrs at, Type.TensorType x) {
        if (!at.has("dtype")) return Nn.accType(x.dtype());
        try {
            return DType.fromIrName(at.getString("dtype"));
        } catch (IllegalArgumentException e) {
            throw new OpTypeError(e.getMessage());
        }
    }

    private static void sameType(Type.TensorType x, Type.TensorType t, String what) {
        require(t.dtype() == x.dtype(), what + " has type " + t.dtype().irName() + " but the input is " + x.dtype().irName());
    }

    // ---------------------------------------------------------------- type rules

    private static Type convType(List<Type> args, Attrs at) {
        arity(args, 2, 3);
        Type.TensorType x = arg(args, 0), w = arg(args, 1);
        require(x.rank() >= 3, "input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        require(w.rank() == x.rank(), "weight " + w + " must have the input's rank " + x.rank() + " ([M, C/groups, kernel...])");
        require(x.dtype() != DType.BOOL, "conv of bool tensors is not supported");
        sameType(x, w, "weight");
        int k = x.rank() - 2;
        Window win = Window.conv(at, k);
        win.check(k, false);
        long g = win.groups, c = x.dim(1), m = w.dim(0);
        require(g >= 1, "groups must be positive, got " + g);
        require(c % g == 0, "input channels " + c + " are not divisible by groups " + g);
        require(w.dim(1) * g == c, "weight " + w + " expects " + w.dim(1) * g + " input channels (" + w.dim(1) + " per group x "
                + g + " groups) but the input " + x + " has " + c);
        require(m % g == 0, "output channels " + m + " are not divisible by groups " + g);
        checkBias(args, x, m);
        List<Long> out = new ArrayList<>(List.of(x.dim(0), m));
        for (int d = 0; d < k; d++) {
            long eff = (w.dim(d + 2) - 1) * win.dilations[d] + 1;
            long span = x.dim(d + 2) + win.pads[d] + win.pads[d + k] - eff;
            require(span >= 0, "spatial dim " + d + ": the dilated kernel (" + eff + ") is larger than the padded input ("
                    + (x.dim(d + 2) + win.pads[d] + win.pads[d + k]) + ")");
            out.add(span / win.strides[d] + 1);
        }
        return new Type.TensorType(out, x.dtype());
    }

    private static void checkBias(List<Type> args, Type.TensorType x, long m) {
        if (args.size() < 3) return;
        Type.TensorType b = arg(args, 2);
        sameType(x, b, "bias");
        require(b.rank() == 1 && b.dim(0) == m, "bias must be [" + m + "] (one per output channel), got " + b);
    }

    private static Type convTransposeType(List<Type> args, Attrs at) {
        arity(args, 2, 3);
        Type.TensorType x = arg(args, 0), w = arg(args, 1);
        require(x.rank() >= 3, "input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        require(w.rank() == x.rank(), "weight " + w + " must have the input's rank " + x.rank() + " ([C, M/groups, kernel...])");
        require(x.dtype() != DType.BOOL, "conv_transpose of bool tensors is not supported");
        sameType(x, w, "weight");
        int k = x.rank() - 2;
        Window win = Window.conv(at, k);
        win.check(k, true);
        long g = win.groups, c = x.dim(1);
        require(g >= 1, "groups must be positive, got " + g);
        require(w.dim(0) == c, "weight " + w + " expects " + w.dim(0) + " input channels but the input " + x + " has " + c);
        require(c % g == 0, "input channels " + c + " are not divisible by groups " + g);
        long m = w.dim(1) * g;
        checkBias(args, x, m);
        long[] outPad = ints(at, "output_padding", k, 0);
        List<Long> out = new ArrayList<>(List.of(x.dim(0), m));
        for (int d = 0; d < k; d++) {
            require(outPad[d] >= 0, "output_padding must be non-negative, got " + Arrays.toString(outPad));
            long o = win.strides[d] * (x.dim(d + 2) - 1) + outPad[d] + (w.dim(d + 2) - 1) * win.dilations[d] + 1
                    - win.pads[d] - win.pads[d + k];
            require(o >= 1, "spatial dim " + d + ": the pads " + Arrays.toString(win.pads) + " remove the whole output (extent " + o + ")");
            out.add(o);
        }
        return new Type.TensorType(out, x.dtype());
    }

    /** Output extent of a pool window along one dim (ceil mode drops a last window starting in the end padding). */
    static long poolExtent(long in, long kernel, long stride, long dil, long padBegin, long padEnd, boolean ceil) {
        long span = in + padBegin + padEnd - ((kernel - 1) * dil + 1);
        if (span < 0) return -1;
        long out = (ceil ? Math.floorDiv(span + stride - 1, stride) : span / stride) + 1;
        if (ceil && (out - 1) * stride >= in + padBegin) out--;
        return out;
    }

    private static Type poolType(List<Type> args, Attrs at, boolean avg) {
        arity(args, 1, 1);
        Type.TensorType x = arg(args, 0);
        require(x.rank() >= 3, "input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        if (avg) require(x.dtype().isFloat(), "average pooling needs a floating-point tensor, got " + x.dtype().irName());
        else require(x.dtype() != DType.BOOL, "max pooling of bool tensors is not supported");
        int k = x.rank() - 2;
        Window win = Window.pool(at, k);
        win.check(k, false);
        boolean ceil = at.getLong("ceil_mode", 0) != 0;
        List<Long> out = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
        for (int d = 0; d < k; d++) {
            long eff = (win.kernel[d] - 1) * win.dilations[d] + 1;
            require(win.pads[d] < eff && win.pads[d + k] < eff, "pads " + Arrays.toString(win.pads)
                    + " must be smaller than the (dilated) kernel " + Arrays.toString(win.kernel));
            long o = poolExtent(x.dim(d + 2), win.kernel[d], win.strides[d], win.dilations[d], win.pads[d], win.pads[d + k], ceil);
            require(o >= 1, "spatial dim " + d + ": the window (kernel " + win.kernel[d] + ", dilation " + win.dilations[d]
                    + ") is larger than the padded input " + (x.dim(d + 2) + win.pads[d] + win.pads[d + k]));
            out.add(o);
        }
        return new Type.TensorType(out, x.dtype());
    }

    private static Type globalPoolType(List<Type> args, boolean avg) {
        arity(args, 1, 1);
        Type.TensorType x = arg(args, 0);
        require(x.rank() >= 3, "input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        if (avg) require(x.dtype().isFloat(), "average pooling needs a floating-point tensor, got " + x.dtype().irName());
        else require(x.dtype() != DType.BOOL, "max pooling of bool tensors is not supported");
        List<Long> out = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
        for (int d = 2; d < x.rank(); d++) out.add(1L);
        return new Type.TensorType(out, x.dtype());
    }

    private static Type batchNormType(List<Type> args, Attrs at) {
        Type.TensorType x = floatData(args, 5, 5);
        require(x.rank() >= 2, "input must be [N, C, ...], got " + x);
        String[] names = {"scale", "bias", "mean", "var"};
        List<Long> perChannel = List.of(x.dim(1)), perActivation = x.shape().subList(1, x.rank());
        List<Long> shape = arg(args, 1).shape();
        require(shape.equals(perChannel) || shape.equals(perActivation), "scale must be " + perChannel
                + " (one per channel) or " + perActivation + ", got " + arg(args, 1));
        for (int k = 1; k < 5; k++) {
            Type.TensorType p = arg(args, k);
            require(p.dtype().isFloat(), names[k - 1] + " must be a floating-point tensor, got " + p.dtype().irName());
            require(p.shape().equals(shape), names[k - 1] + " must have shape " + shape + " like scale, got " + p);
        }
        return x;
    }

    private static Type layerNormType(List<Type> args, Attrs at) {
        Type.TensorType x = floatData(args, 2, 3);
        int axis = axisOf(at, x);
        List<Long> norm = x.shape().subList(axis, x.rank());
        for (int k = 1; k < args.size(); k++) {
            String what = k == 1 ? "scale" : "bias";
            Type.TensorType p = arg(args, k);
            sameType(x, p, what);
            require(p.rank() <= x.rank() && x.shape().equals(Broadcast.shape(x.shape(), p.shape())) && nonNormalizedOnes(p, x, axis),
                    what + " " + p + " does not broadcast to the normalized shape " + norm);
        }
        return x;
    }

    /** Whether {@code p}, right-aligned with {@code x}, has size 1 in every dim before {@code axis}. */
    private static boolean nonNormalizedOnes(Type.TensorType p, Type.TensorType x, int axis) {
        int off = x.rank() - p.rank();
        for (int d = 0; d < p.rank(); d++) if (d + off < axis && p.dim(d) != 1) return false;
        return true;
    }

    private static Type instanceNormType(List<Type> args, Attrs at) {
        Type.TensorType x = floatData(args, 3, 3);
        require(x.rank() >= 3, "input must be [N, C, spatial...] with at least one spatial dim, got " + x);
        for (int k = 1; k < 3; k++) {
            String what = k == 1 ? "scale" : "bias";
            Type.TensorType p = arg(args, k);
            sameType(x, p, what);
            require(p.rank() == 1 && p.dim(0) == x.dim(1), what + " must be [" + x.dim(1) + "] (one per channel), got " + p);
        }
        return x;
    }
}
