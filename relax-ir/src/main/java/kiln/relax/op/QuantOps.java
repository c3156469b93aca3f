package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Broadcast;
import kiln.tir.topi.Quant;

/**
 * Linear quantization ops. Quantized types are int8, uint8, int16, uint16; quantization parameters are
 * per tensor (one element) or per axis (1-D, one entry per index along attr {@code axis}, normalized).
 *
 * <ul>
 *   <li>{@code quantize_linear(x, scale[, zero_point])}: float or int32 x (int32 divides in float64); attrs {@code axis}, {@code dtype} (the
 *       output type's IR name; the zero point's type when given). y = saturate(round_half_even(x / scale) + zp).</li>
 *   <li>{@code dequantize_linear(x, scale[, zero_point])}: integer x; attr {@code axis}; y = (x - zp) * scale,
 *       of the scale's type.</li>
 *   <li>{@code matmul_integer(a, b[, a_zero_point, b_zero_point])}: numpy matmul of (a - azp) and (b - bzp) in
 *       int32; zero points broadcast against their operand (per row of a: [..., M, 1]; per column of b: [N]).</li>
 *   <li>{@code conv_integer(x, w, x_zero_point, w_zero_point[, bias])}: {@code conv}'s attributes; int32
 *       convolution of the shifted operands; x_zero_point per tensor, w_zero_point per tensor or [M]; int32 bias [M].</li>
 *   <li>{@code requantize(acc, multiplier[, zero_point])}: int32 acc; attr {@code dtype}; y =
 *       saturate(round(acc * multiplier) + zp), the multiplier (float) broadcast against acc.</li>
 *   <li>{@code dynamic_quantize_scale(x)}, {@code dynamic_quantize_zero_point(x)}: DynamicQuantizeLinear's
 *       float32 scalar scale and uint8 scalar zero point of float32 x.</li>
 * </ul>
 */
public final class QuantOps {
    private QuantOps() {}

    private static final List<DType> QUANTIZED = List.of(DType.INT8, DType.UINT8, DType.INT16, DType.UINT16);

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(define("quantize_linear", Pattern.BROADCAST, (args, at) -> {
            arity(args, 2, 3);
            Type.TensorType x = arg(args, 0);
            require(x.dtype().isFloat() || x.dtype() == DType.INT32, "input must be a floating-point or int32 tensor, got " + x.dtype().irName());
            DType out = outType(at);
            checkParams(args, x, at, out);
            return new Type.TensorType(x.shape(), out);
        }, single((a, at, out) -> Quant.quantize(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, (int) at.getLong("axis", 0), out.dtype()))));

        ops.add(define("dequantize_linear", Pattern.BROADCAST, (args, at) -> {
            arity(args, 2, 3);
            Type.TensorType x = arg(args, 0);
            require(QUANTIZED.contains(x.dtype()) || x.dtype() == DType.INT32, "input must be int8, uint8, int16, uint16 or int32, got "
                    + x.dtype().irName());
            checkParams(args, x, at, x.dtype());
            DType s = arg(args, 1).dtype();
            require(s.isFloat(), "scale must be a floating-point tensor, got " + s.irName());
            return new Type.TensorType(x.shape(), s);
        }, single((a, at, out) -> Quant.dequantize(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, (int) at.getLong("axis", 0), out.dtype()))));

