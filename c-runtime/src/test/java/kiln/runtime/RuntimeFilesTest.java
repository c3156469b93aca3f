package kiln.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RuntimeFilesTest {

    @Test
    void listsTheTwoGroups() {
        assertEquals(List.of("kiln_runtime.h", "kiln_runtime.c"), RuntimeFiles.libraryFiles());
        assertEquals(List.of("kiln_platform.h", "kiln_platform.c", "kiln_npy.h", "kiln_npy.c", "kiln_demo.h",
                "kiln_demo.c"), RuntimeFiles.demoFiles());
        assertEquals(8, new HashSet<>(RuntimeFiles.allFiles()).size());
        assertThrows(UnsupportedOperationException.class, () -> RuntimeFiles.libraryFiles().add("x.c"));
    }

    @Test
    void everyListedFileLoads() {
        for (String name : RuntimeFiles.allFiles()) {
            String text = RuntimeFiles.read(name);
            assertFalse(text.isBlank(), name);
            assertTrue(text.endsWith("\n"), name + " must end with a newline (-pedantic)");
        }
        assertTrue(RuntimeFiles.read("kiln_runtime.h").contains("kiln_status kiln_check_workspace(const void *workspace);"));
    }

    @Test
    void missingOrBadNamesFailLoudly() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RuntimeFiles.read("nope.c"));
        assertTrue(e.getMessage().contains("/kiln/runtime/nope.c"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RuntimeFiles.read("../x.c"));
        assertThrows(IllegalArgumentException.class, () -> RuntimeFiles.read("a/b.c"));
        assertThrows(IllegalArgumentException.class, () -> RuntimeFiles.read(""));
        assertThrows(IllegalArgumentException.class, () -> RuntimeFiles.read(null));
    }

    /** The firmware library may include only the freestanding headers it needs and its own header. */
    @Test
    void libraryFilesIncludeNoHostedHeaders() {
        Pattern include = Pattern.compile("(?m)^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]");
        for (String name : RuntimeFiles.libraryFiles()) {
            Matcher m = include.matcher(RuntimeFiles.read(name));
            while (m.find()) {
                String header = m.group(1);
                assertTrue(List.of("stddef.h", "stdint.h", "kiln_runtime.h").contains(header),
                        name + " includes " + header);
            }
        }
    }

    /** The model enum values are ABI: the emitter writes them as numbers. */
    @Test
    void dtypeOrderIsFixed() {
        String h = RuntimeFiles.read("kiln_runtime.h");
        String[] names = {"FLOAT32", "FLOAT64", "FLOAT16", "BFLOAT16", "INT8", "INT16", "INT32", "INT64", "UINT8",
            "UINT16", "UINT32", "UINT64", "BOOL"};
        for (int i = 0; i < names.length; i++) {
            assertTrue(h.contains("KILN_" + names[i] + " = " + i), names[i]);
        }
    }
}
