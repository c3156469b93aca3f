package kiln.tir;

import java.util.List;
import java.util.Objects;

/**
 * A kernel: buffers in, buffers out, a loop-nest body. {@code params} lists inputs first, then outputs,
 * then scratch buffers the executor places in the arena. {@code notes} are human-readable provenance
 * (source nodes, shapes, schedule trace) that the emitter puts into the kernel's leading comment.
 */
public record PrimFunc(String name, List<Buffer> inputs, List<Buffer> outputs, List<Buffer> scratch, Stmt body,
                       List<String> notes) {
    public PrimFunc {
        Objects.requireNonNull(name);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        scratch = List.copyOf(scratch);
        Objects.requireNonNull(body);
        notes = List.copyOf(notes);
    }

    public List<Buffer> params() {
        var all = new java.util.ArrayList<Buffer>(inputs);
        all.addAll(outputs);
        all.addAll(scratch);
        return List.copyOf(all);
    }

    public PrimFunc withName(String n) { return new PrimFunc(n, inputs, outputs, scratch, body, notes); }

    public PrimFunc withNotes(List<String> n) { return new PrimFunc(name, inputs, outputs, scratch, body, n); }
}
