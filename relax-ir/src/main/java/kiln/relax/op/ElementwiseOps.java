package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.topi.Broadcast;
import kiln.tir.topi.Elementwise;

/**
 * Elementwise and broadcasting ops: arithmetic, comparisons, logic, bit operations, math functions,
 * activations, casts, where.
 *
 * <p>Conventions. Binary ops broadcast numpy-style and need operands of one dtype (except
 * {@code power}, whose exponent may have another numeric type). Float parameters are Double attrs
 * (alpha, beta, gamma, min, max; Long values are accepted too) and default to ONNX's defaults.
 * Integer arithmetic is C arithmetic: it wraps, and {@code divide} truncates toward zero, which is
 * also what ONNX Div gives for integers (numpy's true division converted back to the integer type).
 */
public final class ElementwiseOps {
    private ElementwiseOps() {}

    private static final Predicate<DType> ANY = t -> true;
    private static final Predicate<DType> NUMERIC = t -> t != DType.BOOL;
    private static final Predicate<DType> FLOAT = DType::isFloat;
    private static final Predicate<DType> INTEGER = DType::isInt;
    private static final Predicate<DType> INTEGER_OR_BOOL = t -> !t.isFloat();
    private static final Predicate<DType> BOOL = t -> t == DType.BOOL;

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        // Arithmetic.
        ops.add(binary("add", NUMERIC, "numeric", E::add));
        ops.add(binary("subtract", NUMERIC, "numeric", E::sub));
        ops.add(binary("multiply", NUMERIC, "numeric", E::mul));
        ops.add(binary("divide", NUMERIC, "numeric", E::div));
        ops.add(binaryAttr("mod", NUMERIC, "numeric", at -> {
            boolean fmod = at.getLong("fmod", 0) != 0;
            return (a, b) -> Elementwise.mod(a, b, fmod);
        }));
        ops.add(binary("maximum", ANY, "any", E::max));
        ops.add(binary("minimum", ANY, "any", E::min));
        ops.add(define("power", Pattern.BROADCAST, (args, at) -> {
            arity(args, 2, 2);
            Type.TensorType a = arg(args, 0), b = arg(args, 1);
            require(a.dtype() != DType.BOOL && b.dtype() != DType.BOOL, "power needs numeric operands, got " + a.dtype().irName() + " and " + b.dtype().irName());
            return new Type.TensorType(broadcastShape("power", a, b), a.dtype());
        }, single((a, at, out) -> Broadcast.binary("power", a.get(0), a.get(1), Elementwise::pow))));
        // Bit operations.
        ops.add(binary("bitwise_and", INTEGER_OR_BOOL, "integer or bool", (a, b) -> new Expr.Binary(Expr.BinOp.BITAND, a, b)));
        ops.add(binary("bitwise_or", INTEGER_OR_BOOL, "integer or bool", (a, b) -> new Expr.Binary(Expr.BinOp.BITOR, a, b)));
        ops.add(binary("bitwise_xor", INTEGER_OR_BOOL, "integer or bool", (a, b) -> new Expr.Binary(Expr.BinOp.BITXOR, a, b)));
        ops.add(binary("left_shift", INTEGER, "integer", (a, b) -> Elementwise.shift(a, b, true)));
        ops.add(binary("right_shift", INTEGER, "integer", (a, b) -> Elementwise.shift(a, b, false)));
        ops.add(unary("bitwise_not", INTEGER, "integer", x -> new Expr.Unary(Expr.UnOp.BITNOT, x)));
        // Comparisons and logic.
        ops.add(compare("equal", E::eq));
        ops.add(compare("not_equal", E::ne));
        ops.add(compare("less", E::lt));
        ops.add(compare("less_equal", E::le));
        ops.add(compare("greater", E::gt));
        ops.add(compare("greater_equal", E::ge));
        ops.add(binary("logical_and", BOOL, "bool", E::and));
        ops.add(binary("logical_or", BOOL, "bool", E::or));
        ops.add(binary("logical_xor", BOOL, "bool", E::ne));
        ops.add(unary("logical_not", BOOL, "bool", E::not));
        // Math functions.
        ops.add(unaryFloat("exp", x -> E.call(Intrinsic.EXP, x)));
        ops.add(unaryFloat("log", x -> E.call(Intrinsic.LOG, x)));
        ops.add(unaryFloat("sqrt", x -> E.call(Intrinsic.SQRT, x)));
        ops.add(unaryFloat("erf", x -> E.call(Intrinsic.ERF, x)));
        ops.add(unaryFloat("tanh", x -> E.call(Intrinsic.TANH, x)));
        ops.add(unaryFloat("sin", x -> E.call(Intrinsic.SIN, x)));
        ops.add(unaryFloat("cos", x -> E.call(Intrinsic.COS, x)));
        ops.add(unaryFloat("tan", x -> E.call(Intrinsic.TAN, x)));
        ops.add(unaryFloat("asin", x -> E.call(Intrinsic.ASIN, x)));
        ops.add(unaryFloat("acos", x -> E.call(Intrinsic.ACOS, x)));
        ops.add(unaryFloat("atan", x -> E.call(Intrinsic.ATAN, x)));
        ops.add(unaryFloat("sinh", x -> E.call(Intrinsic.SINH, x)));
        ops.add(unaryFloat("cosh", x -> E.call(Intrinsic.COSH, x)));
        ops.add(unaryFloat("asinh", x -> E.call(Intrinsic.ASINH, x)));
        ops.add(unaryFloat("acosh", x -> E.call(Intrinsic.ACOSH, x)));
        ops.add(unaryFloat("atanh", x -> E.call(Intrinsic.ATANH, x)));
        ops.add(unaryFloat("floor", x -> E.call(Intrinsic.FLOOR, x)));
        ops.add(unaryFloat("ceil", x -> E.call(Intrinsic.CEIL, x)));
        ops.add(unaryFloat("round", Elementwise::round));
        ops.add(unaryFloat("reciprocal", x -> E.div(E.one(x.dtype()), x)));
        ops.add(unary("negative", NUMERIC, "numeric", E::neg));
        ops.add(unary("abs", NUMERIC, "numeric", Elementwise::abs));
        ops.add(unary("sign", NUMERIC, "numeric", Elementwise::sign));
        ops.add(unary("identity", ANY, "any", x -> x));
        ops.add(predicate("isnan", at -> x -> E.call(Intrinsic.ISNAN, x)));
        ops.add(predicate("isinf", at -> x -> Elementwise.isInf(x,
                at.getLong("detect_positive", 1) != 0, at.getLong("detect_negative", 1) != 0)));
        // Activations.
        ops.add(unary("relu", NUMERIC, "numeric", Elementwise::relu));
        ops.add(unaryFloat("sigmoid", Elementwise::sigmoid));
        ops.add(unaryFloat("hard_swish", Elementwise::hardSwish));
        ops.add(unaryFloat("softplus", Elementwise::softplus));
        ops.add(unaryFloat("softsign", Elementwise::softsign));
        ops.add(unaryFloat("mish", Elementwise::mish));
        ops.add(unaryFloatAttr("leaky_relu", at -> x -> Elementwise.leakyRelu(x, at.getDouble("alpha", 0.01))));
        ops.add(unaryFloatAttr("hard_sigmoid", at -> x -> Elementwise.hardSigmoid(x, at.getDouble("alpha", 0.2), at.getDouble("beta", 0.5))));
        ops.add(unaryFloatAttr("elu", at -> x -> Elementwise.elu(x, at.getDouble("alpha", 1.0))));
        ops.add(unaryFloatAttr("selu", at -> x -> Elementwise.selu(x, at.getDouble("alpha", SELU_ALPHA), at.getDouble("gamma", SELU_GAMMA))));
        ops.add(unaryFloatAttr("celu", at -> x -> Elementwise.celu(x, at.getDouble("alpha", 1.0))));
        ops.add(unaryFloatAttr("thresholded_relu", at -> x -> Elementwise.thresholdedRelu(x, at.getDouble("alpha", 1.0))));
        ops.add(define("gelu", Pattern.ELEMWISE, (args, at) -> {
            Type t = unaryType("gelu", FLOAT, "floating-point", args);
            String approx = at.getString("approximate", "none");
            require(approx.equals("none") || approx.equals("tanh"), "gelu: approximate must be \"none\" or \"tanh\", got \"" + approx + "\"");
            return t;
        }, single((a, at, out) -> Broadcast.unary("gelu", a.get(0),
                at.getString("approximate", "none").equals("tanh") ? Elementwise::geluTanh : Elementwise::gelu))));
        ops.add(define("prelu", Pattern.BROADCAST, (args, at) -> {
            arity(args, 2, 2);
            Type.TensorType x = arg(args, 0), slope = arg(args, 1);
            require(NUMERIC.test(x.dtype()), "prelu needs a numeric tensor, got " + x.dtype().irName());
            require(x.dtype() == slope.dtype(), "prelu: slope type " + slope.dtype().irName() + " differs from input type " + x.dtype().irName());
            List<Long> s = Broadcast.shape(x.shape(), slope.shape());
            require(x.shape().equals(s), "prelu: slope shape " + slope.shape() + " does not broadcast to input shape " + x.shape());
            return x;
        }, single((a, at, out) -> {
            var x = a.get(0);
            var slope = a.get(1);
            return Te.compute("prelu", x.shape(), x.shape().equals(slope.shape()) ? Pattern.ELEMWISE : Pattern.BROADCAST,
                    i -> Elementwise.prelu(x.at(i), Broadcast.read(slope, i)));
        })));
        ops.add(define("clip", Pattern.ELEMWISE, (args, at) -> {
            Type t = unaryType("clip", NUMERIC, "numeric", args);
            for (String k : List.of("min", "max")) {
                if (at.has(k)) {
                    Object v = at.values().get(k);
                    require(v instanceof Long || v instanceof Double, "clip: attribute " + k + " must be a number, got " + v);
                }
            }
            return t;
        }, single((a, at, out) -> Broadcast.unary("clip", a.get(0), x -> Elementwise.clip(x,
                bound(at, "min", x.dtype(), E.lowest(x.dtype())), bound(at, "max", x.dtype(), E.highest(x.dtype())))))));
        // Types.
        ops.add(define("cast", Pattern.ELEMWISE, (args, at) -> {
            arity(args, 1, 1);
            require(at.has("dtype"), "cast needs a 'dtype' attribute");
            DType to;
            try {
                to = DType.fromIrName(at.getString("dtype"));
            } catch (IllegalArgumentException e) {
                throw new OpTypeError("cast: " + e.getMessage());
            }
            return new Type.TensorType(arg(args, 0).shape(), to);
        }, single((a, at, out) -> Broadcast.unary("cast", a.get(0), x -> castExpr(out.dtype(), x)))));
        ops.add(define("where", Pattern.BROADCAST, (args, at) -> {
            arity(args, 3, 3);
            require(arg(args, 0).dtype() == DType.BOOL, "where: condition must be bool, got " + arg(args, 0).dtype().irName());
            require(arg(args, 1).dtype() == arg(args, 2).dtype(), "where: branches differ in type: " + arg(args, 1) + " vs " + arg(args, 2));
            List<Long> s = Broadcast.shape(arg(args, 0).shape(), arg(args, 1).shape());
            s = s == null ? null : Broadcast.shape(s, arg(args, 2).shape());
            require(s != null, "where: shapes " + arg(args, 0).shape() + ", " + arg(args, 1).shape() + ", " + arg(args, 2).shape() + " do not broadcast");
            return new Type.TensorType(s, arg(args, 1).dtype());
        }, single((a, at, out) -> Broadcast.nary("where", a, v -> E.select(v.get(0), v.get(1), v.get(2))))));
        return ops;
    }

    /** Selu's default alpha and gamma (float32 values given by the ONNX specification). */
    public static final double SELU_ALPHA = 1.67326319217681884765625, SELU_GAMMA = 1.05070102214813232421875;

    /** C cast semantics, except float→bool which is "non-zero". */
    public static Expr castExpr(DType to, Expr x) {
        return Elementwise.cast(to, x);
    }

    /** A clip bound as a constant of type t: Long attrs exactly, Double attrs rounded (and saturated for integer types). */
    private static Expr bound(Attrs at, String key, DType t, Expr dflt) {
        if (!at.has(key)) return dflt;
        Object v = at.values().get(key);
        if (t.isFloat()) return E.constant(t, ((Number) v).doubleValue());
        long lo = ((Expr.IntImm) E.lowest(t)).value(), hi = ((Expr.IntImm) E.highest(t)).value();
        boolean unsigned = !t.isSigned();
        if (v instanceof Long l) {
            if (unsigned && t != DType.UINT64) return E.intConst(t, Math.max(0, Math.min(l, hi)));
            if (!unsigned) return E.intConst(t, Math.max(lo, Math.min(l, hi)));
            return E.intConst(t, l);
        }
        double d = (Double) v;
        if (unsigned) {
            if (d <= 0) return E.zero(t);
            if (t == DType.UINT64 && d >= 0x1p64) return E.highest(t);
            if (t != DType.UINT64 && d >= hi) return E.highest(t);
            if (d >= 0x1p63) return E.intConst(t, (long) (d - 0x1p63) + Long.MIN_VALUE);
            return E.intConst(t, (long) d);
        }
        if (d <= lo) return E.lowest(t);
        if (d >= hi) return E.highest(t);
        return E.intConst(t, (long) d);
    }

    /** The broadcast shape of two operands, or an OpTypeError naming the op. */
    private static List<Long> broadcastShape(String name, Type.TensorType a, Type.TensorType b) {
        List<Long> s = Broadcast.shape(a.shape(), b.shape());
        require(s != null, name + ": shapes " + a.shape() + " and " + b.shape() + " do not broadcast");
        return s;
    }

    private static Type.TensorType binaryType(String name, Predicate<DType> ok, String what, List<Type> args) {
        arity(args, 2, 2);
        Type.TensorType a = arg(args, 0), b = arg(args, 1);
        require(a.dtype() == b.dtype(), name + ": operand types differ: " + a.dtype().irName() + " vs " + b.dtype().irName());
        require(ok.test(a.dtype()), name + " needs " + what + " operands, got " + a.dtype().irName());
        return new Type.TensorType(broadcastShape(name, a, b), a.dtype());
    }

    private static Type unaryType(String name, Predicate<DType> ok, String what, List<Type> args) {
        arity(args, 1, 1);
        Type.TensorType a = arg(args, 0);
        require(ok.test(a.dtype()), name + " needs a " + what + " tensor, got " + a.dtype().irName());
        return a;
    }

    private static OpDef binary(String name, Predicate<DType> ok, String what, BinaryOperator<Expr> f) {
        return binaryAttr(name, ok, what, at -> f);
    }

    private static OpDef binaryAttr(String name, Predicate<DType> ok, String what, java.util.function.Function<Attrs, BinaryOperator<Expr>> f) {
        return define(name, Pattern.BROADCAST, (args, at) -> binaryType(name, ok, what, args),
                single((a, at, out) -> Broadcast.binary(name, a.get(0), a.get(1), f.apply(at))));
    }

    private static OpDef compare(String name, BinaryOperator<Expr> f) {
        return define(name, Pattern.BROADCAST, (args, at) -> new Type.TensorType(binaryType(name, ANY, "any", args).shape(), DType.BOOL),
                single((a, at, out) -> Broadcast.binary(name, a.get(0), a.get(1), f)));
    }

    private static OpDef unary(String name, Predicate<DType> ok, String what, UnaryOperator<Expr> f) {
        return define(name, Pattern.ELEMWISE, (args, at) -> unaryType(name, ok, what, args),
                single((a, at, out) -> Broadcast.unary(name, a.get(0), f)));
    }

    private static OpDef unaryFloat(String name, UnaryOperator<Expr> f) {
        return unary(name, FLOAT, "floating-point", f);
    }

    private static OpDef unaryFloatAttr(String name, java.util.function.Function<Attrs, UnaryOperator<Expr>> f) {
        return define(name, Pattern.ELEMWISE, (args, at) -> unaryType(name, FLOAT, "floating-point", args),
                single((a, at, out) -> Broadcast.unary(name, a.get(0), f.apply(at))));
    }

    /** A float → bool test. */
    private static OpDef predicate(String name, java.util.function.Function<Attrs, UnaryOperator<Expr>> f) {
        return define(name, Pattern.ELEMWISE, (args, at) -> {
            Type.TensorType a = (Type.TensorType) unaryType(name, FLOAT, "floating-point", args);
            return new Type.TensorType(a.shape(), DType.BOOL);
        }, single((a, at, out) -> Broadcast.unary(name, a.get(0), f.apply(at))));
    }
}
