package dev.gpusched.gang;

import java.util.List;

/** The answer of {@link GangPlanner#plan}: a place for every member, or why there is none. */
public sealed interface Plan permits Plan.Planned, Plan.Infeasible {

    /**
     * Every member has a place.
     *
     * @param levelName  the topology level the gang was confined to ({@code cluster} when none)
     * @param domainName the domain at that level ({@code cluster} when none)
     * @param placements one per member, in member order
     */
    record Planned(String levelName, String domainName, List<MemberPlacement> placements) implements Plan {
        public Planned {
            placements = List.copyOf(placements);
        }
    }

    /** No full placement exists; {@code reason} says why in words, e.g. for the filter's FailedNodes. */
    record Infeasible(String reason) implements Plan {
    }
}
