package kiln.emit.c;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kiln.tir.Buffer;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.FloatBits;
import kiln.tir.NameAllocator;
import kiln.tir.PrimFunc;
import kiln.tir.Simplify;
import kiln.tir.Stmt;
import kiln.tir.Var;

/**
 * Prints a kernel's loop IR as C-family source. What differs between C, CUDA and OpenCL (qualifiers,
 * index type, helper prefix) comes from the {@link Dialect}; the printer itself is shared.
 */
public final class CPrinter {
    /** Target-specific spellings used by the shared printer. */
    public record Dialect(String restrict, String indexType, String helperPrefix) {
        public static final Dialect C99 = new Dialect("restrict", "int64_t", "kiln_");
    }

    private final Dialect dialect;
    private final NameAllocator names = new NameAllocator();
    private final Map<Var, String> varNames = new IdentityHashMap<>();
    private final Map<String, String> bufferNames = new java.util.HashMap<>();
    private final Set<Var> nonNegVars = Collections.newSetFromMap(new IdentityHashMap<>());
    private final StringBuilder out = new StringBuilder();

    private CPrinter(Dialect dialect) {
        this.dialect = dialect;
        for (String kw : List.of("auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
                "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short",
                "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while")) {
            names.reserve(kw);
        }
    }

    /** A printed kernel: its C parameter list and body text (indented by one level). */
    public record Printed(List<String> params, List<String> paramNames, String body) {}

    public static Printed print(PrimFunc f, Dialect dialect) {
        CPrinter p = new CPrinter(dialect);
        List<String> params = new ArrayList<>();
        List<String> paramNames = new ArrayList<>();
        for (Buffer b : f.inputs()) {
            String n = p.bufferName(b);
            params.add("const " + b.dtype().cType() + " *" + dialect.restrict() + " " + n);
            paramNames.add(n);
        }
        for (Buffer b : f.outputs()) {
            String n = p.bufferName(b);
            params.add(b.dtype().cType() + " *" + dialect.restrict() + " " + n);
            paramNames.add(n);
        }
        for (Buffer b : f.scratch()) {
            String n = p.bufferName(b);
            params.add(b.dtype().cType() + " *" + dialect.restrict() + " " + n);
            paramNames.add(n);
        }
        Set<String> used = p.usedBuffers(f.body());
        for (int k = 0; k < paramNames.size(); k++) {
            if (!used.contains(f.params().get(k).name())) p.line(1, "(void)" + paramNames.get(k) + ";");
        }
        p.stmt(f.body(), 1);
        return new Printed(params, paramNames, p.out.toString());
    }

    private Set<String> usedBuffers(Stmt s) {
        Set<String> used = new java.util.HashSet<>();
        new kiln.tir.ExprMutator() {
            @Override
            protected Expr mutateLoad(Expr.Load l) {
                used.add(l.buffer().name());
                return super.mutateLoad(l);
            }

            @Override
            public Stmt mutate(Stmt st) {
                if (st instanceof Stmt.Store store) used.add(store.buffer().name());
                return super.mutate(st);
            }
        }.mutate(s);
        return used;
    }

    private String bufferName(Buffer b) {
        return bufferNames.computeIfAbsent(b.name(), names::fresh);
    }

    private String varName(Var v) {
        return varNames.computeIfAbsent(v, k -> names.fresh(k.name()));
    }

    private void line(int depth, String text) {
        out.append("    ".repeat(depth)).append(text).append('\n');
    }

