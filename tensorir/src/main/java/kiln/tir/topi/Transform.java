package kiln.tir.topi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import kiln.tir.DType;
import kiln.tir.E;
import kiln.tir.Expr;
import kiln.tir.Intrinsic;
import kiln.tir.Var;
import kiln.tir.compute.Pattern;
import kiln.tir.compute.Te;
import kiln.tir.compute.Tensor;

/**
 * Injective computes: reshape, transpose, slicing, concatenation, gathers, padding, tiling, block
 * rearrangements, triangular masks, one-hot, ranges and resizing. Shapes and attributes are static and
 * already validated by the graph op's type rule; these functions only build the index arithmetic.
 * Reads whose index depends on data (gathers) are clamped into bounds, so a bad index never reads
 * outside its buffer.
 */
public final class Transform {
    private Transform() {}

    /** Row-major reshape: the flat index is preserved. */
    public static Tensor reshape(Tensor a, List<Long> shape) {
        return Te.compute("reshape", shape, Pattern.INJECTIVE, i -> a.at(unravel(ravel(i, shape), a.shape())));
    }

    /** The row-major flat index of {@code idx} in {@code shape}. */
    public static Expr ravel(List<? extends Expr> idx, List<Long> shape) {
        Expr flat = E.i64(0);
        for (int k = 0; k < idx.size(); k++) flat = E.add(E.mul(flat, E.i64(shape.get(k))), idx.get(k));
        return flat;
    }

    /** Indices of a row-major flat index in {@code shape}. */
    public static List<Expr> unravel(Expr flat, List<Long> shape) {
        List<Expr> out = new ArrayList<>();
        long stride = 1;
        for (int k = shape.size() - 1; k >= 0; k--) {
            Expr q = stride == 1 ? flat : E.floordiv(flat, E.i64(stride));
            out.add(0, k == 0 ? q : E.floormod(q, E.i64(shape.get(k))));
            stride *= shape.get(k);
        }
        return out;
    }

    // ---------------------------------------------------------------- transpose, concat, slices

    /** out[i_0..i_{r-1}] = a[j] where j[perm[k]] = i_k, i.e. output dim k is input dim perm[k]. */
    public static Tensor transpose(Tensor a, int[] perm) {
        List<Long> shape = new ArrayList<>();
        for (int p : perm) shape.add(a.shape().get(p));
        return Te.compute("transpose", shape, Pattern.INJECTIVE, i -> {
            Expr[] src = new Expr[perm.length];
            for (int k = 0; k < perm.length; k++) src[perm[k]] = i.get(k);
            return a.at(src);
        });
    }

    /** Concatenation along {@code axis}; inputs agree on every other dimension. */
    public static Tensor concat(List<Tensor> parts, int axis) {
        List<Long> shape = new ArrayList<>(parts.get(0).shape());
        long total = 0;
        long[] offsets = new long[parts.size()];
        for (int k = 0; k < parts.size(); k++) {
            offsets[k] = total;
            total += parts.get(k).shape().get(axis);
        }
        shape.set(axis, total);
        DType dtype = parts.get(0).dtype();
        return Te.compute("concat", shape, Pattern.INJECTIVE, i -> {
            Expr result = null;
            Expr pos = i.get(axis);
            for (int k = parts.size() - 1; k >= 0; k--) {
                Tensor t = parts.get(k);
                long ext = t.shape().get(axis);
                if (ext == 0) continue;
                List<Expr> idx = new ArrayList<>(i);
                idx.set(axis, E.sub(pos, E.i64(offsets[k])));
                Expr read = t.at(idx);
                result = result == null ? read : E.select(E.lt(pos, E.i64(offsets[k] + ext)), read, result);
            }
            return result != null ? result : E.zero(dtype);
        });
    }

