package kiln.tir;

import java.util.List;
import java.util.Objects;
import kiln.tir.compute.Tensor;

/** Scalar expressions of the loop-level IR. Immutable; dispatch with an exhaustive switch. */
public sealed interface Expr permits Expr.IntImm, Expr.FloatImm, Var, Expr.Binary, Expr.Unary, Expr.Select,
        Expr.Cast, Expr.Call, Expr.Load, Expr.TensorRead {

    DType dtype();

    /** An integer or bool constant. */
    record IntImm(DType dtype, long value) implements Expr {
        public IntImm {
            Objects.requireNonNull(dtype);
            if (dtype.isFloat()) throw new IllegalArgumentException("IntImm of float type");
            value = NDArray.wrap(dtype, value);
        }
    }

    /** A floating constant (float32 values are stored rounded to float). */
    record FloatImm(DType dtype, double value) implements Expr {
        public FloatImm {
            Objects.requireNonNull(dtype);
            if (!dtype.isFloat()) throw new IllegalArgumentException("FloatImm of non-float type");
            if (dtype == DType.FLOAT32) value = (float) value;
        }
    }

    enum BinOp {
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"), FLOORDIV("floordiv"), FLOORMOD("floormod"),
        MIN("min"), MAX("max"), LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!="), AND("&&"), OR("||"),
        BITAND("&"), BITOR("|"), BITXOR("^"), SHL("<<"), SHR(">>");

        public final String symbol;

        BinOp(String symbol) { this.symbol = symbol; }

        public boolean isComparison() { return this == LT || this == LE || this == GT || this == GE || this == EQ || this == NE; }

        public boolean isLogical() { return this == AND || this == OR; }
    }

    /** A binary operation on two operands of the same type; comparisons and logic give bool. */
    record Binary(BinOp op, Expr a, Expr b) implements Expr {
        public Binary {
            Objects.requireNonNull(op);
            if (a.dtype() != b.dtype()) {
                throw new IllegalArgumentException("operand types differ in " + op + ": " + a.dtype() + " vs " + b.dtype());
            }
            if (op.isLogical() && a.dtype() != DType.BOOL) throw new IllegalArgumentException(op + " needs bool operands");
        }

        @Override
        public DType dtype() { return op.isComparison() || op.isLogical() ? DType.BOOL : a.dtype(); }
    }

    enum UnOp { NEG, NOT, BITNOT }

    record Unary(UnOp op, Expr a) implements Expr {
        public Unary {
            Objects.requireNonNull(op);
            if (op == UnOp.NOT && a.dtype() != DType.BOOL) throw new IllegalArgumentException("NOT needs bool");
        }

        @Override
        public DType dtype() { return a.dtype(); }
    }

    /** cond ? t : f, evaluating only the chosen branch. */
    record Select(Expr cond, Expr t, Expr f) implements Expr {
        public Select {
            if (cond.dtype() != DType.BOOL) throw new IllegalArgumentException("select condition must be bool");
            if (t.dtype() != f.dtype()) throw new IllegalArgumentException("select branches differ: " + t.dtype() + " vs " + f.dtype());
        }

        @Override
        public DType dtype() { return t.dtype(); }
    }

    record Cast(DType dtype, Expr value) implements Expr {
        public Cast {
            Objects.requireNonNull(dtype);
            Objects.requireNonNull(value);
        }
    }

    /** A pure math intrinsic (see {@link Intrinsic}); the emitter maps it to the target's function. */
    record Call(Intrinsic fn, DType dtype, List<Expr> args) implements Expr {
        public Call {
            Objects.requireNonNull(fn);
            args = List.copyOf(args);
            if (args.size() != fn.arity) throw new IllegalArgumentException(fn + " takes " + fn.arity + " arguments");
        }
    }

    /** A read of a buffer element, one index per buffer dimension. */
    record Load(Buffer buffer, List<Expr> indices) implements Expr {
        public Load {
            indices = List.copyOf(indices);
            if (indices.size() != buffer.rank()) {
                throw new IllegalArgumentException("load of " + buffer.name() + " needs " + buffer.rank() + " indices, got " + indices.size());
            }
        }

        @Override
        public DType dtype() { return buffer.dtype(); }
    }

    /** A read of a compute tensor inside another compute's body; lowering turns it into a Load or inlines it. */
    record TensorRead(Tensor tensor, List<Expr> indices) implements Expr {
        public TensorRead {
            indices = List.copyOf(indices);
            if (indices.size() != tensor.shape().size()) {
                throw new IllegalArgumentException("read of " + tensor.name() + " needs " + tensor.shape().size() + " indices, got " + indices.size());
            }
        }

        @Override
        public DType dtype() { return tensor.dtype(); }
    }
}
