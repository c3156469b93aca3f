package kiln.emit.c;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/** A generated source bundle: relative path → file contents, sorted for determinism. */
public record Bundle(String modelName, SortedMap<String, byte[]> files) {
    public Bundle {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    public String text(String path) {
        byte[] b = files.get(path);
        if (b == null) throw new IllegalArgumentException("bundle has no file " + path);
        return new String(b, StandardCharsets.UTF_8);
    }
}
