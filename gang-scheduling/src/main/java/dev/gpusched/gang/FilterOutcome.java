package dev.gpusched.gang;

/** What {@link GangCoordinator#assign} decided for a gang member at filter. */
public sealed interface FilterOutcome {

    /**
     * The pod has a place: the filter answers only {@code slot.node()}. Write the reservation annotations on the pod
     * ({@link GangAnnotations#RESERVED_NODE} etc., plus {@link GangAnnotations#GANG_PLAN} = {@code planText()}).
     *
     * @param slot          the pod's place
     * @param reservation   the gang's whole reservation after the claim
     * @param newlyPlanned  true when this call planned the gang
     */
    record Assigned(ReservedSlot slot, GangReservation reservation, boolean newlyPlanned) implements FilterOutcome {
        /** The plan in {@link GangPlanCodec} text, for {@link GangAnnotations#GANG_PLAN}. */
        public String planText() {
            return GangPlanCodec.encode(reservation.slots());
        }
    }

    /** No node for this pod now; {@code reason} goes to FailedNodes for every candidate node. */
    record Refused(String reason) implements FilterOutcome {
    }
}
