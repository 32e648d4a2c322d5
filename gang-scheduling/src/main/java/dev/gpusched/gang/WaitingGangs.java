package dev.gpusched.gang;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gangs whose last plan failed, each with why, its pods that asked and when, and the retry-nudge rule over them. An
 * immutable value: every change returns a new instance ({@link GangCoordinator} publishes it through one volatile
 * field).
 *
 * <p>Why a nudge: kube-scheduler parks a pod its extender refused in its unschedulable pool, for up to 5 minutes; an
 * update of the pod itself (other than its status) moves it back to the queue. So when capacity changed and a waiting
 * gang could be placed now, the caller annotates its waiting pods. The rule ({@link #dueForRetry}): a gang is checked
 * only after the cluster or the reservations changed since its last check, never within the retry interval of its last
 * nudge, and it is forgotten once no pod of it waits or it made no attempt for {@link #FORGET_AFTER}.
 */
public final class WaitingGangs {
    /** A gang with no filter attempt for this long is forgotten: kube-scheduler retries a parked pod within 5 minutes. */
    public static final Duration FORGET_AFTER = Duration.ofMinutes(5);

    /** No gang waits. */
    public static final WaitingGangs NONE = new WaitingGangs(new TreeMap<>());

    /**
     * One waiting gang.
     *
     * @param since               its first refusal
     * @param lastAttempt         its latest refusal
     * @param reason              the latest refusal's reason
     * @param podUids             its pods refused so far that still exist
     * @param lastNudge           when its pods were last nudged, or null
     * @param checkedVersion      the cluster version it was last checked against (-1: never)
     * @param checkedReservations the reservations it was last checked against (compared by identity: every change of
     *                            the reservations is a new value), or null
     */
    public record Gang(GangSpec spec, Instant since, Instant lastAttempt, String reason, Set<String> podUids,
                       Instant lastNudge, long checkedVersion, Reservations checkedReservations) {
        public Gang {
            podUids = Collections.unmodifiableSet(new LinkedHashSet<>(podUids));
        }

        public GangKey key() {
            return spec.key();
        }
    }

    /**
     * The result of {@link #dueForRetry}: the waiting gangs with the forgotten ones dropped and the due ones marked
     * checked, and the gangs due for a check, in key order.
     */
    public record RetryCheck(WaitingGangs next, List<Gang> due) {
        public RetryCheck {
            due = List.copyOf(due);
        }
    }

    private final Map<GangKey, Gang> gangs;

    private WaitingGangs(TreeMap<GangKey, Gang> gangs) {
        this.gangs = Collections.unmodifiableMap(gangs);
    }

    /** The waiting gang, or null. */
    public Gang get(GangKey gang) {
        return gangs.get(gang);
    }

    /** Every waiting gang, ordered by key. */
    public Collection<Gang> all() {
        return gangs.values();
    }

    public int size() {
        return gangs.size();
    }

    /** A pod of the gang was refused now: the gang waits (since its first refusal) with this reason. */
    public WaitingGangs refused(GangSpec spec, String podUid, String reason, Instant now) {
        Gang w = gangs.get(spec.key());
        Set<String> pods = new LinkedHashSet<>(w == null ? Set.of() : w.podUids());
        pods.add(podUid);
        Gang next = w == null ? new Gang(spec, now, now, reason, pods, null, -1, null)
                : new Gang(w.spec(), w.since(), now, reason, pods, w.lastNudge(), w.checkedVersion(),
                        w.checkedReservations());
        return with(spec.key(), next);
    }

    /** The gang has a place now (or none is wanted any more): it stops waiting. */
    public WaitingGangs placed(GangKey gang) {
        return without(gang);
    }

    /** The gang's pods are all gone: it stops waiting. */
    public WaitingGangs gangGone(GangKey gang) {
        return without(gang);
    }

    /** A pod was deleted: no gang waits for it any more. */
    public WaitingGangs podGone(String podUid) {
        TreeMap<GangKey, Gang> copy = null;
        for (Gang w : gangs.values()) {
            if (w.podUids().contains(podUid)) {
                copy = copy == null ? new TreeMap<>(gangs) : copy;
                Set<String> pods = new LinkedHashSet<>(w.podUids());
                pods.remove(podUid);
                copy.put(w.key(), new Gang(w.spec(), w.since(), w.lastAttempt(), w.reason(), pods, w.lastNudge(),
                        w.checkedVersion(), w.checkedReservations()));
            }
        }
        return copy == null ? this : new WaitingGangs(copy);
    }

    /**
     * The retry-nudge rule at {@code now}: forgets gangs without a waiting pod or without an attempt for
     * {@link #FORGET_AFTER}; of the rest, a gang is due for a check unless it holds a reservation, or neither the
     * cluster ({@code clusterVersion}) nor the reservations changed since its last check, or it was nudged less than
     * {@code retryMinInterval} ago. Due gangs are marked checked against this version and these reservations.
     */
    public RetryCheck dueForRetry(Instant now, long clusterVersion, Reservations reservations, Duration retryMinInterval) {
        TreeMap<GangKey, Gang> next = new TreeMap<>(gangs);
        List<Gang> due = new ArrayList<>();
        for (Gang w : gangs.values()) {
            if (!now.isBefore(w.lastAttempt().plus(FORGET_AFTER)) || w.podUids().isEmpty()) {
                next.remove(w.key());
                continue;
            }
            boolean unchanged = w.checkedVersion() == clusterVersion && w.checkedReservations() == reservations;
            boolean nudgedRecently = w.lastNudge() != null && now.isBefore(w.lastNudge().plus(retryMinInterval));
            if (reservations.get(w.key()) != null || unchanged || nudgedRecently) {
                continue;
            }
            Gang checked = new Gang(w.spec(), w.since(), w.lastAttempt(), w.reason(), w.podUids(), w.lastNudge(),
                    clusterVersion, reservations);
            next.put(w.key(), checked);
            due.add(checked);
        }
        return new RetryCheck(next.equals(gangs) ? this : new WaitingGangs(next), due);
    }

    /** The gang's waiting pods were nudged now. */
    public WaitingGangs nudged(GangKey gang, Instant now) {
        Gang w = gangs.get(gang);
        if (w == null) {
            return this;
        }
        return with(gang, new Gang(w.spec(), w.since(), w.lastAttempt(), w.reason(), w.podUids(), now,
                w.checkedVersion(), w.checkedReservations()));
    }

    private WaitingGangs with(GangKey key, Gang gang) {
        TreeMap<GangKey, Gang> copy = new TreeMap<>(gangs);
        copy.put(key, gang);
        return new WaitingGangs(copy);
    }

    private WaitingGangs without(GangKey gang) {
        if (!gangs.containsKey(gang)) {
            return this;
        }
        TreeMap<GangKey, Gang> copy = new TreeMap<>(gangs);
        copy.remove(gang);
        return new WaitingGangs(copy);
    }

    @Override
    public String toString() {
        return "WaitingGangs" + gangs.keySet();
    }
}
