package kiln.tir.topi;

import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;

/**
 * Scalar formulas of elementwise operators, shared by the ops that use them. Each takes and returns
 * scalar expressions of the operand's dtype; float parameters (alpha, beta, ...) are rounded to
 * that dtype when they become constants.
 */
public final class Elementwise {
    private Elementwise() {}

    /** 1 / (1 + exp(-x)). */
    public static Expr sigmoid(Expr x) {
        DType t = x.dtype();
        return E.div(E.one(t), E.add(E.one(t), E.call(Intrinsic.EXP, E.neg(x))));
    }

    /** max(x, 0). */
    public static Expr relu(Expr x) {
        return E.max(x, E.zero(x.dtype()));
    }

    /** min(max(x, lo), hi). */
    public static Expr clip(Expr x, Expr lo, Expr hi) {
        return E.min(E.max(x, lo), hi);
    }

    /** alpha*x + beta clamped to [0, 1]. */
    public static Expr hardSigmoid(Expr x, double alpha, double beta) {
        DType t = x.dtype();
        return clip(E.add(E.mul(E.constant(t, alpha), x), E.constant(t, beta)), E.zero(t), E.one(t));
    }

    /** x * hard_sigmoid(x; 1/6, 1/2). */
    public static Expr hardSwish(Expr x) {
        return E.mul(x, hardSigmoid(x, 1.0 / 6.0, 0.5));
    }

    /** x &lt; 0 ? alpha*x : x. */
    public static Expr leakyRelu(Expr x, double alpha) {
        DType t = x.dtype();
        return E.select(E.lt(x, E.zero(t)), E.mul(E.constant(t, alpha), x), x);
    }

    /** x &lt; 0 ? slope*x : x, with the slope given as an expression of x's type. */
    public static Expr prelu(Expr x, Expr slope) {
        return E.select(E.lt(x, E.zero(x.dtype())), E.mul(slope, x), x);
    }

    /** x &lt; 0 ? alpha*(exp(x) - 1) : x. */
    public static Expr elu(Expr x, double alpha) {
        DType t = x.dtype();
        return E.select(E.lt(x, E.zero(t)), E.mul(E.constant(t, alpha), E.call(Intrinsic.EXPM1, x)), x);
    }

    /** x &gt; 0 ? gamma*x : gamma*(alpha*exp(x) - alpha). */
    public static Expr selu(Expr x, double alpha, double gamma) {
        DType t = x.dtype();
        Expr a = E.constant(t, alpha), g = E.constant(t, gamma);
        Expr neg = E.mul(g, E.sub(E.mul(a, E.call(Intrinsic.EXP, x)), a));
        return E.select(E.gt(x, E.zero(t)), E.mul(g, x), neg);
    }

    /** max(0, x) + min(0, alpha*(exp(x/alpha) - 1)). */
    public static Expr celu(Expr x, double alpha) {
        DType t = x.dtype();
        Expr a = E.constant(t, alpha);
        Expr neg = E.mul(a, E.call(Intrinsic.EXPM1, E.div(x, a)));
        return E.add(E.max(E.zero(t), x), E.min(E.zero(t), neg));
    }

    /** x &gt; alpha ? x : 0. */
    public static Expr thresholdedRelu(Expr x, double alpha) {
        DType t = x.dtype();
        return E.select(E.gt(x, E.constant(t, alpha)), x, E.zero(t));
    }

    /** log(1 + exp(x)), evaluated as max(x, 0) + log1p(exp(-|x|)) so that it neither overflows nor loses small values. */
    public static Expr softplus(Expr x) {
        DType t = x.dtype();
        return E.add(E.max(x, E.zero(t)), E.call(Intrinsic.LOG1P, E.call(Intrinsic.EXP, E.neg(E.call(Intrinsic.FABS, x)))));
    }

    /** x / (1 + |x|). */
    public static Expr softsign(Expr x) {
        DType t = x.dtype();
        return E.div(x, E.add(E.one(t), E.call(Intrinsic.FABS, x)));
    }

    /** x * tanh(softplus(x)). */
    public static Expr mish(Expr x) {
        return E.mul(x, E.call(Intrinsic.TANH, softplus(x)));
    }

