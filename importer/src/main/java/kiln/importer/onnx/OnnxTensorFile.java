package kiln.importer.onnx;

import java.util.Objects;
import kiln.tir.NDArray;

/** A tensor read from a serialized {@code TensorProto} file; {@code name} is empty when the file names none. */
public record OnnxTensorFile(String name, NDArray value) {
    public OnnxTensorFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
