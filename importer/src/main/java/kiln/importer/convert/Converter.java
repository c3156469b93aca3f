package kiln.importer.convert;

import java.util.List;
import kiln.relax.Expr;

/**
 * Converts one ONNX node into graph IR. A converter handles every opset version of its op itself
 * (branching on {@link ConvertContext#opset()} where attributes moved to inputs or semantics changed).
 */
@FunctionalInterface
public interface Converter {
    /** Returns one expression per node output, in order (optional outputs the model does not use may be omitted). */
    List<Expr> convert(ConvertContext ctx);
}
