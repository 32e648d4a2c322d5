package dev.gpusched.gang;

/**
 * One member's reserved place: node and GPUs, the pod that claimed it (null while unclaimed) and its progress.
 *
 * @param member  slot index in the gang's plan
 * @param node    node name
 * @param gpuMask GPU indices as a bitmask
 * @param demand  what the member asked for
 * @param podUid  uid of the pod holding the place, or null
 * @param state   progress
 */
public record ReservedSlot(int member, String node, long gpuMask, MemberDemand demand, String podUid,
                           SlotState state) {

    ReservedSlot claimedBy(String uid) {
        return new ReservedSlot(member, node, gpuMask, demand, uid, state);
    }

    ReservedSlot withState(SlotState s) {
        return new ReservedSlot(member, node, gpuMask, demand, podUid, s);
    }

    /** The place back to unclaimed and reserved (its pod is gone or its bind failed and it must start over). */
    ReservedSlot released() {
        return new ReservedSlot(member, node, gpuMask, demand, null, SlotState.RESERVED);
    }

    /** True while the place's GPUs must be counted as used by others (the ledger does not know them yet). */
    public boolean holdsCapacity() {
        return state != SlotState.BOUND;
    }

    /** The binding this place stands for. */
    public MemberBinding binding() {
        return new MemberBinding(podUid, node, gpuMask, member);
    }
}
