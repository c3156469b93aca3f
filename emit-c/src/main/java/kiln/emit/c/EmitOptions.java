package kiln.emit.c;

import java.util.List;
import kiln.target.Target;

/**
 * How to emit a bundle. {@code weights}: EMBED (C arrays), FILE (weights.bin) or AUTO (FILE above
 * {@link #AUTO_FILE_THRESHOLD} bytes of weights, where C compilers get slow).
 */
public record EmitOptions(String modelName, Target target, Weights weights, String sourceFile, String sourceSha256,
                          int onnxNodes, List<String> passes) {
    public enum Weights { EMBED, FILE, AUTO }

    public static final long AUTO_FILE_THRESHOLD = 8L << 20;

    public EmitOptions {
        passes = List.copyOf(passes);
    }
}
