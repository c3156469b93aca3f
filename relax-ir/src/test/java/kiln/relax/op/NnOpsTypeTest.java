package kiln.relax.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.compute.Pattern;
import org.junit.jupiter.api.Test;

/** Type inference of the nn ops: output shapes, and clear errors for invalid arguments. */
class NnOpsTypeTest {
    private static Type.TensorType f32(long... shape) { return Type.TensorType.of(DType.FLOAT32, shape); }

    private static Type infer(String op, Attrs at, Type... args) {
        return OpRegistry.get(op).inferType(List.of(args), at);
    }

    private static void rejects(String op, Attrs at, String fragment, Type... args) {
        OpTypeError e = assertThrows(OpTypeError.class, () -> infer(op, at, args));
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void patterns() {
        assertEquals(Pattern.OUT_ELEMWISE_FUSABLE, OpRegistry.get("conv").pattern());
        assertEquals(Pattern.OUT_ELEMWISE_FUSABLE, OpRegistry.get("conv_transpose").pattern());
        assertEquals(Pattern.OUT_ELEMWISE_FUSABLE, OpRegistry.get("max_pool").pattern());
        assertEquals(Pattern.OUT_ELEMWISE_FUSABLE, OpRegistry.get("avg_pool").pattern());
        assertEquals(Pattern.REDUCTION, OpRegistry.get("global_avg_pool").pattern());
        assertEquals(Pattern.BROADCAST, OpRegistry.get("batch_norm").pattern());
        assertEquals(Pattern.REDUCTION, OpRegistry.get("softmax").pattern());
        assertEquals(Pattern.REDUCTION, OpRegistry.get("layer_norm").pattern());
    }

    @Test
    void convShapes() {
        assertEquals(f32(1, 8, 112, 112), infer("conv", Attrs.of("strides", List.of(2L, 2L), "pads", List.of(3L, 3L, 3L, 3L)),
                f32(1, 3, 224, 224), f32(8, 3, 7, 7)));
        assertEquals(f32(2, 4, 8), infer("conv", Attrs.EMPTY, f32(2, 3, 10), f32(4, 3, 3), f32(4)));
        assertEquals(f32(1, 32, 5, 5, 5), infer("conv", Attrs.of("groups", 32L), f32(1, 32, 7, 7, 7), f32(32, 1, 3, 3, 3)));
        assertEquals(f32(1, 2, 3, 3), infer("conv", Attrs.of("dilations", List.of(2L, 2L)), f32(1, 2, 7, 7), f32(2, 2, 3, 3)));
    }

    @Test
    void convErrors() {
        rejects("conv", Attrs.EMPTY, "expects 4 input channels", f32(1, 3, 8, 8), f32(2, 4, 3, 3));
        rejects("conv", Attrs.of("groups", 2L), "not divisible by groups", f32(1, 3, 8, 8), f32(2, 1, 3, 3));
        rejects("conv", Attrs.of("groups", 2L), "output channels 3 are not divisible", f32(1, 4, 8, 8), f32(3, 2, 3, 3));
        rejects("conv", Attrs.EMPTY, "rank", f32(1, 3, 8, 8), f32(2, 3, 3));
        rejects("conv", Attrs.EMPTY, "spatial", f32(1, 3), f32(2, 3));
        rejects("conv", Attrs.of("strides", List.of(1L)), "strides has 1 entries, expected 2", f32(1, 3, 8, 8), f32(2, 3, 3, 3));
        rejects("conv", Attrs.of("pads", List.of(1L, 1L)), "pads has 2 entries, expected 4", f32(1, 3, 8, 8), f32(2, 3, 3, 3));
        rejects("conv", Attrs.of("strides", List.of(0L, 1L)), "strides must be positive", f32(1, 3, 8, 8), f32(2, 3, 3, 3));
        rejects("conv", Attrs.of("pads", List.of(-1L, 0L, 0L, 0L)), "non-negative", f32(1, 3, 8, 8), f32(2, 3, 3, 3));
        rejects("conv", Attrs.EMPTY, "larger than the padded input", f32(1, 3, 2, 8), f32(2, 3, 3, 3));
        rejects("conv", Attrs.EMPTY, "bias must be [2]", f32(1, 3, 8, 8), f32(2, 3, 3, 3), f32(3));
        rejects("conv", Attrs.EMPTY, "weight has type float64", f32(1, 3, 8, 8), Type.TensorType.of(DType.FLOAT64, 2, 3, 3, 3));
        rejects("conv", Attrs.EMPTY, "expected 2 to 3 arguments", f32(1, 3, 8, 8));
    }

    @Test
    void convTransposeShapes() {
        // out = s*(in-1) + output_padding + (k-1)*d + 1 - pads
        assertEquals(f32(1, 4, 10, 10), infer("conv_transpose", Attrs.of("strides", List.of(2L, 2L), "output_padding", List.of(1L, 1L),
                "pads", List.of(1L, 1L, 1L, 1L)), f32(1, 3, 5, 5), f32(3, 4, 3, 3)));
        assertEquals(f32(1, 6, 5), infer("conv_transpose", Attrs.of("groups", 3L), f32(1, 3, 3), f32(3, 2, 3)));
        rejects("conv_transpose", Attrs.EMPTY, "expects 4 input channels", f32(1, 3, 5), f32(4, 2, 3));
        rejects("conv_transpose", Attrs.of("pads", List.of(3L, 3L)), "remove the whole output", f32(1, 3, 2), f32(3, 2, 2));
        rejects("conv_transpose", Attrs.of("output_padding", List.of(1L, 1L)), "output_padding has 2 entries", f32(1, 3, 5), f32(3, 2, 3));
    }

    @Test
    void poolShapesAndErrors() {
        Attrs k3s2 = Attrs.of("kernel_shape", List.of(3L, 3L), "strides", List.of(2L, 2L), "pads", List.of(1L, 1L, 1L, 1L));
        assertEquals(f32(1, 64, 56, 56), infer("max_pool", k3s2, f32(1, 64, 112, 112)));
        assertEquals(f32(1, 2, 3), infer("avg_pool", Attrs.of("kernel_shape", List.of(2L), "strides", List.of(2L), "ceil_mode", 1L), f32(1, 2, 5)));
        rejects("max_pool", Attrs.EMPTY, "missing attribute kernel_shape", f32(1, 2, 5));
        rejects("max_pool", Attrs.of("kernel_shape", List.of(2L)), "kernel_shape has 1 entries, expected 2", f32(1, 2, 5, 5));
        rejects("max_pool", Attrs.of("kernel_shape", List.of(2L), "pads", List.of(2L, 0L)), "smaller than the (dilated) kernel", f32(1, 2, 5));
        rejects("avg_pool", Attrs.of("kernel_shape", List.of(6L)), "larger than the padded input", f32(1, 2, 5));
        rejects("avg_pool", Attrs.of("kernel_shape", List.of(2L)), "floating-point", Type.TensorType.of(DType.INT32, 1, 2, 5));
        rejects("global_avg_pool", Attrs.EMPTY, "spatial", f32(2, 3));
        assertEquals(f32(2, 3, 1, 1), infer("global_max_pool", Attrs.EMPTY, f32(2, 3, 4, 5)));
    }

    @Test
    void normErrors() {
        rejects("batch_norm", Attrs.EMPTY, "expected 5 arguments", f32(1, 3, 4, 4), f32(3), f32(3), f32(3));
        rejects("batch_norm", Attrs.EMPTY, "scale must be [3]", f32(1, 3, 4, 4), f32(4), f32(4), f32(4), f32(4));
        rejects("batch_norm", Attrs.EMPTY, "var must have shape [3]", f32(1, 3, 4, 4), f32(3), f32(3), f32(3), f32(1));
        rejects("batch_norm", Attrs.EMPTY, "mean must be a floating-point tensor", f32(1, 3, 4, 4), f32(3), f32(3),
                Type.TensorType.of(DType.INT32, 3), f32(3));
        rejects("layer_norm", Attrs.of("axis", 2L), "does not broadcast to the normalized shape", f32(2, 3, 4), f32(5));
        rejects("layer_norm", Attrs.of("axis", 2L), "does not broadcast to the normalized shape", f32(2, 3, 4), f32(3, 4));
        rejects("layer_norm", Attrs.of("axis", 3L), "axis 3 is out of range", f32(2, 3, 4), f32(4));
        rejects("instance_norm", Attrs.EMPTY, "scale must be [3]", f32(1, 3, 4), f32(4), f32(3));
        rejects("softmax", Attrs.EMPTY, "missing attribute axis", f32(2, 3));
        rejects("softmax", Attrs.of("axis", 0L), "floating-point", Type.TensorType.of(DType.INT64, 2, 3));
        rejects("lp_normalization", Attrs.of("axis", 0L, "p", 3L), "p must be 1 or 2", f32(2, 3));
        rejects("lrn", Attrs.of("size", 0L), "size must be positive", f32(1, 3, 4, 4));
        assertEquals(f32(2, 3, 4), infer("layer_norm", Attrs.of("axis", 1L), f32(2, 3, 4), f32(1, 4), f32(3, 1)));
    }
}