    private void stmt(Stmt s, int d) {
        switch (s) {
            case Stmt.For f -> {
                String v = varName(f.var());
                if (nonNeg(f.min())) nonNegVars.add(f.var());
                String lo = expr(f.min()), hi = expr(Simplify.expr(E.add(f.min(), f.extent())));
                line(d, "for (" + dialect.indexType() + " " + v + " = " + lo + "; " + v + " < " + hi + "; ++" + v + ") {");
                stmt(f.body(), d + 1);
                line(d, "}");
            }
            case Stmt.Store st -> {
                String lhs = access(st.buffer(), st.indices());
                boolean halfMemory = isHalf(st.buffer().dtype()) && !(st.buffer().scope() == Buffer.Scope.LOCAL && st.buffer().rank() == 0);
                if (halfMemory) {
                    // Storing rounds to 16 bits anyway, so a cast to the same format needs no extra round trip.
                    Expr v = st.value() instanceof Expr.Cast c && c.dtype() == st.buffer().dtype() ? new Expr.Cast(DType.FLOAT32, c.value()) : st.value();
                    line(d, lhs + " = " + dialect.helperPrefix() + "f32_to_" + halfName(st.buffer().dtype()) + "(" + expr(v) + ");");
                } else if (st.value() instanceof Expr.Binary b && (b.op() == Expr.BinOp.ADD || b.op() == Expr.BinOp.MUL)
                        && b.a() instanceof Expr.Load l && l.buffer().equals(st.buffer()) && l.indices().equals(st.indices())) {
                    line(d, lhs + " " + b.op().symbol + "= " + expr(b.b()) + ";");
                } else {
                    line(d, lhs + " = " + expr(st.value()) + ";");
                }
            }
            case Stmt.Seq q -> q.stmts().forEach(x -> stmt(x, d));
            case Stmt.IfThenElse i -> {
                line(d, "if (" + expr(i.cond()) + ") {");
                stmt(i.then(), d + 1);
                if (!(i.otherwise() instanceof Stmt.Seq q && q.stmts().isEmpty())) {
                    line(d, "} else {");
                    stmt(i.otherwise(), d + 1);
                }
                line(d, "}");
            }
            case Stmt.Allocate a -> {
                Buffer b = a.buffer();
                String n = bufferName(b);
                String decl = (b.rank() == 0 ? cType(b.dtype()) : b.dtype().cType()) + " " + n + (b.rank() == 0 ? "" : "[" + b.numel() + "]");
                // "float acc = init;" when the body starts by initialising the scalar.
                if (b.rank() == 0 && a.body() instanceof Stmt.Seq q && !q.stmts().isEmpty()
                        && q.stmts().get(0) instanceof Stmt.Store st && st.buffer().equals(b)) {
                    line(d, decl + " = " + expr(st.value()) + ";");
                    q.stmts().subList(1, q.stmts().size()).forEach(x -> stmt(x, d));
                } else {
                    line(d, decl + ";");
                    stmt(a.body(), d);
                }
            }
            case Stmt.LetStmt l -> {
                if (nonNeg(l.value())) nonNegVars.add(l.var());
                line(d, "const " + cType(l.var().dtype()) + " " + varName(l.var()) + " = " + expr(l.value()) + ";");
                stmt(l.body(), d);
            }
        }
    }

    /** The C type of a scalar value (not of memory): half-precision values live in float registers. */
    private String cType(DType t) {
        if (isHalf(t)) return "float";
        return t == DType.INT64 ? dialect.indexType().equals("int64_t") ? "int64_t" : dialect.indexType() : t.cType();
    }

    /** float16 and bfloat16 are stored as 16-bit patterns and computed in float. */
    private static boolean isHalf(DType t) {
        return t == DType.FLOAT16 || t == DType.BFLOAT16;
    }

    private String halfName(DType t) {
        return t == DType.FLOAT16 ? "f16" : "bf16";
    }

    /** A buffer element access; local scalars print as plain variables. */
    private String access(Buffer b, List<Expr> idx) {
        String n = bufferName(b);
        if (b.scope() == Buffer.Scope.LOCAL && b.rank() == 0) return n;
        Expr flat = E.i64(0);
        for (int k = 0; k < idx.size(); k++) flat = E.add(E.mul(flat, E.i64(b.shape().get(k))), idx.get(k));
        return n + "[" + expr(Simplify.expr(flat)) + "]";
    }

