package kiln.relax;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import kiln.tir.NameAllocator;
import kiln.tir.TirPrinter;

/** Prints a module as text: the graph function, then each kernel. Deterministic. */
public final class IRPrinter {
    private final Map<Var, String> names = new IdentityHashMap<>();
    private final NameAllocator alloc = new NameAllocator();

    public static String print(IRModule m) {
        StringBuilder sb = new StringBuilder(print(m.main()));
        for (var e : m.prims().values()) sb.append('\n').append(TirPrinter.print(e));
        return sb.toString();
    }

    public static String print(Function f) {
        IRPrinter p = new IRPrinter();
        StringBuilder sb = new StringBuilder("def ").append(f.name()).append('(');
        sb.append(f.params().stream().map(v -> p.name(v) + ": " + v.type()).collect(Collectors.joining(", ")));
        sb.append(") {\n");
        for (Binding b : f.bindings()) {
            sb.append("  ").append(p.name(b.var())).append(" = ").append(p.expr(b.value())).append(" : ").append(b.var().type());
            var src = switch (b.value()) {
                case Expr.Call c -> c.sources();
                case Expr.CallPrim c -> c.sources();
                default -> java.util.List.<String>of();
            };
            if (!src.isEmpty()) sb.append("  # ").append(String.join(", ", src));
            sb.append('\n');
        }
        sb.append("  return ").append(f.outputs().stream().map(p::expr).collect(Collectors.joining(", "))).append("\n}\n");
        return sb.toString();
    }

    private String name(Var v) {
        return names.computeIfAbsent(v, k -> "%" + alloc.fresh(k.name()));
    }

    private String expr(Expr e) {
        return switch (e) {
            case Var v -> name(v);
            case Expr.Constant c -> c.value().size() == 1 && c.value().rank() == 0
                    ? "const(" + c.value().dtype().irName() + " " + (c.value().dtype().isFloat() ? c.value().getDouble(0) : c.value().getLong(0)) + ")"
                    : "const(" + c.name() + ": " + c.type() + ")";
            case Expr.Call c -> c.op() + "(" + c.args().stream().map(this::expr).collect(Collectors.joining(", "))
                    + (c.attrs().values().isEmpty() ? "" : (c.args().isEmpty() ? "" : ", ") + c.attrs()) + ")";
            case Expr.CallPrim c -> "call_prim(@" + c.func() + (c.args().isEmpty() ? "" : ", ")
                    + c.args().stream().map(this::expr).collect(Collectors.joining(", ")) + ")";
            case Expr.Tuple t -> t.fields().stream().map(this::expr).collect(Collectors.joining(", ", "(", ")"));
            case Expr.TupleGetItem g -> expr(g.tuple()) + "." + g.index();
        };
    }
}
