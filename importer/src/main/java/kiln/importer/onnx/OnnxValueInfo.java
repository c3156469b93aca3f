package kiln.importer.onnx;

import java.util.Objects;
import java.util.Optional;

/** A named graph value (input, output or intermediate) with its declared type, if the model gives one. */
public record OnnxValueInfo(String name, Optional<OnnxType> type) {
    public OnnxValueInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** The tensor type, if the value is declared as a tensor. */
    public Optional<OnnxType.TensorT> tensorType() {
        return type.filter(OnnxType.TensorT.class::isInstance).map(OnnxType.TensorT.class::cast);
    }

    @Override
    public String toString() {
        return name + ": " + type.map(OnnxType::describe).orElse("<no type>");
    }
}
