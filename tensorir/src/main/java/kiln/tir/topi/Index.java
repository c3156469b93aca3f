package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import kiln.tir.Buffer;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.Stmt;
import kiln.tir.Var;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Data-dependent indexing: scatters (element-wise and N-d, with reductions over duplicate indices),
 * top-k selection, identity-like matrices. Scatters and top-k are extern stages (sequential loop IR):
 * a scatter copies the data, then applies the updates in index order, so duplicate indices combine in
 * that order ({@code none}: the last update wins). Negative indices count from the end of their dim;
 * updates whose index is outside the data are skipped, so no write ever leaves the output.
 */
public final class Index {
    private Index() {}

    /** How a scatter combines an update with the value already there. */
    public enum Reduction {
        NONE, ADD, MUL, MAX, MIN;

        public static Reduction of(String s) {
            return switch (s) {
                case "none" -> NONE;
                case "add" -> ADD;
                case "mul" -> MUL;
                case "max" -> MAX;
                case "min" -> MIN;
                default -> throw new IllegalArgumentException("unknown scatter reduction '" + s + "'");
            };
        }

        Expr apply(Expr old, Expr upd) {
            return switch (this) {
                case NONE -> upd;
                case ADD -> old.dtype() == DType.BOOL ? E.or(old, upd) : E.add(old, upd);
                case MUL -> old.dtype() == DType.BOOL ? E.and(old, upd) : E.mul(old, upd);
                case MAX -> E.max(old, upd);
                case MIN -> E.min(old, upd);
            };
        }
    }

    private static List<Var> vars(String prefix, int n) {
        List<Var> v = new ArrayList<>();
        for (int k = 0; k < n; k++) v.add(Var.index(prefix + k));
        return v;
    }

    /** Nested serial loops over {@code shape} with {@code vars} around {@code body}. */
    private static Stmt loops(List<Var> vars, List<Long> shape, Stmt body) {
        for (int d = shape.size() - 1; d >= 0; d--) body = new Stmt.For(vars.get(d), E.i64(0), E.i64(shape.get(d)), Stmt.ForKind.SERIAL, body);
        return body;
    }

    /** out = in, element for element. */
    private static Stmt copy(Buffer in, Buffer out) {
        List<Var> i = vars("c", in.rank());
        return loops(i, in.shape(), new Stmt.Store(out, new ArrayList<>(i), new Expr.Load(in, new ArrayList<>(i))));
    }

    /** An index value as int64, with negative values counted from the end of a dim of extent n. */
    private static Expr wrapIndex(Expr raw, long n) {
        Expr v = E.cast(DType.INT64, raw);
        return E.select(E.lt(v, E.i64(0)), E.add(v, E.i64(n)), v);
    }

    /**
     * ScatterElements: out = data; then for every position j of indices, out[j with j[axis] replaced by
     * indices[j]] = combine(that, updates[j]).
     */
    public static Tensor scatterElements(Tensor data, Tensor indices, Tensor updates, int axis, Reduction red) {
        return Te.extern("scatter_elements", data.dtype(), data.shape(), List.of(data, indices, updates), (ins, out) -> {
            Buffer d = ins.get(0), idx = ins.get(1), upd = ins.get(2);
            List<Var> j = vars("j", idx.rank());
            Var t = Var.index("t");
            List<Expr> target = new ArrayList<>(j);
            target.set(axis, t);
            long n = d.shape().get(axis);
            Stmt store = new Stmt.Store(out, target, red.apply(new Expr.Load(out, target), new Expr.Load(upd, new ArrayList<>(j))));
            Stmt body = new Stmt.LetStmt(t, wrapIndex(new Expr.Load(idx, new ArrayList<>(j)), n),
                    new Stmt.IfThenElse(E.and(E.ge(t, E.i64(0)), E.lt(t, E.i64(n))), store, Stmt.empty()));
            return new Stmt.Seq(List.of(copy(d, out), loops(j, idx.shape(), body)));
        });
    }

    /**
     * ScatterND: indices [..., q]; out = data; then for every position j of indices[..., 0] and r of
     * data.shape[q:], out[indices[j, :], r] = combine(that, updates[j, r]).
     */
    public static Tensor scatterND(Tensor data, Tensor indices, Tensor updates, Reduction red) {
        return Te.extern("scatter_nd", data.dtype(), data.shape(), List.of(data, indices, updates), (ins, out) -> {
            Buffer d = ins.get(0), idx = ins.get(1), upd = ins.get(2);
            int q = (int) (long) idx.shape().get(idx.rank() - 1);
            List<Long> outer = idx.shape().subList(0, idx.rank() - 1);
            List<Long> inner = d.shape().subList(q, d.rank());
            List<Var> j = vars("j", outer.size()), r = vars("r", inner.size()), t = vars("t", q);
            List<Expr> target = new ArrayList<>(t);
            target.addAll(r);
            List<Expr> ui = new ArrayList<>(j);
            ui.addAll(r);
            Stmt store = new Stmt.Store(out, target, red.apply(new Expr.Load(out, target), new Expr.Load(upd, ui)));
            Stmt body = loops(r, inner, store);
            Expr ok = E.bool(true);
            for (int k = 0; k < q; k++) ok = E.and(ok, E.and(E.ge(t.get(k), E.i64(0)), E.lt(t.get(k), E.i64(d.shape().get(k)))));
            body = new Stmt.IfThenElse(ok, body, Stmt.empty());
            for (int k = q - 1; k >= 0; k--) {
                List<Expr> ii = new ArrayList<>(j);
                ii.add(E.i64(k));
                body = new Stmt.LetStmt(t.get(k), wrapIndex(new Expr.Load(idx, ii), d.shape().get(k)), body);
            }
            return new Stmt.Seq(List.of(copy(d, out), loops(j, outer, body)));
        });
    }

