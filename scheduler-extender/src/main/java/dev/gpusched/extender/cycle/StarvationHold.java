package dev.gpusched.extender.cycle;

import dev.gpusched.gang.StarvationGuard;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** Nodes a starving gang holds take no pod outside that gang (gang-scheduling's bounded-wait rule). */
public final class StarvationHold implements CandidateFilter {
  private final Supplier<Set<String>> heldNodes;

  /** @param heldNodes the nodes held against pods outside every gang now (empty almost always; read without a lock) */
  public StarvationHold(Supplier<Set<String>> heldNodes) {
    this.heldNodes = heldNodes;
  }

  @Override
  public String name() {
    return "gang_hold";
  }

  @Override
  public int apply(List<String> names, boolean[] passed, String[] reasons) {
    Set<String> held = heldNodes.get();
    if (held.isEmpty()) {
      return 0;
    }
    int failed = 0;
    for (int i = 0; i < passed.length; i++) {
      if (passed[i] && held.contains(names.get(i))) {
        passed[i] = false;
        reasons[i] = StarvationGuard.HELD_AGAINST_OTHERS;
        failed++;
      }
    }
    return failed;
  }
}
