package kiln.importer.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the ONNX backend node tests of the transform ops (Debian's libonnx-testdata) through the importer and
 * the reference interpreter, and compares with the suite's expected outputs.
 */
class TransformBackendTest {
    private static final Pattern OPS = Pattern.compile("test_(concat|constant|constantofshape|constant_pad|depthtospace|dropout|"
            + "edge_pad|expand|flatten|gather|gathernd|gather_elements|identity|onehot|range|reflect_pad|wrap_pad|reshape|resize|"
            + "shape|size|slice|spacetodepth|split|squeeze|tile|transpose|tril|triu|unsqueeze|upsample|center_crop_pad)(_.*)?");

    private static final Set<String> SKIP = Set.of("test_identity_opt", "test_identity_sequence", "test_dropout_random_old");

    @TempDir
    Path tmp;

    @Test
    void transformOpsMatchTheBackendSuite() throws IOException {
        BackendSuite.check("transform", OPS, SKIP, tmp);
    }
}
