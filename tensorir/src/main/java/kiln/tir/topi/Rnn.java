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
import kiln.tir.compute.Tensor;
import kiln.tir.compute.Te;

/**
 * Recurrent layers (ONNX RNN, GRU, LSTM) as extern stages that walk the
 * time steps in order. Inputs use ONNX's layout 0: x [T, B, I], weights w [D, G*H, I], recurrence
 * r [D, G*H, H], bias b [D, 2*G*H] (input then recurrence biases), initial states [D, B, H], LSTM
 * peepholes p [D, 3H]. The output holds the hidden state of every step, [T, D, B, H] (LSTM:
 * [T, D, B, 2H], the cell state in the second half); step t of a reverse direction is input time t,
 * so the last state of a reverse direction is at t = 0. Gate order: RNN one gate; GRU z, r, h; LSTM i, o, f, c.
 * Activations (per direction: RNN f; GRU f, g; LSTM f, g, h) are the parameterless ONNX ones: Tanh,
 * Sigmoid, Relu, Softsign, Softplus.
 */
public final class Rnn {
    private Rnn() {}

    public enum Kind {
        RNN(1), GRU(3), LSTM(4);

        public final int gates;

        Kind(int gates) { this.gates = gates; }
    }

    private static Expr sigmoid(Expr v) {
        DType t = v.dtype();
        return E.div(E.one(t), E.add(E.one(t), E.call(Intrinsic.EXP, E.neg(v))));
    }

    private static Expr tanh(Expr v) { return E.call(Intrinsic.TANH, v); }

    /** The activations a layer takes per direction: RNN f; GRU f, g; LSTM f, g, h. */
    public static int activationCount(Kind kind) {
        return kind == Kind.RNN ? 1 : kind == Kind.GRU ? 2 : 3;
    }

    /** The ONNX default activations of one direction. */
    public static List<String> defaultActivations(Kind kind) {
        return switch (kind) {
            case RNN -> List.of("Tanh");
            case GRU -> List.of("Sigmoid", "Tanh");
            case LSTM -> List.of("Sigmoid", "Tanh", "Tanh");
        };
    }

    /** The parameterless activation functions (ONNX names, case-insensitive). */
    public static final List<String> ACTIVATIONS = List.of("tanh", "sigmoid", "relu", "softsign", "softplus");

    private static java.util.function.UnaryOperator<Expr> activation(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "tanh" -> Rnn::tanh;
            case "sigmoid" -> Rnn::sigmoid;
            case "relu" -> v -> E.max(v, E.zero(v.dtype()));
            case "softsign" -> v -> E.div(v, E.add(E.one(v.dtype()), E.call(Intrinsic.FABS, v)));
            case "softplus" -> v -> E.call(Intrinsic.LOG, E.add(E.call(Intrinsic.EXP, v), E.one(v.dtype())));
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }

    private static Expr load(Buffer b, Expr... idx) { return new Expr.Load(b, List.of(idx)); }

    private static Buffer local(String name, DType t, List<Long> shape) {
        return new Buffer(name, t, shape, Buffer.Scope.LOCAL);
    }

    /** acc = init; for k < n: acc += term(k). */
    private static Stmt accumulate(Buffer acc, Expr init, Var k, long n, Expr term) {
        Expr a = new Expr.Load(acc, List.of());
        return new Stmt.Seq(List.of(new Stmt.Store(acc, List.of(), init),
                new Stmt.For(k, E.i64(0), E.i64(n), Stmt.ForKind.SERIAL, new Stmt.Store(acc, List.of(), E.add(a, term)))));
    }

    /**
     * The recurrent layer. {@code reverse[d]} says whether direction d walks time backwards;
     * {@code linearBeforeReset} is GRU's attribute.
     *
     * @param inputs x, w, r, b, h0 (LSTM also c0, p)
     */
    public static Tensor recurrent(Kind kind, List<Tensor> inputs, boolean[] reverse, boolean linearBeforeReset, List<String> activations) {
        if (activations.size() != activationCount(kind) * reverse.length) {
            throw new IllegalArgumentException(kind + " takes " + activationCount(kind) + " activations per direction, got " + activations);
        }
        Tensor x = inputs.get(0), r = inputs.get(2);
        long t = x.shape().get(0), batch = x.shape().get(1);
        long dirs = r.shape().get(0), hidden = r.shape().get(2);
        List<Long> shape = List.of(t, dirs, batch, kind == Kind.LSTM ? 2 * hidden : hidden);
        return Te.extern(kind.name().toLowerCase(java.util.Locale.ROOT), x.dtype(), shape, inputs,
                (ins, out) -> body(kind, ins, out, reverse, linearBeforeReset, activations));
    }

