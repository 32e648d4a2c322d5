package dev.gpusched.extender.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeStateBuilderTest {
  private static final NodeInfo EIGHT = NodeInfo.withTopology("n", 8, "H100", 0, Map.of(), Map.of(), false, null);

  private static PodRecord pod(String name, int gpus, int milli, List<Integer> ids, String created) {
    return new PodRecord("uid-" + name, "ns", name, "n", gpus, milli, 0, ids, false, created, null);
  }

  @Test
  void recordedClaimsWinOverInferredOnesWhateverTheOrder() {
    // The foreign pod is older, but it must not displace the recorded claim on GPUs 0 and 1.
    NodeGpuState s = NodeStateBuilder.build(EIGHT,
        List.of(pod("foreign", 2, 0, null, "2026-01-01T00:00:00Z"), pod("mine", 2, 0, List.of(0, 1), "2026-02-01T00:00:00Z")),
        List.of());
    assertThat(s.holdersOf(0)).containsExactly("ns/mine");
    assertThat(s.holdersOf(2)).containsExactly("ns/foreign");
    assertThat(s.freeWholeCount()).isEqualTo(4);
    assertThat(s.conflicts()).isEmpty();
  }

  @Test
  void doubleBookingIsReportedNotHidden() {
    NodeGpuState s = NodeStateBuilder.build(EIGHT,
        List.of(pod("a", 2, 0, List.of(0, 1), "1"), pod("b", 2, 0, List.of(1, 2), "2")), List.of());
    assertThat(s.conflicts()).singleElement().asString().contains("double-booked").contains("ns/a").contains("ns/b");
  }

  @Test
  void sharesAccumulateOnOneGpuAndWholePodsAvoidIt() {
    NodeGpuState s = NodeStateBuilder.build(EIGHT,
        List.of(pod("s1", 0, 600, List.of(3), "1"), pod("s2", 0, 300, List.of(3), "2")), List.of());
    assertThat(s.milliUsed(3)).isEqualTo(900);
    assertThat(s.sharedMask()).isEqualTo(1L << 3);
    assertThat(s.freeWholeCount()).isEqualTo(7);
    assertThat(s.freeWholeMask() & (1L << 3)).isZero();
  }

  @Test
  void recordOutOfRangeIsAConflictAndStillCounted() {
    NodeGpuState s = NodeStateBuilder.build(EIGHT, List.of(pod("x", 1, 0, List.of(9), "1")), List.of());
    assertThat(s.conflicts()).singleElement().asString().contains("records GPU 9 but the node has 8 GPUs");
    assertThat(s.freeWholeCount()).isEqualTo(7);
  }

  @Test
  void withoutRemovesTheVictimsHolds() {
    NodeGpuState s = NodeStateBuilder.build(EIGHT,
        List.of(pod("a", 4, 0, List.of(0, 1, 2, 3), "1"), pod("b", 0, 500, List.of(4), "2")), List.of());
    NodeGpuState after = s.without(java.util.Set.of("uid-a", "uid-b"));
    assertThat(after.freeWholeCount()).isEqualTo(8);
    assertThat(s.freeWholeCount()).isEqualTo(3);
  }
}
