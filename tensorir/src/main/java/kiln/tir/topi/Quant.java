package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.NDArray;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Linear quantization computes (ONNX QuantizeLinear / DequantizeLinear and the integer and
 * quantized-linear matmul and convolution).
 *
 * <p>Quantization parameters (scale, zero point) are per tensor (one element, any rank) or per axis
 * (a 1-D tensor with one entry per index along {@code axis} of the data). Rounding is to nearest with
 * ties to even ({@code nearbyint} under the default rounding mode), and results saturate to the range of
 * the integer output type. Integer products accumulate in int32.
 */
public final class Quant {
    private Quant() {}

    /** The smallest and largest value of an integer type. */
    public static long[] range(DType t) {
        return switch (t) {
            case INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
            case UINT8 -> new long[] {0, 255};
            case INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
            case UINT16 -> new long[] {0, 65535};
            case INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
            case UINT32 -> new long[] {0, 0xFFFFFFFFL};
            default -> throw new IllegalArgumentException("not a quantized integer type: " + t.irName());
        };
    }

    /** The value of a per-tensor (one element) or per-axis (1-D along {@code axis}) parameter at output index i. */
    public static Expr param(Tensor p, List<? extends Expr> i, int axis) {
        if (NDArray.numel(p.shape()) == 1) {
            List<Expr> zeros = new ArrayList<>();
            for (int d = 0; d < p.rank(); d++) zeros.add(E.i64(0));
            return p.at(zeros);
        }
        if (p.rank() != 1) throw new IllegalArgumentException("quantization parameter " + p.name() + " must be a scalar or 1-D");
        return p.at(i.get(axis));
    }

    /** v (a float expression holding an integral value) clamped to the range of {@code out}, converted to {@code out}. */
    private static Expr saturate(Expr v, DType out) {
        long[] r = range(out);
        DType t = v.dtype();
        return E.cast(out, E.min(E.max(v, E.constant(t, r[0])), E.constant(t, r[1])));
    }

    /** The type quantization arithmetic is done in: float64 for float64 and int32 data (as numpy promotes), else float32. */
    private static DType computeType(DType t) {
        return t == DType.FLOAT64 || t == DType.INT32 ? DType.FLOAT64 : DType.FLOAT32;
    }

    /**
     * y = saturate(round(x / scale) + zero_point), rounding ties to even; the division is done in float32
     * (float64 for float64 and int32 data).
     *
     * @param zp the zero point, or null for zero
     */
    public static Tensor quantize(Tensor x, Tensor scale, Tensor zp, int axis, DType out) {
        DType ct = computeType(x.dtype());
        return Te.compute("quantize_linear", x.shape(), Pattern.BROADCAST, i -> {
            Expr v = E.call(Intrinsic.NEARBYINT, E.div(E.cast(ct, x.at(i)), E.cast(ct, param(scale, i, axis))));
            if (zp != null) v = E.add(v, E.cast(ct, param(zp, i, axis)));
            return saturate(v, out);
        });
    }

    /** y = (x - zero_point) * scale in float32, converted to {@code out} (the scale's type). */
    public static Tensor dequantize(Tensor x, Tensor scale, Tensor zp, int axis, DType out) {
        DType ct = computeType(out);
        return Te.compute("dequantize_linear", x.shape(), Pattern.BROADCAST, i -> {
            Expr v = E.cast(ct, x.at(i));
            if (zp != null) v = E.sub(v, E.cast(ct, param(zp, i, axis)));
            return E.cast(out, E.mul(v, E.cast(ct, param(scale, i, axis))));
        });
    }

    /** int32(t) - int32(zp), with zp broadcast numpy-style against t (null: int32(t)). An injective stage. */
    public static Tensor shift(String name, Tensor t, Tensor zp) {
        return Te.compute(name, t.shape(), Pattern.BROADCAST, i -> {
            Expr v = E.cast(DType.INT32, t.at(i));
            return zp == null ? v : E.sub(v, E.cast(DType.INT32, Broadcast.read(zp, i)));
        });
    }

