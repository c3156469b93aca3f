package kiln.emit.c;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import kiln.templates.Templates;
import org.junit.jupiter.api.Test;

class TemplatesTest {
    @Test
    void everyOutputRecordHasItsTemplate() {
        for (Map.Entry<String, List<String>> e : CEmitter.templatesUsed().entrySet()) {
            for (String t : e.getValue()) {
                assertTrue(Templates.defines(e.getKey(), t), "template " + t + " missing from " + e.getKey());
            }
        }
        for (Class<?> c : CEmitter.class.getDeclaredClasses()) {
            if (!c.isRecord() || c.getSimpleName().equals("IOInfo") || c.getSimpleName().equals("HelperType")
                    || c.getSimpleName().equals("WeightSource") || c.getSimpleName().equals("BundleModel")) {
                continue;
            }
            boolean found = CEmitter.templatesUsed().values().stream().anyMatch(l -> l.contains(c.getSimpleName()));
            assertTrue(found, "record " + c.getSimpleName() + " is not rendered by any template group");
        }
    }
}
