package kiln.relax.op;

import static kiln.relax.op.OpTestUtil.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import kiln.relax.Attrs;
import kiln.relax.Type;
import kiln.tir.DType;
import kiln.tir.NDArray;
import org.junit.jupiter.api.Test;

/**
 * Recurrent layers against a direct Java (float64) implementation of the ONNX equations, in every
 * direction mode and with GRU's linear_before_reset both ways.
 */
class RnnOpsTest {
    private static final int T = 3, B = 2, I = 3, H = 4;

    private static NDArray rand(Random r, long... shape) {
        double[] v = new double[(int) NDArray.numel(shape)];
        for (int k = 0; k < v.length; k++) v[k] = (float) (r.nextDouble() - 0.5);
        return NDArray.ofDoubles(DType.FLOAT32, shape, v);
    }

    private static double sig(double v) { return 1 / (1 + Math.exp(-v)); }

    private static double act(String name, double v) {
        return switch (name) {
            case "Tanh" -> Math.tanh(v);
            case "Sigmoid" -> sig(v);
            case "Relu" -> Math.max(v, 0);
            case "Softsign" -> v / (1 + Math.abs(v));
            case "Softplus" -> Math.log(Math.exp(v) + 1);
            default -> throw new AssertionError(name);
        };
    }

    /** Reference: returns [T][D][B][S] with S = H (or 2H for lstm: h then c). */
    private static double[][][][] reference(String kind, NDArray x, NDArray w, NDArray r, NDArray b, NDArray h0, NDArray c0,
                                            NDArray p, boolean[] rev, boolean lbr, String[] acts) {
        int g = kind.equals("rnn") ? 1 : kind.equals("gru") ? 3 : 4;
        int dirs = rev.length;
        boolean lstm = kind.equals("lstm");
        double[][][][] y = new double[T][dirs][B][lstm ? 2 * H : H];
        int na = kind.equals("rnn") ? 1 : kind.equals("gru") ? 2 : 3;
        for (int d = 0; d < dirs; d++) {
            String fa = acts[d * na], ga = na > 1 ? acts[d * na + 1] : null, ha = na > 2 ? acts[d * na + 2] : null;
            for (int bb = 0; bb < B; bb++) {
                double[] h = new double[H], c = new double[H];
                for (int j = 0; j < H; j++) {
                    h[j] = h0.getDouble((d * B + bb) * H + j);
                    if (lstm) c[j] = c0.getDouble((d * B + bb) * H + j);
                }
                for (int s = 0; s < T; s++) {
                    int t = rev[d] ? T - 1 - s : s;
                    double[][] xw = new double[g][H], hr = new double[g][H];
                    double[] rgate = new double[H];
                    for (int q = 0; q < g; q++) {
                        for (int j = 0; j < H; j++) {
                            int row = q * H + j;
                            double a = b.getDouble(d * 2 * g * H + row), e = b.getDouble(d * 2 * g * H + g * H + row);
                            for (int k = 0; k < I; k++) a += x.getDouble((t * B + bb) * I + k) * w.getDouble((d * g * H + row) * I + k);
                            for (int k = 0; k < H; k++) e += h[k] * r.getDouble((d * g * H + row) * H + k);
                            xw[q][j] = a;
                            hr[q][j] = e;
                        }
                    }
                    double[] nh = new double[H], nc = new double[H];
                    if (kind.equals("gru")) {
                        for (int j = 0; j < H; j++) rgate[j] = act(fa, xw[1][j] + hr[1][j]);
                    }
                    for (int j = 0; j < H; j++) {
                        switch (kind) {
                            case "rnn" -> nh[j] = act(fa, xw[0][j] + hr[0][j]);
                            case "gru" -> {
                                double z = act(fa, xw[0][j] + hr[0][j]);
                                double n;
                                if (lbr) {
                                    n = act(ga, xw[2][j] + rgate[j] * hr[2][j]);
                                } else {
                                    int row = 2 * H + j;
                                    double e = b.getDouble(d * 6 * H + 3 * H + row);
                                    for (int k = 0; k < H; k++) e += rgate[k] * h[k] * r.getDouble((d * 3 * H + row) * H + k);
                                    n = act(ga, xw[2][j] + e);
                                }
                                nh[j] = (1 - z) * n + z * h[j];
                            }
                            default -> {
                                double pi = p.getDouble(d * 3 * H + j), po = p.getDouble(d * 3 * H + H + j), pf = p.getDouble(d * 3 * H + 2 * H + j);
                                double ig = act(fa, xw[0][j] + hr[0][j] + pi * c[j]);
                                double fg = act(fa, xw[2][j] + hr[2][j] + pf * c[j]);
                                nc[j] = fg * c[j] + ig * act(ga, xw[3][j] + hr[3][j]);
                                double og = act(fa, xw[1][j] + hr[1][j] + po * nc[j]);
                                nh[j] = og * act(ha, nc[j]);
                            }
                        }
                    }
                    h = nh;
                    if (lstm) c = nc;
                    for (int j = 0; j < H; j++) {
                        y[t][d][bb][j] = h[j];
                        if (lstm) y[t][d][bb][H + j] = c[j];
                    }
                }
            }
        }
        return y;
    }

