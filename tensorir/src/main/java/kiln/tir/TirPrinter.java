package kiln.tir;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints loop IR as readable text (for --dump-ir, kernel comments and IR-text tests). */
public final class TirPrinter {
    private final StringBuilder out = new StringBuilder();
    private final Map<Var, String> names = new IdentityHashMap<>();
    private final NameAllocator alloc = new NameAllocator();

    public static String print(PrimFunc f) {
        TirPrinter p = new TirPrinter();
        p.out.append("prim_func ").append(f.name()).append('(');
        p.out.append(f.params().stream().map(TirPrinter::bufferDecl).collect(Collectors.joining(", ")));
        p.out.append(") {\n");
        for (String n : f.notes()) p.out.append("  # ").append(n).append('\n');
        p.stmt(f.body(), 1);
        p.out.append("}\n");
        return p.out.toString();
    }

    public static String print(Expr e) {
        return new TirPrinter().expr(e);
    }

    private static String bufferDecl(Buffer b) {
        return b.name() + ": " + b.dtype().irName() + b.shape();
    }

    private String name(Var v) {
        return names.computeIfAbsent(v, k -> alloc.fresh(k.name()));
    }

    private void indent(int d) {
        out.append("  ".repeat(d));
    }

    private void stmt(Stmt s, int d) {
        switch (s) {
            case Stmt.For f -> {
                indent(d);
                out.append("for ").append(name(f.var())).append(" in range(").append(expr(f.min())).append(", ")
                        .append(expr(E.add(f.min(), f.extent()))).append(')');
                if (f.kind() != Stmt.ForKind.SERIAL) out.append(" ").append(f.kind().name().toLowerCase(java.util.Locale.ROOT));
                out.append(":\n");
                stmt(f.body(), d + 1);
            }
            case Stmt.Store st -> {
                indent(d);
                out.append(st.buffer().name()).append(indices(st.indices())).append(" = ").append(expr(st.value())).append('\n');
            }
            case Stmt.Seq q -> {
                if (q.stmts().isEmpty()) {
                    indent(d);
                    out.append("pass\n");
                }
                for (Stmt x : q.stmts()) stmt(x, d);
            }
            case Stmt.IfThenElse i -> {
                indent(d);
                out.append("if ").append(expr(i.cond())).append(":\n");
                stmt(i.then(), d + 1);
                if (!(i.otherwise() instanceof Stmt.Seq q && q.stmts().isEmpty())) {
                    indent(d);
                    out.append("else:\n");
                    stmt(i.otherwise(), d + 1);
                }
            }
            case Stmt.Allocate a -> {
                indent(d);
                out.append("alloc ").append(bufferDecl(a.buffer())).append('\n');
                stmt(a.body(), d);
            }
            case Stmt.LetStmt l -> {
                indent(d);
                out.append(name(l.var())).append(": ").append(l.var().dtype().irName()).append(" = ").append(expr(l.value())).append('\n');
                stmt(l.body(), d);
            }
        }
    }

    private String indices(List<Expr> idx) {
        return idx.stream().map(this::expr).collect(Collectors.joining(", ", "[", "]"));
    }

    private String expr(Expr e) {
        return switch (e) {
            case Expr.IntImm i -> i.dtype() == DType.INT64 ? Long.toString(i.value())
                    : i.dtype() == DType.BOOL ? (i.value() != 0 ? "True" : "False") : i.dtype().irName() + "(" + i.value() + ")";
            case Expr.FloatImm f -> f.dtype() == DType.FLOAT32 ? Float.toString((float) f.value()) + "f"
                    : f.dtype().irName() + "(" + f.value() + ")";
            case Var v -> name(v);
            case Expr.Binary b -> switch (b.op()) {
                case MIN, MAX, FLOORDIV, FLOORMOD -> b.op().symbol + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
                default -> "(" + expr(b.a()) + " " + b.op().symbol + " " + expr(b.b()) + ")";
            };
            case Expr.Unary u -> switch (u.op()) {
                case NEG -> "-" + expr(u.a());
                case NOT -> "!" + expr(u.a());
                case BITNOT -> "~" + expr(u.a());
            };
            case Expr.Select s -> "select(" + expr(s.cond()) + ", " + expr(s.t()) + ", " + expr(s.f()) + ")";
            case Expr.Cast c -> c.dtype().irName() + "(" + expr(c.value()) + ")";
            case Expr.Call c -> c.fn().name().toLowerCase(java.util.Locale.ROOT)
                    + c.args().stream().map(this::expr).collect(Collectors.joining(", ", "(", ")"));
            case Expr.Load l -> l.buffer().name() + indices(l.indices());
            case Expr.TensorRead r -> r.tensor().name() + indices(r.indices());
        };
    }
}
