package kiln.importer.convert;

import java.util.ArrayList;
import java.util.List;
import kiln.importer.onnx.OnnxElemType;
import kiln.relax.Attrs;
import kiln.relax.Expr;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;

/**
 * Converters for elementwise ONNX ops: arithmetic, comparisons, logic, bit operations, math functions,
 * activations, casts, where and the variadic Sum/Mean/Max/Min.
 *
 * <p>Semantics worth knowing. Integer Div truncates toward zero (what ONNX's reference gives: numpy's
 * true division converted back to the integer type). Integer Mod without fmod takes the divisor's sign.
 * Before opset 7 binary ops had explicit broadcasting ({@code broadcast}, {@code axis}); such operands
 * are reshaped so numpy broadcasting gives the old result.
 */
final class ElementwiseConverters {
    private ElementwiseConverters() {}

    static void register(ConverterTable.Registrar r) {
        binary(r, "Add", "add");
        binary(r, "Sub", "subtract");
        binary(r, "Mul", "multiply");
        binary(r, "Div", "divide");
        binary(r, "Pow", "power");
        r.add("Mod", ctx -> one(ctx.call("mod", Attrs.of("fmod", ctx.node().attrInt("fmod", 0)), ctx.input(0), ctx.input(1))));
        binary(r, "And", "logical_and");
        binary(r, "Or", "logical_or");
        binary(r, "Xor", "logical_xor");
        binary(r, "Equal", "equal");
        binary(r, "Less", "less");
        binary(r, "LessOrEqual", "less_equal");
        binary(r, "Greater", "greater");
        binary(r, "GreaterOrEqual", "greater_equal");
        binary(r, "BitwiseAnd", "bitwise_and");
        binary(r, "BitwiseOr", "bitwise_or");
        binary(r, "BitwiseXor", "bitwise_xor");
        r.add("BitShift", ElementwiseConverters::bitShift);

        unary(r, "Not", "logical_not");
        unary(r, "BitwiseNot", "bitwise_not");
        unary(r, "Sqrt", "sqrt");
        unary(r, "Exp", "exp");
        unary(r, "Log", "log");
        unary(r, "Erf", "erf");
        unary(r, "Neg", "negative");
        unary(r, "Abs", "abs");
        unary(r, "Reciprocal", "reciprocal");
        unary(r, "Relu", "relu");
        unary(r, "Sigmoid", "sigmoid");
        unary(r, "Tanh", "tanh");
        unary(r, "Sin", "sin");
        unary(r, "Cos", "cos");
        unary(r, "Tan", "tan");
        unary(r, "Asin", "asin");
        unary(r, "Acos", "acos");
        unary(r, "Atan", "atan");
        unary(r, "Sinh", "sinh");
        unary(r, "Cosh", "cosh");
        unary(r, "Asinh", "asinh");
        unary(r, "Acosh", "acosh");
        unary(r, "Atanh", "atanh");
        unary(r, "Floor", "floor");
        unary(r, "Ceil", "ceil");
        unary(r, "Round", "round");
        unary(r, "Sign", "sign");
        unary(r, "Softplus", "softplus");
        unary(r, "Softsign", "softsign");
        unary(r, "Mish", "mish");
        unary(r, "HardSwish", "hard_swish");
        unary(r, "IsNaN", "isnan");

        r.add("LeakyRelu", ctx -> unaryWith(ctx, "leaky_relu", "alpha", floatAttr(ctx, "alpha", 0.01f)));
        r.add("Elu", ctx -> unaryWith(ctx, "elu", "alpha", floatAttr(ctx, "alpha", 1.0f)));
        r.add("Celu", ctx -> unaryWith(ctx, "celu", "alpha", floatAttr(ctx, "alpha", 1.0f)));
        r.add("ThresholdedRelu", ctx -> unaryWith(ctx, "thresholded_relu", "alpha", floatAttr(ctx, "alpha", 1.0f)));
        r.add("Selu", ctx -> one(ctx.call("selu", Attrs.of("alpha", floatAttr(ctx, "alpha", 1.67326319217681884765625f),
                "gamma", floatAttr(ctx, "gamma", 1.05070102214813232421875f)), ctx.input(0))));
        r.add("HardSigmoid", ctx -> one(ctx.call("hard_sigmoid", Attrs.of("alpha", floatAttr(ctx, "alpha", 0.2f),
                "beta", floatAttr(ctx, "beta", 0.5f)), ctx.input(0))));
        r.add("Gelu", ctx -> {
            String approx = ctx.node().attrString("approximate", "none");
            if (!approx.equals("none") && !approx.equals("tanh")) {
                throw ctx.error("attribute 'approximate' must be \"none\" or \"tanh\", got \"" + approx + "\"");
            }
            return one(ctx.call("gelu", Attrs.of("approximate", approx), ctx.input(0)));
        });
        r.add("IsInf", ctx -> one(ctx.call("isinf", Attrs.of("detect_positive", ctx.node().attrInt("detect_positive", 1),
                "detect_negative", ctx.node().attrInt("detect_negative", 1)), ctx.input(0))));
        r.add("PRelu", ElementwiseConverters::prelu);
        r.add("Clip", ElementwiseConverters::clip);
        r.add("Where", ctx -> one(ctx.call("where", Attrs.EMPTY, ctx.input(0), ctx.input(1), ctx.input(2))));
        r.add("Cast", ElementwiseConverters::cast);
        r.add("CastLike", ctx -> one(castTo(ctx, ctx.type(1).dtype())));

        variadic(r, "Sum", "add");
        variadic(r, "Max", "maximum");
        variadic(r, "Min", "minimum");
        r.add("Mean", ElementwiseConverters::mean);
    }