    /**
     * The int64 positions of the k largest (or smallest) elements along {@code axis}, best first; equal
     * values keep their order (lower index first). Selection in O(n k) per line without scratch memory:
     * the j-th pick is the best element that comes strictly after the (j-1)-th in the total order
     * (value, then index).
     */
    public static Tensor topkIndices(Tensor x, int axis, long k, boolean largest) {
        List<Long> shape = new ArrayList<>(x.shape());
        shape.set(axis, k);
        return Te.extern("topk_indices", DType.INT64, shape, List.of(x), (ins, out) -> {
            Buffer in = ins.get(0);
            long n = in.shape().get(axis);
            List<Var> o = vars("i", in.rank());
            Var j = Var.index("j"), e = Var.index("e");
            Buffer prev = new Buffer("topk_prev", DType.INT64, List.of(), Buffer.Scope.LOCAL);
            Buffer best = new Buffer("topk_best", DType.INT64, List.of(), Buffer.Scope.LOCAL);
            Expr p = new Expr.Load(prev, List.of()), b = new Expr.Load(best, List.of());
            java.util.function.Function<Expr, Expr> at = pos -> {
                List<Expr> idx = new ArrayList<>(o);
                idx.set(axis, pos);
                return new Expr.Load(in, idx);
            };
            Expr ve = at.apply(e), vp = at.apply(E.max(p, E.i64(0))), vb = at.apply(E.max(b, E.i64(0)));
            // e comes after prev in the order: worse value, or equal value and larger index. NaNs come after
            // every number, among themselves by index. (Ties are selects, not &&, so that the printed C needs
            // no parentheses inside ||.)
            Expr worse = largest ? E.lt(ve, vp) : E.gt(ve, vp);
            Expr laterTie = E.select(E.eq(ve, vp), E.gt(e, p), E.bool(false));
            Expr afterPrev;
            Expr better;
            if (in.dtype().isFloat()) {
                Expr nanE = E.call(Intrinsic.ISNAN, ve), nanP = E.call(Intrinsic.ISNAN, vp), nanB = E.call(Intrinsic.ISNAN, vb);
                afterPrev = E.or(E.lt(p, E.i64(0)), E.select(nanP, E.select(nanE, E.gt(e, p), E.bool(false)),
                        E.or(nanE, E.or(worse, laterTie))));
                // e (a later index than best) is better than best only with a strictly better value, or a number over a NaN.
                better = E.or(E.lt(b, E.i64(0)), E.select(nanE, E.bool(false), E.or(nanB, largest ? E.gt(ve, vb) : E.lt(ve, vb))));
            } else {
                afterPrev = E.or(E.lt(p, E.i64(0)), E.or(worse, laterTie));
                better = E.or(E.lt(b, E.i64(0)), largest ? E.gt(ve, vb) : E.lt(ve, vb));
            }
            Stmt scan = new Stmt.For(e, E.i64(0), E.i64(n), Stmt.ForKind.SERIAL,
                    new Stmt.IfThenElse(E.and(afterPrev, better), new Stmt.Store(best, List.of(), e), Stmt.empty()));
            List<Expr> oi = new ArrayList<>(o);
            oi.set(axis, j);
            Stmt pick = new Stmt.Seq(List.of(new Stmt.Store(best, List.of(), E.i64(-1)), scan,
                    new Stmt.Store(out, oi, b), new Stmt.Store(prev, List.of(), b)));
            Stmt line = new Stmt.Allocate(prev, new Stmt.Allocate(best, new Stmt.Seq(List.of(
                    new Stmt.Store(prev, List.of(), E.i64(-1)),
                    new Stmt.For(j, E.i64(0), E.i64(k), Stmt.ForKind.SERIAL, pick)))));
            // One selection per line along the axis (o[axis] is never read).
            Stmt body = line;
            for (int d = in.rank() - 1; d >= 0; d--) {
                if (d == axis) continue;
                body = new Stmt.For(o.get(d), E.i64(0), E.i64(in.shape().get(d)), Stmt.ForKind.SERIAL, body);
            }
            return body;
        });
    }

    /** out[i, j] = 1 where j - i == k, else 0, in {@code dtype}. */
    public static Tensor eyeLike(List<Long> shape, DType dtype, long k) {
        return Te.compute("eye_like", shape, Pattern.INJECTIVE,
                i -> E.select(E.eq(E.sub(i.get(1), i.get(0)), E.i64(k)), E.one(dtype), E.zero(dtype)));
    }
}
