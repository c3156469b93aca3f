package kiln.relax;

import java.util.Objects;

/** A graph variable (function parameter or binding). Identity-based: each binding has its own Var. */
public final class Var implements Expr {
    private final String name;
    private final Type type;

    public Var(String name, Type type) {
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
    }

    public String name() { return name; }

    @Override
    public Type type() { return type; }

    @Override
    public String toString() { return "%" + name; }
}
