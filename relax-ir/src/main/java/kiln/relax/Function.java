package kiln.relax;

import java.util.List;
import java.util.Objects;

/**
 * A graph function: parameters (the model inputs, in order), SSA bindings in execution order,
 * and outputs (vars or constants, in the model's output order). {@code outputNames} keeps the
 * model's output names for the emitted header.
 */
public record Function(String name, List<Var> params, List<Binding> bindings, List<Expr> outputs, List<String> outputNames) {
    public Function {
        Objects.requireNonNull(name);
        params = List.copyOf(params);
        bindings = List.copyOf(bindings);
        outputs = List.copyOf(outputs);
        outputNames = List.copyOf(outputNames);
        if (outputs.size() != outputNames.size()) throw new IllegalArgumentException("outputs and output names differ in length");
    }

    public Function withBindings(List<Binding> b, List<Expr> outs) {
        return new Function(name, params, b, outs, outputNames);
    }
}
