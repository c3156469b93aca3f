package kiln.tir.compute;

/**
 * TVM's operator pattern kinds, most fusable first. Fusion and default schedules read this.
 */
public enum Pattern {
    /** out[i] = f(in[i]) for same-shaped tensors. */
    ELEMWISE,
    /** out[i] = f(in[g(i)]) where g drops or zeroes broadcast dimensions. */
    BROADCAST,
    /** out[i] = in[g(i)] for any index map (transpose, slice, pad, concat, gather). */
    INJECTIVE,
    /** a reduction over some axes. */
    REDUCTION,
    /** a heavy reduction (conv, matmul) whose output accepts fused elementwise epilogues. */
    OUT_ELEMWISE_FUSABLE,
    /** anything else (extern stages). */
    OPAQUE;

    public boolean isInjectiveOrSimpler() { return ordinal() <= INJECTIVE.ordinal(); }

    public static Pattern max(Pattern a, Pattern b) { return a.ordinal() >= b.ordinal() ? a : b; }
}
