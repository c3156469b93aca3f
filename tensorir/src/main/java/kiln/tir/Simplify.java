package kiln.tir;

/**
 * Folds integer constants and trivial identities (x+0, x*1, select on a constant) bottom-up.
 * Index arithmetic produced by computes and lowering goes through it before printing.
 */
public final class Simplify extends ExprMutator {
    private static final Simplify INSTANCE = new Simplify();

    public static Expr expr(Expr e) { return INSTANCE.mutate(e); }

    public static Stmt stmt(Stmt s) { return INSTANCE.mutate(s); }

    @Override
    protected Expr rebuildBinary(Expr.Binary old, Expr a, Expr b) {
        return E.bin(old.op(), a, b);
    }

    @Override
    public Expr mutate(Expr e) {
        Expr m = super.mutate(e);
        if (m instanceof Expr.Binary b && b.a().dtype() == DType.INT64) {
            Expr folded = E.bin(b.op(), b.a(), b.b());
            if (folded != b && !(folded instanceof Expr.Binary)) return folded;
            // (x + c1) + c2 -> x + (c1 + c2)
            if (b.op() == Expr.BinOp.ADD && b.b() instanceof Expr.IntImm c2 && b.a() instanceof Expr.Binary inner
                    && inner.op() == Expr.BinOp.ADD && inner.b() instanceof Expr.IntImm c1) {
                return E.add(inner.a(), E.i64(c1.value() + c2.value()));
            }
        }
        if (m instanceof Expr.Select s && s.cond() instanceof Expr.IntImm c) return c.value() != 0 ? s.t() : s.f();
        if (m instanceof Expr.Binary b && b.op() == Expr.BinOp.AND) {
            if (E.isInt(b.a(), 1)) return b.b();
            if (E.isInt(b.b(), 1)) return b.a();
            if (E.isInt(b.a(), 0) || E.isInt(b.b(), 0)) return E.bool(false);
        }
        if (m instanceof Expr.Cast c && (c.value() instanceof Expr.IntImm || c.value() instanceof Expr.FloatImm)) {
            Expr folded = E.cast(c.dtype(), c.value());
            if (!(folded instanceof Expr.Cast)) return folded;
        }
        return m;
    }
}
