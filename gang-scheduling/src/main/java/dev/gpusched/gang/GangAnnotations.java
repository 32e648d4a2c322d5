package dev.gpusched.gang;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The annotation and label keys of gang scheduling: those users write on pods (or on the owning MLService), and
 * those the extender writes on pods so that reservations survive a restart (read back by {@link GangRecovery}).
 */
public final class GangAnnotations {
    private GangAnnotations() {
    }

    /** Pod: the gang's name, unique per namespace (annotation, or label). */
    public static final String GANG = "gpusched.dev/gang";
    /** Pod: how many members the gang needs, 1..10000 (annotation, or label). */
    public static final String GANG_SIZE = "gpusched.dev/gang-size";
    /** Pod or owning MLService: how long the gang may wait for all members at bind, e.g. 300s, 5m (default 300s). */
    public static final String GANG_TIMEOUT = "gpusched.dev/gang-timeout";
    /** Pod or owning MLService: the inter-node policy, see {@code InterNodePolicy}. */
    public static final String INTER_NODE = "gpusched.dev/inter-node";
    /** Pod: "true" makes the kro labels the gang's name and size (same as {@link #GANG} "true" on the MLService). */
    public static final String GANG_FROM_KRO = "gpusched.dev/gang-from-kro";
    /** Label kro puts on every object it creates: the name of the MLService instance. */
    public static final String KRO_INSTANCE_NAME = "kro.run/instance-name";
    /** Label kro puts on objects of a forEach collection: how many the collection has. */
    public static final String KRO_COLLECTION_SIZE = "kro.run/collection-size";

    /** Written by the extender on a member pod when it claims a place: the node reserved for it. */
    public static final String RESERVED_NODE = "gpusched.dev/reserved-node";
    /** Written with {@link #RESERVED_NODE}: the GPU indices reserved, comma-separated, e.g. {@code 0,1,2,3}. */
    public static final String RESERVED_GPU_IDS = "gpusched.dev/reserved-gpu-ids";
    /** Written with {@link #RESERVED_NODE}: when the gang's reservation was made (RFC 3339); the deadline follows. */
    public static final String RESERVED_AT = "gpusched.dev/reserved-at";
    /** Written with {@link #RESERVED_NODE}: the member's place (slot index) in the gang's plan. */
    public static final String GANG_SLOT = "gpusched.dev/gang-slot";
    /**
     * Written on the member pod whose filter made the plan: the whole plan in {@link GangPlanCodec} text, so places
     * not yet claimed by any pod survive a restart too.
     */
    public static final String GANG_PLAN = "gpusched.dev/gang-plan";

    /**
     * Written on the waiting pods of a gang that became placeable (the time, RFC 3339): an update of the pod makes
     * kube-scheduler retry it at once instead of after its unschedulable pool's 5 minutes.
     */
    public static final String RETRY_AFTER = "gpusched.dev/retry-after";

    /**
     * The annotations a member's claim writes on its pod: {@link #RESERVED_NODE}, {@link #RESERVED_GPU_IDS},
     * {@link #RESERVED_AT}, {@link #GANG_SLOT} and {@link #GANG_PLAN}, in that order.
     */
    public static Map<String, String> claim(FilterOutcome.Assigned assigned) {
        ReservedSlot slot = assigned.slot();
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put(RESERVED_NODE, slot.node());
        ann.put(RESERVED_GPU_IDS, GangPlanCodec.gpuIds(slot.gpuMask()));
        ann.put(RESERVED_AT, assigned.reservation().reservedAt().toString());
        ann.put(GANG_SLOT, Integer.toString(slot.member()));
        ann.put(GANG_PLAN, assigned.planText());
        return Collections.unmodifiableMap(ann);
    }

    /**
     * The claim's annotations, each mapped to null: written as a JSON merge patch, this removes them from a member of
     * a released gang.
     */
    public static Map<String, String> claimRemoved() {
        Map<String, String> none = new HashMap<>();
        for (String key : new String[] {RESERVED_NODE, RESERVED_GPU_IDS, RESERVED_AT, GANG_SLOT, GANG_PLAN}) {
            none.put(key, null);
        }
        return Collections.unmodifiableMap(none);
    }
}