    /** The exact GELU: x/2 * (1 + erf(x/sqrt(2))). */
    public static Expr gelu(Expr x) {
        DType t = x.dtype();
        Expr half = E.constant(t, 0.5);
        return E.mul(E.mul(half, x), E.add(E.one(t), E.call(Intrinsic.ERF, E.mul(x, E.constant(t, Math.sqrt(0.5))))));
    }

    /** The tanh approximation of GELU: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))). */
    public static Expr geluTanh(Expr x) {
        DType t = x.dtype();
        Expr half = E.constant(t, 0.5);
        Expr cube = E.mul(E.mul(x, x), x);
        Expr inner = E.mul(E.constant(t, Math.sqrt(2.0 / Math.PI)), E.add(x, E.mul(E.constant(t, 0.044715), cube)));
        return E.mul(E.mul(half, x), E.add(E.one(t), E.call(Intrinsic.TANH, inner)));
    }

    /** |x| for any numeric type (unsigned and bool values are their own absolute value). */
    public static Expr abs(Expr x) {
        DType t = x.dtype();
        if (t.isFloat()) return E.call(Intrinsic.FABS, x);
        if (t.isSigned()) return E.select(E.lt(x, E.zero(t)), E.neg(x), x);
        return x;
    }

    /** -1, 0 or 1 by the sign of x; NaN stays NaN. */
    public static Expr sign(Expr x) {
        DType t = x.dtype();
        Expr zero = E.zero(t);
        if (t == DType.BOOL) return x;
        if (!t.isSigned()) return E.select(E.gt(x, zero), E.one(t), zero);
        Expr rest = t.isFloat() ? E.select(E.eq(x, zero), zero, x) : zero;
        return E.select(E.gt(x, zero), E.one(t), E.select(E.lt(x, zero), E.intConst(t, -1), rest));
    }

    /** Rounds to the nearest integer, halves to even (the default floating-point rounding mode). */
    public static Expr round(Expr x) {
        return E.call(Intrinsic.NEARBYINT, x);
    }

    /**
     * ONNX Mod. With {@code fmod} the remainder takes the dividend's sign (C fmod / %); without it the
     * divisor's sign (Python / numpy mod). Integer division by zero is undefined, as in C.
     */
    public static Expr mod(Expr a, Expr b, boolean fmod) {
        DType t = a.dtype();
        if (!t.isFloat()) {
            if (fmod || !t.isSigned()) return E.mod(a, b);
            return E.floormod(a, b);
        }
        Expr r = E.call(Intrinsic.FMOD, a, b);
        if (fmod) return r;
        Expr zero = E.zero(t);
        Expr fix = E.and(E.ne(r, zero), E.ne(E.lt(r, zero), E.lt(b, zero)));
        return E.select(fix, E.add(r, b), r);
    }

    /** Whether x is an infinity of the selected signs. */
    public static Expr isInf(Expr x, boolean positive, boolean negative) {
        DType t = x.dtype();
        if (positive && negative) return E.call(Intrinsic.ISINF, x);
        if (positive) return E.eq(x, E.highest(t));
        if (negative) return E.eq(x, E.lowest(t));
        return E.bool(false);
    }

    /**
     * a raised to b. Float bases compute in their own type (the exponent is converted to it); integer
     * bases compute in double precision and convert back (exact while the result fits in 53 bits), which
     * matches numpy's {@code power(a, b).astype(a.dtype)} for the results integer tensors can hold.
     */
    public static Expr pow(Expr a, Expr b) {
        DType t = a.dtype();
        if (t.isFloat()) return E.call(Intrinsic.POW, a, E.cast(t, b));
        return E.cast(t, E.call(Intrinsic.POW, E.cast(DType.FLOAT64, a), E.cast(DType.FLOAT64, b)));
    }

    /**
     * a &lt;&lt; b or a &gt;&gt; b; shifting by the type's width or more gives 0 (as numpy does for
     * unsigned types) rather than C's undefined behaviour.
     */
    public static Expr shift(Expr a, Expr b, boolean left) {
        DType t = a.dtype();
        Expr shifted = new Expr.Binary(left ? Expr.BinOp.SHL : Expr.BinOp.SHR, a, b);
        return E.select(E.ge(b, E.intConst(t, t.bytes() * 8L)), E.zero(t), shifted);
    }

    /** C cast semantics, except float→bool which is "non-zero" (NaN is true). */
    public static Expr cast(DType to, Expr x) {
        if (to == DType.BOOL) return E.ne(x, E.zero(x.dtype()));
        return E.cast(to, x);
    }
}
