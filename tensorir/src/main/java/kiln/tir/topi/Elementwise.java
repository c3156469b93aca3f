package kiln.tir.topi;

import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;

/** Scalar formulas of elementwise operators, shared by the ops that use them. */
public final class Elementwise {
    private Elementwise() {}

    public static Expr sigmoid(Expr x) {
        DType t = x.dtype();
        return E.div(E.one(t), E.add(E.one(t), E.call(Intrinsic.EXP, E.neg(x))));
    }

    public static Expr relu(Expr x) {
        return E.max(x, E.zero(x.dtype()));
    }

    public static Expr clip(Expr x, Expr lo, Expr hi) {
        return E.min(E.max(x, lo), hi);
    }

    /** alpha*x + beta clamped to [0, 1]. */
    public static Expr hardSigmoid(Expr x, double alpha, double beta) {
        DType t = x.dtype();
        return clip(E.add(E.mul(E.constant(t, alpha), x), E.constant(t, beta)), E.zero(t), E.one(t));
    }

    public static Expr hardSwish(Expr x) {
        return E.mul(x, hardSigmoid(x, 1.0 / 6.0, 0.5));
    }

    public static Expr leakyRelu(Expr x, double alpha) {
        DType t = x.dtype();
        return E.select(E.lt(x, E.zero(t)), E.mul(E.constant(t, alpha), x), x);
    }

    /** Integer or float power; for floats, the C pow function. */
    public static Expr pow(Expr a, Expr b) {
        return E.call(Intrinsic.POW, a, b);
    }
}
