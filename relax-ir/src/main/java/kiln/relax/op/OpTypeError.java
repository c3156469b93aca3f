package kiln.relax.op;

/** Arguments or attributes an op cannot accept; the builder adds the node, op and opset to the message. */
public final class OpTypeError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OpTypeError(String message) {
        super(message);
    }
}
