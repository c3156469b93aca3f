package kiln.tir;

import java.util.List;
import kiln.tir.Expr.BinOp;

/**
 * Short constructors for expressions, with light folding of integer constants so that index
 * arithmetic built by operator computes stays readable before the simplifier runs.
 */
public final class E {
    private E() {}

    public static Expr i64(long v) { return new Expr.IntImm(DType.INT64, v); }

    public static Expr f32(double v) { return new Expr.FloatImm(DType.FLOAT32, v); }

    public static Expr bool(boolean v) { return new Expr.IntImm(DType.BOOL, v ? 1 : 0); }

    /** A constant of the given type (integers are truncated toward zero). */
    public static Expr constant(DType t, double v) {
        return t.isFloat() ? new Expr.FloatImm(t, v) : new Expr.IntImm(t, (long) v);
    }

    public static Expr intConst(DType t, long v) {
        return t.isFloat() ? new Expr.FloatImm(t, v) : new Expr.IntImm(t, v);
    }

    public static Expr zero(DType t) { return intConst(t, 0); }

    public static Expr one(DType t) { return intConst(t, 1); }

    /** The smallest value of the type (minus infinity for floats). */
    public static Expr lowest(DType t) {
        if (t.isFloat()) return new Expr.FloatImm(t, Double.NEGATIVE_INFINITY);
        return new Expr.IntImm(t, switch (t) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case INT64 -> Long.MIN_VALUE;
            default -> 0;
        });
    }

    /** The largest value of the type (plus infinity for floats). */
    public static Expr highest(DType t) {
        if (t.isFloat()) return new Expr.FloatImm(t, Double.POSITIVE_INFINITY);
        return new Expr.IntImm(t, switch (t) {
            case INT8 -> Byte.MAX_VALUE;
            case INT16 -> Short.MAX_VALUE;
            case INT32 -> Integer.MAX_VALUE;
            case INT64 -> Long.MAX_VALUE;
            case UINT8 -> 0xFF;
            case UINT16 -> 0xFFFF;
            case UINT32 -> 0xFFFFFFFFL;
            case UINT64 -> -1L;
            case BOOL -> 1;
            default -> throw new AssertionError(t);
        });
    }

    public static Expr bin(BinOp op, Expr a, Expr b) {
        if (a instanceof Expr.IntImm x && b instanceof Expr.IntImm y && x.dtype() == DType.INT64 && y.dtype() == DType.INT64) {
            Long r = foldInt(op, x.value(), y.value());
            if (r != null) return op.isComparison() ? bool(r != 0) : i64(r);
        }
        if (a.dtype() == DType.INT64) {
            if (op == BinOp.ADD && isInt(a, 0)) return b;
            if ((op == BinOp.ADD || op == BinOp.SUB) && isInt(b, 0)) return a;
            if (op == BinOp.MUL && (isInt(a, 0) || isInt(b, 1))) return a;
            if (op == BinOp.MUL && (isInt(b, 0) || isInt(a, 1))) return b;
            if ((op == BinOp.FLOORDIV || op == BinOp.DIV) && isInt(b, 1)) return a;
            if ((op == BinOp.FLOORMOD || op == BinOp.MOD) && isInt(b, 1)) return i64(0);
        }
        return new Expr.Binary(op, a, b);
    }

    static Long foldInt(BinOp op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? null : x / y;
            case MOD -> y == 0 ? null : x % y;
            case FLOORDIV -> y == 0 ? null : Math.floorDiv(x, y);
            case FLOORMOD -> y == 0 ? null : Math.floorMod(x, y);
            case MIN -> Math.min(x, y);
            case MAX -> Math.max(x, y);
            case LT -> x < y ? 1L : 0L;
            case LE -> x <= y ? 1L : 0L;
            case GT -> x > y ? 1L : 0L;
            case GE -> x >= y ? 1L : 0L;
            case EQ -> x == y ? 1L : 0L;
            case NE -> x != y ? 1L : 0L;
            default -> null;
        };
    }

    public static boolean isInt(Expr e, long v) {
        return e instanceof Expr.IntImm i && i.value() == v;
    }

    public static Expr add(Expr a, Expr b) { return bin(BinOp.ADD, a, b); }
    public static Expr sub(Expr a, Expr b) { return bin(BinOp.SUB, a, b); }
    public static Expr mul(Expr a, Expr b) { return bin(BinOp.MUL, a, b); }
    public static Expr div(Expr a, Expr b) { return bin(BinOp.DIV, a, b); }
    public static Expr mod(Expr a, Expr b) { return bin(BinOp.MOD, a, b); }
    public static Expr floordiv(Expr a, Expr b) { return bin(BinOp.FLOORDIV, a, b); }
    public static Expr floormod(Expr a, Expr b) { return bin(BinOp.FLOORMOD, a, b); }
    public static Expr min(Expr a, Expr b) { return bin(BinOp.MIN, a, b); }
    public static Expr max(Expr a, Expr b) { return bin(BinOp.MAX, a, b); }
    public static Expr lt(Expr a, Expr b) { return bin(BinOp.LT, a, b); }
    public static Expr le(Expr a, Expr b) { return bin(BinOp.LE, a, b); }
    public static Expr gt(Expr a, Expr b) { return bin(BinOp.GT, a, b); }
    public static Expr ge(Expr a, Expr b) { return bin(BinOp.GE, a, b); }
    public static Expr eq(Expr a, Expr b) { return bin(BinOp.EQ, a, b); }
    public static Expr ne(Expr a, Expr b) { return bin(BinOp.NE, a, b); }

    public static Expr and(Expr a, Expr b) {
        if (isInt(a, 1)) return b;
        if (isInt(b, 1)) return a;
        return new Expr.Binary(BinOp.AND, a, b);
    }

    public static Expr or(Expr a, Expr b) { return new Expr.Binary(BinOp.OR, a, b); }
    public static Expr not(Expr a) { return new Expr.Unary(Expr.UnOp.NOT, a); }
    public static Expr neg(Expr a) { return new Expr.Unary(Expr.UnOp.NEG, a); }

    public static Expr select(Expr c, Expr t, Expr f) {
        if (isInt(c, 1) && c.dtype() == DType.BOOL) return t;
        if (isInt(c, 0) && c.dtype() == DType.BOOL) return f;
        return new Expr.Select(c, t, f);
    }

    public static Expr cast(DType t, Expr e) {
        if (e.dtype() == t) return e;
        if (e instanceof Expr.IntImm i && !t.isFloat()) return new Expr.IntImm(t, i.value());
        if (e instanceof Expr.IntImm i && t.isFloat()) return new Expr.FloatImm(t, i.value());
        if (e instanceof Expr.FloatImm f && t.isFloat()) return new Expr.FloatImm(t, f.value());
        return new Expr.Cast(t, e);
    }

    public static Expr call(Intrinsic fn, Expr... args) {
        DType t = (fn == Intrinsic.ISNAN || fn == Intrinsic.ISINF) ? DType.BOOL : args[0].dtype();
        return new Expr.Call(fn, t, List.of(args));
    }

    /** 0 <= i < n, as a bool expression (true when statically known). */
    public static Expr inRange(Expr i, long n) {
        return and(ge(i, i64(0)), lt(i, i64(n)));
    }
}