    private static List<Expr> one(Expr e) { return List.of(e); }

    /** A float attribute as the Double the graph ops take (the float value exactly). */
    private static double floatAttr(ConvertContext ctx, String name, float dflt) {
        return ctx.node().attrFloat(name, dflt);
    }

    private static List<Expr> unaryWith(ConvertContext ctx, String op, String attr, double value) {
        return one(ctx.call(op, Attrs.of(attr, value), ctx.input(0)));
    }

    static void binary(ConverterTable.Registrar r, String onnx, String op) {
        r.add(onnx, ctx -> {
            List<Expr> ab = legacyBroadcast(ctx);
            return one(ctx.call(op, Attrs.EMPTY, ab.get(0), ab.get(1)));
        });
    }

    static void unary(ConverterTable.Registrar r, String onnx, String op) {
        r.add(onnx, ctx -> one(ctx.call(op, Attrs.EMPTY, ctx.input(0))));
    }

    /**
     * The two operands of a binary op. Before opset 7, {@code broadcast=1} with {@code axis} aligned B's
     * dims with A's starting at {@code axis} (B's trailing dims are padded with 1s here so numpy
     * broadcasting matches); without {@code axis}, B's dims align with A's trailing dims, as in numpy.
     */
    static List<Expr> legacyBroadcast(ConvertContext ctx) {
        Expr a = ctx.input(0), b = ctx.input(1);
        if (ctx.opset() >= 7 || ctx.node().attrInt("broadcast", 0) == 0 || !ctx.node().hasAttr("axis")) return List.of(a, b);
        int ra = ctx.rank(0), rb = ctx.rank(1);
        long axis = ctx.node().attrInt("axis", 0);
        int start = (int) (axis < 0 ? axis + ra : axis);
        if (start < 0 || start + rb > ra) {
            throw ctx.error("legacy broadcast of B " + ctx.type(1) + " into A " + ctx.type(0) + " at axis " + axis + " does not fit");
        }
        List<Long> shape = new ArrayList<>(ctx.type(1).shape());
        while (shape.size() < ra - start) shape.add(1L);
        return List.of(a, reshape(ctx, b, shape));
    }

    private static Expr reshape(ConvertContext ctx, Expr e, List<Long> shape) {
        if (e.type() instanceof Type.TensorType t && t.shape().equals(shape)) return e;
        return ctx.call("reshape", Attrs.of("shape", shape), e);
    }

    private static List<Expr> bitShift(ConvertContext ctx) {
        String dir = ctx.node().attrString("direction", "");
        String op = switch (dir) {
            case "LEFT" -> "left_shift";
            case "RIGHT" -> "right_shift";
            default -> throw ctx.error("attribute 'direction' must be \"LEFT\" or \"RIGHT\", got \"" + dir + "\"");
        };
        return one(ctx.call(op, Attrs.EMPTY, ctx.input(0), ctx.input(1)));
    }

