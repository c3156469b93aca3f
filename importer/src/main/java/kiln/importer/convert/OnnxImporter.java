package kiln.importer.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import kiln.diag.KilnError;
import kiln.importer.onnx.OnnxDim;
import kiln.importer.onnx.OnnxGraph;
import kiln.importer.onnx.OnnxModel;
import kiln.importer.onnx.OnnxNode;
import kiln.importer.onnx.OnnxType;
import kiln.importer.onnx.OnnxValueInfo;
import kiln.relax.BlockBuilder;
import kiln.relax.Expr;
import kiln.relax.Function;
import kiln.relax.IRModule;
import kiln.relax.Type;
import kiln.relax.Var;
import kiln.tir.DType;
import kiln.tir.NDArray;

/**
 * ONNX model → graph IR. Initializers become constants, graph inputs become parameters with static
 * shapes (symbolic dims must be fixed with {@code --input-shape}), nodes are converted in topological
 * order, and every call is typed as it is built, so unsupported constructs fail here with a message
 * that names the node.
 */
public final class OnnxImporter {
    /** The ai.onnx opset versions whose semantics the converters implement. */
    public static final long MIN_OPSET = 1, MAX_OPSET = 21;

    private OnnxImporter() {}

    public static IRModule importModel(OnnxModel model, Map<String, List<Long>> inputShapes) {
        return importModel(model, inputShapes, Map.of());
    }

    /**
     * Like {@link #importModel(OnnxModel, Map)}, with some graph inputs frozen to constant values
     * ({@code bindings}, by input name): a bound input is treated like an initializer, so the compiled
     * program no longer takes it, and values that must be known at compile time (Reshape's shape,
     * Slice's starts, TopK's k, ...) may come from it. A binding must name a runtime graph input and
     * match its declared element type and shape (a symbolic dimension takes the bound size).
     */
    public static IRModule importModel(OnnxModel model, Map<String, List<Long>> inputShapes, Map<String, NDArray> bindings) {
        Long opset = model.opsets().get("");
        if (opset == null) opset = model.opsets().get("ai.onnx");
        if (opset == null) throw new KilnError(model.file() + ": the model declares no ai.onnx opset import");
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new KilnError(model.file() + ": opset " + opset + " is not supported (Kiln supports ai.onnx opsets "
                    + MIN_OPSET + " to " + MAX_OPSET + "); convert the model with onnx.version_converter");
        }
        OnnxGraph g = model.graph();
        checkSupported(model, g, opset);

