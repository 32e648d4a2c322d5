package dev.gpusched.gang;

import java.util.List;

/**
 * The nodes a starving gang holds against other pods so that capacity freed there accumulates until the gang fits
 * (see {@link StarvationGuard}); or, when even empty nodes could never hold the gang, why.
 *
 * @param nodes           names of the held nodes (empty when {@code neverFitsReason} is set)
 * @param levelName       topology level of the chosen domain
 * @param domainName      the chosen domain
 * @param neverFitsReason null, or why the gang cannot fit even in an empty cluster
 */
public record HoldPlan(List<String> nodes, String levelName, String domainName, String neverFitsReason) {
    public HoldPlan {
        nodes = List.copyOf(nodes);
    }

    /** True when there are nodes to hold. */
    public boolean possible() {
        return neverFitsReason == null;
    }
}