        ops.add(define("matmul_integer", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            arity(args, 2, 4);
            Type.TensorType a = arg(args, 0), b = arg(args, 1);
            for (Type.TensorType t : List.of(a, b)) {
                require(t.dtype() == DType.INT8 || t.dtype() == DType.UINT8, "operands must be int8 or uint8, got " + t.dtype().irName());
            }
            require(a.rank() >= 1 && b.rank() >= 1, "operands must have rank >= 1");
            long ka = a.dim(a.rank() - 1), kb = b.rank() == 1 ? b.dim(0) : b.dim(b.rank() - 2);
            require(ka == kb, "inner dimensions differ: " + a + " x " + b);
            for (int k = 2; k < args.size(); k++) {
                Type.TensorType zp = arg(args, k), op = k == 2 ? a : b;
                require(zp.dtype() == op.dtype(), "zero point " + (k - 2) + " has type " + zp.dtype().irName() + " but its operand is "
                        + op.dtype().irName());
                require(zp.rank() <= op.rank() && op.shape().equals(Broadcast.shape(op.shape(), zp.shape())),
                        "zero point " + zp + " does not broadcast to its operand " + op);
            }
            List<Long> ba = a.rank() > 2 ? a.shape().subList(0, a.rank() - 2) : List.of();
            List<Long> bb = b.rank() > 2 ? b.shape().subList(0, b.rank() - 2) : List.of();
            List<Long> batch = Broadcast.shape(ba, bb);
            require(batch != null, "batch dimensions do not broadcast: " + a + " x " + b);
            List<Long> out = new ArrayList<>(batch);
            if (a.rank() > 1) out.add(a.dim(a.rank() - 2));
            if (b.rank() > 1) out.add(b.dim(b.rank() - 1));
            return new Type.TensorType(out, DType.INT32);
        }, single((a, at, out) -> Quant.matmulInteger(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, a.size() > 3 ? a.get(3) : null,
                out.shape()))));

        ops.add(define("conv_integer", Pattern.OUT_ELEMWISE_FUSABLE, (args, at) -> {
            arity(args, 4, 5);
            Type.TensorType x = arg(args, 0), w = arg(args, 1), xzp = arg(args, 2), wzp = arg(args, 3);
            require(x.dtype() == DType.INT8 || x.dtype() == DType.UINT8, "input must be int8 or uint8, got " + x.dtype().irName());
            require(w.dtype() == DType.INT8 || w.dtype() == DType.UINT8, "weight must be int8 or uint8, got " + w.dtype().irName());
            require(xzp.dtype() == x.dtype() && xzp.numel() == 1, "x_zero_point must be one " + x.dtype().irName() + " value, got " + xzp);
            require(wzp.dtype() == w.dtype() && (wzp.numel() == 1 || wzp.rank() == 1 && w.rank() >= 1 && wzp.dim(0) == w.dim(0)),
                    "w_zero_point must be one " + w.dtype().irName() + " value or one per output channel, got " + wzp);
            // The float conv's type rule checks the window and gives the output shape.
            List<Type> shifted = new ArrayList<>(List.of(new Type.TensorType(x.shape(), DType.INT32), new Type.TensorType(w.shape(), DType.INT32)));
            if (args.size() > 4) {
                Type.TensorType b = arg(args, 4);
                require(b.dtype() == DType.INT32, "bias must be int32, got " + b.dtype().irName());
                shifted.add(b);
            }
            return OpRegistry.get("conv").inferType(shifted, at);
        }, single((a, at, out) -> {
            int k = a.get(0).rank() - 2;
            NnOps.Window w = NnOps.Window.conv(at, k);
            return Quant.convInteger(a.get(0), a.get(1), a.get(2), a.get(3), a.size() > 4 ? a.get(4) : null, w.strides(), w.dilations(),
                    w.pads(), w.groups(), out.shape());
        })));

        ops.add(define("requantize", Pattern.BROADCAST, (args, at) -> {
            arity(args, 2, 3);
            Type.TensorType acc = arg(args, 0), m = arg(args, 1);
            require(acc.dtype() == DType.INT32, "accumulator must be int32, got " + acc.dtype().irName());
            require(m.dtype().isFloat(), "multiplier must be a floating-point tensor, got " + m.dtype().irName());
            require(m.rank() <= acc.rank() && acc.shape().equals(Broadcast.shape(acc.shape(), m.shape())),
                    "multiplier " + m + " does not broadcast to " + acc);
            DType out = outType(at);
            if (args.size() > 2) {
                Type.TensorType zp = arg(args, 2);
                require(zp.numel() == 1 && zp.dtype() == out, "zero point must be one " + out.irName() + " value, got " + zp);
            }
            return new Type.TensorType(acc.shape(), out);
        }, single((a, at, out) -> Quant.requantize(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : null, out.dtype()))));

        for (boolean zp : new boolean[] {false, true}) {
            ops.add(define(zp ? "dynamic_quantize_zero_point" : "dynamic_quantize_scale", Pattern.REDUCTION, (args, at) -> {
                arity(args, 1, 1);
                Type.TensorType x = arg(args, 0);
                require(x.dtype() == DType.FLOAT32, "input must be float32, got " + x.dtype().irName());
                return new Type.TensorType(List.of(), zp ? DType.UINT8 : DType.FLOAT32);
            }, single((a, at, out) -> zp ? Quant.dynamicZeroPoint(a.get(0)) : Quant.dynamicScale(a.get(0)))));
        }
        return ops;
    }

    private static DType outType(Attrs at) {
        DType out;
        try {
            out = DType.fromIrName(at.getString("dtype", "uint8"));
        } catch (IllegalArgumentException e) {
            throw new OpTypeError(e.getMessage());
        }
        require(QUANTIZED.contains(out), "output type must be int8, uint8, int16 or uint16, got " + out.irName());
        return out;
    }

    /** Checks scale and zero point: one element, or 1-D with one entry per index along the axis. */
    private static void checkParams(List<Type> args, Type.TensorType x, Attrs at, DType zpType) {
        long axis = at.getLong("axis", 0);
        for (int k = 1; k < args.size(); k++) {
            String what = k == 1 ? "scale" : "zero point";
            Type.TensorType p = arg(args, k);
            if (k == 1) require(p.dtype().isFloat(), "scale must be a floating-point tensor, got " + p.dtype().irName());
            else require(p.dtype() == zpType, "zero point has type " + p.dtype().irName() + ", expected " + zpType.irName());
            if (p.numel() == 1 && p.rank() <= 1) continue;
            require(p.rank() == 1, what + " must be a scalar or 1-D (per axis), got " + p);
            require(axis >= 0 && axis < x.rank(), "axis " + axis + " is out of range for " + x);
            require(p.dim(0) == x.dim((int) axis), what + " " + p + " must have one entry per index along axis " + axis + " of " + x);
        }
        if (args.size() > 2) require(arg(args, 1).shape().equals(arg(args, 2).shape()), "scale " + arg(args, 1)
                + " and zero point " + arg(args, 2) + " must have the same shape");
    }
}
