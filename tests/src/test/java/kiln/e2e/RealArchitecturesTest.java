package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import kiln.emit.c.EmitOptions;
import kiln.golden.Golden;
import kiln.golden.GoldenCase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Real networks exported from torch/torchvision (resnet18, resnet50, mobilenet_v2, squeezenet1_1,
 * efficientnet_b0, a transformer encoder) into {@code <repo>/target/golden-torch}: compile with
 * weights AUTO (large weights go to weights.bin), build, run, compare with torch's outputs.
 * Without torch the tests are skipped on a developer's machine and fail in CI.
 */
class RealArchitecturesTest {
    @TestFactory
    Stream<DynamicTest> realArchitectures() {
        List<GoldenCase> cases = EndToEnd.realArchitectures().toList();
        assertEquals(Golden.REAL_ARCHITECTURES.size(), cases.size(), "exported architectures");
        Toolchain tc = Toolchain.require();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(),
                () -> EndToEnd.check(c, EmitOptions.Weights.AUTO, Env.freshDir("real", c.name()), tc)));
    }
}
