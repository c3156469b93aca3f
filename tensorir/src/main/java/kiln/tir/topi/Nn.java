package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Neural-network computes: matmul, convolution, pooling, normalization, softmax.
 *
 * <p>Layouts are channel-first: data is {@code [N, C, spatial...]}, convolution weights are
 * {@code [M, C/groups, kernel...]} (transposed convolution: {@code [C, M/groups, kernel...]}). Spatial
 * padding is an injective stage (a select on the in-bounds condition) that the consuming reduction
 * reads, so the default schedule inlines it and no padded copy is materialized. Sums of half-precision
 * values (means, variances, softmax denominators) accumulate in float32.
 */
public final class Nn {
    private Nn() {}

    /** The type that sums of {@code t} accumulate in: float32 for the 16-bit floats, else {@code t}. */
    public static DType accType(DType t) {
        return t == DType.FLOAT16 || t == DType.BFLOAT16 ? DType.FLOAT32 : t;
    }

    /**
     * Numpy matmul semantics: 1-D operands are promoted (and the added dim removed from the result),
     * batch dims broadcast. {@code outShape} is the inferred result shape.
     */
    public static Tensor matmul(Tensor a, Tensor b, List<Long> outShape) {
        int ra = a.rank(), rb = b.rank();
        long k = a.shape().get(ra - 1);
        int outRank = outShape.size();
        return Te.reduce("matmul", outShape, Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, List.of(k), (i, r) -> {
            Expr rk = r.get(0);
            // Positions of M and N in the output index (absent for 1-D operands).
            int batchDims = outRank - (ra > 1 ? 1 : 0) - (rb > 1 ? 1 : 0);
            List<Expr> batch = new ArrayList<>(i.subList(0, batchDims));
            Expr m = ra > 1 ? i.get(batchDims) : null;
            Expr n = rb > 1 ? i.get(outRank - 1) : null;
            List<Expr> ia = new ArrayList<>();
            if (ra > 1) {
                ia.addAll(bcast(a, batch, ra - 2));
                ia.add(m);
            }
            ia.add(rk);
            List<Expr> ib = new ArrayList<>();
            if (rb > 1) {
                ib.addAll(bcast(b, batch, rb - 2));
                ib.add(rk);
                ib.add(n);
            } else {
                ib.add(rk);
            }
            return E.mul(a.at(ia), b.at(ib));
        });
    }

    /** The batch indices of an operand with {@code nb} batch dims, broadcast against the output's batch. */
    private static List<Expr> bcast(Tensor t, List<Expr> batch, int nb) {
        List<Expr> out = new ArrayList<>();
        int off = batch.size() - nb;
        for (int d = 0; d < nb; d++) out.add(t.shape().get(d) == 1 ? E.i64(0) : batch.get(d + off));
        return out;
    }

    // ---------------------------------------------------------------- padding

    /**
     * {@code x} extended by {@code before[d]} and {@code after[d]} elements in every dim {@code d},
     * the new elements equal to {@code value}; {@code x} itself when nothing is added. Injective, so the
     * default schedule inlines it into its consumer as a select on the in-bounds condition.
     */
    public static Tensor pad(String name, Tensor x, long[] before, long[] after, Expr value) {
        if (before.length != x.rank() || after.length != x.rank()) throw new IllegalArgumentException("pad widths do not match rank of " + x.name());
        if (value.dtype() != x.dtype()) throw new IllegalArgumentException("pad value type differs from " + x.name());
        boolean any = false;
        List<Long> shape = new ArrayList<>();
        for (int d = 0; d < x.rank(); d++) {
            if (before[d] < 0 || after[d] < 0) throw new IllegalArgumentException("negative pad width");
            any |= before[d] != 0 || after[d] != 0;
            shape.add(x.shape().get(d) + before[d] + after[d]);
        }
        if (!any) return x;
        return Te.compute(name, shape, Pattern.INJECTIVE, i -> {
            Expr cond = E.bool(true);
            List<Expr> idx = new ArrayList<>();
            for (int d = 0; d < x.rank(); d++) {
                Expr v = i.get(d);
                if (before[d] > 0) cond = E.and(cond, E.ge(v, E.i64(before[d])));
                if (after[d] > 0) cond = E.and(cond, E.lt(v, E.i64(before[d] + x.shape().get(d))));
                idx.add(E.sub(v, E.i64(before[d])));
            }
            return E.select(cond, x.at(idx), value);
        });
    }

