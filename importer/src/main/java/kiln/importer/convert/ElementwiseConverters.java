package kiln.importer.convert;

import java.util.List;
import kiln.relax.Attrs;

/** Converters for elementwise ONNX ops: arithmetic, comparisons, activations, casts. */
final class ElementwiseConverters {
    private ElementwiseConverters() {}

    static void register(ConverterTable.Registrar r) {
        binary(r, "Add", "add");
        binary(r, "Sub", "subtract");
        binary(r, "Mul", "multiply");
        binary(r, "Div", "divide");
        unary(r, "Relu", "relu");
    }

    static void binary(ConverterTable.Registrar r, String onnx, String op) {
        r.add(onnx, ctx -> List.of(ctx.call(op, Attrs.EMPTY, ctx.input(0), ctx.input(1))));
    }

    static void unary(ConverterTable.Registrar r, String onnx, String op) {
        r.add(onnx, ctx -> List.of(ctx.call(op, Attrs.EMPTY, ctx.input(0))));
    }
}
