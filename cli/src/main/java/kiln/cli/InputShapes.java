package kiln.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Parsing of {@code --input-shape NAME=D0,D1,...}. */
public final class InputShapes {
    private InputShapes() {}

    /** One parsed {@code --input-shape} value. */
    public record Spec(String name, List<Long> dims) {
        public Spec {
            dims = List.copyOf(dims);
        }
    }

    /** Picocli converter: the message of a malformed value says what the syntax is. */
    public static final class Converter implements CommandLine.ITypeConverter<Spec> {
        @Override
        public Spec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Parses {@code NAME=D0,D1,...}. The name is everything before the last {@code '='} (ONNX names
     * may contain {@code '='}); every dimension is a non-negative integer.
     */
    public static Spec parse(String value) {
        String hint = "; expected NAME=D0,D1,... such as x=1,3,224,224";
        int eq = value.lastIndexOf('=');
        if (eq < 0) throw new IllegalArgumentException("'" + value + "' has no '='" + hint);
        String name = value.substring(0, eq);
        String dims = value.substring(eq + 1).strip();
        if (name.isEmpty()) throw new IllegalArgumentException("'" + value + "' has no input name before '='" + hint);
        if (dims.isEmpty()) throw new IllegalArgumentException("'" + value + "' has no dimensions after '='" + hint);
        List<Long> out = new ArrayList<>();
        for (String d : dims.split(",", -1)) {
            String t = d.strip();
            if (t.isEmpty()) throw new IllegalArgumentException("'" + value + "' has an empty dimension" + hint);
            long v;
            try {
                v = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "': dimension '" + t + "' is not an integer" + hint);
            }
            if (v < 0) throw new IllegalArgumentException("'" + value + "': dimension " + v + " is negative" + hint);
            out.add(v);
        }
        return new Spec(name, out);
    }

    /** The shapes by input name; an input named twice is an error. */
    public static Map<String, List<Long>> toMap(List<Spec> specs) {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        for (Spec s : specs) {
            if (m.put(s.name(), s.dims()) != null) {
                throw new kiln.diag.KilnError("--input-shape names input '" + s.name() + "' more than once");
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
