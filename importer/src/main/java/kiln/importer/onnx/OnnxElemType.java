package kiln.importer.onnx;

import java.util.Optional;
import kiln.diag.KilnError;
import kiln.tir.DType;

/**
 * An ONNX element type code ({@code TensorProto.DataType}), kept as the raw code so that types Kiln
 * cannot represent (strings, complex numbers, 8-bit and 4-bit floats, codes from newer ONNX versions)
 * still load and fail only where they are used.
 */
public record OnnxElemType(int code) {
    private static final String[] NAMES = {
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
        "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
    };

    public static final int STRING = 8;

    /** The element type code ONNX uses for a Kiln dtype. */
    public static OnnxElemType of(DType dtype) {
        return new OnnxElemType(switch (dtype) {
            case FLOAT32 -> 1;
            case UINT8 -> 2;
            case INT8 -> 3;
            case UINT16 -> 4;
            case INT16 -> 5;
            case INT32 -> 6;
            case INT64 -> 7;
            case BOOL -> 9;
            case FLOAT16 -> 10;
            case FLOAT64 -> 11;
            case UINT32 -> 12;
            case UINT64 -> 13;
            case BFLOAT16 -> 16;
        });
    }

    /** The Kiln dtype for this code, empty for types Kiln does not support (and for UNDEFINED). */
    public Optional<DType> dtype() {
        return Optional.ofNullable(switch (code) {
            case 1 -> DType.FLOAT32;
            case 2 -> DType.UINT8;
            case 3 -> DType.INT8;
            case 4 -> DType.UINT16;
            case 5 -> DType.INT16;
            case 6 -> DType.INT32;
            case 7 -> DType.INT64;
            case 9 -> DType.BOOL;
            case 10 -> DType.FLOAT16;
            case 11 -> DType.FLOAT64;
            case 12 -> DType.UINT32;
            case 13 -> DType.UINT64;
            case 16 -> DType.BFLOAT16;
            default -> null;
        });
    }

    /** True if the code is one ONNX defines (whether or not Kiln supports it). */
    public boolean isKnown() {
        return code >= 0 && code < NAMES.length;
    }

    /** The ONNX spelling, e.g. {@code FLOAT}, {@code COMPLEX64}, or {@code <data type code 99>}. */
    public String onnxName() {
        return isKnown() ? NAMES[code] : "<data type code " + code + ">";
    }

    /**
     * The Kiln dtype, or a KilnError saying why there is none.
     *
     * @param what names the value for the message, e.g. {@code "input 'x' of model.onnx"}
     */
    public DType require(String what) {
        return dtype().orElseThrow(() -> new KilnError(what + " " + unsupportedReason()));
    }

    /** The second half of a sentence saying why this type cannot be used, and what to do. */
    String unsupportedReason() {
        if (code == 0) {
            return "has no element type (data_type UNDEFINED); the model is malformed: re-export it";
        }
        if (code == STRING) {
            return "holds strings: string tensors are not supported by Kiln; remove the string-processing"
                    + " part of the model or run it outside the compiled code";
        }
        if (!isKnown()) {
            return "has unknown data type code " + code + "; the file may come from a newer ONNX version than"
                    + " Kiln understands, or be corrupted";
        }
        return "has data type " + onnxName() + " (code " + code + "), which Kiln does not support; supported are"
                + " FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8/16/32/64, UINT8/16/32/64 and BOOL: convert the model"
                + " to one of those types";
    }

    @Override
    public String toString() {
        return dtype().map(DType::irName).orElse(onnxName());
    }
}