    /**
     * (a - a_zero_point) x (b - b_zero_point) with numpy matmul semantics, accumulated in int32. The zero
     * points broadcast numpy-style against their operand (per row of a: shape [..., M, 1]; per column of b:
     * [..., 1, N] or [N]).
     */
    public static Tensor matmulInteger(Tensor a, Tensor b, Tensor aZp, Tensor bZp, List<Long> outShape) {
        return Nn.matmul(shift("matmul_integer_a", a, aZp), shift("matmul_integer_b", b, bZp), outShape);
    }

    /**
     * Convolution of (x - x_zero_point) with (w - w_zero_point) in int32; padding adds zeros after the shift.
     * x_zero_point is per tensor; w_zero_point per tensor or per output channel ([M]).
     */
    public static Tensor convInteger(Tensor x, Tensor w, Tensor xZp, Tensor wZp, Tensor bias, long[] strides, long[] dilations,
                                     long[] pads, long groups, List<Long> outShape) {
        Tensor xs = shift("conv_integer_x", x, xZp);
        Tensor ws = Te.compute("conv_integer_w", w.shape(), Pattern.BROADCAST, i -> {
            Expr v = E.cast(DType.INT32, w.at(i));
            return wZp == null ? v : E.sub(v, E.cast(DType.INT32, param(wZp, i, 0)));
        });
        return Nn.conv(xs, ws, bias, strides, dilations, pads, groups, outShape);
    }

    /**
     * y = saturate(round(float64(acc) * multiplier) + zero_point): an int32 accumulator rescaled into a
     * quantized type. {@code multiplier} (float) broadcasts numpy-style against acc; the zero point is per tensor.
     */
    public static Tensor requantize(Tensor acc, Tensor multiplier, Tensor zp, DType out) {
        return Te.compute("requantize", acc.shape(), Pattern.BROADCAST, i -> {
            Expr v = E.mul(E.cast(DType.FLOAT64, acc.at(i)), E.cast(DType.FLOAT64, Broadcast.read(multiplier, i)));
            v = E.call(Intrinsic.NEARBYINT, v);
            if (zp != null) v = E.add(v, E.cast(DType.FLOAT64, param(zp, i, 0)));
            return saturate(v, out);
        });
    }

    /**
     * DynamicQuantizeLinear's scale: (max(0, max(x)) - min(0, min(x))) / 255 in float32, a scalar.
     */
    public static Tensor dynamicScale(Tensor x) {
        Tensor[] mm = minMax(x);
        Tensor lo = mm[0], hi = mm[1];
        return Te.compute("dynamic_quantize_scale", List.of(), Pattern.ELEMWISE, i -> {
            Expr l = E.min(lo.at(), E.f32(0)), h = E.max(hi.at(), E.f32(0));
            return E.div(E.sub(h, l), E.f32(255));
        });
    }

    /** DynamicQuantizeLinear's uint8 zero point: saturate(round(0 - min(0, min(x)) / scale)), a scalar. */
    public static Tensor dynamicZeroPoint(Tensor x) {
        Tensor[] mm = minMax(x);
        Tensor lo = mm[0], hi = mm[1];
        return Te.compute("dynamic_quantize_zero_point", List.of(), Pattern.ELEMWISE, i -> {
            Expr l = E.min(lo.at(), E.f32(0)), h = E.max(hi.at(), E.f32(0));
            Expr scale = E.div(E.sub(h, l), E.f32(255));
            return saturate(E.call(Intrinsic.NEARBYINT, E.sub(E.f32(0), E.div(l, scale))), DType.UINT8);
        });
    }

    private static Tensor[] minMax(Tensor x) {
        List<Integer> all = new ArrayList<>();
        for (int d = 0; d < x.rank(); d++) all.add(d);
        Tensor lo = Reduce.reduce("dynamic_quantize_min", x, all, false, Tensor.Combiner.MIN, v -> E.cast(DType.FLOAT32, v));
        Tensor hi = Reduce.reduce("dynamic_quantize_max", x, all, false, Tensor.Combiner.MAX, v -> E.cast(DType.FLOAT32, v));
        return new Tensor[] {lo, hi};
    }
}
