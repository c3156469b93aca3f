package kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kiln.golden.Golden;
import kiln.importer.convert.ConverterTable;
import org.junit.jupiter.api.Test;

/** Keeps README.md true: its list of supported ONNX ops is exactly the converter table. */
class ReadmeOpsTest {
    @Test
    void readmeListsExactlyTheSupportedOps() throws Exception {
        String readme = Files.readString(Golden.repoRoot().resolve("README.md"));
        int a = readme.indexOf("<!-- ops:start -->"), b = readme.indexOf("<!-- ops:end -->");
        if (a < 0 || b < a) throw new AssertionError("README.md lacks the <!-- ops:start --> ... <!-- ops:end --> section");
        TreeSet<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("`([A-Za-z0-9_]+)`").matcher(readme.substring(a, b));
        while (m.find()) listed.add(m.group(1));
        assertEquals(new TreeSet<>(ConverterTable.supported()), listed,
                "README.md's supported-op list differs from the converter table; regenerate it with: ./kiln ops --markdown");
    }
}
