package kiln.importer.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the ONNX backend node tests of the recurrent layers (Debian's libonnx-testdata) through the importer and
 * the reference interpreter, and compares with the suite's expected outputs.
 */
class RnnBackendTest {
    private static final Pattern OPS = Pattern.compile("test_(rnn|simple_rnn|gru|lstm)(_.*)?");

    private static final Set<String> SKIP = Set.of();

    @TempDir
    Path tmp;

    @Test
    void recurrentLayersMatchTheBackendSuite() throws IOException {
        BackendSuite.check("recurrent", OPS, SKIP, tmp);
    }
}
