package kiln.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The C99 runtime copied verbatim into every generated bundle's {@code runtime/} folder.
 *
 * <p>The files live on the classpath under {@code /kiln/runtime/}. They come in two groups:
 *
 * <ul>
 *   <li>{@link #libraryFiles()}: the firmware-safe core ({@code kiln_runtime.h/.c}) that the model
 *       library itself is built with. No allocation, no stdio, no threads; builds freestanding.
 *   <li>{@link #demoFiles()}: host-only support for the demo executable (monotonic timer, aligned
 *       allocation, .npy I/O and the command line driver). These use stdio and malloc and must only
 *       be linked into the demo, never into the model library.
 * </ul>
 */
public final class RuntimeFiles {

    /** Classpath folder holding the runtime sources. */
    public static final String RESOURCE_DIR = "/kiln/runtime/";

    private static final List<String> LIBRARY = List.of("kiln_runtime.h", "kiln_runtime.c");

    private static final List<String> DEMO = List.of(
            "kiln_platform.h", "kiln_platform.c",
            "kiln_npy.h", "kiln_npy.c",
            "kiln_demo.h", "kiln_demo.c");

    private RuntimeFiles() {
    }

    /** Names of the firmware-safe runtime files (headers and sources), in a stable order. */
    public static List<String> libraryFiles() {
        return LIBRARY;
    }

    /** Names of the demo-only runtime files (headers and sources), in a stable order. */
    public static List<String> demoFiles() {
        return DEMO;
    }

    /** {@link #libraryFiles()} followed by {@link #demoFiles()}. */
    public static List<String> allFiles() {
        List<String> all = new ArrayList<>(LIBRARY.size() + DEMO.size());
        all.addAll(LIBRARY);
        all.addAll(DEMO);
        return Collections.unmodifiableList(all);
    }

    /**
     * Loads one runtime file as UTF-8 text from the classpath resource {@code /kiln/runtime/<fileName>}.
     *
     * @param fileName a plain file name such as {@code "kiln_runtime.h"}
     * @return the file's full contents
     * @throws IllegalArgumentException if the name is empty or contains a path separator or {@code ..}
     * @throws IllegalStateException if the resource is not on the classpath
     * @throws UncheckedIOException if reading fails
     */
    public static String read(String fileName) {
        if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\")
                || fileName.contains("..")) {
            throw new IllegalArgumentException("not a runtime file name: " + fileName);
        }
        String resource = RESOURCE_DIR + fileName;
        try (InputStream in = RuntimeFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("C runtime resource missing from the classpath: " + resource
                        + " (is kiln-c-runtime built and on the classpath?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read C runtime resource " + resource, e);
        }
    }
}
