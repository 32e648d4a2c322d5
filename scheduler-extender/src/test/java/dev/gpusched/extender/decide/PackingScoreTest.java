package dev.gpusched.extender.decide;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link PackingScore}: 100 x milli-GPU in use after the placement / the node's milli-GPU, rounded down; spread
 * mirrors it.
 */
class PackingScoreTest {
  private final PackingScore packing = new PackingScore();

  @Test
  void theFullerTheNodeAfterThePlacementTheHigher() {
    // 3 of 8 held, the pod takes 1: 4,000 of 8,000 milli-GPU in use
    assertThat(packing.score(Demands.whole(1).build(), Nodes.node("n", 8).whole(0, 1, 2).build())).isEqualTo(50);
    // 3 held and 250 of a share, the pod takes 2: 5,250 of 8,000, 65.6 rounded down
    assertThat(packing.score(Demands.whole(2).build(), Nodes.node("n", 8).whole(0, 1, 2).share(3, 250).build()))
        .isEqualTo(65);
    // a share counts its milli-GPU: 1,000 + 300 of 4,000
    assertThat(packing.score(Demands.share(300).build(), Nodes.node("n", 4).whole(0).build())).isEqualTo(32);
    assertThat(packing.score(Demands.whole(8).build(), Nodes.node("n", 8).build())).isEqualTo(100);
  }

  @Test
  void spreadMirrorsAndANodeWithoutGpusScoresZero() {
    assertThat(packing.score(Demands.whole(2).spread().build(), Nodes.node("n", 8).whole(0, 1, 2).share(3, 250).build()))
        .isEqualTo(35);
    assertThat(packing.score(Demands.whole(1).build(), Nodes.node("cpu", 0).build())).isZero();
  }
}
