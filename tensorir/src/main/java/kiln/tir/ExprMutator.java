package kiln.tir;

import java.util.ArrayList;
import java.util.List;

/**
 * The one rewriter base for loop IR: visits children and rebuilds a node only when a child changed,
 * so an unchanged subtree comes back as the same instance. Override the cases you need.
 */
public class ExprMutator {

    public Expr mutate(Expr e) {
        return switch (e) {
            case Expr.IntImm x -> x;
            case Expr.FloatImm x -> x;
            case Var v -> mutateVar(v);
            case Expr.Binary b -> {
                Expr a = mutate(b.a()), c = mutate(b.b());
                yield a == b.a() && c == b.b() ? b : rebuildBinary(b, a, c);
            }
            case Expr.Unary u -> {
                Expr a = mutate(u.a());
                yield a == u.a() ? u : new Expr.Unary(u.op(), a);
            }
            case Expr.Select s -> {
                Expr c = mutate(s.cond()), t = mutate(s.t()), f = mutate(s.f());
                yield c == s.cond() && t == s.t() && f == s.f() ? s : new Expr.Select(c, t, f);
            }
            case Expr.Cast c -> {
                Expr v = mutate(c.value());
                yield v == c.value() ? c : new Expr.Cast(c.dtype(), v);
            }
            case Expr.Call c -> {
                List<Expr> args = mutateAll(c.args());
                yield args == c.args() ? c : new Expr.Call(c.fn(), c.dtype(), args);
            }
            case Expr.Load l -> mutateLoad(l);
            case Expr.TensorRead r -> mutateTensorRead(r);
        };
    }

    protected Expr rebuildBinary(Expr.Binary old, Expr a, Expr b) {
        return new Expr.Binary(old.op(), a, b);
    }

    protected Expr mutateVar(Var v) { return v; }

    protected Expr mutateLoad(Expr.Load l) {
        List<Expr> idx = mutateAll(l.indices());
        return idx == l.indices() ? l : new Expr.Load(l.buffer(), idx);
    }

    protected Expr mutateTensorRead(Expr.TensorRead r) {
        List<Expr> idx = mutateAll(r.indices());
        return idx == r.indices() ? r : new Expr.TensorRead(r.tensor(), idx);
    }

    /** Returns the same list instance when no element changed. */
    public List<Expr> mutateAll(List<Expr> es) {
        List<Expr> out = null;
        for (int k = 0; k < es.size(); k++) {
            Expr m = mutate(es.get(k));
            if (m != es.get(k) && out == null) {
                out = new ArrayList<>(es.subList(0, k));
            }
            if (out != null) out.add(m);
        }
        return out == null ? es : List.copyOf(out);
    }

    /** Rewrites the expressions inside a statement with this mutator. */
    public Stmt mutate(Stmt s) {
        return switch (s) {
            case Stmt.For f -> {
                Expr mn = mutate(f.min()), ex = mutate(f.extent());
                Stmt b = mutate(f.body());
                yield mn == f.min() && ex == f.extent() && b == f.body() ? f : new Stmt.For(f.var(), mn, ex, f.kind(), b);
            }
            case Stmt.Store st -> {
                List<Expr> idx = mutateAll(st.indices());
                Expr v = mutate(st.value());
                yield idx == st.indices() && v == st.value() ? st : new Stmt.Store(st.buffer(), idx, v);
            }
            case Stmt.Seq q -> {
                List<Stmt> out = new ArrayList<>();
                boolean changed = false;
                for (Stmt x : q.stmts()) {
                    Stmt m = mutate(x);
                    changed |= m != x;
                    out.add(m);
                }
                yield changed ? new Stmt.Seq(out) : q;
            }
            case Stmt.IfThenElse i -> {
                Expr c = mutate(i.cond());
                Stmt t = mutate(i.then()), o = mutate(i.otherwise());
                yield c == i.cond() && t == i.then() && o == i.otherwise() ? i : new Stmt.IfThenElse(c, t, o);
            }
            case Stmt.Allocate a -> {
                Stmt b = mutate(a.body());
                yield b == a.body() ? a : new Stmt.Allocate(a.buffer(), b);
            }
            case Stmt.LetStmt l -> {
                Expr v = mutate(l.value());
                Stmt b = mutate(l.body());
                yield v == l.value() && b == l.body() ? l : new Stmt.LetStmt(l.var(), v, b);
            }
        };
    }
}
