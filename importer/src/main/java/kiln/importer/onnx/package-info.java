/**
 * The ONNX file reader: {@link kiln.importer.onnx.OnnxLoader} parses .onnx models (and serialized
 * TensorProto files) into an immutable, protobuf-free model: {@link kiln.importer.onnx.OnnxModel},
 * {@link kiln.importer.onnx.OnnxGraph}, {@link kiln.importer.onnx.OnnxNode} with typed
 * {@link kiln.importer.onnx.OnnxAttribute}s, {@link kiln.importer.onnx.OnnxValueInfo} /
 * {@link kiln.importer.onnx.OnnxType} and {@link kiln.importer.onnx.OnnxFunction}. Tensors become
 * {@link kiln.tir.NDArray}s. Problems with the input are {@link kiln.diag.KilnError}s that name the file and
 * the offending tensor, node or attribute. The generated protobuf classes live in
 * {@code kiln.importer.onnx.proto} and are not meant for use outside this package's loader and tests.
 */
package kiln.importer.onnx;
