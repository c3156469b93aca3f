package kiln.importer.convert;

import java.util.List;
import kiln.relax.Attrs;

/** Converters for neural-network ONNX ops: MatMul, Gemm, convolutions, pooling, normalization. */
final class NnConverters {
    private NnConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("MatMul", ctx -> List.of(ctx.call("matmul", Attrs.EMPTY, ctx.input(0), ctx.input(1))));
    }
}
