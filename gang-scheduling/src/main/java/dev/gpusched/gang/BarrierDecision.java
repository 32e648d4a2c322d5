package dev.gpusched.gang;

import java.time.Instant;
import java.util.List;

/** What the bind handler must do with a gang member's bind call. */
public sealed interface BarrierDecision {

    /**
     * Hold the HTTP answer until another member's arrival opens the barrier, at most until {@code holdUntil} (below
     * kube-scheduler's httpTimeout); then call {@link GangCoordinator#holdExpired}.
     */
    record Wait(Instant holdUntil, int ready, int size) implements BarrierDecision {
    }

    /**
     * The barrier is open: bind every listed member now (including pods not in an HTTP call: the extender creates
     * their Bindings itself), then report each with {@link GangCoordinator#bindSucceeded} or
     * {@link GangCoordinator#bindFailed}, and answer every held call of these pods.
     */
    record BindAll(List<MemberBinding> members) implements BarrierDecision {
        public BindAll {
            members = List.copyOf(members);
        }
    }

    /** This pod is bound, or being bound by the extender after another member opened the barrier: answer success. */
    record AlreadyBound(MemberBinding member) implements BarrierDecision {
    }

    /** Answer the bind call with this error; kube-scheduler will retry the pod. */
    record Reject(String reason) implements BarrierDecision {
    }
}