        BlockBuilder bb = new BlockBuilder();
        Map<String, Expr> values = new HashMap<>();
        g.initializers().forEach((name, value) -> values.put(name, new Expr.Constant(value, name)));
        List<String> runtimeInputs = g.inputs().stream().map(OnnxValueInfo::name).filter(n -> !g.initializers().containsKey(n)).toList();
        for (String b : new TreeMap<>(bindings).keySet()) {
            if (!runtimeInputs.contains(b)) {
                throw new KilnError("--bind names '" + b + "', which is not an input of the model; its inputs are " + runtimeInputs);
            }
            if (inputShapes.containsKey(b)) throw new KilnError("input '" + b + "' is given both --bind and --input-shape; give only --bind");
        }
        Set<String> given = new HashSet<>(inputShapes.keySet());
        Set<String> params = new HashSet<>();
        for (OnnxValueInfo in : g.inputs()) {
            if (values.containsKey(in.name())) continue;
            NDArray bound = bindings.get(in.name());
            if (bound != null) {
                checkBinding(model, in, bound);
                values.put(in.name(), new Expr.Constant(bound, in.name()));
                continue;
            }
            params.add(in.name());
            Type.TensorType t = inputType(model, in, inputShapes.get(in.name()));
            given.remove(in.name());
            values.put(in.name(), bb.param(in.name(), t));
        }
        if (!given.isEmpty()) {
            throw new KilnError("--input-shape names " + new TreeMap<>(inputShapes).keySet().stream().filter(given::contains).toList()
                    + " but the model's inputs are " + g.inputs().stream().map(OnnxValueInfo::name).filter(n -> !g.initializers().containsKey(n)).toList());
        }
        for (OnnxNode node : topoSort(g)) {
            ConvertContext ctx = new ConvertContext(node, opset, values, bb, params);
            List<Expr> outs;
            try {
                outs = ConverterTable.get(node.opType()).convert(ctx);
            } catch (KilnError e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KilnError("node '" + node.name() + "' (" + node.opType() + ", opset " + opset + "): "
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + " (this is a Kiln bug; please report it with the model)", e);
            }
            for (int k = 0; k < node.outputs().size(); k++) {
                String name = node.outputs().get(k);
                if (name.isEmpty()) continue;
                if (k >= outs.size()) {
                    throw ctx.error("output " + k + " ('" + name + "') is not supported by Kiln's " + node.opType() + " converter");
                }
                values.put(name, outs.get(k));
            }
        }
        List<Expr> outputs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (OnnxValueInfo o : g.outputs()) {
            Expr e = values.get(o.name());
            if (e == null) throw new KilnError(model.file() + ": graph output '" + o.name() + "' is not produced by any node");
            outputs.add(e);
            names.add(o.name());
        }
        return IRModule.of(bb.build("main", outputs, names));
    }

    private static void checkSupported(OnnxModel model, OnnxGraph g, long opset) {
        Map<String, String> missing = new LinkedHashMap<>();
        for (OnnxNode n : g.nodes()) {
            boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            if (!defaultDomain || ConverterTable.get(n.opType()) == null) {
                missing.putIfAbsent((defaultDomain ? "" : n.domain() + ".") + n.opType(), n.name());
            }
        }
        if (missing.isEmpty()) return;
        StringBuilder sb = new StringBuilder(model.file() + ": the model uses " + missing.size() + " ONNX op"
                + (missing.size() == 1 ? "" : "s") + " that Kiln does not support (opset " + opset + "):");
        missing.forEach((op, node) -> sb.append("\n  ").append(op).append(" (first at node '").append(node).append("')"));
        sb.append("\nSupported ops are listed in README.md; for a custom-domain op, rewrite the model with standard ONNX ops.");
        throw new KilnError(sb.toString());
    }

    /** A bound value must have the input's declared element type and shape (symbolic dims match any size). */
    private static void checkBinding(OnnxModel model, OnnxValueInfo in, NDArray value) {
        Type.TensorType declared;
        String got = value.dtype().irName() + value.shapeList();
        if (in.type().isEmpty() || !(in.type().get() instanceof OnnxType.TensorT t)) {
            throw new KilnError(model.file() + ": graph input '" + in.name() + "' is not a tensor; --bind can only freeze tensor inputs");
        }
        DType dtype = t.dtype().orElse(null);
        List<OnnxDim> dims = t.dims(model.file() + ": graph input '" + in.name() + "'");
        boolean ok = dtype == value.dtype() && dims.size() == value.rank();
        for (int k = 0; ok && k < dims.size(); k++) {
            if (dims.get(k) instanceof OnnxDim.Static s && s.value() != value.shape()[k]) ok = false;
        }
        if (!ok) {
            throw new KilnError("--bind " + in.name() + ": the value is " + got + " but the model declares input '" + in.name()
                    + "' as " + t.describe());
        }
    }

    private static Type.TensorType inputType(OnnxModel model, OnnxValueInfo in, List<Long> given) {
        String what = "graph input '" + in.name() + "'";
        if (in.type().isEmpty() || !(in.type().get() instanceof OnnxType.TensorT t)) {
            throw new KilnError(model.file() + ": " + what + " is not a tensor (" + in.type().map(OnnxType::describe).orElse("no type") + "); Kiln compiles tensor inputs only");
        }
        DType dtype = t.dtype().orElseThrow(() -> new KilnError(model.file() + ": " + what + " has element type " + t.elemType() + ", which Kiln does not support"));
        List<OnnxDim> dims = t.dims(model.file() + ": " + what);
        if (given != null) {
            if (given.size() != dims.size()) {
                throw new KilnError("--input-shape " + in.name() + " has rank " + given.size() + " but the model declares " + t.describe());
            }
            for (int k = 0; k < dims.size(); k++) {
                if (dims.get(k) instanceof OnnxDim.Static s && s.value() != given.get(k)) {
                    throw new KilnError("--input-shape " + in.name() + " sets dim " + k + " to " + given.get(k) + " but the model fixes it to " + s.value());
                }
                if (given.get(k) < 0) throw new KilnError("--input-shape " + in.name() + ": dimension " + k + " is negative");
            }
            return new Type.TensorType(given, dtype);
        }
        List<Long> shape = new ArrayList<>();
        for (int k = 0; k < dims.size(); k++) {
            if (dims.get(k) instanceof OnnxDim.Static s) {
                shape.add(s.value());
            } else {
                throw new KilnError(model.file() + ": " + what + " has a symbolic dimension " + dims.get(k) + " at position " + k
                        + " (" + t.describe() + "); fix it with --input-shape " + in.name() + "=" + exampleShape(dims));
            }
        }
        return new Type.TensorType(shape, dtype);
    }

    private static String exampleShape(List<OnnxDim> dims) {
        List<String> s = new ArrayList<>();
        for (OnnxDim d : dims) s.add(d instanceof OnnxDim.Static st ? Long.toString(st.value()) : "1");
        return String.join(",", s);
    }

    /** Nodes in an order where every input is produced first (ONNX requires it, but not every exporter complies). */
    static List<OnnxNode> topoSort(OnnxGraph g) {
        Set<String> avail = new HashSet<>(g.initializers().keySet());
        for (OnnxValueInfo in : g.inputs()) avail.add(in.name());
        avail.add("");
        List<OnnxNode> pending = new ArrayList<>(g.nodes());
        List<OnnxNode> out = new ArrayList<>();
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                OnnxNode n = it.next();
                if (avail.containsAll(n.inputs())) {
                    out.add(n);
                    avail.addAll(n.outputs());
                    it.remove();
                    progress = true;
                }
            }
        }
        if (!pending.isEmpty()) {
            OnnxNode n = pending.get(0);
            List<String> missing = n.inputs().stream().filter(i -> !avail.contains(i)).toList();
            throw new KilnError("node '" + n.name() + "' (" + n.opType() + ") reads " + missing
                    + ", which no node, initializer or graph input produces (or the graph has a cycle)");
        }
        return out;
    }

    /** Converts an NDArray to a Java long list (for attribute values). */
    static List<Long> longs(NDArray a) {
        List<Long> out = new ArrayList<>();
        for (long v : a.toLongArray()) out.add(v);
        return out;
    }
}
