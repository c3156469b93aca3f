package kiln.tir;

import java.util.List;
import java.util.Objects;

/** Statements of the loop-level IR. */
public sealed interface Stmt permits Stmt.For, Stmt.Store, Stmt.Seq, Stmt.IfThenElse, Stmt.Allocate, Stmt.LetStmt {

    enum ForKind { SERIAL, PARALLEL, VECTORIZED, UNROLLED }

    /** for (var = min; var < min + extent; ++var) body */
    record For(Var var, Expr min, Expr extent, ForKind kind, Stmt body) implements Stmt {
        public For {
            Objects.requireNonNull(var);
            Objects.requireNonNull(kind);
            Objects.requireNonNull(body);
            if (!min.dtype().isInt() || !extent.dtype().isInt()) throw new IllegalArgumentException("loop bounds must be integers");
        }
    }

    record Store(Buffer buffer, List<Expr> indices, Expr value) implements Stmt {
        public Store {
            indices = List.copyOf(indices);
            if (indices.size() != buffer.rank()) {
                throw new IllegalArgumentException("store to " + buffer.name() + " needs " + buffer.rank() + " indices, got " + indices.size());
            }
            if (value.dtype() != buffer.dtype()) {
                throw new IllegalArgumentException("store of " + value.dtype() + " into " + buffer.dtype() + " buffer " + buffer.name());
            }
        }
    }

    record Seq(List<Stmt> stmts) implements Stmt {
        public Seq {
            stmts = List.copyOf(stmts);
        }

        public static Stmt of(List<Stmt> stmts) {
            return stmts.size() == 1 ? stmts.get(0) : new Seq(stmts);
        }
    }

    /** if (cond) then else otherwise; {@code otherwise} is an empty Seq when absent. */
    record IfThenElse(Expr cond, Stmt then, Stmt otherwise) implements Stmt {
        public IfThenElse {
            if (cond.dtype() != DType.BOOL) throw new IllegalArgumentException("if condition must be bool");
            Objects.requireNonNull(then);
            Objects.requireNonNull(otherwise);
        }
    }

    /** A buffer local to the body (register accumulators, small scratch). */
    record Allocate(Buffer buffer, Stmt body) implements Stmt {
        public Allocate {
            if (buffer.scope() != Buffer.Scope.LOCAL) throw new IllegalArgumentException("Allocate takes LOCAL buffers");
        }
    }

    /** A scalar binding visible in body. */
    record LetStmt(Var var, Expr value, Stmt body) implements Stmt {
        public LetStmt {
            if (var.dtype() != value.dtype()) throw new IllegalArgumentException("let type mismatch for " + var.name());
        }
    }

    static Stmt empty() { return new Seq(List.of()); }
}
