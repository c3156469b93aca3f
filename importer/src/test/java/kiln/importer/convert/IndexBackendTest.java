package kiln.importer.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the ONNX backend node tests of the indexing ops (Debian's libonnx-testdata) through the importer and
 * the reference interpreter, and compares with the suite's expected outputs.
 */
class IndexBackendTest {
    private static final Pattern OPS = Pattern.compile("test_(scatter|scatter_elements|scatternd|top_k|eyelike|compress|einsum)(_.*)?");

    private static final Set<String> SKIP = Set.of();

    @TempDir
    Path tmp;

    @Test
    void indexOpsMatchTheBackendSuite() throws IOException {
        BackendSuite.check("index", OPS, SKIP, tmp);
    }
}
