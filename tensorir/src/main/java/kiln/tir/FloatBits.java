package kiln.tir;

/** Bit-level helpers for the float formats Kiln stores: bfloat16 and C-style float-to-int casts. */
public final class FloatBits {
    private FloatBits() {}

    public static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float fromBfloat16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** Truncation toward zero like a C cast, saturating where C would be undefined. */
    public static long toLongSaturating(double v) {
        if (Double.isNaN(v)) return 0;
        return (long) v;
    }

    /** A C99 hexadecimal literal that reproduces the float bit-exactly, e.g. {@code 0x1.8p1f}; NaN and infinities use math.h macros. */
    public static String cHexFloat(float v) {
        if (Float.isNaN(v)) return "NAN";
        if (Float.isInfinite(v)) return v > 0 ? "INFINITY" : "-INFINITY";
        if (v == 0.0f) return (Float.floatToRawIntBits(v) < 0) ? "-0x0p+0f" : "0x0p+0f";
        return Float.toHexString(v).replace("0x1.0p", "0x1p") + "f";
    }

    /** A C99 hexadecimal literal that reproduces the double bit-exactly. */
    public static String cHexDouble(double v) {
        if (Double.isNaN(v)) return "(double)NAN";
        if (Double.isInfinite(v)) return v > 0 ? "(double)INFINITY" : "(-(double)INFINITY)";
        if (v == 0.0) return (Double.doubleToRawLongBits(v) < 0) ? "-0x0p+0" : "0x0p+0";
        return Double.toHexString(v).replace("0x1.0p", "0x1p");
    }
}
