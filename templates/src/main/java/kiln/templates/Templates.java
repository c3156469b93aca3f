package kiln.templates;

import java.lang.reflect.Method;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.stringtemplate.v4.Interpreter;
import org.stringtemplate.v4.ModelAdaptor;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STGroup;
import org.stringtemplate.v4.STGroupFile;
import org.stringtemplate.v4.misc.STNoSuchPropertyException;

/**
 * Loads the template groups shipped in this module and renders output-model records: the template
 * named like a record's class prints it, with the record's components as properties.
 */
public final class Templates {
    private static final Map<String, STGroup> GROUPS = new ConcurrentHashMap<>();

    private Templates() {}

    /** A group by file name, e.g. {@code c.stg}; fails loudly if a template has errors. */
    public static STGroup group(String file) {
        return GROUPS.computeIfAbsent(file, f -> {
            URL url = Templates.class.getResource("/kiln/templates/" + f);
            if (url == null) throw new IllegalStateException("template group " + f + " is missing from the classpath");
            STGroupFile g = new STGroupFile(url, "UTF-8", '$', '$');
            g.registerModelAdaptor(Record.class, new RecordAdaptor());
            g.setListener(new org.stringtemplate.v4.misc.ErrorBuffer() {
                @Override
                public void compileTimeError(org.stringtemplate.v4.misc.STMessage msg) {
                    throw new IllegalStateException("template error in " + f + ": " + msg);
                }

                @Override
                public void runTimeError(org.stringtemplate.v4.misc.STMessage msg) {
                    throw new IllegalStateException("template error in " + f + ": " + msg);
                }

                @Override
                public void IOError(org.stringtemplate.v4.misc.STMessage msg) {
                    throw new IllegalStateException("template error in " + f + ": " + msg);
                }

                @Override
                public void internalError(org.stringtemplate.v4.misc.STMessage msg) {
                    throw new IllegalStateException("template error in " + f + ": " + msg);
                }
            });
            g.load();
            return g;
        });
    }

    /** Renders {@code model} with the template named like its class, passing it as the single argument. */
    public static String render(String groupFile, Record model) {
        String name = model.getClass().getSimpleName();
        return render(groupFile, name, model);
    }

    public static String render(String groupFile, String template, Object arg) {
        STGroup g = group(groupFile);
        ST st = g.getInstanceOf(template);
        if (st == null) throw new IllegalStateException("template " + template + " is missing from " + groupFile);
        String argName = st.impl.formalArguments.keySet().iterator().next();
        st.add(argName, arg);
        return st.render().replace("\r\n", "\n");
    }

    /** Whether a group defines a template of this name (checked by tests for every output record). */
    public static boolean defines(String groupFile, String template) {
        return group(groupFile).isDefined(template);
    }

    /** Exposes record components (accessor methods) as template properties. */
    private static final class RecordAdaptor implements ModelAdaptor<Record> {
        @Override
        public Object getProperty(Interpreter interp, ST self, Record model, Object property, String propertyName) {
            try {
                Method m = model.getClass().getMethod(propertyName);
                return m.invoke(model);
            } catch (ReflectiveOperationException e) {
                throw new STNoSuchPropertyException(e, model, propertyName);
            }
        }
    }
}
