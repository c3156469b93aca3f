package kiln.golden;

/**
 * The golden data cannot be produced on this machine (e.g. the python interpreter cannot import
 * torch). Test code skips on a developer machine and fails in CI.
 */
public class GoldenUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    public GoldenUnavailable(String message) {
        super(message);
    }

    public GoldenUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
