package kiln.diag;

/**
 * An error caused by the user's input (model file, flags, environment): its message is for people,
 * names the problem (node, op, opset, file) and says what to do. The CLI prints it without a stack
 * trace and exits non-zero. Compiler bugs are any other exception type.
 */
public class KilnError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KilnError(String message) {
        super(message);
    }

    public KilnError(String message, Throwable cause) {
        super(message, cause);
    }
}
