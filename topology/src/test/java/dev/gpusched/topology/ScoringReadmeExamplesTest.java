package dev.gpusched.topology;

import static dev.gpusched.topology.TopologyClassTest.mask;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The worked examples of topology/README-scoring.md, number for number. */
class ScoringReadmeExamplesTest {
    private static final IntraNodePolicy PREFER = IntraNodePolicy.PREFER_NVLINK;

    @Test
    void dgx1Examples() {
        GpuTopology t = Fixtures.topology("dgx1-v100-cube-mesh.txt");
        TopologyClass cls = TopologyClass.of(t);
        assertThat(PlacementMetrics.maxLinkWeight(t)).isEqualTo(20);
        assertThat(cls.choose(0xFF, 4, PREFER)).isEqualTo(mask(0, 1, 2, 3));
        assertThat(PlacementMetrics.weakest(t, mask(0, 1, 2, 3))).isEqualTo(10);
        assertThat(PlacementMetrics.total(t, mask(0, 1, 2, 3))).isEqualTo(90);
        assertThat(PlacementMetrics.weakest(t, mask(0, 1, 4, 5))).isEqualTo(1);
        assertThat(cls.quality(0xFF, 4, PREFER)).isEqualTo(70);

        long free = mask(0, 4, 5, 6, 7);
        assertThat(cls.choose(free, 2, PREFER)).isEqualTo(mask(5, 6));
        assertThat(PlacementMetrics.damage(t, mask(4, 7), free)).isEqualTo(19);
        assertThat(PlacementMetrics.damage(t, mask(6, 7), free)).isEqualTo(10);
        assertThat(PlacementMetrics.damage(t, mask(5, 6), free)).isZero();
        assertThat(cls.quality(free, 2, PREFER)).isEqualTo(80);
        assertThat(PlacementMetrics.quality(t, mask(4, 7), free, PREFER, 1, 20)).isEqualTo(71);

        assertThat(cls.reasonImpossible(mask(0, 1, 5), 3, IntraNodePolicy.NVLINK)).isEqualTo(
                "needs 3 NVLink-connected GPUs; free GPUs 0,1,5: the largest NVLink-connected set among them is 0,1 (2 GPUs)");
        assertThat(cls.quality(mask(0, 1, 5), 3, PREFER)).isEqualTo(10);
    }

    @Test
    void pciePairsExamples() {
        GpuTopology t = Fixtures.topology("pcie-a100-nvlink-pairs.txt");
        TopologyClass cls = TopologyClass.of(t);
        assertThat(PlacementMetrics.maxLinkWeight(t)).isEqualTo(120);
        assertThat(cls.choose(mask(0, 1, 2), 1, PREFER)).isEqualTo(mask(2));
        assertThat(cls.quality(mask(0, 1, 2), 1, PREFER)).isEqualTo(100);
        assertThat(PlacementMetrics.quality(t, mask(0), mask(0, 1, 2), PREFER, 1, 120)).isEqualTo(91);
        assertThat(cls.quality(mask(0, 1, 2, 3), 1, PREFER)).isEqualTo(91);
        assertThat(cls.choose(mask(0, 2, 6, 7), 2, PREFER)).isEqualTo(mask(6, 7));
        assertThat(cls.quality(mask(0, 2, 6, 7), 2, PREFER)).isEqualTo(100);
        assertThat(PlacementMetrics.quality(t, mask(0, 2), mask(0, 2, 6, 7), PREFER, 1, 120)).isEqualTo(20);
        assertThat(cls.quality(mask(1, 4), 2, PREFER)).isEqualTo(10);
        assertThat(cls.reasonImpossible(mask(1, 4), 2, IntraNodePolicy.NVLINK))
                .isEqualTo("needs 2 NVLink-connected GPUs; free GPUs 1,4 share no NVLink");
    }
}