    /** True when an integer expression is provably >= 0 (loop counters, non-negative constants and their sums/products). */
    private boolean nonNeg(Expr e) {
        return switch (e) {
            case Expr.IntImm i -> i.value() >= 0 || !i.dtype().isSigned();
            case Var v -> nonNegVars.contains(v);
            case Expr.Binary b -> switch (b.op()) {
                case ADD, MUL, FLOORDIV, DIV, MIN, MAX -> nonNeg(b.a()) && nonNeg(b.b());
                case FLOORMOD, MOD -> nonNeg(b.a()) && nonNeg(b.b()) || (b.op() == Expr.BinOp.FLOORMOD && b.b() instanceof Expr.IntImm c && c.value() > 0);
                default -> false;
            };
            case Expr.Select s -> nonNeg(s.t()) && nonNeg(s.f());
            case Expr.Cast c -> !c.dtype().isFloat() && !c.value().dtype().isFloat() && nonNeg(c.value());
            default -> false;
        };
    }

    /** C operator precedence of how {@code e} prints (higher binds tighter). */
    private static int prec(Expr e) {
        if (e instanceof Expr.Binary b) {
            return switch (b.op()) {
                case MUL, DIV, MOD -> 13;
                case FLOORDIV, FLOORMOD -> 12;
                case ADD, SUB -> 12;
                case LT, LE, GT, GE -> 10;
                case EQ, NE -> 9;
                case AND -> 5;
                case OR -> 4;
                default -> 16;
            };
        }
        if (e instanceof Expr.Select) return 3;
        if (e instanceof Expr.Cast || e instanceof Expr.Unary) return 14;
        return 16;
    }

    /**
     * An operand of binary {@code parent}: bracketed below precedence {@code min}, and also where gcc's
     * -Wparentheses asks for clarity ("&&" inside "||", a comparison inside a comparison).
     */
    private String child(Expr.Binary parent, Expr c, int min) {
        boolean clarify = c instanceof Expr.Binary cb
                && ((parent.op() == Expr.BinOp.OR && cb.op() == Expr.BinOp.AND)
                || (parent.op().isComparison() && cb.op().isComparison()));
        return clarify ? "(" + expr(c) + ")" : operand(c, min);
    }

    /** Prints {@code e} as an operand needing at least precedence {@code min}, adding parentheses if needed. */
    private String operand(Expr e, int min) {
        String s = expr(e);
        return prec(e) >= min && !(prec(e) == 3) ? s : "(" + s + ")";
    }

    private String expr(Expr e) {
        return switch (e) {
            case Expr.IntImm i -> intLiteral(i);
            case Expr.FloatImm f -> floatLiteral(f);
            case Var v -> varName(v);
            case Expr.Binary b -> binary(b);
            case Expr.Unary u -> switch (u.op()) {
                case NEG -> "(-" + operand(u.a(), 14) + ")";
                case NOT -> "(!" + operand(u.a(), 14) + ")";
                case BITNOT -> "((" + u.a().dtype().cType() + ")~" + operand(u.a(), 14) + ")";
            };
            case Expr.Select s -> operand(s.cond(), 4) + " ? " + operand(s.t(), 4) + " : " + operand(s.f(), 4);
            case Expr.Cast c -> cast(c);
            case Expr.Call c -> {
                List<String> args = c.args().stream().map(this::expr).toList();
                DType at = c.args().get(0).dtype();
                String fn = c.fn().cName(isHalf(at) ? DType.FLOAT32 : at);
                String call = fn + "(" + String.join(", ", args) + ")";
                yield (c.fn() == kiln.tir.Intrinsic.ISNAN || c.fn() == kiln.tir.Intrinsic.ISINF) ? "(" + call + " != 0)" : call;
            }
            case Expr.Load l -> isHalf(l.dtype()) && !(l.buffer().scope() == Buffer.Scope.LOCAL && l.buffer().rank() == 0)
                    ? dialect.helperPrefix() + halfName(l.dtype()) + "_to_f32(" + access(l.buffer(), l.indices()) + ")"
                    : access(l.buffer(), l.indices());
            case Expr.TensorRead r -> throw new IllegalStateException("unlowered tensor read of " + r.tensor().name());
        };
    }

