package kiln.schedule;

/** A schedule primitive was applied where its preconditions do not hold; names the stage and loop. */
public final class ScheduleError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ScheduleError(String primitive, String stage, String reason) {
        super(primitive + " on stage '" + stage + "': " + reason);
    }
}