    private static Stmt body(Kind kind, List<Buffer> ins, Buffer out, boolean[] reverse, boolean lbr, List<String> acts) {
        Buffer x = ins.get(0), w = ins.get(1), r = ins.get(2), bias = ins.get(3), h0 = ins.get(4);
        Buffer c0 = kind == Kind.LSTM ? ins.get(5) : null, peep = kind == Kind.LSTM ? ins.get(6) : null;
        DType ft = x.dtype();
        long steps = x.shape().get(0), batch = x.shape().get(1), in = x.shape().get(2);
        long hs = r.shape().get(2);
        int g = kind.gates;
        List<Stmt> dirsStmts = new ArrayList<>();
        for (int dd = 0; dd < reverse.length; dd++) {
            Expr d = E.i64(dd);
            boolean rev = reverse[dd];
            int na = activationCount(kind);
            java.util.function.UnaryOperator<Expr> f = activation(acts.get(dd * na));
            java.util.function.UnaryOperator<Expr> gAct = na > 1 ? activation(acts.get(dd * na + 1)) : null;
            java.util.function.UnaryOperator<Expr> hAct = na > 2 ? activation(acts.get(dd * na + 2)) : null;
            Var s = Var.index("s"), b = Var.index("b"), h = Var.index("h"), k = Var.index("k");
            Expr tt = rev ? E.sub(E.i64(steps - 1), s) : s;
            Expr tp = rev ? E.min(E.add(tt, E.i64(1)), E.i64(steps - 1)) : E.max(E.sub(tt, E.i64(1)), E.i64(0));
            Expr first = E.eq(s, E.i64(0));
            // Previous hidden (and cell) state at position j.
            java.util.function.Function<Expr, Expr> hPrev = j -> E.select(first, load(h0, d, b, j), load(out, tp, d, b, j));
            java.util.function.Function<Expr, Expr> cPrev = j -> E.select(first, load(c0, d, b, j),
                    load(out, tp, d, b, E.add(j, E.i64(hs))));
            // Gate pre-activation pieces: x W^T + Wb and (for each gate) H R^T + Rb, at hidden position hh.
            java.util.function.BiFunction<Integer, Expr, Expr> wRow = (gate, hh) -> E.add(E.i64((long) gate * hs), hh);
            List<Stmt> perH = new ArrayList<>();
            List<Buffer> xw = new ArrayList<>(), hr = new ArrayList<>();
            for (int q = 0; q < g; q++) {
                Buffer ax = local("xw" + q, ft, List.of()), ah = local("hr" + q, ft, List.of());
                xw.add(ax);
                hr.add(ah);
            }
            Buffer rgate = kind == Kind.GRU ? local("rgate", ft, List.of(hs)) : null;
            Var j = Var.index("j");
            List<Stmt> prelude = new ArrayList<>();
            if (kind == Kind.GRU) {
                // The reset gate of every hidden position, needed by the candidate's recurrence.
                Buffer ax = local("rx", ft, List.of()), ah = local("rh", ft, List.of());
                Var k2 = Var.index("k");
                Stmt rj = new Stmt.Allocate(ax, new Stmt.Allocate(ah, new Stmt.Seq(List.of(
                        accumulate(ax, load(bias, d, wRow.apply(1, j)), k, in,
                                E.mul(load(x, tt, b, k), load(w, d, wRow.apply(1, j), k))),
                        accumulate(ah, load(bias, d, E.add(E.i64(g * hs), wRow.apply(1, j))), k2, hs,
                                E.mul(hPrev.apply(k2), load(r, d, wRow.apply(1, j), k2))),
                        new Stmt.Store(rgate, List.of(j), f.apply(E.add(new Expr.Load(ax, List.of()), new Expr.Load(ah, List.of()))))))));
                prelude.add(new Stmt.For(j, E.i64(0), E.i64(hs), Stmt.ForKind.SERIAL, rj));
            }
            for (int q = 0; q < g; q++) {
                Var kx = Var.index("k"), kh = Var.index("k");
                perH.add(accumulate(xw.get(q), load(bias, d, wRow.apply(q, h)), kx, in,
                        E.mul(load(x, tt, b, kx), load(w, d, wRow.apply(q, h), kx))));
                Expr hv = kind == Kind.GRU && q == 2 && !lbr ? E.mul(load(rgate, kh), hPrev.apply(kh)) : hPrev.apply(kh);
                perH.add(accumulate(hr.get(q), load(bias, d, E.add(E.i64((long) g * hs), wRow.apply(q, h))), kh, hs,
                        E.mul(hv, load(r, d, wRow.apply(q, h), kh))));
            }
            List<Expr> pre = new ArrayList<>();
            for (int q = 0; q < g; q++) pre.add(E.add(new Expr.Load(xw.get(q), List.of()), new Expr.Load(hr.get(q), List.of())));
            Expr one = E.one(ft);
            switch (kind) {
                case RNN -> perH.add(new Stmt.Store(out, List.of(tt, d, b, h), f.apply(pre.get(0))));
                case GRU -> {
                    Expr z = f.apply(pre.get(0));
                    Expr rg = load(rgate, h);
                    Expr xh = new Expr.Load(xw.get(2), List.of()), hh = new Expr.Load(hr.get(2), List.of());
                    Expr n = gAct.apply(lbr ? E.add(xh, E.mul(rg, hh)) : E.add(xh, hh));
                    Var zv = new Var("z", ft);
                    perH.add(new Stmt.LetStmt(zv, z, new Stmt.Store(out, List.of(tt, d, b, h),
                            E.add(E.mul(E.sub(one, zv), n), E.mul(zv, hPrev.apply(h))))));
                }
                case LSTM -> {
                    Expr cp = cPrev.apply(h);
                    Expr pi = load(peep, d, h), po = load(peep, d, E.add(h, E.i64(hs))), pf = load(peep, d, E.add(h, E.i64(2 * hs)));
                    Var iv = new Var("ig", ft), fv = new Var("fg", ft), cv = new Var("cell", ft), ov = new Var("og", ft);
                    Expr iExpr = f.apply(E.add(pre.get(0), E.mul(pi, cp)));
                    Expr fExpr = f.apply(E.add(pre.get(2), E.mul(pf, cp)));
                    Expr cExpr = E.add(E.mul(fv, cp), E.mul(iv, gAct.apply(pre.get(3))));
                    Expr oExpr = f.apply(E.add(pre.get(1), E.mul(po, cv)));
                    Stmt stores = new Stmt.Seq(List.of(
                            new Stmt.Store(out, List.of(tt, d, b, E.add(h, E.i64(hs))), cv),
                            new Stmt.Store(out, List.of(tt, d, b, h), E.mul(ov, hAct.apply(cv)))));
                    perH.add(new Stmt.LetStmt(iv, iExpr, new Stmt.LetStmt(fv, fExpr, new Stmt.LetStmt(cv, cExpr,
                            new Stmt.LetStmt(ov, oExpr, stores)))));
                }
            }
            Stmt hBody = new Stmt.Seq(perH);
            for (int q = g - 1; q >= 0; q--) hBody = new Stmt.Allocate(xw.get(q), new Stmt.Allocate(hr.get(q), hBody));
            List<Stmt> perB = new ArrayList<>(prelude);
            perB.add(new Stmt.For(h, E.i64(0), E.i64(hs), Stmt.ForKind.SERIAL, hBody));
            Stmt bBody = Stmt.Seq.of(perB);
            if (rgate != null) bBody = new Stmt.Allocate(rgate, bBody);
            Stmt step = new Stmt.For(b, E.i64(0), E.i64(batch), Stmt.ForKind.SERIAL, bBody);
            dirsStmts.add(new Stmt.For(s, E.i64(0), E.i64(steps), Stmt.ForKind.SERIAL, step));
        }
        return Stmt.Seq.of(dirsStmts);
    }
}
