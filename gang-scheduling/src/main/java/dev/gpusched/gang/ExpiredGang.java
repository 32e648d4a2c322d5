package dev.gpusched.gang;

import java.util.List;

/**
 * A gang whose deadline passed before all its members were bound: its reservation is released. The caller must
 * delete the pods in {@code boundToDelete} (so no partial gang stays bound), answer held bind calls of
 * {@code waitingPodUids} with {@code reason}, and clear the reservation annotations of {@code claimedPodUids}.
 *
 * @param gang           the gang
 * @param boundToDelete  members already bound or being bound
 * @param waitingPodUids members that were ready at the barrier
 * @param claimedPodUids every pod that held a place (bound, ready or not yet at bind)
 * @param reason         in words, for events and bind errors
 */
public record ExpiredGang(GangKey gang, List<MemberBinding> boundToDelete, List<String> waitingPodUids,
                          List<String> claimedPodUids, String reason) {
    public ExpiredGang {
        boundToDelete = List.copyOf(boundToDelete);
        waitingPodUids = List.copyOf(waitingPodUids);
        claimedPodUids = List.copyOf(claimedPodUids);
    }
}