    /**
     * ONNX Slice bounds for one axis: negative start/end count from the end, then both are clamped
     * ([0, dim] for positive steps, [0, dim-1] and [-1, dim-1] for negative ones).
     * @return {normalized start, number of elements}
     */
    public static long[] sliceRange(long dim, long start, long end, long step) {
        if (step == 0) throw new IllegalArgumentException("slice step must not be zero");
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        long len;
        if (step > 0) {
            start = Math.min(Math.max(start, 0), dim);
            end = Math.min(Math.max(end, 0), dim);
            len = end > start ? ceilDiv(end - start, step) : 0;
        } else {
            start = Math.min(Math.max(start, 0), dim - 1);
            end = Math.min(Math.max(end, -1), dim - 1);
            long s = step == Long.MIN_VALUE ? Long.MAX_VALUE : -step;
            len = start > end ? ceilDiv(start - end, s) : 0;
        }
        return new long[] {start, len};
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b != 0 ? 1 : 0);
    }

    /** out[i] = a[begin + i * step] per dimension (begin and step already normalized, one per dim). */
    public static Tensor stridedSlice(Tensor a, long[] begin, long[] step, List<Long> outShape) {
        return Te.compute("strided_slice", outShape, Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>();
            for (int d = 0; d < a.rank(); d++) src.add(E.add(E.i64(begin[d]), E.mul(i.get(d), E.i64(step[d]))));
            return a.at(src);
        });
    }

    // ---------------------------------------------------------------- gathers

    /** A data-dependent index: negative values count from the end, then clamped into [0, n-1]. */
    public static Expr normalizeIndex(Expr raw, long n) {
        Expr idx = E.cast(DType.INT64, raw);
        Expr wrapped = E.select(E.lt(idx, E.i64(0)), E.add(idx, E.i64(n)), idx);
        return E.min(E.max(wrapped, E.i64(0)), E.i64(Math.max(n - 1, 0)));
    }

    /** ONNX Gather / numpy take: out = data[..., indices[j...], ...] with the axis replaced by the index dims. */
    public static Tensor take(Tensor data, Tensor indices, int axis) {
        int q = indices.rank();
        List<Long> shape = new ArrayList<>(data.shape().subList(0, axis));
        shape.addAll(indices.shape());
        shape.addAll(data.shape().subList(axis + 1, data.rank()));
        long n = data.shape().get(axis);
        return Te.compute("take", shape, Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>(i.subList(0, axis));
            src.add(normalizeIndex(indices.at(i.subList(axis, axis + q)), n));
            src.addAll(i.subList(axis + q, i.size()));
            return data.at(src);
        });
    }

    /** ONNX GatherElements: out[i] = data[i with i[axis] replaced by indices[i]]. */
    public static Tensor gatherElements(Tensor data, Tensor indices, int axis) {
        long n = data.shape().get(axis);
        return Te.compute("gather_elements", indices.shape(), Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>(i);
            src.set(axis, normalizeIndex(indices.at(i), n));
            return data.at(src);
        });
    }

    /**
     * ONNX GatherND: the last dimension of {@code indices} (length m) indexes data dims
     * [batchDims, batchDims + m); the leading batchDims dims of both are shared.
     */
    public static Tensor gatherNd(Tensor data, Tensor indices, int batchDims) {
        int q = indices.rank(), r = data.rank();
        int m = Math.toIntExact(indices.shape().get(q - 1));
        List<Long> shape = new ArrayList<>(indices.shape().subList(0, q - 1));
        shape.addAll(data.shape().subList(batchDims + m, r));
        return Te.compute("gather_nd", shape, Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>(i.subList(0, batchDims));
            for (int j = 0; j < m; j++) {
                List<Expr> ii = new ArrayList<>(i.subList(0, q - 1));
                ii.add(E.i64(j));
                src.add(normalizeIndex(indices.at(ii), data.shape().get(batchDims + j)));
            }
            src.addAll(i.subList(q - 1, i.size()));
            return data.at(src);
        });
    }

    // ---------------------------------------------------------------- pad, tile, broadcast

    public enum PadMode {
        CONSTANT, REFLECT, EDGE, WRAP;

        public static PadMode parse(String s) {
            for (PadMode m : values()) if (m.name().equalsIgnoreCase(s)) return m;
            throw new IllegalArgumentException("unknown pad mode '" + s + "'");
        }
    }

    /**
     * Pads (or, with negative amounts, crops) every dimension. Constant mode fills with {@code value};
     * reflect mirrors without repeating the edge, edge repeats it, wrap is periodic (numpy semantics,
     * also for pads longer than the dimension).
     */
    public static Tensor pad(Tensor a, long[] before, long[] after, PadMode mode, double value) {
        List<Long> shape = new ArrayList<>();
        for (int d = 0; d < a.rank(); d++) shape.add(a.shape().get(d) + before[d] + after[d]);
        DType t = a.dtype();
        return Te.compute("pad", shape, Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>();
            Expr inside = E.bool(true);
            for (int d = 0; d < a.rank(); d++) {
                long n = a.shape().get(d), b = before[d], e = after[d];
                Expr s = E.sub(i.get(d), E.i64(b));
                if (b <= 0 && e <= 0) {
                    src.add(s);
                    continue;
                }
                switch (mode) {
                    case CONSTANT -> {
                        if (b > 0) inside = E.and(inside, E.ge(s, E.i64(0)));
                        if (e > 0) inside = E.and(inside, E.lt(s, E.i64(n)));
                        src.add(s);
                    }
                    case EDGE -> {
                        Expr c = s;
                        if (b > 0) c = E.max(c, E.i64(0));
                        if (e > 0) c = E.min(c, E.i64(n - 1));
                        src.add(c);
                    }
                    case REFLECT -> {
                        if (n == 1) {
                            src.add(E.i64(0));
                        } else {
                            long p = 2 * (n - 1);
                            Expr m = E.floormod(s, E.i64(p));
                            src.add(E.select(E.lt(m, E.i64(n)), m, E.sub(E.i64(p), m)));
                        }
                    }
                    case WRAP -> src.add(E.floormod(s, E.i64(n)));
                }
            }
            Expr read = a.at(src);
            return mode == PadMode.CONSTANT ? E.select(inside, read, E.constant(t, value)) : read;
        });
    }

    /** Repeats the tensor {@code repeats[d]} times along each dimension. */
    public static Tensor tile(Tensor a, long[] repeats) {
        List<Long> shape = new ArrayList<>();
        for (int d = 0; d < a.rank(); d++) shape.add(a.shape().get(d) * repeats[d]);
        return Te.compute("tile", shape, Pattern.INJECTIVE, i -> {
            List<Expr> src = new ArrayList<>();
            for (int d = 0; d < a.rank(); d++) {
                src.add(repeats[d] == 1 ? i.get(d) : E.floormod(i.get(d), E.i64(a.shape().get(d))));
            }
            return a.at(src);
        });
    }

    /** Broadcasts {@code a} to {@code shape} (the broadcast of both shapes, as ONNX Expand). */
    public static Tensor broadcastTo(Tensor a, List<Long> shape) {
        return Te.compute("broadcast_to", shape, Pattern.BROADCAST, i -> Broadcast.read(a, i));
    }

    // ---------------------------------------------------------------- block rearrangements, masks

    /**
     * ONNX DepthToSpace on NCHW: out[n, c, h, w] = in[n, channel, h / b, w / b] with channel
     * ((h % b) * b + w % b) * C' + c in DCR mode and c * b * b + (h % b) * b + w % b in CRD mode.
     */
    public static Tensor depthToSpace(Tensor a, long b, boolean crd) {
        List<Long> s = a.shape();
        long cOut = s.get(1) / (b * b);
        List<Long> shape = List.of(s.get(0), cOut, s.get(2) * b, s.get(3) * b);
        return Te.compute("depth_to_space", shape, Pattern.INJECTIVE, i -> {
            Expr h = i.get(2), w = i.get(3);
            Expr hb = E.floormod(h, E.i64(b)), wb = E.floormod(w, E.i64(b));
            Expr offset = E.add(E.mul(hb, E.i64(b)), wb);
            Expr ch = crd ? E.add(E.mul(i.get(1), E.i64(b * b)), offset) : E.add(E.mul(offset, E.i64(cOut)), i.get(1));
            return a.at(i.get(0), ch, E.floordiv(h, E.i64(b)), E.floordiv(w, E.i64(b)));
        });
    }

    /** ONNX SpaceToDepth on NCHW: out[n, (bh * b + bw) * C + c, h, w] = in[n, c, h * b + bh, w * b + bw]. */
    public static Tensor spaceToDepth(Tensor a, long b) {
        List<Long> s = a.shape();
        long c = s.get(1);
        List<Long> shape = List.of(s.get(0), c * b * b, s.get(2) / b, s.get(3) / b);
        return Te.compute("space_to_depth", shape, Pattern.INJECTIVE, i -> {
            Expr ch = i.get(1);
            Expr block = E.floordiv(ch, E.i64(c));
            Expr bh = E.floordiv(block, E.i64(b)), bw = E.floormod(block, E.i64(b));
            return a.at(i.get(0), E.floormod(ch, E.i64(c)), E.add(E.mul(i.get(2), E.i64(b)), bh),
                    E.add(E.mul(i.get(3), E.i64(b)), bw));
        });
    }

    /** Keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims, zeroing the rest. */
    public static Tensor trilu(Tensor a, boolean upper, long k) {
        int r = a.rank();
        return Te.compute("trilu", a.shape(), Pattern.INJECTIVE, i -> {
            Expr diff = E.sub(i.get(r - 1), i.get(r - 2));
            Expr keep = upper ? E.ge(diff, E.i64(k)) : E.le(diff, E.i64(k));
            return E.select(keep, a.at(i), E.zero(a.dtype()));
        });
    }

    /**
     * ONNX OneHot: a new dimension of size {@code depth} at {@code axis} of the output; the element is
     * values[1] where it equals the (negative-wrapped) index, values[0] elsewhere and for out-of-range indices.
     */
    public static Tensor oneHot(Tensor indices, Tensor values, long depth, int axis) {
        List<Long> shape = new ArrayList<>(indices.shape());
        shape.add(axis, depth);
        return Te.compute("one_hot", shape, Pattern.INJECTIVE, i -> {
            List<Expr> rest = new ArrayList<>(i);
            Expr k = rest.remove(axis);
            Expr raw = E.cast(DType.INT64, indices.at(rest));
            Expr idx = E.select(E.lt(raw, E.i64(0)), E.add(raw, E.i64(depth)), raw);
            return E.select(E.eq(idx, k), values.at(E.i64(1)), values.at(E.i64(0)));
        });
    }

    /** out[i] = start + i * delta in the type of {@code start}. */
    public static Tensor arange(Expr start, Expr delta, long length) {
        DType t = start.dtype();
        return Te.compute("range", List.of(length), Pattern.INJECTIVE,
                i -> E.add(start, E.mul(E.cast(t, i.get(0)), delta)));
    }

    // ---------------------------------------------------------------- resize

    /**
     * Everything static about an N-d resize (ONNX Resize semantics, one entry per input dimension).
     *
     * @param outShape output dims
     * @param scales the scale of each dim used by the coordinate transform (output/input when sizes were given)
     * @param roi region of interest for tf_crop_and_resize: starts then ends (normalized), or null
     * @param mode nearest, linear or cubic
     * @param coordMode half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric,
     *        tf_half_pixel_for_nn or tf_crop_and_resize
     * @param nearestMode round_prefer_floor, round_prefer_ceil, floor, ceil, or simple (Resize-10: ceil
     *        when downsampling, floor otherwise)
     */
    public record ResizeSpec(List<Long> outShape, double[] scales, double[] roi, String mode, String coordMode,
                             String nearestMode, double cubicA, boolean excludeOutside, double extrapolation,
                             boolean antialias) {
        public ResizeSpec {
            outShape = List.copyOf(outShape);
            scales = scales.clone();
            roi = roi == null ? null : roi.clone();
            Objects.requireNonNull(mode);
            Objects.requireNonNull(coordMode);
            Objects.requireNonNull(nearestMode);
        }
    }

    /** The number of interpolation taps of one axis (2 or 4, more when antialiasing a downscale). */
    public static int resizeTaps(String mode, double scale, boolean antialias) {
        if (mode.equals("nearest")) return 1;
        double support = mode.equals("linear") ? 1 : 2;
        double sk = antialias ? Math.min(scale, 1.0) : 1.0;
        long t0 = (long) Math.floor(-support / sk) + 1;
        return Math.toIntExact(2 - 2 * t0);
    }

    /** Above this many taps per output element, the interpolation sum is a reduction loop instead of unrolled. */
    static final int UNROLL_TAPS = 64;

    /** One interpolated axis: taps at floor(x) + t0 + k, for k in [0, count). */
    private record AxisPlan(int dim, Expr index0, Expr ratio, long t0, int count, Expr valid, Expr norm,
                            java.util.function.Function<Expr, Expr> weight, long n, boolean nearest) {
        Expr tapIndex(Expr k) {
            Expr raw = E.add(index0, E.add(k, E.i64(t0)));
            return E.min(E.max(raw, E.i64(0)), E.i64(n - 1));
        }
    }

    /**
     * Resizes {@code a} to {@code spec.outShape()}. Coordinates are computed in double precision in the
     * same operation order as the ONNX reference; interpolation accumulates in double and converts once
     * (rounding and saturating for integer types).
     */
    public static Tensor resize(Tensor a, ResizeSpec spec) {
        DType t = a.dtype();
        boolean nearest = spec.mode().equals("nearest");
        int taps = 1;
        int r = a.rank();
        for (int d = 0; d < r; d++) {
            if (!isIdentityAxis(a, spec, d)) taps = Math.multiplyExact(taps, resizeTaps(spec.mode(), spec.scales()[d], spec.antialias()));
        }
        if (nearest || taps <= UNROLL_TAPS) {
            return Te.compute("resize", spec.outShape(), Pattern.INJECTIVE, i -> {
                List<AxisPlan> plans = plans(a, spec, i);
                Expr value;
                if (nearest) {
                    List<Expr> src = new ArrayList<>(i);
                    for (AxisPlan p : plans) src.set(p.dim(), p.tapIndex(E.i64(0)));
                    value = a.at(src);
                } else {
                    value = finish(t, normalize(unrolledSum(a, i, plans), plans));
                }
                return withValidity(value, plans, spec.extrapolation());
            });
        }
        // Many taps (antialiased downscaling): reduce over the tap grid, then normalize and convert.
        List<Long> extents = new ArrayList<>();
        for (int d = 0; d < r; d++) {
            if (!isIdentityAxis(a, spec, d)) extents.add((long) resizeTaps(spec.mode(), spec.scales()[d], spec.antialias()));
        }
        Tensor acc = Te.reduce("resize_acc", spec.outShape(), Pattern.REDUCTION, Tensor.Combiner.SUM, extents, (i, rv) -> {
            List<AxisPlan> plans = plans(a, spec, i);
            List<Expr> src = new ArrayList<>(i);
            Expr w = null;
            for (int k = 0; k < plans.size(); k++) {
                AxisPlan p = plans.get(k);
                src.set(p.dim(), p.tapIndex(rv.get(k)));
                Expr wk = p.weight().apply(rv.get(k));
                w = w == null ? wk : E.mul(w, wk);
            }
            Expr v = E.cast(DType.FLOAT64, a.at(src));
            return w == null ? v : E.mul(w, v);
        });
        return Te.compute("resize", spec.outShape(), Pattern.INJECTIVE, i -> {
            List<AxisPlan> plans = plans(a, spec, i);
            return withValidity(finish(t, normalize(acc.at(i), plans)), plans, spec.extrapolation());
        });
    }

    private static Expr unrolledSum(Tensor a, List<Var> i, List<AxisPlan> plans) {
        int total = 1;
        for (AxisPlan p : plans) total *= p.count();
        Expr sum = null;
        for (int combo = 0; combo < total; combo++) {
            List<Expr> src = new ArrayList<>(i);
            Expr w = null;
            int rest = combo;
            for (int k = plans.size() - 1; k >= 0; k--) {
                AxisPlan p = plans.get(k);
                Expr tap = E.i64(rest % p.count());
                rest /= p.count();
                src.set(p.dim(), p.tapIndex(tap));
                Expr wk = p.weight().apply(tap);
                w = w == null ? wk : E.mul(wk, w);
            }
            Expr v = E.cast(DType.FLOAT64, a.at(src));
            Expr term = w == null ? v : E.mul(w, v);
            sum = sum == null ? term : E.add(sum, term);
        }
        return sum;
    }

    /** Divides by the product of the per-axis weight sums (exclude_outside and antialias renormalize). */
    private static Expr normalize(Expr sum, List<AxisPlan> plans) {
        Expr n = null;
        for (AxisPlan p : plans) if (p.norm() != null) n = n == null ? p.norm() : E.mul(n, p.norm());
        return n == null ? sum : E.div(sum, n);
    }

    /** Converts the double-precision interpolation result to the tensor type. */
    private static Expr finish(DType t, Expr v) {
        if (t.isFloat()) return E.cast(t, v);
        Expr rounded = E.call(Intrinsic.NEARBYINT, v);
        Expr lo = E.constant(DType.FLOAT64, E.lowest(t) instanceof Expr.IntImm li ? li.value() : 0);
        Expr hi = E.constant(DType.FLOAT64, t == DType.UINT64 ? 1.8446744073709552E19 : ((Expr.IntImm) E.highest(t)).value());
        return E.cast(t, E.min(E.max(rounded, lo), hi));
    }

    private static Expr withValidity(Expr value, List<AxisPlan> plans, double extrapolation) {
        Expr valid = E.bool(true);
        for (AxisPlan p : plans) if (p.valid() != null) valid = E.and(valid, p.valid());
        if (E.isInt(valid, 1)) return value;
        return E.select(valid, value, E.constant(value.dtype(), extrapolation));
    }

    /** Whether output index x maps exactly to input index x on this dim (so it needs no interpolation). */
    static boolean isIdentityAxis(Tensor a, ResizeSpec spec, int d) {
        long n = a.shape().get(d), m = spec.outShape().get(d);
        if (n != m || spec.scales()[d] != 1.0) return false;
        return switch (spec.coordMode()) {
            case "tf_half_pixel_for_nn" -> false;
            case "tf_crop_and_resize" -> spec.roi() != null && spec.roi()[d] == 0.0 && spec.roi()[d + a.rank()] == 1.0;
            default -> true;
        };
    }

    private static List<AxisPlan> plans(Tensor a, ResizeSpec spec, List<Var> i) {
        List<AxisPlan> plans = new ArrayList<>();
        for (int d = 0; d < a.rank(); d++) {
            if (isIdentityAxis(a, spec, d)) continue;
            plans.add(plan(a, spec, d, i.get(d)));
        }
        return plans;
    }

    private static Expr f64(double v) { return E.constant(DType.FLOAT64, v); }

    /** The input coordinate of output index x, as the ONNX reference computes it. */
    private static Expr coordinate(ResizeSpec spec, int d, int rank, Expr x, long n, long m) {
        double s = spec.scales()[d];
        double len = s * n;
        Expr xf = E.cast(DType.FLOAT64, x);
        return switch (spec.coordMode()) {
            case "half_pixel" -> E.sub(E.div(E.add(xf, f64(0.5)), f64(s)), f64(0.5));
            case "pytorch_half_pixel" -> len == 1 ? f64(0) : E.sub(E.div(E.add(xf, f64(0.5)), f64(s)), f64(0.5));
            case "half_pixel_symmetric" -> {
                double adjustment = m / len;
                double center = n / 2.0;
                double offset = center * (1 - adjustment);
                yield E.sub(E.add(f64(offset), E.div(E.add(xf, f64(0.5)), f64(s))), f64(0.5));
            }
            case "align_corners" -> len == 1 ? f64(0) : E.div(E.mul(xf, f64(n - 1)), f64(len - 1));
            case "asymmetric" -> E.div(xf, f64(s));
            case "tf_half_pixel_for_nn" -> E.div(E.add(xf, f64(0.5)), f64(s));
            case "tf_crop_and_resize" -> {
                double start = spec.roi()[d], end = spec.roi()[d + rank];
                Expr c = len == 1 ? f64((end - start) * (n - 1) / 2)
                        : E.div(E.mul(E.mul(xf, f64(end - start)), f64(n - 1)), f64(len - 1));
                yield E.add(c, f64(start * (n - 1)));
            }
            default -> throw new IllegalArgumentException("unknown coordinate_transformation_mode " + spec.coordMode());
        };
    }

    private static AxisPlan plan(Tensor a, ResizeSpec spec, int d, Var x) {
        long n = a.shape().get(d), m = spec.outShape().get(d);
        double s = spec.scales()[d];
        Expr xo = coordinate(spec, d, a.rank(), x, n, m);
        Expr valid = spec.coordMode().equals("tf_crop_and_resize")
                ? E.and(E.ge(xo, f64(0)), E.le(xo, f64(n - 1))) : null;
        Expr fl = E.call(Intrinsic.FLOOR, xo);
        Expr ratio = E.sub(xo, fl);
        Expr index0 = E.cast(DType.INT64, fl);
        if (spec.mode().equals("nearest")) {
            Expr up = switch (spec.nearestMode()) {
                case "round_prefer_floor" -> E.gt(ratio, f64(0.5));
                case "round_prefer_ceil" -> E.ge(ratio, f64(0.5));
                case "floor" -> E.bool(false);
                case "ceil" -> E.gt(ratio, f64(0));
                case "simple" -> s < 1 ? E.gt(ratio, f64(0)) : E.bool(false);
                default -> throw new IllegalArgumentException("unknown nearest_mode " + spec.nearestMode());
            };
            Expr idx = E.isInt(up, 0) ? index0 : E.add(index0, E.select(up, E.i64(1), E.i64(0)));
            return new AxisPlan(d, idx, ratio, 0, 1, valid, null, k -> f64(1), n, true);
        }
        boolean linear = spec.mode().equals("linear");
        double support = linear ? 1 : 2;
        double sk = spec.antialias() ? Math.min(s, 1.0) : 1.0;
        long t0 = (long) Math.floor(-support / sk) + 1;
        int count = Math.toIntExact(2 - 2 * t0);
        double aCoef = spec.cubicA();
        java.util.function.Function<Expr, Expr> raw;
        if (!spec.antialias()) {
            // The reference's per-tap formulas: [1 - r, r] and the cubic convolution polynomials.
            List<Expr> fixed = linear ? List.of(E.sub(f64(1), ratio), ratio) : cubicCoeffs(ratio, aCoef);
            raw = k -> {
                if (k instanceof Expr.IntImm c) return fixed.get((int) c.value());
                Expr w = fixed.get(fixed.size() - 1);
                for (int j = fixed.size() - 2; j >= 0; j--) w = E.select(E.eq(k, E.i64(j)), fixed.get(j), w);
                return w;
            };
        } else {
            raw = k -> {
                Expr u = E.sub(E.cast(DType.FLOAT64, E.add(k, E.i64(t0))), ratio);
                Expr arg = sk == 1.0 ? u : (linear ? E.mul(u, f64(sk)) : E.mul(f64(sk), u));
                return linear ? linearKernel(arg) : cubicKernel(arg, aCoef);
            };
        }
        java.util.function.Function<Expr, Expr> weight;
        Expr norm = null;
        if (spec.excludeOutside()) {
            weight = k -> {
                Expr pos = E.add(index0, E.add(k, E.i64(t0)));
                return E.select(E.and(E.ge(pos, E.i64(0)), E.lt(pos, E.i64(n))), raw.apply(k), f64(0));
            };
        } else {
            weight = raw;
        }
        if (spec.excludeOutside() || spec.antialias()) {
            for (int k = 0; k < count; k++) {
                Expr w = weight.apply(E.i64(k));
                norm = norm == null ? w : E.add(norm, w);
            }
        }
        return new AxisPlan(d, index0, ratio, t0, count, valid, norm, weight, n, false);
    }

    private static List<Expr> cubicCoeffs(Expr r, double a) {
        Expr one = f64(1);
        Expr r1 = E.add(r, one);
        Expr q = E.sub(one, r);
        Expr q1 = E.add(q, one);
        Expr c0 = E.sub(E.mul(E.add(E.mul(E.sub(E.mul(f64(a), r1), f64(5 * a)), r1), f64(8 * a)), r1), f64(4 * a));
        Expr c1 = E.add(E.mul(E.mul(E.sub(E.mul(f64(a + 2), r), f64(a + 3)), r), r), one);
        Expr c2 = E.add(E.mul(E.mul(E.sub(E.mul(f64(a + 2), q), f64(a + 3)), q), q), one);
        Expr c3 = E.sub(E.mul(E.add(E.mul(E.sub(E.mul(f64(a), q1), f64(5 * a)), q1), f64(8 * a)), q1), f64(4 * a));
        return List.of(c0, c1, c2, c3);
    }

    private static Expr linearKernel(Expr u) {
        Expr w = E.sub(f64(1), E.call(Intrinsic.FABS, u));
        return E.min(E.max(w, f64(0)), f64(1));
    }

    private static Expr cubicKernel(Expr u, double a) {
        Expr x = E.call(Intrinsic.FABS, u);
        Expr x2 = E.mul(x, x);
        Expr x3 = E.mul(x, x2);
        Expr near = E.add(E.sub(E.mul(f64(a + 2), x3), E.mul(f64(a + 3), x2)), f64(1));
        Expr far = E.sub(E.add(E.sub(E.mul(f64(a), x3), E.mul(f64(5 * a), x2)), E.mul(f64(8 * a), x)), f64(4 * a));
        return E.select(E.le(x, f64(1)), near, E.select(E.lt(x, f64(2)), far, f64(0)));
    }
}
