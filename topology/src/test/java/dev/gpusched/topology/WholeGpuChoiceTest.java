package dev.gpusched.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WholeGpuChoiceTest {
    private static final TopologyClass NVLINK_PAIRS = TopologyClass.of(Fixtures.topology("pcie-a100-nvlink-pairs.txt"));

    private static long mask(int... gpus) {
        long m = 0;
        for (int g : gpus) {
            m |= 1L << g;
        }
        return m;
    }

    @Test
    void withoutATopologyThePodGetsTheLowestFreeGpus() {
        assertThat(WholeGpuChoice.choose(null, mask(1, 3, 4, 6), 2, IntraNodePolicy.NVLINK)).isEqualTo(mask(1, 3));
        assertThat(WholeGpuChoice.choose(null, mask(5), 1, IntraNodePolicy.ANY)).isEqualTo(mask(5));
        assertThat(WholeGpuChoice.choose(null, mask(63, 0), 2, IntraNodePolicy.ANY)).isEqualTo(mask(0, 63));
    }

    @Test
    void withATopologyThePodGetsItsClassBestSet() {
        // Free: GPU 0 (its partner 1 is taken), GPU 2 (partner 3 taken) and the whole pair 6,7.
        assertThat(WholeGpuChoice.choose(NVLINK_PAIRS, mask(0, 2, 6, 7), 2, IntraNodePolicy.PREFER_NVLINK))
                .isEqualTo(mask(6, 7));
        // One GPU goes to a lone half of a pair, keeping the whole pair whole.
        assertThat(WholeGpuChoice.choose(NVLINK_PAIRS, mask(0, 6, 7), 1, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(0));
    }

    @Test
    void noChoiceWhenTooFewAreFreeOrThePolicyCannotBeMet() {
        assertThat(WholeGpuChoice.choose(null, mask(1, 2), 3, IntraNodePolicy.ANY)).isZero();
        assertThat(WholeGpuChoice.choose(NVLINK_PAIRS, mask(1, 4), 3, IntraNodePolicy.ANY)).isZero();
        // GPUs 1 and 4 share no NVLink: required NVLink fails, preferred NVLink takes them.
        assertThat(WholeGpuChoice.choose(NVLINK_PAIRS, mask(1, 4), 2, IntraNodePolicy.NVLINK)).isZero();
        assertThat(WholeGpuChoice.choose(NVLINK_PAIRS, mask(1, 4), 2, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(1, 4));
        assertThat(WholeGpuChoice.choose(null, mask(1, 4), 0, IntraNodePolicy.ANY)).isZero();
    }
}
