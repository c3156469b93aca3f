package kiln.relax.op;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Tensor;

/** Helpers for defining ops compactly: most ops are a name, a pattern, a type rule and a compute. */
public final class Ops {
    private Ops() {}

    public static OpDef define(String name, Pattern pattern, BiFunction<List<Type>, Attrs, Type> infer,
                               Computer compute) {
        return new OpDef() {
            @Override public String name() { return name; }
            @Override public Pattern pattern() { return pattern; }
            @Override public Type inferType(List<Type> args, Attrs attrs) { return infer.apply(args, attrs); }
            @Override public List<Tensor> compute(List<Tensor> args, Attrs attrs, Type out) {
                return compute.compute(args, attrs, out);
            }
            @Override public String toString() { return name; }
        };
    }

    /** A single-output compute. */
    public static Computer single(Function3 f) {
        return (args, attrs, out) -> List.of(f.apply(args, attrs, out.tensor()));
    }

    @FunctionalInterface
    public interface Computer {
        List<Tensor> compute(List<Tensor> args, Attrs attrs, Type out);
    }

    @FunctionalInterface
    public interface Function3 {
        Tensor apply(List<Tensor> args, Attrs attrs, Type.TensorType out);
    }

    public static Type.TensorType arg(List<Type> args, int i) {
        if (i >= args.size()) throw new OpTypeError("expected at least " + (i + 1) + " arguments, got " + args.size());
        if (!(args.get(i) instanceof Type.TensorType t)) throw new OpTypeError("argument " + i + " must be a tensor, got " + args.get(i));
        return t;
    }

    public static void arity(List<Type> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new OpTypeError(min == max ? "expected " + min + " arguments, got " + args.size()
                    : "expected " + min + " to " + max + " arguments, got " + args.size());
        }
    }

    public static <T> T check(boolean cond, T value, String message) {
        if (!cond) throw new OpTypeError(message);
        return value;
    }

    public static void require(boolean cond, String message) {
        if (!cond) throw new OpTypeError(message);
    }

    public static Function<Type, Type> identityType() { return t -> t; }
}
