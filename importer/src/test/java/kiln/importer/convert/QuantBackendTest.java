package kiln.importer.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the ONNX backend node tests of the quantization ops (Debian's libonnx-testdata) through the importer and
 * the reference interpreter, and compares with the suite's expected outputs.
 */
class QuantBackendTest {
    private static final Pattern OPS = Pattern.compile("test_(quantizelinear|dequantizelinear|dynamicquantizelinear|matmulinteger|"
            + "convinteger|qlinearmatmul|qlinearconv)(_.*)?");

    private static final Set<String> SKIP = Set.of();

    @TempDir
    Path tmp;

    @Test
    void quantOpsMatchTheBackendSuite() throws IOException {
        BackendSuite.check("quantization", OPS, SKIP, tmp);
    }
}
