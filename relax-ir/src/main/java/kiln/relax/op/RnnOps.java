package kiln.relax.op;

import static kiln.relax.op.Ops.arg;
import static kiln.relax.op.Ops.arity;
import static kiln.relax.op.Ops.define;
import static kiln.relax.op.Ops.require;
import static kiln.relax.op.Ops.single;

import java.util.ArrayList;
import java.util.List;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.compute.Pattern;
import kiln.tir.topi.Rnn;

/**
 * Recurrent layers, every argument given (the importer supplies zeros for absent biases, initial states and peepholes):
 *
 * <ul>
 *   <li>{@code rnn(x, w, r, b, h0)}, {@code gru(x, w, r, b, h0)}, {@code lstm(x, w, r, b, h0, c0, p)}: x [T, B, I],
 *       w [D, G*H, I], r [D, G*H, H], b [D, 2*G*H], h0 and c0 [D, B, H], p [D, 3H]; G = 1, 3, 4 gates.</li>
 *   <li>attrs: {@code direction} (forward, reverse, bidirectional; D must be 2 exactly for bidirectional);
 *       gru also {@code linear_before_reset} (0/1); {@code activations}: comma-separated ONNX names, per direction
 *       (RNN f; GRU f, g; LSTM f, g, h), of Tanh, Sigmoid, Relu, Softsign, Softplus; default ONNX's (RNN Tanh; GRU
 *       Sigmoid, Tanh; LSTM Sigmoid, Tanh, Tanh).</li>
 *   <li>result: the hidden state of every time step, [T, D, B, H]; lstm [T, D, B, 2H] with the cell state in
 *       the second half. A reverse direction's last state is at t = 0.</li>
 * </ul>
 */
public final class RnnOps {
    private RnnOps() {}

    public static List<OpDef> all() {
        List<OpDef> ops = new ArrayList<>();
        for (Rnn.Kind kind : Rnn.Kind.values()) {
            String name = kind.name().toLowerCase(java.util.Locale.ROOT);
            ops.add(define(name, Pattern.OPAQUE, (args, at) -> type(kind, args, at),
                    single((a, at, out) -> {
                        int dirs = (int) (long) a.get(2).shape().get(0);
                        return Rnn.recurrent(kind, a, reverse(at, dirs), at.getLong("linear_before_reset", 0) != 0, activations(kind, at, dirs));
                    })));
        }
        return ops;
    }

    /** attr activations: comma-separated, per direction (default: ONNX's defaults in every direction). */
    static List<String> activations(Rnn.Kind kind, Attrs at, int dirs) {
        List<String> acts = new ArrayList<>();
        if (!at.has("activations")) {
            for (int d = 0; d < dirs; d++) acts.addAll(Rnn.defaultActivations(kind));
            return acts;
        }
        for (String s : at.getString("activations").split(",", -1)) {
            require(Rnn.ACTIVATIONS.contains(s.toLowerCase(java.util.Locale.ROOT)), "activation '" + s + "' is not supported (supported: "
                    + String.join(", ", Rnn.ACTIVATIONS) + ")");
            acts.add(s);
        }
        require(acts.size() == Rnn.activationCount(kind) * dirs, name(kind) + " takes " + Rnn.activationCount(kind)
                + " activations per direction (" + dirs + " directions), got " + acts);
        return acts;
    }

    private static String name(Rnn.Kind kind) { return kind.name().toLowerCase(java.util.Locale.ROOT); }

    private static boolean[] reverse(Attrs at, int dirs) {
        String dir = at.getString("direction", "forward");
        boolean[] rev = new boolean[dirs];
        switch (dir) {
            case "forward" -> require(dirs == 1, "direction forward needs one direction of weights, got " + dirs);
            case "reverse" -> {
                require(dirs == 1, "direction reverse needs one direction of weights, got " + dirs);
                rev[0] = true;
            }
            case "bidirectional" -> {
                require(dirs == 2, "direction bidirectional needs two directions of weights, got " + dirs);
                rev[1] = true;
            }
            default -> throw new OpTypeError("direction must be forward, reverse or bidirectional, got '" + dir + "'");
        }
        return rev;
    }

    private static Type type(Rnn.Kind kind, List<Type> args, Attrs at) {
        int n = kind == Rnn.Kind.LSTM ? 7 : 5;
        arity(args, n, n);
        Type.TensorType x = arg(args, 0), w = arg(args, 1), r = arg(args, 2);
        require(x.dtype() == DType.FLOAT32 || x.dtype() == DType.FLOAT64, "input must be float32 or float64, got " + x.dtype().irName());
        require(x.rank() == 3, "input must be [T, B, I], got " + x);
        require(r.rank() == 3, "recurrence weight must be [D, G*H, H], got " + r);
        long d = r.dim(0), h = r.dim(2), g = kind.gates, t = x.dim(0), b = x.dim(1);
        reverse(at, (int) d);
        activations(kind, at, (int) d);
        require(r.dim(1) == g * h, "recurrence weight " + r + " must be [D, " + g + "*H, H]");
        String[] names = {"input", "weight", "recurrence weight", "bias", "initial_h", "initial_c", "peepholes"};
        List<List<Long>> want = new ArrayList<>(List.of(x.shape(), List.of(d, g * h, x.dim(2)), r.shape(), List.of(d, 2 * g * h),
                List.of(d, b, h)));
        if (kind == Rnn.Kind.LSTM) {
            want.add(List.of(d, b, h));
            want.add(List.of(d, 3 * h));
        }
        for (int k = 1; k < n; k++) {
            Type.TensorType a = arg(args, k);
            require(a.dtype() == x.dtype(), names[k] + " has type " + a.dtype().irName() + " but the input is " + x.dtype().irName());
            require(a.shape().equals(want.get(k)), names[k] + " must have shape " + want.get(k) + ", got " + a);
        }
        return new Type.TensorType(List.of(t, d, b, kind == Rnn.Kind.LSTM ? 2 * h : h), x.dtype());
    }
}
