package kiln.emit.c;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import kiln.diag.KilnError;

/**
 * Writes a bundle atomically: into a temporary sibling folder, then renamed into place, so a failure
 * never leaves a half-written bundle. An existing non-empty folder is replaced only with force.
 */
public final class BundleWriter {
    private BundleWriter() {}

    public static void write(Bundle bundle, Path out, boolean force) {
        Path target = out.toAbsolutePath().normalize();
        Path parent = target.getParent();
        try {
            if (Files.exists(target) && !Files.isDirectory(target)) {
                throw new KilnError("output path " + out + " exists and is not a folder; choose another -o");
            }
            if (Files.isDirectory(target) && !isEmpty(target) && !force) {
                throw new KilnError("output folder " + out + " is not empty; pass --force to replace it, or choose another -o");
            }
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".kiln-tmp-");
            try {
                for (Map.Entry<String, byte[]> e : bundle.files().entrySet()) {
                    Path p = tmp.resolve(e.getKey());
                    Files.createDirectories(p.getParent());
                    Files.write(p, e.getValue());
                }
                Path old = null;
                if (Files.exists(target)) {
                    old = Files.createTempDirectory(parent, "." + target.getFileName() + ".kiln-old-");
                    Files.delete(old);
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                if (old != null) deleteTree(old);
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            throw new KilnError("could not write " + out + ": " + e.getFile() + " already exists");
        } catch (IOException e) {
            throw new KilnError("could not write the bundle to " + out + ": " + e.getMessage());
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Deletes a folder tree, best effort (for temporary folders). */
    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException ignored) {
                    // best effort clean-up of our own temporary folder
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
