package kiln.tir;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link PrimFunc} in Java with C semantics (float32 arithmetic rounds to float after every
 * operation, integer arithmetic wraps to the type's width). Statements are compiled once into a tree of
 * closures over a frame of variable slots and buffer storage, which keeps constant folding of large
 * weight transforms fast.
 */
public final class Interp {
    private final Map<Var, Integer> slots = new IdentityHashMap<>();
    private final Map<String, Integer> bufferSlots = new java.util.HashMap<>();

    private interface LFn { long ap(Frame f); }
    private interface DFn { double ap(Frame f); }
    private interface Act { void run(Frame f); }

    private static final class Frame {
        final long[] ivars;
        final double[] dvars;
        final Object[] bufs;

        Frame(int nvars, int nbufs) {
            ivars = new long[nvars];
            dvars = new double[nvars];
            bufs = new Object[nbufs];
        }
    }

    private Interp() {}

    /** Evaluates the function; returns the outputs. Inputs must match the params' types and shapes. */
    public static List<NDArray> run(PrimFunc fn, List<NDArray> inputs) {
        if (inputs.size() != fn.inputs().size()) {
            throw new IllegalArgumentException(fn.name() + " takes " + fn.inputs().size() + " inputs, got " + inputs.size());
        }
        Interp in = new Interp();
        for (Buffer b : fn.params()) in.bufferSlot(b);
        Act body = in.stmt(fn.body());
        Frame frame = new Frame(in.slots.size(), in.bufferSlots.size());
        for (int k = 0; k < inputs.size(); k++) {
            Buffer b = fn.inputs().get(k);
            NDArray a = inputs.get(k);
            if (a.dtype() != b.dtype() || a.size() != b.numel()) {
                throw new IllegalArgumentException(fn.name() + ": input " + b.name() + " expects " + b.dtype().irName() + b.shape()
                        + ", got " + a.dtype().irName() + a.shapeList());
            }
            frame.bufs[in.bufferSlots.get(b.name())] = b.dtype().isFloat() ? a.toDoubleArray() : a.toLongArray();
        }
        for (Buffer b : fn.outputs()) frame.bufs[in.bufferSlots.get(b.name())] = alloc(b);
        for (Buffer b : fn.scratch()) frame.bufs[in.bufferSlots.get(b.name())] = alloc(b);
        body.run(frame);
        List<NDArray> outs = new ArrayList<>();
        for (Buffer b : fn.outputs()) {
            Object data = frame.bufs[in.bufferSlots.get(b.name())];
            long[] shape = b.shape().stream().mapToLong(Long::longValue).toArray();
            outs.add(b.dtype().isFloat() ? NDArray.ofDoubles(b.dtype(), shape, (double[]) data)
                    : NDArray.ofLongs(b.dtype(), shape, (long[]) data));
        }
        return outs;
    }

    private static Object alloc(Buffer b) {
        int n = Math.toIntExact(b.numel());
        return b.dtype().isFloat() ? new double[n] : new long[n];
    }

    private int slot(Var v) {
        return slots.computeIfAbsent(v, k -> slots.size());
    }

    private int bufferSlot(Buffer b) {
        return bufferSlots.computeIfAbsent(b.name(), k -> bufferSlots.size());
    }

    private Act stmt(Stmt s) {
        return switch (s) {
            case Stmt.For f -> {
                int v = slot(f.var());
                LFn mn = lfn(f.min()), ex = lfn(f.extent());
                Act body = stmt(f.body());
                yield fr -> {
                    long lo = mn.ap(fr), hi = lo + ex.ap(fr);
                    for (long i = lo; i < hi; i++) {
                        fr.ivars[v] = i;
                        body.run(fr);
                    }
                };
            }
            case Stmt.Store st -> {
                int b = bufferSlot(st.buffer());
                LFn idx = flatIndex(st.buffer(), st.indices());
                if (st.buffer().dtype().isFloat()) {
                    DFn val = dfn(st.value());
                    yield fr -> ((double[]) fr.bufs[b])[(int) idx.ap(fr)] = val.ap(fr);
                }
                LFn val = lfn(st.value());
                yield fr -> ((long[]) fr.bufs[b])[(int) idx.ap(fr)] = val.ap(fr);
            }
            case Stmt.Seq q -> {
                Act[] parts = q.stmts().stream().map(this::stmt).toArray(Act[]::new);
                yield fr -> {
                    for (Act a : parts) a.run(fr);
                };
            }
            case Stmt.IfThenElse i -> {
                LFn c = lfn(i.cond());
                Act t = stmt(i.then()), o = stmt(i.otherwise());
                yield fr -> {
                    if (c.ap(fr) != 0) t.run(fr); else o.run(fr);
                };
            }
            case Stmt.Allocate a -> {
                int b = bufferSlot(a.buffer());
                Act body = stmt(a.body());
                Buffer buf = a.buffer();
                yield fr -> {
                    fr.bufs[b] = alloc(buf);
                    body.run(fr);
                };
            }
            case Stmt.LetStmt l -> {
                int v = slot(l.var());
                Act body = stmt(l.body());
                if (l.var().dtype().isFloat()) {
                    DFn val = dfn(l.value());
                    yield fr -> {
                        fr.dvars[v] = val.ap(fr);
                        body.run(fr);
                    };
                }
                LFn val = lfn(l.value());
                yield fr -> {
                    fr.ivars[v] = val.ap(fr);
                    body.run(fr);
                };
            }
        };
    }

    private LFn flatIndex(Buffer b, List<Expr> idx) {
        if (idx.isEmpty()) return fr -> 0;
        LFn[] parts = new LFn[idx.size()];
        long[] strides = new long[idx.size()];
        for (int k = 0; k < idx.size(); k++) {
            parts[k] = lfn(idx.get(k));
            strides[k] = b.stride(k);
        }
        String name = b.name();
        List<Long> shape = b.shape();
        return fr -> {
            long flat = 0;
            for (int k = 0; k < parts.length; k++) {
                long i = parts[k].ap(fr);
                if (i < 0 || i >= shape.get(k)) {
                    throw new IndexOutOfBoundsException("index " + i + " out of bounds for dimension " + k + " of " + name + shape);
                }
                flat += i * strides[k];
            }
            return flat;
        };
    }

    private static double round(DType t, double v) {
        return switch (t) {
            case FLOAT32 -> (float) v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> FloatBits.fromBfloat16(FloatBits.toBfloat16((float) v));
            default -> v;
        };
    }

    /** Compiles a float-typed expression. */
    private DFn dfn(Expr e) {
        DType t = e.dtype();
        if (!t.isFloat()) {
            LFn l = lfn(e);
            return fr -> l.ap(fr);
        }
        return switch (e) {
            case Expr.FloatImm c -> {
                double v = c.value();
                yield fr -> v;
            }
            case Var v -> {
                int s = slot(v);
                yield fr -> fr.dvars[s];
            }
            case Expr.Binary b -> {
                DFn x = dfn(b.a()), y = dfn(b.b());
                yield switch (b.op()) {
                    case ADD -> fr -> round(t, x.ap(fr) + y.ap(fr));
                    case SUB -> fr -> round(t, x.ap(fr) - y.ap(fr));
                    case MUL -> fr -> round(t, x.ap(fr) * y.ap(fr));
                    case DIV -> fr -> round(t, x.ap(fr) / y.ap(fr));
                    case MIN -> fr -> {
                        double p = x.ap(fr), q = y.ap(fr);
                        return p < q ? p : q;
                    };
                    case MAX -> fr -> {
                        double p = x.ap(fr), q = y.ap(fr);
                        return p > q ? p : q;
                    };
                    case FLOORMOD, MOD -> fr -> round(t, x.ap(fr) % y.ap(fr));
                    default -> throw new IllegalArgumentException("float " + b.op() + " is not defined");
                };
            }
            case Expr.Unary u -> {
                DFn x = dfn(u.a());
                yield fr -> -x.ap(fr);
            }
            case Expr.Select s -> {
                LFn c = lfn(s.cond());
                DFn x = dfn(s.t()), y = dfn(s.f());
                yield fr -> c.ap(fr) != 0 ? x.ap(fr) : y.ap(fr);
            }
            case Expr.Cast c -> {
                if (c.value().dtype().isFloat()) {
                    DFn x = dfn(c.value());
                    yield fr -> round(t, x.ap(fr));
                }
                LFn x = lfn(c.value());
                if (c.value().dtype() == DType.UINT64) yield fr -> round(t, unsignedToDouble(x.ap(fr)));
                yield fr -> round(t, x.ap(fr));
            }
            case Expr.Call c -> mathCall(c);
            case Expr.Load l -> {
                int b = bufferSlot(l.buffer());
                LFn idx = flatIndex(l.buffer(), l.indices());
                yield fr -> ((double[]) fr.bufs[b])[(int) idx.ap(fr)];
            }
            case Expr.IntImm i -> throw new AssertionError(i);
            case Expr.TensorRead r -> throw new IllegalArgumentException("unlowered tensor read of " + r.tensor().name());
        };
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }

    private DFn mathCall(Expr.Call c) {
        DType t = c.dtype();
        DFn a = dfn(c.args().get(0));
        DFn b = c.args().size() > 1 ? dfn(c.args().get(1)) : null;
        DFn d = c.args().size() > 2 ? dfn(c.args().get(2)) : null;
        return switch (c.fn()) {
            case EXP -> fr -> round(t, Math.exp(a.ap(fr)));
            case LOG -> fr -> round(t, Math.log(a.ap(fr)));
            case SQRT -> fr -> round(t, Math.sqrt(a.ap(fr)));
            case TANH -> fr -> round(t, Math.tanh(a.ap(fr)));
            case ERF -> fr -> round(t, Erf.erf(a.ap(fr)));
            case POW -> fr -> round(t, Math.pow(a.ap(fr), b.ap(fr)));
            case FABS -> fr -> Math.abs(a.ap(fr));
            case FLOOR -> fr -> Math.floor(a.ap(fr));
            case CEIL -> fr -> Math.ceil(a.ap(fr));
            case NEARBYINT -> fr -> Math.rint(a.ap(fr));
            case SIN -> fr -> round(t, Math.sin(a.ap(fr)));
            case COS -> fr -> round(t, Math.cos(a.ap(fr)));
            case TAN -> fr -> round(t, Math.tan(a.ap(fr)));
            case ASIN -> fr -> round(t, Math.asin(a.ap(fr)));
            case ACOS -> fr -> round(t, Math.acos(a.ap(fr)));
            case ATAN -> fr -> round(t, Math.atan(a.ap(fr)));
            case SINH -> fr -> round(t, Math.sinh(a.ap(fr)));
            case COSH -> fr -> round(t, Math.cosh(a.ap(fr)));
            case ASINH -> fr -> {
                double x = a.ap(fr);
                return round(t, Math.log(x + Math.sqrt(x * x + 1)));
            };
            case ACOSH -> fr -> {
                double x = a.ap(fr);
                return round(t, Math.log(x + Math.sqrt(x * x - 1)));
            };
            case ATANH -> fr -> {
                double x = a.ap(fr);
                return round(t, 0.5 * Math.log((1 + x) / (1 - x)));
            };
            case FMOD -> fr -> round(t, a.ap(fr) % b.ap(fr));
            case ATAN2 -> fr -> round(t, Math.atan2(a.ap(fr), b.ap(fr)));
            case FMA -> fr -> round(t, Math.fma(a.ap(fr), b.ap(fr), d.ap(fr)));
            case LOG1P -> fr -> round(t, Math.log1p(a.ap(fr)));
            case EXPM1 -> fr -> round(t, Math.expm1(a.ap(fr)));
            case ISNAN, ISINF -> throw new AssertionError("bool intrinsic in float context");
        };
    }

    /** Compiles an integer- or bool-typed expression. */
    private LFn lfn(Expr e) {
        DType t = e.dtype();
        if (t.isFloat()) throw new IllegalArgumentException("expected an integer expression, got " + t);
        return switch (e) {
            case Expr.IntImm c -> {
                long v = c.value();
                yield fr -> v;
            }
            case Var v -> {
                int s = slot(v);
                yield fr -> fr.ivars[s];
            }
            case Expr.Binary b -> binaryL(b);
            case Expr.Unary u -> {
                LFn x = lfn(u.a());
                yield switch (u.op()) {
                    case NEG -> fr -> NDArray.wrap(t, -x.ap(fr));
                    case NOT -> fr -> x.ap(fr) != 0 ? 0 : 1;
                    case BITNOT -> fr -> NDArray.wrap(t, ~x.ap(fr));
                };
            }
            case Expr.Select s -> {
                LFn c = lfn(s.cond()), x = lfn(s.t()), y = lfn(s.f());
                yield fr -> c.ap(fr) != 0 ? x.ap(fr) : y.ap(fr);
            }
            case Expr.Cast c -> {
                if (c.value().dtype().isFloat()) {
                    DFn x = dfn(c.value());
                    if (t == DType.BOOL) yield fr -> x.ap(fr) != 0 ? 1 : 0;
                    yield fr -> NDArray.wrap(t, FloatBits.toLongSaturating(x.ap(fr)));
                }
                LFn x = lfn(c.value());
                if (t == DType.BOOL) yield fr -> x.ap(fr) != 0 ? 1 : 0;
                yield fr -> NDArray.wrap(t, x.ap(fr));
            }
            case Expr.Call c -> {
                DFn x = dfn(c.args().get(0));
                yield switch (c.fn()) {
                    case ISNAN -> fr -> Double.isNaN(x.ap(fr)) ? 1 : 0;
                    case ISINF -> fr -> Double.isInfinite(x.ap(fr)) ? 1 : 0;
                    default -> throw new IllegalArgumentException(c.fn() + " on integers");
                };
            }
            case Expr.Load l -> {
                int b = bufferSlot(l.buffer());
                LFn idx = flatIndex(l.buffer(), l.indices());
                yield fr -> ((long[]) fr.bufs[b])[(int) idx.ap(fr)];
            }
            case Expr.FloatImm f -> throw new AssertionError(f);
            case Expr.TensorRead r -> throw new IllegalArgumentException("unlowered tensor read of " + r.tensor().name());
        };
    }

    private LFn binaryL(Expr.Binary b) {
        DType t = b.dtype();
        if (b.a().dtype().isFloat()) {
            DFn x = dfn(b.a()), y = dfn(b.b());
            return switch (b.op()) {
                case LT -> fr -> x.ap(fr) < y.ap(fr) ? 1 : 0;
                case LE -> fr -> x.ap(fr) <= y.ap(fr) ? 1 : 0;
                case GT -> fr -> x.ap(fr) > y.ap(fr) ? 1 : 0;
                case GE -> fr -> x.ap(fr) >= y.ap(fr) ? 1 : 0;
                case EQ -> fr -> x.ap(fr) == y.ap(fr) ? 1 : 0;
                case NE -> fr -> x.ap(fr) != y.ap(fr) ? 1 : 0;
                default -> throw new AssertionError(b.op());
            };
        }
        LFn x = lfn(b.a()), y = lfn(b.b());
        boolean unsigned = !b.a().dtype().isSigned();
        return switch (b.op()) {
            case ADD -> fr -> NDArray.wrap(t, x.ap(fr) + y.ap(fr));
            case SUB -> fr -> NDArray.wrap(t, x.ap(fr) - y.ap(fr));
            case MUL -> fr -> NDArray.wrap(t, x.ap(fr) * y.ap(fr));
            case DIV -> unsigned ? fr -> NDArray.wrap(t, Long.divideUnsigned(x.ap(fr), nz(y.ap(fr))))
                    : fr -> NDArray.wrap(t, x.ap(fr) / nz(y.ap(fr)));
            case MOD -> unsigned ? fr -> Long.remainderUnsigned(x.ap(fr), nz(y.ap(fr))) : fr -> x.ap(fr) % nz(y.ap(fr));
            case FLOORDIV -> fr -> Math.floorDiv(x.ap(fr), nz(y.ap(fr)));
            case FLOORMOD -> fr -> Math.floorMod(x.ap(fr), nz(y.ap(fr)));
            case MIN -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) <= 0 ? x.ap(fr) : y.ap(fr)
                    : fr -> Math.min(x.ap(fr), y.ap(fr));
            case MAX -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) >= 0 ? x.ap(fr) : y.ap(fr)
                    : fr -> Math.max(x.ap(fr), y.ap(fr));
            case LT -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) < 0 ? 1 : 0 : fr -> x.ap(fr) < y.ap(fr) ? 1 : 0;
            case LE -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) <= 0 ? 1 : 0 : fr -> x.ap(fr) <= y.ap(fr) ? 1 : 0;
            case GT -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) > 0 ? 1 : 0 : fr -> x.ap(fr) > y.ap(fr) ? 1 : 0;
            case GE -> unsigned ? fr -> Long.compareUnsigned(x.ap(fr), y.ap(fr)) >= 0 ? 1 : 0 : fr -> x.ap(fr) >= y.ap(fr) ? 1 : 0;
            case EQ -> fr -> x.ap(fr) == y.ap(fr) ? 1 : 0;
            case NE -> fr -> x.ap(fr) != y.ap(fr) ? 1 : 0;
            case AND -> fr -> x.ap(fr) != 0 && y.ap(fr) != 0 ? 1 : 0;
            case OR -> fr -> x.ap(fr) != 0 || y.ap(fr) != 0 ? 1 : 0;
            case BITAND -> fr -> x.ap(fr) & y.ap(fr);
            case BITOR -> fr -> x.ap(fr) | y.ap(fr);
            case BITXOR -> fr -> x.ap(fr) ^ y.ap(fr);
            case SHL -> fr -> NDArray.wrap(t, x.ap(fr) << y.ap(fr));
            case SHR -> unsigned ? fr -> x.ap(fr) >>> y.ap(fr) : fr -> x.ap(fr) >> y.ap(fr);
        };
    }

    private static long nz(long d) {
        if (d == 0) throw new ArithmeticException("integer division by zero");
        return d;
    }
}
