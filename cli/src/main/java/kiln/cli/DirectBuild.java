package kiln.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import kiln.diag.KilnError;

/**
 * Builds a bundle's demo with one C compiler invocation instead of make, for tools that build many
 * bundles (the conformance runner). The source list and include flags come from the bundle's own
 * Makefile ({@code LIB_SRC}, {@code DEMO_SRC}, {@code KILN_CPPFLAGS}), so the result is the program
 * {@code make} would build. The runtime sources under {@code runtime/} are the same in every bundle
 * of one Kiln version: when a cache folder is given they are compiled once per distinct content
 * (runtime folder, compiler and flags) into an object file there and linked from it.
 */
public final class DirectBuild {
    private final String cc;
    private final List<String> cflags;
    private final List<String> ldflags;
    private final String output;
    private final Path objectCache;

    /** {@code objectCache} may be null (no caching: every source is compiled each time). */
    public DirectBuild(String cc, List<String> cflags, Path objectCache) {
        this(cc, cflags, List.of(), "build/demo", objectCache);
    }

    /** With link flags (e.g. -static for qemu-user) and the demo's output path inside the bundle. */
    public DirectBuild(String cc, List<String> cflags, List<String> ldflags, String output, Path objectCache) {
        this.cc = cc;
        this.cflags = List.copyOf(cflags);
        this.ldflags = List.copyOf(ldflags);
        this.output = output;
        this.objectCache = objectCache;
    }

    public List<String> cflags() { return cflags; }

    public String cc() { return cc; }

    /**
     * Compiles and links {@code bundle/build/demo}. Returns the compiler's result (exit code and
     * messages); a failed build is not an exception. Throws IOException when the compiler cannot run.
     */
    public Proc.Result build(Path bundle, long timeoutSeconds) throws IOException {
        Path makefile = bundle.resolve("Makefile");
        if (!Files.isRegularFile(makefile)) throw new KilnError(bundle + " has no Makefile; regenerate the bundle with kiln compile");
        List<String> makeLines = Files.readAllLines(makefile, StandardCharsets.UTF_8);
        List<String> sources = new ArrayList<>(variable(makeLines, "LIB_SRC", makefile));
        sources.addAll(variable(makeLines, "DEMO_SRC", makefile));
        List<String> cppflags = variable(makeLines, "KILN_CPPFLAGS", makefile);
        Files.createDirectories(bundle.resolve("build"));
        List<String> cmd = new ArrayList<>(List.of(cc.strip().split("\\s+")));
        cmd.addAll(cppflags);
        cmd.addAll(cflags);
        List<String> objects = new ArrayList<>();
        for (String src : sources) {
            if (objectCache != null && src.startsWith("runtime/")) {
                Proc.Result failed = cachedObject(bundle, src, cppflags, objects, timeoutSeconds);
                if (failed != null) return failed;
            } else {
                cmd.add(src);
            }
        }
        cmd.addAll(objects);
        cmd.addAll(ldflags);
        cmd.addAll(List.of("-o", output, "-lm"));
        return Proc.run(cmd, bundle, timeoutSeconds);
    }

    /** Adds the cached object of runtime source {@code src} to {@code objects}, compiling it when missing. */
    private Proc.Result cachedObject(Path bundle, String src, List<String> cppflags, List<String> objects, long timeout) throws IOException {
        Path obj = objectCache.resolve(runtimeKey(bundle, src) + ".o");
        if (!Files.isRegularFile(obj)) {
            Files.createDirectories(objectCache);
            Path tmp = Files.createTempFile(objectCache, "obj", ".o.tmp");
            List<String> cmd = new ArrayList<>(List.of(cc.strip().split("\\s+")));
            cmd.addAll(cppflags);
            cmd.addAll(cflags);
            cmd.addAll(List.of("-c", src, "-o", tmp.toAbsolutePath().toString()));
            Proc.Result r = Proc.run(cmd, bundle, timeout);
            if (r.exitCode() != 0 || r.timedOut()) {
                Files.deleteIfExists(tmp);
                return r;
            }
            Files.move(tmp, obj, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        objects.add(obj.toAbsolutePath().toString());
        return null;
    }

    /** A hash of the source's name, every file of the bundle's runtime folder, the compiler and the flags. */
    private String runtimeKey(Path bundle, String src) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update((src + "\n" + cc + "\n" + String.join(" ", cflags) + "\n").getBytes(StandardCharsets.UTF_8));
        Path runtime = bundle.resolve("runtime");
        try (Stream<Path> files = Files.list(runtime)) {
            for (Path f : files.sorted().toList()) {
                md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
        }
        return HexFormat.of().formatHex(md.digest(), 0, 16);
    }

    /** The words of {@code NAME = ...} in the Makefile. */
    private static List<String> variable(List<String> lines, String name, Path makefile) {
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith(name) && t.substring(name.length()).strip().startsWith("=")) {
                String value = t.substring(t.indexOf('=') + 1).strip();
                return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
            }
        }
        throw new KilnError(makefile + " defines no " + name + "; regenerate the bundle with kiln compile");
    }
}
