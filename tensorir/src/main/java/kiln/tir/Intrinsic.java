package kiln.tir;

/** Pure math functions available in every target; printers map them to the C library names. */
public enum Intrinsic {
    EXP(1), LOG(1), SQRT(1), TANH(1), ERF(1), POW(2), FABS(1), FLOOR(1), CEIL(1), NEARBYINT(1),
    SIN(1), COS(1), TAN(1), ASIN(1), ACOS(1), ATAN(1), SINH(1), COSH(1), ASINH(1), ACOSH(1), ATANH(1),
    FMOD(2), ISNAN(1), ISINF(1), ATAN2(2), FMA(3), LOG1P(1), EXPM1(1);

    public final int arity;

    Intrinsic(int arity) { this.arity = arity; }

    /** The C99 math.h name for the given float type ({@code expf} for float, {@code exp} for double). */
    public String cName(DType t) {
        String base = switch (this) {
            case NEARBYINT -> "nearbyint";
            case ISNAN -> "isnan";
            case ISINF -> "isinf";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
        if (this == ISNAN || this == ISINF) return base;
        return t == DType.FLOAT64 ? base : base + "f";
    }
}
