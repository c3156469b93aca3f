package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Broadcast;
import kiln.tir.topi.Elementwise;

/**
 * Elementwise and broadcasting ops: arithmetic, comparisons, activations, casts, where.
 * Attribute conventions: float parameters are Double attrs (alpha, beta, min, max).
 */
public final class ElementwiseOps {
    private ElementwiseOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        ops.add(binary("add", E::add));
        ops.add(binary("subtract", E::sub));
        ops.add(binary("multiply", E::mul));
        ops.add(binary("divide", ElementwiseOps::divide));
        ops.add(binary("maximum", E::max));
        ops.add(binary("minimum", E::min));
        ops.add(binary("power", Elementwise::pow));
        ops.add(compare("equal", E::eq));
        ops.add(compare("less", E::lt));
        ops.add(compare("less_equal", E::le));
        ops.add(compare("greater", E::gt));
        ops.add(compare("greater_equal", E::ge));
        ops.add(logical("logical_and", E::and));
        ops.add(logical("logical_or", E::or));
        ops.add(unaryFloat("exp", x -> E.call(Intrinsic.EXP, x)));
        ops.add(unaryFloat("log", x -> E.call(Intrinsic.LOG, x)));
        ops.add(unaryFloat("sqrt", x -> E.call(Intrinsic.SQRT, x)));
        ops.add(unaryFloat("erf", x -> E.call(Intrinsic.ERF, x)));
        ops.add(unaryFloat("tanh", x -> E.call(Intrinsic.TANH, x)));
        ops.add(unaryFloat("sigmoid", Elementwise::sigmoid));
        ops.add(unaryFloat("reciprocal", x -> E.div(E.one(x.dtype()), x)));
        ops.add(unaryFloat("hard_swish", Elementwise::hardSwish));
        ops.add(unaryAny("negative", E::neg));
        ops.add(unaryAny("abs", x -> x.dtype().isFloat() ? E.call(Intrinsic.FABS, x)
                : x.dtype().isSigned() ? E.select(E.lt(x, E.zero(x.dtype())), E.neg(x), x) : x));
        ops.add(unaryAny("relu", Elementwise::relu));
        ops.add(unaryAny("identity", x -> x));
        ops.add(unaryAny("logical_not", E::not));
        ops.add(define("leaky_relu", Pattern.ELEMWISE, ElementwiseOps::sameFloat,
                single((a, at, out) -> Broadcast.unary("leaky_relu", a.get(0), x -> Elementwise.leakyRelu(x, at.getDouble("alpha"))))));
        ops.add(define("hard_sigmoid", Pattern.ELEMWISE, ElementwiseOps::sameFloat,
                single((a, at, out) -> Broadcast.unary("hard_sigmoid", a.get(0),
                        x -> Elementwise.hardSigmoid(x, at.getDouble("alpha"), at.getDouble("beta"))))));
        ops.add(define("clip", Pattern.ELEMWISE, ElementwiseOps::sameAny,
                single((a, at, out) -> Broadcast.unary("clip", a.get(0), x -> Elementwise.clip(x,
                        at.has("min") ? E.constant(x.dtype(), at.getDouble("min")) : E.lowest(x.dtype()),
                        at.has("max") ? E.constant(x.dtype(), at.getDouble("max")) : E.highest(x.dtype()))))));
        ops.add(define("cast", Pattern.ELEMWISE, (args, at) -> {
            arity(args, 1, 1);
            return new Type.TensorType(arg(args, 0).shape(), DType.fromIrName(at.getString("dtype")));
        }, single((a, at, out) -> Broadcast.unary("cast", a.get(0), x -> castExpr(out.dtype(), x)))));
        ops.add(define("where", Pattern.BROADCAST, (args, at) -> {
            arity(args, 3, 3);
            require(arg(args, 0).dtype() == DType.BOOL, "condition must be bool, got " + arg(args, 0).dtype().irName());
            require(arg(args, 1).dtype() == arg(args, 2).dtype(), "branches differ in type: " + arg(args, 1) + " vs " + arg(args, 2));
            List<Long> s = Broadcast.shape(arg(args, 0).shape(), arg(args, 1).shape());
            s = s == null ? null : Broadcast.shape(s, arg(args, 2).shape());
            require(s != null, "shapes " + arg(args, 0).shape() + ", " + arg(args, 1).shape() + ", " + arg(args, 2).shape() + " do not broadcast");
            return new Type.TensorType(s, arg(args, 1).dtype());
        }, single((a, at, out) -> Broadcast.nary("where", a, v -> E.select(v.get(0), v.get(1), v.get(2))))));
        return ops;
    }

    /** C cast semantics, except float→bool which is "non-zero". */
    public static Expr castExpr(DType to, Expr x) {
        if (to == DType.BOOL) return E.ne(x, E.zero(x.dtype()));
        return E.cast(to, x);
    }

    private static Expr divide(Expr a, Expr b) {
        return E.div(a, b);
    }

    private static Type broadcastType(List<Type> args, Attrs at) {
        arity(args, 2, 2);
        Type.TensorType a = arg(args, 0), b = arg(args, 1);
        require(a.dtype() == b.dtype(), "operand types differ: " + a.dtype().irName() + " vs " + b.dtype().irName());
        List<Long> s = Broadcast.shape(a.shape(), b.shape());
        require(s != null, "shapes " + a.shape() + " and " + b.shape() + " do not broadcast");
        return new Type.TensorType(s, a.dtype());
    }

    private static OpDef binary(String name, BinaryOperator<Expr> f) {
        return define(name, Pattern.BROADCAST, ElementwiseOps::broadcastType,
                single((a, at, out) -> Broadcast.binary(name, a.get(0), a.get(1), f)));
    }

    private static OpDef compare(String name, BinaryOperator<Expr> f) {
        return define(name, Pattern.BROADCAST, (args, at) -> new Type.TensorType(broadcastType(args, at).tensor().shape(), DType.BOOL),
                single((a, at, out) -> Broadcast.binary(name, a.get(0), a.get(1), f)));
    }

    private static OpDef logical(String name, BinaryOperator<Expr> f) {
        return define(name, Pattern.BROADCAST, (args, at) -> {
            Type t = broadcastType(args, at);
            require(t.tensor().dtype() == DType.BOOL, name + " needs bool operands");
            return t;
        }, single((a, at, out) -> Broadcast.binary(name, a.get(0), a.get(1), f)));
    }

    private static Type sameFloat(List<Type> args, Attrs at) {
        arity(args, 1, 1);
        require(arg(args, 0).dtype().isFloat(), "needs a floating-point tensor, got " + arg(args, 0).dtype().irName());
        return args.get(0);
    }

    private static Type sameAny(List<Type> args, Attrs at) {
        arity(args, 1, 1);
        return arg(args, 0);
    }

    private static OpDef unaryFloat(String name, UnaryOperator<Expr> f) {
        return define(name, Pattern.ELEMWISE, ElementwiseOps::sameFloat, single((a, at, out) -> Broadcast.unary(name, a.get(0), f)));
    }

    private static OpDef unaryAny(String name, UnaryOperator<Expr> f) {
        return define(name, Pattern.ELEMWISE, ElementwiseOps::sameAny, single((a, at, out) -> Broadcast.unary(name, a.get(0), f)));
    }
}
