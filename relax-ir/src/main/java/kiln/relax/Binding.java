package kiln.relax;

import java.util.Objects;

/** {@code var = value}: one SSA binding in a function body. */
public record Binding(Var var, Expr value) {
    public Binding {
        Objects.requireNonNull(var);
        Objects.requireNonNull(value);
    }
}
