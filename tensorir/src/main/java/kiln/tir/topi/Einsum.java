package kiln.tir.topi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Einstein summation (ONNX Einsum): one compute whose output axes are the output labels and whose
 * reduction axes are the labels that appear only in the inputs; the body is the product of the operands
 * read at their labels (a label repeated within one operand reads its diagonal). {@code ...} stands for
 * the same leading broadcast dims in every operand (size-1 dims broadcast). Without {@code ->} the output
 * is the broadcast dims followed by the labels that appear once, in alphabetical order.
 */
public final class Einsum {
    private Einsum() {}

    /**
     * A parsed equation: per operand the label of each dim, the output labels, and every label's extent.
     * Labels are ints: letters are their char code, broadcast ({@code ...}) dims are negative.
     */
    public record Spec(List<int[]> inputs, int[] output, Map<Integer, Long> extents) {
        public List<Long> outShape() {
            List<Long> s = new ArrayList<>();
            for (int l : output) s.add(extents.get(l));
            return s;
        }

        /** Labels summed over, in first-appearance order. */
        public List<Integer> reduced() {
            List<Integer> r = new ArrayList<>();
            for (int[] in : inputs) {
                for (int l : in) {
                    boolean inOut = false;
                    for (int o : output) inOut |= o == l;
                    if (!inOut && !r.contains(l)) r.add(l);
                }
            }
            return r;
        }
    }

    /** Parses {@code equation} for operands of these shapes; throws IllegalArgumentException with the reason. */
    public static Spec parse(String equation, List<List<Long>> shapes) {
        String eq = equation.replace(" ", "");
        String lhs = eq, rhs = null;
        int arrow = eq.indexOf("->");
        if (arrow >= 0) {
            lhs = eq.substring(0, arrow);
            rhs = eq.substring(arrow + 2);
        }
        String[] terms = lhs.split(",", -1);
        if (terms.length != shapes.size()) {
            throw new IllegalArgumentException("equation '" + equation + "' has " + terms.length + " operand terms but there are " + shapes.size() + " inputs");
        }
        Map<Integer, Long> extents = new LinkedHashMap<>();
        List<int[]> inputs = new ArrayList<>();
        int ellipsisRank = -1;
        for (int k = 0; k < terms.length; k++) {
            List<Long> shape = shapes.get(k);
            String term = terms[k];
            int dots = term.indexOf("...");
            int named = term.replace("...", "").length();
            int er = dots >= 0 ? shape.size() - named : 0;
            if (er < 0 || dots < 0 && named != shape.size()) {
                throw new IllegalArgumentException("term '" + term + "' does not match operand " + k + " of rank " + shape.size());
            }
            if (dots >= 0) ellipsisRank = Math.max(ellipsisRank, er);
            int[] labels = new int[shape.size()];
            int d = 0;
            for (int c = 0; c < term.length(); c++) {
                if (term.startsWith("...", c)) {
                    for (int e = 0; e < er; e++) labels[d++] = -(er - e); // right-aligned broadcast dims: -1 is the last
                    c += 2;
                    continue;
                }
                char ch = term.charAt(c);
                if (!Character.isLetter(ch)) throw new IllegalArgumentException("bad label '" + ch + "' in '" + equation + "'");
                labels[d++] = ch;
            }
            for (int dd = 0; dd < labels.length; dd++) {
                long n = shape.get(dd);
                Long prev = extents.get(labels[dd]);
                if (labels[dd] < 0) {
                    if (prev == null || prev == 1) extents.put(labels[dd], n);
                    else if (n != 1 && n != prev) throw new IllegalArgumentException("broadcast dims of '" + equation + "' do not match");
                } else if (prev == null) {
                    extents.put(labels[dd], n);
                } else if (prev != n) {
                    throw new IllegalArgumentException("label '" + (char) labels[dd] + "' has extents " + prev + " and " + n);
                }
            }
            inputs.add(labels);
        }
        List<Integer> out = new ArrayList<>();
        if (rhs == null) {
            for (int e = Math.max(ellipsisRank, 0); e >= 1; e--) out.add(-e);
            Map<Integer, Integer> count = new TreeMap<>();
            for (int[] in : inputs) for (int l : in) if (l > 0) count.merge(l, 1, Integer::sum);
            count.forEach((l, c) -> {
                if (c == 1) out.add(l);
            });
        } else {
            for (int c = 0; c < rhs.length(); c++) {
                if (rhs.startsWith("...", c)) {
                    for (int e = Math.max(ellipsisRank, 0); e >= 1; e--) out.add(-e);
                    c += 2;
                    continue;
                }
                int l = rhs.charAt(c);
                if (!extents.containsKey(l)) throw new IllegalArgumentException("output label '" + (char) l + "' is not in any input");
                if (out.contains(l)) throw new IllegalArgumentException("output label '" + (char) l + "' is repeated");
                out.add(l);
            }
        }
        int[] o = out.stream().mapToInt(Integer::intValue).toArray();
        return new Spec(inputs, o, extents);
    }

    public static Tensor einsum(List<Tensor> operands, Spec spec) {
        List<Integer> red = spec.reduced();
        List<Long> rext = new ArrayList<>();
        for (int l : red) rext.add(spec.extents().get(l));
        if (red.isEmpty()) {
            return Te.compute("einsum", spec.outShape(), Pattern.INJECTIVE, i -> body(operands, spec, red, i, List.of()));
        }
        return Te.reduce("einsum", spec.outShape(), Pattern.OUT_ELEMWISE_FUSABLE, Tensor.Combiner.SUM, rext,
                (i, r) -> body(operands, spec, red, i, r));
    }

    private static Expr body(List<Tensor> operands, Spec spec, List<Integer> red, List<? extends Expr> i, List<? extends Expr> r) {
        Map<Integer, Expr> at = new LinkedHashMap<>();
        for (int k = 0; k < spec.output().length; k++) at.put(spec.output()[k], i.get(k));
        for (int k = 0; k < red.size(); k++) at.put(red.get(k), r.get(k));
        Expr prod = null;
        for (int k = 0; k < operands.size(); k++) {
            Tensor t = operands.get(k);
            int[] labels = spec.inputs().get(k);
            List<Expr> idx = new ArrayList<>();
            for (int d = 0; d < labels.length; d++) {
                boolean bcast = labels[d] < 0 && t.shape().get(d) == 1 && spec.extents().get(labels[d]) != 1;
                idx.add(bcast ? E.i64(0) : at.get(labels[d]));
            }
            Expr v = t.at(idx);
            prod = prod == null ? v : E.mul(prod, v);
        }
        return prod;
    }
}
