package kiln.relax;

import java.util.List;
import java.util.Objects;
import kiln.tir.NDArray;

/**
 * Graph-level expressions. Every value has a {@link Type}. Calls carry the names of the ONNX
 * nodes they came from, so every emitted kernel can say which model nodes it implements.
 */
public sealed interface Expr permits Var, Expr.Constant, Expr.Call, Expr.CallPrim, Expr.Tuple, Expr.TupleGetItem {

    Type type();

    /** A compile-time tensor (weights, folded shapes). {@code name} is a hint for the emitter. */
    record Constant(NDArray value, String name) implements Expr {
        public Constant {
            Objects.requireNonNull(value);
            Objects.requireNonNull(name);
        }

        @Override
        public Type type() { return new Type.TensorType(value.shapeList(), value.dtype()); }
    }

    /** An operator application; {@code type} is inferred by the op when the call is built. */
    record Call(String op, List<Expr> args, Attrs attrs, Type type, List<String> sources) implements Expr {
        public Call {
            Objects.requireNonNull(op);
            args = List.copyOf(args);
            Objects.requireNonNull(attrs);
            Objects.requireNonNull(type);
            sources = List.copyOf(sources);
        }
    }

    /** A call of a kernel (PrimFunc) of the module, produced by legalization. */
    record CallPrim(String func, List<Expr> args, Type type, List<String> sources) implements Expr {
        public CallPrim {
            Objects.requireNonNull(func);
            args = List.copyOf(args);
            Objects.requireNonNull(type);
            sources = List.copyOf(sources);
        }
    }

    record Tuple(List<Expr> fields) implements Expr {
        public Tuple {
            fields = List.copyOf(fields);
        }

        @Override
        public Type type() { return new Type.TupleType(fields.stream().map(Expr::type).toList()); }
    }

    record TupleGetItem(Expr tuple, int index) implements Expr {
        public TupleGetItem {
            if (!(tuple.type() instanceof Type.TupleType t) || index < 0 || index >= t.fields().size()) {
                throw new IllegalArgumentException("bad tuple index " + index + " into " + tuple.type());
            }
        }

        @Override
        public Type type() { return ((Type.TupleType) tuple.type()).fields().get(index); }
    }
}
