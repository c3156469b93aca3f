package kiln.relax.pass;

import kiln.relax.IRModule;

/** A pure, named module transformation. */
public interface Pass {
    String name();

    IRModule apply(IRModule m);
}
