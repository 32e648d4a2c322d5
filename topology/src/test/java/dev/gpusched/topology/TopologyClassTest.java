package dev.gpusched.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TopologyClassTest {
    private static final long ALL8 = 0xFF;

    static Iterable<String> fixtures() {
        return Fixtures.names();
    }

    static long mask(int... gpus) {
        long m = 0;
        for (int g : gpus) {
            m |= 1L << g;
        }
        return m;
    }

    @Test
    void cubeMeshBestFourIsOneFullyConnectedQuad() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("dgx1-v100-cube-mesh.txt"));
        for (IntraNodePolicy p : new IntraNodePolicy[] {IntraNodePolicy.PREFER_NVLINK, IntraNodePolicy.NVLINK,
                IntraNodePolicy.NUMA}) {
            assertThat(cls.choose(ALL8, 4, p)).as(p.name()).isIn(mask(0, 1, 2, 3), mask(4, 5, 6, 7));
        }
        assertThat(cls.choose(ALL8 & ~mask(1), 4, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(4, 5, 6, 7));
        assertThat(cls.choose(ALL8 & ~mask(6), 4, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(0, 1, 2, 3));
        assertThat(cls.quality(ALL8, 4, IntraNodePolicy.PREFER_NVLINK)).isGreaterThanOrEqualTo(51);
    }

    @Test
    void pciePairsTwoGpuRequestGetsABridgedPair() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("pcie-a100-nvlink-pairs.txt"));
        assertThat(cls.choose(ALL8, 2, IntraNodePolicy.PREFER_NVLINK)).isIn(mask(0, 1), mask(2, 3), mask(4, 5), mask(6, 7));
        // Free: half of pair {0,1}, half of pair {2,3}, the whole pair {6,7}.
        assertThat(cls.choose(mask(0, 2, 6, 7), 2, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(6, 7));
        assertThat(cls.choose(mask(0, 2, 6, 7), 2, IntraNodePolicy.NVLINK)).isEqualTo(mask(6, 7));
    }

    @Test
    void pciePairsOneGpuRequestTakesTheHalfPairNotTheWholePair() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("pcie-a100-nvlink-pairs.txt"));
        for (IntraNodePolicy p : IntraNodePolicy.values()) {
            assertThat(cls.choose(mask(0, 1, 2), 1, p)).as(p.name()).isEqualTo(mask(2));
            assertThat(cls.choose(mask(3, 4, 5), 1, p)).as(p.name()).isEqualTo(mask(3));
            assertThat(cls.choose(mask(1, 6, 7), 1, p)).as(p.name()).isEqualTo(mask(1));
        }
        // Across nodes: a node that can give a lone GPU scores above one where the request must break a pair.
        int lone = cls.quality(mask(0, 1, 2), 1, IntraNodePolicy.PREFER_NVLINK);
        int breaksPair = cls.quality(mask(0, 1, 2, 3), 1, IntraNodePolicy.PREFER_NVLINK);
        assertThat(lone).isEqualTo(100);
        assertThat(breaksPair).isLessThan(lone);
    }

    @Test
    void nvlinkRequiredFiltersWithAReason() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("pcie-a100-nvlink-pairs.txt"));
        assertThat(cls.choose(mask(1, 4), 2, IntraNodePolicy.NVLINK)).isZero();
        assertThat(cls.quality(mask(1, 4), 2, IntraNodePolicy.NVLINK)).isEqualTo(-1);
        assertThat(cls.reasonImpossible(mask(1, 4), 2, IntraNodePolicy.NVLINK))
                .isEqualTo("needs 2 NVLink-connected GPUs; free GPUs 1,4 share no NVLink");
        assertThat(cls.reasonImpossible(mask(0, 1, 4), 3, IntraNodePolicy.NVLINK))
                .isEqualTo("needs 3 NVLink-connected GPUs; free GPUs 0,1,4: the largest NVLink-connected set among them"
                        + " is 0,1 (2 GPUs)");
        assertThat(cls.reasonImpossible(mask(1, 4), 3, IntraNodePolicy.ANY)).isEqualTo("needs 3 GPUs; only 2 free (GPUs 1,4)");
        assertThat(cls.reasonImpossible(mask(0, 1), 2, IntraNodePolicy.NVLINK)).isNull();
        // Without NVLink required, the same node is still usable.
        assertThat(cls.choose(mask(1, 4), 2, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(1, 4));
        assertThat(cls.quality(mask(1, 4), 2, IntraNodePolicy.PREFER_NVLINK)).isBetween(1, 50);
    }

    @Test
    void numaRequiredFiltersWithAReason() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("pcie-l40s-4gpu.txt"));
        assertThat(cls.choose(mask(1, 2), 2, IntraNodePolicy.NUMA)).isZero();
        assertThat(cls.reasonImpossible(mask(1, 2), 2, IntraNodePolicy.NUMA))
                .isEqualTo("needs 2 GPUs on one known NUMA node; free GPUs by NUMA node: node 0: 1; node 1: 2");
        assertThat(cls.choose(mask(1, 2, 3), 2, IntraNodePolicy.NUMA)).isEqualTo(mask(2, 3));
        TopologyClass unknown = TopologyClass.of(GpuTopologies.flatPcie(4));
        assertThat(unknown.choose(0xF, 2, IntraNodePolicy.NUMA)).isZero();
        assertThat(unknown.reasonImpossible(0xF, 2, IntraNodePolicy.NUMA)).endsWith("unknown: 0,1,2,3");
        assertThat(unknown.choose(0xF, 1, IntraNodePolicy.NUMA)).isEqualTo(mask(0));
    }

    @Test
    void outOfRangeRequestsAreImpossibleNotErrors() {
        TopologyClass cls = TopologyClass.of(Fixtures.topology("gb200-tray.txt"));
        assertThat(cls.choose(0xF, 0, IntraNodePolicy.ANY)).isZero();
        assertThat(cls.quality(0xF, 5, IntraNodePolicy.ANY)).isEqualTo(-1);
        assertThat(cls.reasonImpossible(0xF, 5, IntraNodePolicy.ANY)).isEqualTo("needs 5 GPUs; the node has 4");
        assertThat(cls.choose(0xF0 | 0x3, 2, IntraNodePolicy.ANY)).as("bits above the GPU count are ignored")
                .isEqualTo(mask(0, 1));
        assertThat(cls.reasonImpossible(0, 1, IntraNodePolicy.ANY)).isEqualTo("needs 1 GPUs; only 0 free");
    }

    @Test
    void equalTopologiesShareOneInternedClassWithAStableId() {
        TopologyClass a = TopologyClass.of(Fixtures.topology("dgx-h100.txt"));
        TopologyClass b = TopologyClass.of(GpuTopologies.nvSwitch(8, 18, 2));
        assertThat(b).isSameAs(a);
        assertThat(a.id()).matches("gpu8-[0-9a-f]{8}");
        assertThat(TopologyClass.of(Fixtures.topology("dgx-a100.txt")).id()).isNotEqualTo(a.id());
    }

    @Test
    void concurrentFirstLookupsBuildOneConsistentTable() throws Exception {
        GpuTopology t = GpuTopologies.fromAnnotation("gpus=10;numa=0x5,1x5;default=SYS;NV6=0-1,2-3,4-5,6-7,8-9");
        TopologyClass cls = TopologyClass.of(t);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                results.add(pool.submit(() -> {
                    long[] out = new long[1 << 10];
                    for (int free = 0; free < out.length; free++) {
                        out[free] = cls.choose(free, 3, IntraNodePolicy.PREFER_NVLINK) << 8
                                | (cls.quality(free, 3, IntraNodePolicy.PREFER_NVLINK) & 0xFF);
                    }
                    return out;
                }));
            }
            long[] first = results.get(0).get();
            for (Future<long[]> r : results) {
                assertThat(r.get()).isEqualTo(first);
            }
        } finally {
            pool.shutdown();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void nvlinkConnectedSetsAlwaysScoreAboveOthersUnderPreferNvlink(String name) {
        GpuTopology t = Fixtures.topology(name);
        TopologyClass cls = TopologyClass.of(t);
        for (long free = 0; free <= t.allGpusMask(); free++) {
            for (int k = 2; k <= Long.bitCount(free); k++) {
                long chosen = cls.choose(free, k, IntraNodePolicy.PREFER_NVLINK);
                int q = cls.quality(free, k, IntraNodePolicy.PREFER_NVLINK);
                if (PlacementMetrics.allNvlink(t, chosen)) {
                    assertThat(q).isBetween(51, 100);
                } else {
                    assertThat(q).isBetween(1, 50);
                }
            }
        }
    }

    /** A 1-GPU pod never breaks an NVLink pair while some free GPU has no free NVLink partner (device plugin #546, #1193). */
    @ParameterizedTest
    @MethodSource("fixtures")
    void oneGpuPodNeverBreaksAnNvlinkPairWhileALoneGpuIsFree(String name) {
        GpuTopology t = Fixtures.topology(name);
        TopologyClass cls = TopologyClass.of(t);
        int checked = 0;
        for (long free = 1; free <= t.allGpusMask(); free++) {
            boolean loneFree = false;
            for (long a = free; a != 0; a &= a - 1) {
                loneFree |= nvlinkPartners(t, Long.numberOfTrailingZeros(a), free) == 0;
            }
            if (!loneFree) {
                continue;
            }
            for (IntraNodePolicy p : IntraNodePolicy.values()) {
                int c = Long.numberOfTrailingZeros(cls.choose(free, 1, p));
                for (long partners = nvlinkPartners(t, c, free); partners != 0; partners &= partners - 1) {
                    int b = Long.numberOfTrailingZeros(partners);
                    assertThat(Long.bitCount(nvlinkPartners(t, b, free)))
                            .as("%s %s free=%s: GPU%d was the only free NVLink partner of GPU%d", name, p,
                                    TopologyClass.gpuList(free), c, b)
                            .isGreaterThan(1);
                }
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }

    private static long nvlinkPartners(GpuTopology t, int gpu, long free) {
        long partners = 0;
        for (long a = free & ~(1L << gpu); a != 0; a &= a - 1) {
            int b = Long.numberOfTrailingZeros(a);
            if (t.isNvlink(gpu, b)) {
                partners |= 1L << b;
            }
        }
        return partners;
    }

    /**
     * The tables agree with brute force: for every fixture (all 8-GPU ones included), every policy, every free mask and
     * every k, enumerate every k-subset, rank it with the plain-loop reference measures and compare.
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void tablesAgreeWithBruteForceForEveryMaskKAndPolicy(String name) {
        GpuTopology t = Fixtures.topology(name);
        TopologyClass cls = TopologyClass.of(t);
        cls.precomputeAll();
        int n = t.gpuCount();
        int maxW = PlacementMetrics.maxLinkWeight(t);
        int checked = 0;
        for (IntraNodePolicy policy : IntraNodePolicy.values()) {
            for (int k = 1; k <= n; k++) {
                int minSpan = PlacementMetrics.minNumaSpan(t, k);
                for (long free = 0; free < (1L << n); free++) {
                    long best = 0;
                    long bestFirst = Long.MIN_VALUE;
                    long bestSecond = Long.MIN_VALUE;
                    for (long c = 1; c < (1L << n); c++) {
                        if ((c & ~free) != 0 || Long.bitCount(c) != k || !PlacementMetrics.allowed(t, c, policy)) {
                            continue;
                        }
                        long inter = PlacementMetrics.interconnectKey(t, c);
                        long frag = PlacementMetrics.fragmentationKey(t, c, free);
                        long first = policy == IntraNodePolicy.ANY ? frag : inter;
                        long second = policy == IntraNodePolicy.ANY ? inter : frag;
                        if (first > bestFirst || (first == bestFirst && second > bestSecond)) {
                            best = c;
                            bestFirst = first;
                            bestSecond = second;
                        }
                    }
                    int expectedQuality = best == 0 ? -1 : PlacementMetrics.quality(t, best, free, policy, minSpan, maxW);
                    assertThat(cls.choose(free, k, policy)).as("%s %s k=%d free=%s", name, policy, k,
                            Long.toBinaryString(free)).isEqualTo(best);
                    assertThat(cls.quality(free, k, policy)).as("%s %s k=%d free=%s", name, policy, k,
                            Long.toBinaryString(free)).isEqualTo(expectedQuality);
                    assertThat(cls.reasonImpossible(free, k, policy) == null).isEqualTo(best != 0);
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(4 * n << n);
    }

    @Test
    void referenceMeasuresOnThePciePairs() {
        GpuTopology t = Fixtures.topology("pcie-a100-nvlink-pairs.txt");
        // Taking GPU0 out of {0,1,2} costs GPU1 its NVLink partner: best link 120 (NV12) -> 2 (NODE).
        assertThat(PlacementMetrics.damage(t, mask(0), mask(0, 1, 2))).isEqualTo(118);
        assertThat(PlacementMetrics.damage(t, mask(2), mask(0, 1, 2))).isZero();
        assertThat(PlacementMetrics.weakest(t, mask(0, 1, 2))).isEqualTo(2);
        assertThat(PlacementMetrics.total(t, mask(0, 1, 2))).isEqualTo(124);
        assertThat(PlacementMetrics.numaSpan(t, mask(0, 4, 5))).isEqualTo(2);
        assertThat(PlacementMetrics.minNumaSpan(t, 5)).isEqualTo(2);
        // NVSwitch: taking a GPU out damages nothing.
        GpuTopology sw = GpuTopologies.nvSwitch(8, 18, 2);
        assertThat(PlacementMetrics.damage(sw, mask(3), ALL8)).isZero();
    }

    @Test
    void greedyAboveSixteenGpusStillPrefersNvlinkAndSparesPairs() {
        StringBuilder pairs = new StringBuilder("gpus=20;numa=0x10,1x10;default=SYS;NV12=");
        for (int g = 0; g < 20; g += 2) {
            pairs.append(g == 0 ? "" : ",").append(g).append('-').append(g + 1);
        }
        TopologyClass cls = TopologyClass.of(GpuTopologies.fromAnnotation(pairs.toString()));
        long all = (1L << 20) - 1;
        assertThat(cls.choose(all, 2, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(0, 1));
        assertThat(cls.choose(mask(0, 1, 5), 1, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(mask(5));
        assertThat(cls.quality(mask(0, 1, 5), 1, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(100);
        assertThat(cls.choose(mask(1, 2, 5), 2, IntraNodePolicy.NVLINK)).isZero();
        assertThat(cls.reasonImpossible(mask(1, 2, 5), 2, IntraNodePolicy.NVLINK))
                .isEqualTo("needs 2 NVLink-connected GPUs; free GPUs 1,2,5 share no NVLink");
        TopologyClass sw = TopologyClass.of(GpuTopologies.nvSwitch(32, 18, 2));
        long all32 = (1L << 32) - 1;
        assertThat(Long.bitCount(sw.choose(all32, 8, IntraNodePolicy.NVLINK))).isEqualTo(8);
        assertThat(sw.quality(all32, 8, IntraNodePolicy.PREFER_NVLINK)).isEqualTo(100);
    }

    /** {@code lookup} gives exactly {@code choose} and {@code quality}, for every fixture, k (out of range too), policy and mask. */
    @ParameterizedTest
    @MethodSource("fixtures")
    void lookupIsChooseAndQualityInOne(String name) {
        TopologyClass cls = TopologyClass.of(Fixtures.topology(name));
        int n = cls.topology().gpuCount();
        assertThat(cls.tabled()).isTrue();
        for (IntraNodePolicy policy : IntraNodePolicy.values()) {
            for (int k = -1; k <= n + 1; k++) {
                for (long free = 0; free < (1L << n); free++) {
                    long asked = free | (free << n); // bits above the GPU count are ignored
                    int lookup = cls.lookup(asked, k, policy);
                    assertThat(TopologyClass.chosenOf(lookup)).isEqualTo(cls.choose(asked, k, policy));
                    assertThat(TopologyClass.qualityOf(lookup)).isEqualTo(cls.quality(asked, k, policy));
                }
            }
        }
        assertThat(cls.lookup(0, 0, IntraNodePolicy.ANY)).isEqualTo(TopologyClass.IMPOSSIBLE);
    }

    @Test
    void lookupAboveSixteenGpusSaysToCallChooseAndQuality() {
        TopologyClass sw = TopologyClass.of(GpuTopologies.nvSwitch(32, 18, 2));
        assertThat(sw.tabled()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sw.lookup(1, 1, IntraNodePolicy.ANY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call choose and quality");
    }
}
