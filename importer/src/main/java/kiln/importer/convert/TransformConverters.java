package kiln.importer.convert;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Attrs;
import kiln.tir.NDArray;

/** Converters for shape and data-movement ONNX ops. */
final class TransformConverters {
    private TransformConverters() {}

    static void register(ConverterTable.Registrar r) {
        r.add("Reshape", TransformConverters::reshape);
    }

    /** Reshape with ONNX's 0 (copy input dim, unless allowzero) and -1 (infer) conventions. */
    private static List<kiln.relax.Expr> reshape(ConvertContext ctx) {
        long[] spec = ctx.opset() >= 5 ? ctx.constInputLongs(1, "shape") : ctx.node().attrInts("shape")
                .orElseThrow(() -> ctx.error("missing attribute 'shape'"));
        boolean allowZero = ctx.node().attrInt("allowzero", 0) != 0;
        List<Long> in = ctx.type(0).shape();
        List<Long> out = new ArrayList<>();
        int infer = -1;
        long known = 1;
        for (int k = 0; k < spec.length; k++) {
            long d = spec[k];
            if (d == 0 && !allowZero) {
                if (k >= in.size()) throw ctx.error("shape entry " + k + " is 0 (copy) but the input has rank " + in.size());
                d = in.get(k);
            }
            if (d == -1) {
                if (infer >= 0) throw ctx.error("shape " + java.util.Arrays.toString(spec) + " has more than one -1");
                infer = k;
                out.add(-1L);
                continue;
            }
            if (d < 0) throw ctx.error("shape entry " + k + " is " + d + "; only -1 may be negative");
            known *= d;
            out.add(d);
        }
        long total = NDArray.numel(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) throw ctx.error("cannot infer the -1 dimension reshaping " + in + " to " + java.util.Arrays.toString(spec));
            out.set(infer, total / known);
        }
        return List.of(ctx.call("reshape", Attrs.of("shape", out), ctx.input(0)));
    }
}