    /** Pads the spatial dims (2..) of {@code x}: {@code pads} is [begin..., end...] per spatial dim. */
    private static Tensor padSpatial(String name, Tensor x, long[] pads, long[] extraEnd, Expr value) {
        int k = x.rank() - 2;
        long[] before = new long[x.rank()], after = new long[x.rank()];
        for (int d = 0; d < k; d++) {
            before[d + 2] = pads[d];
            after[d + 2] = pads[d + k] + (extraEnd == null ? 0 : extraEnd[d]);
        }
        return pad(name, x, before, after, value);
    }

    /** i * s + r * d, folded where s or d is 1. */
    private static Expr window(Expr i, long s, Expr r, long d) {
        return E.add(E.mul(i, E.i64(s)), E.mul(r, E.i64(d)));
    }

    // ---------------------------------------------------------------- convolution

    /**
     * N-d grouped convolution (cross-correlation, as in ONNX Conv).
     * out[n, m, o...] = sum over c < C/groups, k... of pad(x)[n, g(m)*C/groups + c, o*s + k*d] * w[m, c, k...]
     * plus {@code bias[m]} when given.
     *
     * @param pads [begin..., end...] per spatial dim
     * @param bias a [M] tensor, or null
     */
    public static Tensor conv(Tensor x, Tensor w, Tensor bias, long[] strides, long[] dilations, long[] pads, long groups,
                              List<Long> outShape) {
        int k = x.rank() - 2;
        long cg = w.shape().get(1);
        long mg = w.shape().get(0) / groups;
        Tensor xp = padSpatial("conv_pad", x, pads, null, E.zero(x.dtype()));
        List<Long> rext = new ArrayList<>();
        rext.add(cg);
        for (int d = 0; d < k; d++) rext.add(w.shape().get(d + 2));
        Tensor conv = Te.reduce("conv", outShape, Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, rext, (i, r) -> {
            Expr m = i.get(1);
            Expr c = groups == 1 ? r.get(0) : E.add(E.mul(E.floordiv(m, E.i64(mg)), E.i64(cg)), r.get(0));
            List<Expr> xi = new ArrayList<>(List.of(i.get(0), c));
            List<Expr> wi = new ArrayList<>(List.of(m, r.get(0)));
            for (int d = 0; d < k; d++) {
                xi.add(window(i.get(d + 2), strides[d], r.get(d + 1), dilations[d]));
                wi.add(r.get(d + 1));
            }
            return E.mul(xp.at(xi), w.at(wi));
        });
        return bias == null ? conv : addChannelBias("conv_bias", conv, bias);
    }

    private static Tensor addChannelBias(String name, Tensor t, Tensor bias) {
        return Te.compute(name, t.shape(), Pattern.BROADCAST, i -> E.add(t.at(i), bias.at(i.get(1))));
    }

    /**
     * N-d grouped transposed convolution (ONNX ConvTranspose), as a convolution with the flipped kernel
     * over the input dilated by the strides and padded by {@code (K-1)*dilation - pad_begin} in front:
     * out[n, m, o] = sum over x[n, c, i] * w[c, m mod M/groups, k] for i*s + k*d - pad_begin = o. The dilated,
     * padded input is an injective stage that the reduction reads inline.
     *
     * @param pads [begin..., end...] per spatial dim; the output extent already accounts for output_padding
     */
    public static Tensor convTranspose(Tensor x, Tensor w, Tensor bias, long[] strides, long[] dilations, long[] pads,
                                       long groups, List<Long> outShape) {
        int k = x.rank() - 2;
        long cg = x.shape().get(1) / groups;
        long mg = w.shape().get(1);
        long[] kernel = new long[k], lead = new long[k];
        List<Long> dshape = new ArrayList<>(x.shape().subList(0, 2));
        for (int d = 0; d < k; d++) {
            kernel[d] = w.shape().get(d + 2);
            lead[d] = (kernel[d] - 1) * dilations[d] - pads[d];
            dshape.add(outShape.get(d + 2) + (kernel[d] - 1) * dilations[d]);
        }
        Tensor xd = Te.compute("conv_transpose_pad", dshape, Pattern.INJECTIVE, i -> {
            Expr cond = E.bool(true);
            List<Expr> idx = new ArrayList<>(List.of(i.get(0), i.get(1)));
            for (int d = 0; d < k; d++) {
                Expr p = E.sub(i.get(d + 2), E.i64(lead[d])); // = input index * stride when valid
                long in = x.shape().get(d + 2);
                if (lead[d] > 0) cond = E.and(cond, E.ge(p, E.i64(0)));
                if (strides[d] != 1) cond = E.and(cond, E.eq(E.floormod(p, E.i64(strides[d])), E.i64(0)));
                Expr q = E.floordiv(p, E.i64(strides[d]));
                if (Math.floorDiv(dshape.get(d + 2) - 1 - lead[d], strides[d]) >= in) cond = E.and(cond, E.lt(q, E.i64(in)));
                idx.add(q);
            }
            return E.select(cond, x.at(idx), E.zero(x.dtype()));
        });
        List<Long> rext = new ArrayList<>();
        rext.add(cg);
        for (int d = 0; d < k; d++) rext.add(kernel[d]);
        Tensor out = Te.reduce("conv_transpose", outShape, Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, rext, (i, r) -> {
            Expr m = i.get(1);
            Expr c = groups == 1 ? r.get(0) : E.add(E.mul(E.floordiv(m, E.i64(mg)), E.i64(cg)), r.get(0));
            List<Expr> xi = new ArrayList<>(List.of(i.get(0), c));
            List<Expr> wi = new ArrayList<>(List.of(c, groups == 1 ? m : E.floormod(m, E.i64(mg))));
            for (int d = 0; d < k; d++) {
                xi.add(window(i.get(d + 2), 1, r.get(d + 1), dilations[d]));
                wi.add(E.sub(E.i64(kernel[d] - 1), r.get(d + 1)));
            }
            return E.mul(xd.at(xi), w.at(wi));
        });
        return bias == null ? out : addChannelBias("conv_transpose_bias", out, bias);
    }

