package kiln.relax.op;

import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Tensor;

/**
 * A graph operator: type inference over argument types and attributes, and legalization into
 * tensor computes (written once in the op library, kiln.tir.topi). Stateless and immutable.
 */
public interface OpDef {
    /** The op's graph-level name, e.g. {@code conv2d}. */
    String name();

    /** How the op accesses memory; drives fusion and default schedules. */
    Pattern pattern();

    /**
     * The output type for these argument types and attributes.
     * @throws OpTypeError when the arguments are invalid for this op (the message says why)
     */
    Type inferType(List<Type> args, Attrs attrs);

    /** The computes producing the op's outputs (one tensor per output). */
    List<Tensor> compute(List<Tensor> args, Attrs attrs, Type out);
}