    private String cast(Expr.Cast c) {
        DType to = c.dtype(), from = c.value().dtype();
        if (to == DType.BOOL) return "(" + expr(c.value()) + " != 0)";
        if (isHalf(to)) {
            // Round through the 16-bit format so the value is exactly representable, as in memory.
            return dialect.helperPrefix() + halfName(to) + "_to_f32(" + dialect.helperPrefix() + "f32_to_" + halfName(to)
                    + "((float)" + operand(c.value(), 14) + "))";
        }
        return "(" + cType(to) + ")" + operand(c.value(), 14);
    }

    private String binary(Expr.Binary b) {
        DType t = b.a().dtype();
        String sfx = isHalf(t) ? "f32" : suffix(t);
        String h = dialect.helperPrefix();
        boolean plainIntDiv = !t.isFloat() && (!t.isSigned() || nonNeg(b.a()) && nonNeg(b.b()));
        return switch (b.op()) {
            case MIN -> h + "min_" + sfx + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
            case MAX -> h + "max_" + sfx + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
            case FLOORDIV -> t.isFloat() ? "floor" + (t == DType.FLOAT64 ? "" : "f") + "(" + operand(b.a(), 13) + " / " + operand(b.b(), 14) + ")"
                    : plainIntDiv ? operand(b.a(), 13) + " / " + operand(b.b(), 14)
                    : h + "floordiv_" + sfx + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
            case FLOORMOD -> plainIntDiv ? operand(b.a(), 13) + " % " + operand(b.b(), 14)
                    : h + "floormod_" + sfx + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
            case MOD -> t.isFloat() ? "fmod" + (t == DType.FLOAT64 ? "" : "f") + "(" + expr(b.a()) + ", " + expr(b.b()) + ")"
                    : operand(b.a(), 13) + " % " + operand(b.b(), 14);
            case SHL, SHR, BITAND, BITOR, BITXOR -> "(" + t.cType() + ")(" + operand(b.a(), 14) + " " + b.op().symbol + " " + operand(b.b(), 14) + ")";
            default -> {
                int p = prec(b);
                yield child(b, b.a(), p) + " " + b.op().symbol + " " + child(b, b.b(), p + 1);
            }
        };
    }

    /** The helper-function suffix for a type: f32, f64, i8 ... u64, b. */
    public static String suffix(DType t) {
        return switch (t) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case FLOAT16, BFLOAT16 -> "u16";
            case INT8 -> "i8";
            case INT16 -> "i16";
            case INT32 -> "i32";
            case INT64 -> "i64";
            case UINT8, BOOL -> "u8";
            case UINT16 -> "u16";
            case UINT32 -> "u32";
            case UINT64 -> "u64";
        };
    }

    static String intLiteral(Expr.IntImm i) {
        long v = i.value();
        return switch (i.dtype()) {
            case INT64 -> v == Long.MIN_VALUE ? "INT64_MIN" : (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) ? "INT64_C(" + v + ")" : Long.toString(v);
            case UINT64 -> "UINT64_C(" + Long.toUnsignedString(v) + ")";
            case INT32 -> v == Integer.MIN_VALUE ? "INT32_MIN" : Long.toString(v);
            case UINT32 -> v + "u";
            default -> Long.toString(v);
        };
    }

    static String floatLiteral(Expr.FloatImm f) {
        double v = f.value();
        if (f.dtype() == DType.FLOAT64) {
            if (Double.isNaN(v) || Double.isInfinite(v)) return FloatBits.cHexDouble(v);
            String s = Double.toString(v);
            return s.contains("E") || s.contains(".") ? s : s + ".0";
        }
        float x = (float) v;
        if (Float.isNaN(x) || Float.isInfinite(x)) return FloatBits.cHexFloat(x);
        // float16/bfloat16 constants are float registers too.
        return Float.toString(x) + "f";
    }
}
