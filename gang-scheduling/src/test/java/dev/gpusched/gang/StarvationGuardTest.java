package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StarvationGuardTest {
    private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");
    private static final GangKey OLD = new GangKey("ml", "old");
    private static final GangKey YOUNG = new GangKey("ml", "young");

    private final StarvationGuard empty =
            StarvationGuard.create(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5));

    @Test
    void onlyTheOldestWaiterGetsAHoldAndOnlyAfterTheWait() {
        StarvationGuard g = empty.planFailed(OLD, T0).planFailed(YOUNG, T0.plusSeconds(10));
        assertThat(g.shouldHold(OLD, T0.plusSeconds(59))).isFalse();
        assertThat(g.shouldHold(OLD, T0.plusSeconds(60))).isTrue();
        assertThat(g.shouldHold(YOUNG, T0.plusSeconds(100))).isFalse();
        g = g.withHold(OLD, List.of("n1", "n2"), T0.plusSeconds(60));
        assertThat(g.nodesHeldAgainst(null)).containsExactlyInAnyOrder("n1", "n2");
        assertThat(g.nodesHeldAgainst(YOUNG)).containsExactlyInAnyOrder("n1", "n2");
        assertThat(g.nodesHeldAgainst(OLD)).isEmpty();
        assertThat(g.shouldHold(YOUNG, T0.plusSeconds(100))).isFalse(); // one hold at a time
        g = g.forget(OLD);                                              // OLD was planned
        assertThat(g.hold()).isNull();
        assertThat(g.shouldHold(YOUNG, T0.plusSeconds(100))).isTrue();
    }

    @Test
    void aHoldEndsAfterMaxHoldAndTheGangGoesToTheBack() {
        StarvationGuard g = empty.planFailed(OLD, T0).planFailed(YOUNG, T0.plusSeconds(10))
                .withHold(OLD, List.of("n1"), T0.plusSeconds(60));
        Instant later = T0.plusSeconds(60).plus(Duration.ofMinutes(15));
        g = g.planFailed(OLD, later.minusSeconds(1)).planFailed(YOUNG, later.minusSeconds(1));
        g = g.sweep(later);
        assertThat(g.hold()).isNull();
        assertThat(g.waiting().get(OLD).since()).isEqualTo(later);
        assertThat(g.shouldHold(YOUNG, later)).isTrue();
        assertThat(g.shouldHold(OLD, later.plusSeconds(120))).isFalse();
    }

    @Test
    void gangsThatStopTryingAreForgotten() {
        StarvationGuard g = empty.planFailed(OLD, T0).withHold(OLD, List.of("n1"), T0.plusSeconds(60));
        g = g.sweep(T0.plus(Duration.ofMinutes(5)));
        assertThat(g.waiting()).isEmpty();
        assertThat(g.hold()).isNull();
    }
}
