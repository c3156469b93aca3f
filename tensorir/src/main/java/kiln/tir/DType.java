package kiln.tir;

/** Element types of tensors and scalar expressions, with their C spelling and byte width. */
public enum DType {
    FLOAT32("float32", "float", 4, true, true),
    FLOAT64("float64", "double", 8, true, true),
    FLOAT16("float16", "uint16_t", 2, true, true),
    BFLOAT16("bfloat16", "uint16_t", 2, true, true),
    INT8("int8", "int8_t", 1, false, true),
    INT16("int16", "int16_t", 2, false, true),
    INT32("int32", "int32_t", 4, false, true),
    INT64("int64", "int64_t", 8, false, true),
    UINT8("uint8", "uint8_t", 1, false, false),
    UINT16("uint16", "uint16_t", 2, false, false),
    UINT32("uint32", "uint32_t", 4, false, false),
    UINT64("uint64", "uint64_t", 8, false, false),
    BOOL("bool", "uint8_t", 1, false, false);

    private final String name;
    private final String cType;
    private final int bytes;
    private final boolean isFloat;
    private final boolean signed;

    DType(String name, String cType, int bytes, boolean isFloat, boolean signed) {
        this.name = name;
        this.cType = cType;
        this.bytes = bytes;
        this.isFloat = isFloat;
        this.signed = signed;
    }

    /** The name used in IR text and manifests, e.g. {@code float32}. */
    public String irName() { return name; }

    /** The C99 storage type, e.g. {@code float}, {@code int64_t}. */
    public String cType() { return cType; }

    public int bytes() { return bytes; }

    public boolean isFloat() { return isFloat; }

    public boolean isInt() { return !isFloat && this != BOOL; }

    public boolean isSigned() { return signed; }

    /** The numpy dtype descriptor for .npy files ({@code <f4}, {@code |b1}, ...). */
    public String npyDescr() {
        return switch (this) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case FLOAT16 -> "<f2";
            case BFLOAT16 -> "<V2";
            case INT8 -> "|i1";
            case INT16 -> "<i2";
            case INT32 -> "<i4";
            case INT64 -> "<i8";
            case UINT8 -> "|u1";
            case UINT16 -> "<u2";
            case UINT32 -> "<u4";
            case UINT64 -> "<u8";
            case BOOL -> "|b1";
        };
    }

    public static DType fromIrName(String s) {
        for (DType d : values()) {
            if (d.name.equals(s)) return d;
        }
        throw new IllegalArgumentException("unknown dtype '" + s + "'");
    }
}
