package dev.gpusched.extender.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.dcgm.GroundTruth.Disagreement;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroundTruthTest {

  @Test
  void agreementGivesNoDisagreementAndTheRecordedHolders() {
    Map<Integer, Set<String>> both = Map.of(2, Set.of("ml/a"), 3, Set.of("ml/b"));
    GroundTruth.Result r = GroundTruth.compare("n", both, both);
    assertThat(r.disagreements()).isEmpty();
    assertThat(r.holders()).isEqualTo(both);
  }

  @Test
  void swappedGpusAreTwoDisagreementsAndObservationWins() {
    GroundTruth.Result r = GroundTruth.compare("gpu-node-b",
        Map.of(2, Set.of("ml/b"), 3, Set.of("ml/a")),
        Map.of(2, Set.of("ml/a"), 3, Set.of("ml/b")));
    assertThat(r.disagreements()).containsExactly(
        new Disagreement("gpu-node-b", 2, Set.of("ml/b"), Set.of("ml/a")),
        new Disagreement("gpu-node-b", 3, Set.of("ml/a"), Set.of("ml/b")));
    assertThat(r.holders()).isEqualTo(Map.of(2, Set.of("ml/a"), 3, Set.of("ml/b")));
    assertThat(r.disagreements().get(0).describe())
        .isEqualTo("gpu-node-b GPU 2: gpusched recorded [ml/b], dcgm-exporter observes [ml/a]");
  }

  @Test
  void podRecordedOnOneGpuButSeenOnAnotherMovesThere() {
    GroundTruth.Result r = GroundTruth.compare("n", Map.of(1, Set.of("ml/a")), Map.of(4, Set.of("ml/a")));
    assertThat(r.disagreements()).extracting(Disagreement::gpu).containsExactly(1, 4);
    assertThat(r.disagreements().get(0).observedPods()).isEmpty();
    assertThat(r.holders()).isEqualTo(Map.of(4, Set.of("ml/a")));
  }

  @Test
  void podUnknownToTheLedgerIsADisagreementAndIsAccounted() {
    GroundTruth.Result r = GroundTruth.compare("n", Map.of(), Map.of(0, Set.of("other/squatter")));
    assertThat(r.disagreements()).singleElement()
        .satisfies(d -> assertThat(d.recordedPods()).isEmpty());
    assertThat(r.holders()).isEqualTo(Map.of(0, Set.of("other/squatter")));
  }

  @Test
  void recordedPodDcgmDoesNotSeeYetIsKeptAndNotFlagged() {
    GroundTruth.Result r = GroundTruth.compare("n",
        Map.of(5, Set.of("ml/starting"), 2, Set.of("ml/a")),
        Map.of(2, Set.of("ml/a")));
    assertThat(r.disagreements()).isEmpty();
    assertThat(r.holders()).isEqualTo(Map.of(2, Set.of("ml/a"), 5, Set.of("ml/starting")));
  }

  @Test
  void sharedGpuWithAnExtraObservedPodDisagreesButKeepsBoth() {
    GroundTruth.Result r = GroundTruth.compare("n",
        Map.of(0, Set.of("ml/a", "ml/b")), Map.of(0, Set.of("ml/a")));
    // ml/b is not seen anywhere on the node: kept as recorded, not flagged.
    assertThat(r.disagreements()).isEmpty();
    assertThat(r.holders().get(0)).containsExactly("ml/a", "ml/b");
  }
}