    /**
     * PRelu. The slope broadcasts to X (unidirectionally). Channel slopes of shape [C] given for an
     * N×C×... input (opset 6 and earlier allowed them, and some exporters still write them) are
     * reshaped to [C, 1, ...] when numpy broadcasting would not apply.
     */
    private static List<Expr> prelu(ConvertContext ctx) {
        Type.TensorType x = ctx.type(0), s = ctx.type(1);
        Expr slope = ctx.input(1);
        List<Long> b = kiln.tir.topi.Broadcast.shape(x.shape(), s.shape());
        boolean numpy = b != null && b.equals(x.shape());
        if (!numpy && s.rank() == 1 && x.rank() >= 2 && s.dim(0) == x.dim(1)) {
            List<Long> shape = new ArrayList<>(List.of(s.dim(0)));
            for (int d = 2; d < x.rank(); d++) shape.add(1L);
            slope = reshape(ctx, slope, shape);
        }
        return one(ctx.call("prelu", Attrs.EMPTY, ctx.input(0), slope));
    }

    /**
     * Clip: bounds are attributes before opset 11 and optional inputs after. Constant bounds become
     * attributes of {@code clip}; bounds computed at run time become {@code maximum}/{@code minimum}.
     */
    private static List<Expr> clip(ConvertContext ctx) {
        Expr x = ctx.input(0);
        DType t = ctx.type(0).dtype();
        if (ctx.opset() < 11) {
            Attrs.Builder b = Attrs.builder();
            ctx.node().attrFloat("min").ifPresent(v -> b.put("min", (double) v));
            ctx.node().attrFloat("max").ifPresent(v -> b.put("max", (double) v));
            return one(ctx.call("clip", b.build(), x));
        }
        Attrs.Builder attrs = Attrs.builder();
        List<String> runtimeOps = new ArrayList<>();
        List<Expr> runtimeBounds = new ArrayList<>();
        String[] names = {"min", "max"};
        for (int k = 1; k <= 2; k++) {
            if (!ctx.hasInput(k)) continue;
            String name = names[k - 1];
            Expr bound = ctx.input(k);
            Type.TensorType bt = ctx.type(k);
            if (bt.dtype() != t) throw ctx.error(name + " has type " + bt.dtype().irName() + " but the input is " + t.irName());
            if (bt.numel() == 0) continue;
            if (bt.numel() != 1) throw ctx.error(name + " must be a scalar, got shape " + bt.shape());
            if (bound instanceof Expr.Constant c) {
                NDArray v = c.value();
                attrs.put(name, t.isFloat() ? (Object) v.getDouble(0) : (Object) v.getLong(0));
            } else {
                runtimeOps.add(name.equals("min") ? "maximum" : "minimum");
                runtimeBounds.add(bt.rank() == 0 ? bound : reshape(ctx, bound, List.of()));
            }
        }
        Attrs constant = attrs.build();
        Expr y = x;
        if (!constant.values().isEmpty() || runtimeOps.isEmpty()) y = ctx.call("clip", constant, x);
        for (int k = 0; k < runtimeOps.size(); k++) y = ctx.call(runtimeOps.get(k), Attrs.EMPTY, y, runtimeBounds.get(k));
        return one(y);
    }

    private static List<Expr> cast(ConvertContext ctx) {
        ctx.node().requireAttr("to");
        long to = ctx.node().attrInt("to", 0);
        DType dtype = new OnnxElemType((int) to).require("the target type of " + ctx.node().describe());
        return one(castTo(ctx, dtype));
    }

    private static Expr castTo(ConvertContext ctx, DType dtype) {
        if (ctx.type(0).dtype() == dtype) return ctx.call("identity", Attrs.EMPTY, ctx.input(0));
        return ctx.call("cast", Attrs.of("dtype", dtype.irName()), ctx.input(0));
    }

    /** Sum / Max / Min of any number of broadcasting inputs, as a chain of binary ops. */
    static void variadic(ConverterTable.Registrar r, String onnx, String op) {
        r.add(onnx, ctx -> one(chain(ctx, op)));
    }

    private static Expr chain(ConvertContext ctx, String op) {
        if (ctx.numInputs() == 0) throw ctx.error("needs at least one input");
        Expr acc = ctx.input(0);
        if (ctx.numInputs() == 1) return ctx.call("identity", Attrs.EMPTY, acc);
        for (int k = 1; k < ctx.numInputs(); k++) acc = ctx.call(op, Attrs.EMPTY, acc, ctx.input(k));
        return acc;
    }

    private static List<Expr> mean(ConvertContext ctx) {
        Expr s = chain(ctx, "add");
        int n = ctx.numInputs();
        if (n == 1) return one(s);
        DType t = s.type().tensor().dtype();
        if (!t.isFloat()) throw ctx.error("Mean needs floating-point inputs, got " + t.irName());
        return one(ctx.call("divide", Attrs.EMPTY, s, ctx.constant(NDArray.scalarDouble(t, n), ctx.node().name() + "_count")));
    }
}
