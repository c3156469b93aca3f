package kiln.tir;

/**
 * A scalar variable (loop index, let-bound value). Identity matters: two vars with the same name
 * are different variables; printers and emitters give them unique names with a name allocator.
 */
public final class Var implements Expr {
    private final String name;
    private final DType dtype;

    public Var(String name, DType dtype) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("var needs a name");
        this.name = name;
        this.dtype = java.util.Objects.requireNonNull(dtype);
    }

    public static Var index(String name) { return new Var(name, DType.INT64); }

    public String name() { return name; }

    @Override
    public DType dtype() { return dtype; }

    @Override
    public String toString() { return name; }
}