    private static void check(String kind, String direction, boolean lbr, long seed) {
        check(kind, direction, lbr, seed, null);
    }

    /** acts: comma-separated activations of every direction, or null for the defaults. */
    private static void check(String kind, String direction, boolean lbr, long seed, String acts) {
        Random rnd = new Random(seed);
        boolean[] rev = switch (direction) {
            case "forward" -> new boolean[] {false};
            case "reverse" -> new boolean[] {true};
            default -> new boolean[] {false, true};
        };
        int d = rev.length, g = kind.equals("rnn") ? 1 : kind.equals("gru") ? 3 : 4;
        NDArray x = rand(rnd, T, B, I), w = rand(rnd, d, g * H, I), r = rand(rnd, d, g * H, H), b = rand(rnd, d, 2 * g * H);
        NDArray h0 = rand(rnd, d, B, H), c0 = rand(rnd, d, B, H), p = rand(rnd, d, 3 * H);
        Attrs at = Attrs.of("direction", direction, "linear_before_reset", lbr ? 1L : 0L);
        String[] names;
        if (acts != null) {
            at = at.with("activations", acts);
            names = acts.split(",");
        } else {
            String one = kind.equals("rnn") ? "Tanh" : kind.equals("gru") ? "Sigmoid,Tanh" : "Sigmoid,Tanh,Tanh";
            names = (d == 2 ? one + "," + one : one).split(",");
        }
        NDArray got = kind.equals("lstm") ? run(kind, at, x, w, r, b, h0, c0, p) : run(kind, at, x, w, r, b, h0);
        double[][][][] want = reference(kind, x, w, r, b, h0, c0, p, rev, lbr, names);
        int s = want[0][0][0].length;
        assertEquals(List.of((long) T, (long) d, (long) B, (long) s), got.shapeList());
        for (int t = 0; t < T; t++) {
            for (int dd = 0; dd < d; dd++) {
                for (int bb = 0; bb < B; bb++) {
                    for (int j = 0; j < s; j++) {
                        double e = want[t][dd][bb][j], a = got.getDouble(((t * d + dd) * B + bb) * s + j);
                        assertEquals(e, a, 1e-5, kind + " " + direction + " lbr=" + lbr + " at [" + t + "," + dd + "," + bb + "," + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void rnnInEveryDirection() {
        for (String dir : List.of("forward", "reverse", "bidirectional")) check("rnn", dir, false, 1);
    }

    @Test
    void gruInEveryDirectionWithAndWithoutLinearBeforeReset() {
        for (String dir : List.of("forward", "reverse", "bidirectional")) {
            check("gru", dir, false, 2);
            check("gru", dir, true, 3);
        }
    }

    @Test
    void lstmWithPeepholesInEveryDirection() {
        for (String dir : List.of("forward", "reverse", "bidirectional")) check("lstm", dir, false, 4);
    }

    @Test
    void otherActivationsPerDirection() {
        check("rnn", "bidirectional", false, 5, "Relu,Softsign");
        check("gru", "bidirectional", false, 6, "Softsign,Softplus,Sigmoid,Relu");
        check("lstm", "reverse", false, 7, "Softsign,Relu,Softplus");
        assertThrows(OpTypeError.class, () -> OpRegistry.get("rnn").inferType(List.of(Type.TensorType.of(DType.FLOAT32, T, B, I),
                Type.TensorType.of(DType.FLOAT32, 1, H, I), Type.TensorType.of(DType.FLOAT32, 1, H, H), Type.TensorType.of(DType.FLOAT32, 1, 2 * H),
                Type.TensorType.of(DType.FLOAT32, 1, B, H)), Attrs.of("activations", "LeakyRelu")));
    }

    @Test
    void typeErrors() {
        Type.TensorType x = Type.TensorType.of(DType.FLOAT32, T, B, I);
        Type.TensorType w = Type.TensorType.of(DType.FLOAT32, 1, H, I), r = Type.TensorType.of(DType.FLOAT32, 1, H, H);
        Type.TensorType b = Type.TensorType.of(DType.FLOAT32, 1, 2 * H), h0 = Type.TensorType.of(DType.FLOAT32, 1, B, H);
        OpDef rnn = OpRegistry.get("rnn");
        assertEquals(List.of((long) T, 1L, (long) B, (long) H), rnn.inferType(List.of(x, w, r, b, h0), Attrs.EMPTY).tensor().shape());
        assertThrows(OpTypeError.class, () -> rnn.inferType(List.of(x, w, r, b, h0), Attrs.of("direction", "bidirectional")));
        assertThrows(OpTypeError.class, () -> rnn.inferType(List.of(x, w, r, Type.TensorType.of(DType.FLOAT32, 1, H), h0), Attrs.EMPTY));
        assertThrows(OpTypeError.class, () -> OpRegistry.get("gru").inferType(List.of(x, w, r, b, h0), Attrs.EMPTY), "gru needs 3 gates");
    }
}
