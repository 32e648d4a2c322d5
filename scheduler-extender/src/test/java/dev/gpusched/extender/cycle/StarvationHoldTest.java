package dev.gpusched.extender.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.gang.StarvationGuard;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The starvation hold as a filter step: held nodes fail the pods outside gangs that would otherwise pass there. */
class StarvationHoldTest {
  private static final List<String> NAMES = List.of("n1", "n2", "n3");

  @Test
  void aHeldNodeThatPassedFailsWithTheHoldsReasonAndOthersKeepTheirVerdicts() {
    boolean[] passed = {true, true, false};
    String[] reasons = {null, null, "needs 8 GPUs, 2 free"};

    int failed = new StarvationHold(() -> Set.of("n2", "n3")).apply(NAMES, passed, reasons);

    assertThat(failed).isEqualTo(1);
    assertThat(passed).containsExactly(true, false, false);
    assertThat(reasons).containsExactly(null, StarvationGuard.HELD_AGAINST_OTHERS, "needs 8 GPUs, 2 free");
  }

  @Test
  void withoutAHoldNothingChanges() {
    boolean[] passed = {true, true, true};
    String[] reasons = new String[3];
    assertThat(new StarvationHold(Set::of).apply(NAMES, passed, reasons)).isZero();
    assertThat(passed).containsOnly(true);
    assertThat(new StarvationHold(Set::of).name()).isEqualTo("gang_hold");
  }
}
