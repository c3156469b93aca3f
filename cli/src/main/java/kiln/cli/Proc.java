package kiln.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs an external program and collects its exit code, standard output and standard error. */
public final class Proc {
    private Proc() {}

    /** What a finished program left: exit code and both streams as text. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        /** stdout and stderr together, for error messages. */
        public String output() {
            if (stdout.isEmpty()) return stderr;
            if (stderr.isEmpty()) return stdout;
            return stdout + (stdout.endsWith("\n") ? "" : "\n") + stderr;
        }
    }

    /**
     * Runs {@code command} in {@code dir} (null: the current folder) and waits for it, for at most
     * {@code timeoutSeconds} when that is positive. Throws IOException when the program cannot be started.
     */
    public static Result run(List<String> command, Path dir, long timeoutSeconds) throws IOException {
        return run(command, dir, timeoutSeconds, java.util.Map.of());
    }

    /** As {@link #run(List, Path, long)}, with extra environment variables for the program. */
    public static Result run(List<String> command, Path dir, long timeoutSeconds, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (dir != null) pb.directory(dir.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        boolean timedOut = false;
        try {
            if (timeoutSeconds > 0) {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    timedOut = true;
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor();
                }
            } else {
                p.waitFor();
            }
            return new Result(List.copyOf(command), p.exitValue(), out.get(), err.get(), timedOut);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + command.get(0), e);
        } catch (ExecutionException e) {
            throw new IOException("cannot read the output of " + command.get(0) + ": " + e.getCause(), e.getCause());
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String nullDevice() {
        return System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null";
    }

    /** The last {@code maxLines} lines of {@code text} (with a marker when lines were dropped). */
    public static String tail(String text, int maxLines) {
        String[] lines = text.strip().split("\n", -1);
        if (lines.length <= maxLines) return text.strip();
        StringBuilder sb = new StringBuilder("... (" + (lines.length - maxLines) + " earlier lines not shown)\n");
        for (int k = lines.length - maxLines; k < lines.length; k++) {
            sb.append(lines[k]);
            if (k < lines.length - 1) sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Finds a program on PATH as a shell would: a name with a path separator is taken as a path;
     * returns null when it is not found or not executable.
     */
    public static Path which(String program) {
        if (program.isEmpty()) return null;
        if (program.contains(File.separator)) {
            Path p = Path.of(program);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }
}
