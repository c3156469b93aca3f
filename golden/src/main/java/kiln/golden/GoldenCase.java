package kiln.golden;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import kiln.tir.NDArray;
import kiln.tir.Npy;

/**
 * One golden test case: an ONNX model with inputs and the outputs it must produce.
 *
 * @param name        the case name (the folder name), e.g. {@code cnn}
 * @param folder      the folder holding the files
 * @param model       {@code model.onnx}
 * @param inputs      {@code input_0.npy, input_1.npy, ...}, in the model's graph input order
 * @param outputs     {@code output_0.npy, ...}, in the model's graph output order
 * @param inputShapes for models with symbolic dimensions, the concrete shape of each such input
 *                    (from {@code meta.json}); empty otherwise. Iteration order is the file's order.
 */
public record GoldenCase(String name, Path folder, Path model, List<Path> inputs, List<Path> outputs,
                         Map<String, List<Long>> inputShapes) {

    public GoldenCase {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        inputShapes.forEach((k, v) -> shapes.put(k, List.copyOf(v)));
        inputShapes = Collections.unmodifiableMap(shapes);
    }

    public List<NDArray> loadInputs() {
        return inputs.stream().map(Npy::read).toList();
    }

    public List<NDArray> loadOutputs() {
        return outputs.stream().map(Npy::read).toList();
    }

    /** The {@code --input-shape} values for the compiler, e.g. {@code ["x=2,16"]}; empty for static models. */
    public List<String> inputShapeArgs() {
        List<String> args = new ArrayList<>();
        inputShapes.forEach((k, v) -> args.add(k + "=" + v.stream().map(String::valueOf).collect(Collectors.joining(","))));
        return args;
    }

    @Override
    public String toString() {
        return name;
    }
}