    // ---------------------------------------------------------------- pooling

    /**
     * The input of a windowed pool padded with {@code value}: the explicit pads, plus whatever the last
     * (ceil-mode) windows reach past the end padding.
     */
    private static Tensor padForPool(String name, Tensor x, long[] kernel, long[] strides, long[] dilations, long[] pads,
                                     List<Long> outShape, Expr value) {
        int k = kernel.length;
        long[] extra = new long[k];
        for (int d = 0; d < k; d++) {
            long in = x.shape().get(d + 2);
            long reach = (outShape.get(d + 2) - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1;
            extra[d] = Math.max(0, reach - (in + pads[d] + pads[d + k]));
        }
        return padSpatial(name, x, pads, extra, value);
    }

    /** combine over the window of f(padded input); the window position is o*s + r*d in padded coordinates. */
    private static Tensor windowReduce(String name, Tensor xp, long[] kernel, long[] strides, long[] dilations,
                                       List<Long> outShape, Tensor.Combiner combiner, Function<Expr, Expr> f) {
        int k = kernel.length;
        List<Long> rext = new ArrayList<>();
        for (long kd : kernel) rext.add(kd);
        return Te.reduce(name, outShape, Pattern.OUT_ELEMWISE_FUSABLE, combiner, rext, (i, r) -> {
            List<Expr> xi = new ArrayList<>(List.of(i.get(0), i.get(1)));
            for (int d = 0; d < k; d++) xi.add(window(i.get(d + 2), strides[d], r.get(d), dilations[d]));
            return f.apply(xp.at(xi));
        });
    }

    /** N-d max pooling; padding takes the lowest value of the type, so it never wins. */
    public static Tensor maxPool(Tensor x, long[] kernel, long[] strides, long[] dilations, long[] pads, List<Long> outShape) {
        Tensor xp = padForPool("max_pool_pad", x, kernel, strides, dilations, pads, outShape, E.lowest(x.dtype()));
        return windowReduce("max_pool", xp, kernel, strides, dilations, outShape, Tensor.Combiner.MAX, v -> v);
    }

    /**
     * N-d average pooling. The divisor counts the window positions inside the input, or with
     * {@code countIncludePad} inside the explicitly padded input (positions that only ceil mode reaches
     * never count).
     */
    public static Tensor avgPool(Tensor x, long[] kernel, long[] strides, long[] dilations, long[] pads,
                                 boolean countIncludePad, List<Long> outShape) {
        int k = kernel.length;
        DType dt = x.dtype(), at = accType(dt);
        Tensor xp = padForPool("avg_pool_pad", x, kernel, strides, dilations, pads, outShape, E.zero(dt));
        Tensor sum = windowReduce("avg_pool_sum", xp, kernel, strides, dilations, outShape, Tensor.Combiner.SUM, v -> E.cast(at, v));
        // Per spatial dim, the divisor factor is a function of the output position only; when it is the
        // same for every position it is a compile-time constant.
        long constant = 1;
        boolean[] varies = new boolean[k];
        long[] lo = new long[k], hi = new long[k];
        for (int d = 0; d < k; d++) {
            long in = x.shape().get(d + 2);
            lo[d] = countIncludePad ? -pads[d] : 0;
            hi[d] = countIncludePad ? in + pads[d + k] : in;
            long first = -1;
            for (long o = 0; o < outShape.get(d + 2); o++) {
                long c = windowCount(o * strides[d] - pads[d], kernel[d], dilations[d], lo[d], hi[d]);
                if (first < 0) first = c;
                else if (c != first) varies[d] = true;
            }
            if (!varies[d]) constant *= Math.max(first, 1);
        }
        final long cst = constant;
        return Te.compute("avg_pool", outShape, Pattern.ELEMWISE, i -> {
            Expr count = E.i64(cst);
            for (int d = 0; d < k; d++) {
                if (!varies[d]) continue;
                Expr start = E.sub(E.mul(i.get(d + 2), E.i64(strides[d])), E.i64(pads[d]));
                long dil = dilations[d];
                Expr rmin = E.max(E.i64(0), E.floordiv(E.add(E.sub(E.i64(lo[d]), start), E.i64(dil - 1)), E.i64(dil)));
                Expr rmax = E.min(E.i64(kernel[d] - 1), E.floordiv(E.sub(E.i64(hi[d] - 1), start), E.i64(dil)));
                count = E.mul(count, E.max(E.i64(1), E.add(E.sub(rmax, rmin), E.i64(1))));
            }
            return E.cast(dt, E.div(sum.at(i), E.cast(at, count)));
        });
    }

    /** How many of start + r*dil, r in [0, kernel), lie in [lo, hi). */
    public static long windowCount(long start, long kernel, long dil, long lo, long hi) {
        long n = 0;
        for (long r = 0; r < kernel; r++) {
            long p = start + r * dil;
            if (p >= lo && p < hi) n++;
        }
        return n;
    }

    /** Max over all spatial dims, keeping them as size 1. */
    public static Tensor globalMaxPool(Tensor x) {
        return Reduce.reduce("global_max_pool", x, spatialAxes(x), true, Tensor.Combiner.MAX, v -> v);
    }

    /** Mean over all spatial dims, keeping them as size 1. */
    public static Tensor globalAvgPool(Tensor x) {
        DType dt = x.dtype(), at = accType(dt);
        Tensor sum = Reduce.reduce("global_avg_pool_sum", x, spatialAxes(x), true, Tensor.Combiner.SUM, v -> E.cast(at, v));
        long n = 1;
        for (int d = 2; d < x.rank(); d++) n *= x.shape().get(d);
        final long count = n;
        return Te.compute("global_avg_pool", sum.shape(), Pattern.ELEMWISE, i -> E.cast(dt, E.div(sum.at(i), E.intConst(at, count))));
    }

    private static List<Integer> spatialAxes(Tensor x) {
        List<Integer> axes = new ArrayList<>();
        for (int d = 2; d < x.rank(); d++) axes.add(d);
        return axes;
    }

    // ---------------------------------------------------------------- normalization

    /**
     * Inference batch normalization: (x - mean) / sqrt(var + eps) * scale + bias, with the parameters
     * indexed by the channel (rank-1 parameters) or by all non-batch dims (rank-1 of x, ONNX spatial=0).
     * Computed in {@link #accType} of x (parameters may have another float type, as ONNX allows).
     */
    public static Tensor batchNorm(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor var, double epsilon) {
        DType dt = x.dtype(), ct = accType(dt);
        return Te.compute("batch_norm", x.shape(), Pattern.BROADCAST, i -> {
            List<Expr> pi = new ArrayList<>(i.subList(1, 1 + scale.rank()));
            Function<Tensor, Expr> p = t -> E.cast(ct, t.at(pi));
            Expr norm = E.div(E.sub(E.cast(ct, x.at(i)), p.apply(mean)), E.call(Intrinsic.SQRT, E.add(p.apply(var), E.constant(ct, epsilon))));
            return E.cast(dt, E.add(E.mul(norm, p.apply(scale)), p.apply(bias)));
        });
    }

    /** Reads {@code t} (which has size 1 in the reduced dims) at the full index {@code idx}. */
    private static Expr keepRead(Tensor t, List<? extends Expr> idx, List<Integer> axes) {
        List<Expr> j = new ArrayList<>(idx);
        for (int a : axes) j.set(a, E.i64(0));
        return t.at(j);
    }

    /** combine over {@code axes} of body(full index), keeping the reduced dims as size 1. */
    private static Tensor reduceKeep(String name, List<Long> shape, List<Integer> axes, Tensor.Combiner c, Pattern p,
                                     Function<List<Expr>, Expr> body) {
        List<Long> outShape = new ArrayList<>(shape);
        List<Long> rext = new ArrayList<>();
        for (int a : axes) {
            rext.add(shape.get(a));
            outShape.set(a, 1L);
        }
        return Te.reduce(name, outShape, p, c, rext, (i, r) -> {
            List<Expr> idx = new ArrayList<>(i);
            for (int q = 0; q < axes.size(); q++) idx.set(axes.get(q), r.get(q));
            return body.apply(idx);
        });
    }

    /**
     * Normalizes x over {@code axes} (mean and variance are two reduction stages, the variance a second
     * pass over x - mean) and applies {@code affine} to the normalized value (in the accumulation type).
     */
    private static Tensor normalize(String name, Tensor x, List<Integer> axes, double epsilon,
                                    java.util.function.BiFunction<Expr, List<Expr>, Expr> affine) {
        DType dt = x.dtype(), at = accType(dt);
        Moments m = moments(name, x, axes);
        return Te.compute(name, x.shape(), Pattern.BROADCAST, iv -> {
            List<Expr> i = new ArrayList<>(iv);
            Expr dev = E.sub(E.cast(at, x.at(i)), m.mean(i));
            return E.cast(dt, affine.apply(E.mul(dev, m.invStdDev(i, epsilon)), i));
        });
    }

    /**
     * Mean and variance of x over {@code axes}, as two reduction stages with the reduced dims kept as
     * size 1: the sum, and the sum of squared deviations from the mean (a second pass, for accuracy).
     */
    private record Moments(Tensor sum, Tensor sqsum, List<Integer> axes, Expr count) {
        Expr mean(List<? extends Expr> idx) { return E.div(keepRead(sum, idx, axes), count); }

        Expr invStdDev(List<? extends Expr> idx, double epsilon) {
            DType at = count.dtype();
            Expr var = E.div(keepRead(sqsum, idx, axes), count);
            return E.div(E.one(at), E.call(Intrinsic.SQRT, E.add(var, E.constant(at, epsilon))));
        }
    }

    private static Moments moments(String name, Tensor x, List<Integer> axes) {
        DType at = accType(x.dtype());
        long n = 1;
        for (int a : axes) n *= x.shape().get(a);
        Expr count = E.intConst(at, n);
        Tensor sum = reduceKeep(name + "_sum", x.shape(), axes, Tensor.Combiner.SUM, Pattern.REDUCTION, idx -> E.cast(at, x.at(idx)));
        Tensor sq = reduceKeep(name + "_sqsum", x.shape(), axes, Tensor.Combiner.SUM, Pattern.REDUCTION, idx -> {
            Expr dev = E.sub(E.cast(at, x.at(idx)), E.div(keepRead(sum, idx, axes), count));
            return E.mul(dev, dev);
        });
        return new Moments(sum, sq, axes, count);
    }

    /**
     * The mean or the inverse standard deviation 1 / sqrt(var + eps) of x over dims [axis, rank), with those
     * dims kept as size 1, in type {@code outType} (LayerNormalization's optional outputs).
     */
    public static Tensor layerNormStat(Tensor x, int axis, double epsilon, boolean invStdDev, DType outType) {
        List<Integer> axes = new ArrayList<>();
        for (int d = axis; d < x.rank(); d++) axes.add(d);
        String name = invStdDev ? "layer_norm_inv_std_dev" : "layer_norm_mean";
        Moments m = moments(name, x, axes);
        return Te.compute(name, m.sum().shape(), Pattern.BROADCAST, iv -> {
            List<Expr> i = new ArrayList<>(iv);
            return E.cast(outType, invStdDev ? m.invStdDev(i, epsilon) : m.mean(i));
        });
    }

    /**
     * Layer normalization over dims [axis, rank): (x - mean) * (1 / sqrt(var + eps)) * scale + bias, with
     * scale and bias (optional, may be null) broadcast to x.
     */
    public static Tensor layerNorm(Tensor x, Tensor scale, Tensor bias, int axis, double epsilon) {
        List<Integer> axes = new ArrayList<>();
        for (int d = axis; d < x.rank(); d++) axes.add(d);
        DType at = accType(x.dtype());
        return normalize("layer_norm", x, axes, epsilon, (v, i) -> {
            Expr y = E.mul(v, E.cast(at, Broadcast.read(scale, i)));
            return bias == null ? y : E.add(y, E.cast(at, Broadcast.read(bias, i)));
        });
    }

    /** Instance normalization: per (n, c) over the spatial dims, then scale[c] and bias[c]. */
    public static Tensor instanceNorm(Tensor x, Tensor scale, Tensor bias, double epsilon) {
        DType at = accType(x.dtype());
        return normalize("instance_norm", x, spatialAxes(x), epsilon,
                (v, i) -> E.add(E.mul(v, E.cast(at, scale.at(i.get(1)))), E.cast(at, bias.at(i.get(1)))));
    }

    /** x / ||x||_p along {@code axis} (p is 1 or 2); a zero norm gives zero. */
    public static Tensor lpNormalize(Tensor x, int axis, int p) {
        DType dt = x.dtype(), at = accType(dt);
        List<Integer> axes = List.of(axis);
        Tensor acc = reduceKeep("lp_norm_sum", x.shape(), axes, Tensor.Combiner.SUM, Pattern.REDUCTION, idx -> {
            Expr v = E.cast(at, x.at(idx));
            return p == 1 ? E.call(Intrinsic.FABS, v) : E.mul(v, v);
        });
        return Te.compute("lp_norm", x.shape(), Pattern.BROADCAST, i -> {
            Expr s = keepRead(acc, i, axes);
            Expr norm = p == 1 ? s : E.call(Intrinsic.SQRT, s);
            return E.cast(dt, E.select(E.eq(norm, E.zero(at)), E.zero(at), E.div(E.cast(at, x.at(i)), norm)));
        });
    }

    /**
     * Local response normalization across channels:
     * x / (bias + alpha/size * sum of x^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta.
     */
    public static Tensor lrn(Tensor x, long size, double alpha, double beta, double bias) {
        DType dt = x.dtype(), at = accType(dt);
        long[] before = new long[x.rank()], after = new long[x.rank()];
        before[1] = (size - 1) / 2;
        after[1] = size - 1 - before[1];
        Tensor xp = pad("lrn_pad", x, before, after, E.zero(dt));
        Tensor sq = Te.reduce("lrn_sqsum", x.shape(), Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, List.of(size), (i, r) -> {
            List<Expr> idx = new ArrayList<>(i);
            idx.set(1, E.add(i.get(1), r.get(0)));
            Expr v = E.cast(at, xp.at(idx));
            return E.mul(v, v);
        });
        return Te.compute("lrn", x.shape(), Pattern.ELEMWISE, i -> {
            Expr den = E.add(E.constant(at, bias), E.mul(E.constant(at, alpha / size), sq.at(i)));
            return E.cast(dt, E.div(E.cast(at, x.at(i)), E.call(Intrinsic.POW, den, E.constant(at, beta))));
        });
    }

    // ---------------------------------------------------------------- softmax

    /**
     * Softmax (or log-softmax) along {@code axis}, numerically stable: the max along the axis is
     * subtracted before exponentiating. Stages: max (reduction), sum of exp (reduction), output.
     */
    public static Tensor softmax(Tensor x, int axis, boolean log) {
        DType dt = x.dtype(), at = accType(dt);
        List<Integer> axes = List.of(axis);
        Tensor max = reduceKeep(log ? "log_softmax_max" : "softmax_max", x.shape(), axes, Tensor.Combiner.MAX, Pattern.REDUCTION, x::at);
        Function<List<Expr>, Expr> shifted = idx -> E.sub(E.cast(at, x.at(idx)), E.cast(at, keepRead(max, idx, axes)));
        Tensor sum = reduceKeep(log ? "log_softmax_sum" : "softmax_sum", x.shape(), axes, Tensor.Combiner.SUM, Pattern.REDUCTION,
                idx -> E.call(Intrinsic.EXP, shifted.apply(idx)));
        return Te.compute(log ? "log_softmax" : "softmax", x.shape(), Pattern.BROADCAST, iv -> {
            List<Expr> i = new ArrayList<>(iv);
            Expr s = keepRead(sum, i, axes);
            Expr v = log ? E.sub(shifted.apply(i), E.call(Intrinsic.LOG, s)) : E.div(E.call(Intrinsic.EXP, shifted.apply(i)), s);
            return E.cast(dt, v);
        });
    }
}
