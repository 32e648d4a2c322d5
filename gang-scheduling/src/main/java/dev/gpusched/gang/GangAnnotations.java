package dev.gpusched.gang;

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
}
