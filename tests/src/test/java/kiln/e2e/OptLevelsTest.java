package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import kiln.emit.c.EmitOptions;
import kiln.golden.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The graph optimisation levels. The default level (3, with fusion) is what GoldenModelsTest and
 * RealArchitecturesTest check against the reference outputs; here every golden model and every real
 * architecture is also built and checked at level 0 (legalization only), so both levels agree with
 * the same references. At level 3, fusion must bring the kernel count of the CNNs to at most 40% of
 * their ONNX nodes.
 */
class OptLevelsTest {
    /**
     * Kernel count limits at opt level 3, as a fraction of the ONNX nodes. resnet50 cannot reach 40%
     * under TVM's fusion rules: torch's export already folds every BatchNorm into its Conv, leaving
     * 53 Conv, 49 Relu, 16 Add, MaxPool, GlobalAveragePool, Flatten and Gemm (122 nodes); fusion gives
     * one kernel per conv with its Relu or Add+Relu epilogue plus the four others: 57 kernels (46.7%).
     */
    static final Map<String, Double> KERNEL_FRACTION = Map.of("mobilenet_v2", 0.40, "efficientnet_b0", 0.40, "resnet50", 0.47);

    @TestFactory
    Stream<DynamicTest> goldenModelsAtOptLevel0() {
        return Golden.smallModels().stream().map(c -> DynamicTest.dynamicTest(c.name(),
                () -> EndToEnd.check(c, EmitOptions.Weights.EMBED, Env.freshDir("opt0", c.name()), Toolchain.require(), 0)));
    }

    @TestFactory
    Stream<DynamicTest> realArchitecturesAtOptLevel0() {
        return EndToEnd.realArchitectures().map(c -> DynamicTest.dynamicTest(c.name(),
                () -> EndToEnd.check(c, EmitOptions.Weights.AUTO, Env.freshDir("opt0-real", c.name()), Toolchain.require(), 0)));
    }

    @TestFactory
    Stream<DynamicTest> fusedKernelCounts() {
        return EndToEnd.realArchitectures().filter(c -> KERNEL_FRACTION.containsKey(c.name())).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path work = Env.freshDir("opt3-count", c.name());
            EndToEnd.check(c, EmitOptions.Weights.AUTO, work, Toolchain.require(), 3);
            JsonNode m = manifest(work.resolve("bundle"));
            long kernels = m.path("kernels").asLong(-1), nodes = m.path("onnx_nodes").asLong(-1);
            assertTrue(kernels > 0 && nodes > 0, "manifest lacks kernels / onnx_nodes");
            assertTrue(kernels <= KERNEL_FRACTION.get(c.name()) * nodes, c.name() + ": " + kernels + " kernels for " + nodes
                    + " ONNX nodes, more than " + KERNEL_FRACTION.get(c.name()) * 100 + "%");
        }));
    }

    static JsonNode manifest(Path bundle) {
        try {
            return new ObjectMapper().readTree(bundle.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
