package dev.gpusched.gang;

import static dev.gpusched.gang.TestClusters.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The waiting gangs and the retry-nudge rule, on hand-made times and versions. */
class WaitingGangsTest {
    private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final GangSpec A = spec("a", 2, null);
    private static final GangSpec B = spec("b", 2, null);

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void aGangWaitsFromItsFirstRefusalWithItsLatestReasonAndEveryPodRefused() {
        WaitingGangs w = WaitingGangs.NONE.refused(A, "a0", "no room", at(0)).refused(A, "a1", "still no room", at(7));
        WaitingGangs.Gang a = w.get(A.key());
        assertThat(a.since()).isEqualTo(at(0));
        assertThat(a.lastAttempt()).isEqualTo(at(7));
        assertThat(a.reason()).isEqualTo("still no room");
        assertThat(a.podUids()).containsExactly("a0", "a1");
        assertThat(w.placed(A.key()).get(A.key())).isNull();
        assertThat(w.podGone("a0").get(A.key()).podUids()).containsExactly("a1");
        assertThat(w.gangGone(A.key()).size()).isZero();
        assertThat(WaitingGangs.NONE.podGone("a0")).isSameAs(WaitingGangs.NONE);
    }

    @Test
    void aGangIsDueOnceForEachChangeOfTheClusterOrTheReservations() {
        WaitingGangs w = WaitingGangs.NONE.refused(A, "a0", "no room", at(0));
        Reservations r1 = Reservations.EMPTY;
        WaitingGangs.RetryCheck first = w.dueForRetry(at(1), 10, r1, RETRY);
        assertThat(first.due()).extracting(WaitingGangs.Gang::key).containsExactly(A.key());
        assertThat(first.next().get(A.key()).checkedVersion()).isEqualTo(10);
        // nothing changed: not due again
        assertThat(first.next().dueForRetry(at(2), 10, r1, RETRY).due()).isEmpty();
        // the cluster changed (version 11): due again
        assertThat(first.next().dueForRetry(at(2), 11, r1, RETRY).due()).hasSize(1);
        // the reservations changed (a new value, even with the same content): due again
        Reservations r2 = Reservations.EMPTY.without(B.key()).with(reservationOf(B)).without(B.key());
        assertThat(r2).isNotSameAs(r1);
        assertThat(first.next().dueForRetry(at(2), 10, r2, RETRY).due()).hasSize(1);
    }

    @Test
    void aGangNudgedLessThanTheRetryIntervalAgoWaitsForTheIntervalToPass() {
        WaitingGangs w = WaitingGangs.NONE.refused(A, "a0", "no room", at(0)).nudged(A.key(), at(10));
        assertThat(w.dueForRetry(at(14), 1, Reservations.EMPTY, RETRY).due()).isEmpty();
        assertThat(w.dueForRetry(at(15), 1, Reservations.EMPTY, RETRY).due()).hasSize(1);
    }

    @Test
    void aGangHoldingAReservationIsNotNudged() {
        WaitingGangs w = WaitingGangs.NONE.refused(B, "b0", "no room", at(0));
        Reservations withB = Reservations.EMPTY.with(reservationOf(B));
        assertThat(w.dueForRetry(at(1), 1, withB, RETRY).due()).isEmpty();
    }

    @Test
    void aGangIsForgottenFiveMinutesAfterItsLastAttemptOrWhenNoPodOfItWaits() {
        WaitingGangs w = WaitingGangs.NONE.refused(A, "a0", "no room", at(0)).refused(B, "b0", "no room", at(100));
        WaitingGangs.RetryCheck check = w.dueForRetry(at(300), 1, Reservations.EMPTY, RETRY);
        assertThat(check.next().get(A.key())).isNull(); // last attempt at 0 s: 300 s is its forget bound
        assertThat(check.due()).extracting(WaitingGangs.Gang::key).containsExactly(B.key());
        WaitingGangs noPods = w.podGone("b0");
        assertThat(noPods.dueForRetry(at(1), 1, Reservations.EMPTY, RETRY).next().get(B.key())).isNull();
    }

    private static GangReservation reservationOf(GangSpec spec) {
        Plan.Planned plan = new Plan.Planned("cluster", "cluster", java.util.List.of(
                new MemberPlacement(0, 0, "node-0", 0x0FL, new MemberDemand(4, "")),
                new MemberPlacement(1, 0, "node-0", 0xF0L, new MemberDemand(4, ""))));
        return GangReservation.of(spec, plan, at(0));
    }
}
