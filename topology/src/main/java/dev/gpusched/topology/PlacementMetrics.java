package dev.gpusched.topology;

/**
 * The measures that rank a choice of GPUs, computed directly from a {@link GpuTopology} with plain loops (the reference
 * definition; {@link TopologyClass} precomputes the same ranking into tables). All methods are pure and allocation-free.
 *
 * <p>For chosen set S out of free set F, with remainder R = F \ S:
 * <ul>
 *   <li><b>weakest</b>: the smallest {@link GpuTopology#linkWeight link weight} between two GPUs of S
 *       ({@value #NO_LINK_NEEDED} when |S| = 1: no link is needed);</li>
 *   <li><b>total</b>: the sum of link weights over all pairs of S;</li>
 *   <li><b>numaSpan</b>: how many NUMA nodes S touches (unknown counts as one more value);</li>
 *   <li><b>damage</b>: for every GPU b left in R, how much its best link to another free GPU got worse,
 *       {@code sum over b in R of best(b, F) - best(b, R)}: breaking an NVLink pair costs the partner its NVLink,
 *       taking a GPU out of an NVSwitch costs nothing;</li>
 *   <li><b>remainder</b>: the total link weight among the GPUs of R.</li>
 * </ul>
 * Interconnect-first policies rank by (weakest, total, fewer NUMA nodes) and then (less damage, larger remainder);
 * {@link IntraNodePolicy#ANY} ranks the fragmentation pair first. Ties go to the numerically smallest GPU mask.
 */
public final class PlacementMetrics {
    /** The weakest-link value of a single GPU, above any real link weight (which is capped at 1000). */
    public static final int NO_LINK_NEEDED = 1023;

    private PlacementMetrics() {
    }

    /** Smallest link weight among the chosen GPUs; {@link #NO_LINK_NEEDED} for a single GPU, 0 for none. */
    public static int weakest(GpuTopology t, long chosen) {
        if (Long.bitCount(chosen) < 2) {
            return chosen == 0 ? 0 : NO_LINK_NEEDED;
        }
        int weakest = Integer.MAX_VALUE;
        for (long a = chosen; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                weakest = Math.min(weakest, t.linkWeight(i, Long.numberOfTrailingZeros(b)));
            }
        }
        return weakest;
    }

    /** Sum of link weights over all pairs of the set. */
    public static int total(GpuTopology t, long set) {
        int total = 0;
        for (long a = set; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                total += t.linkWeight(i, Long.numberOfTrailingZeros(b));
            }
        }
        return total;
    }

    /** Number of distinct NUMA nodes among the set's GPUs (unknown, -1, counts as one value). */
    public static int numaSpan(GpuTopology t, long set) {
        int span = 0;
        for (long a = set; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            boolean seen = false;
            for (long b = set & ((1L << i) - 1); b != 0 && !seen; b &= b - 1) {
                seen = t.numaNode(Long.numberOfTrailingZeros(b)) == t.numaNode(i);
            }
            if (!seen) {
                span++;
            }
        }
        return span;
    }

    /** True when every pair of the set is NVLink-connected (trivially for 0 or 1 GPU). */
    public static boolean allNvlink(GpuTopology t, long set) {
        for (long a = set; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                if (!t.isNvlink(i, Long.numberOfTrailingZeros(b))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** True when the set has at most one GPU, or all its GPUs are on the same known NUMA node. */
    public static boolean oneKnownNuma(GpuTopology t, long set) {
        if (Long.bitCount(set) < 2) {
            return true;
        }
        int numa = t.numaNode(Long.numberOfTrailingZeros(set));
        if (numa < 0) {
            return false;
        }
        for (long a = set; a != 0; a &= a - 1) {
            if (t.numaNode(Long.numberOfTrailingZeros(a)) != numa) {
                return false;
            }
        }
        return true;
    }

    /** True when the policy's hard requirement (if any) holds for the chosen set. */
    public static boolean allowed(GpuTopology t, long chosen, IntraNodePolicy policy) {
        return switch (policy) {
            case NVLINK -> allNvlink(t, chosen);
            case NUMA -> oneKnownNuma(t, chosen);
            case PREFER_NVLINK, ANY -> true;
        };
    }

    /** Best link weight from GPU b to another GPU of the set (0 when there is none). */
    public static int bestLink(GpuTopology t, int b, long set) {
        int best = 0;
        for (long a = set & ~(1L << b); a != 0; a &= a - 1) {
            best = Math.max(best, t.linkWeight(b, Long.numberOfTrailingZeros(a)));
        }
        return best;
    }

    /** How much the remaining free GPUs' best links get worse when {@code chosen} is taken out of {@code free}. */
    public static int damage(GpuTopology t, long chosen, long free) {
        long rest = free & ~chosen;
        int damage = 0;
        for (long a = rest; a != 0; a &= a - 1) {
            int b = Long.numberOfTrailingZeros(a);
            damage += bestLink(t, b, free) - bestLink(t, b, rest);
        }
        return damage;
    }

    /** Interconnect part of the ranking key: weakest, then total, then fewer NUMA nodes; higher is better. */
    public static long interconnectKey(int weakest, int total, int numaSpan) {
        return ((long) weakest << 28) | ((long) total << 7) | (127 - numaSpan);
    }

    /** Fragmentation part of the ranking key: less damage, then a better-connected remainder; higher is better. */
    public static long fragmentationKey(int damage, int remainder) {
        return ((long) ((1 << 20) - 1 - damage) << 22) | remainder;
    }

    /** Interconnect key of {@code chosen}, from plain loops. */
    public static long interconnectKey(GpuTopology t, long chosen) {
        return interconnectKey(weakest(t, chosen), total(t, chosen), numaSpan(t, chosen));
    }

    /** Fragmentation key of taking {@code chosen} out of {@code free}, from plain loops. */
    public static long fragmentationKey(GpuTopology t, long chosen, long free) {
        return fragmentationKey(damage(t, chosen, free), total(t, free & ~chosen));
    }

    /**
     * The topology score 0..100 of taking {@code chosen} out of {@code free} under the policy (see
     * topology/README-scoring.md): {@code 10*(grade-1) + 1 + leftover} for the interconnect-first policies and
     * {@code 10*leftover + grade} for {@link IntraNodePolicy#ANY}, where grade is 1..10 and leftover is 0..9.
     *
     * @param minNumaSpan the fewest NUMA nodes any set of this size can span on this topology
     */
    public static int quality(GpuTopology t, long chosen, long free, IntraNodePolicy policy, int minNumaSpan,
                              int maxLinkWeight) {
        int grade = interconnectGrade(t, chosen, minNumaSpan);
        int leftover = leftover(damage(t, chosen, free), maxLinkWeight);
        return policy == IntraNodePolicy.ANY ? 10 * leftover + grade : 10 * (grade - 1) + 1 + leftover;
    }

    /**
     * Interconnect grade 1..10: 10 for one GPU; for an all-NVLink set 6 + (weakest NVLink count: 1 -> 0, 2..5 -> 1,
     * 6..11 -> 2, 12 or more -> 3) + 1 when it spans as few NUMA nodes as any set of its size can; otherwise the
     * weakest PCIe class: PIX 5, PXB 4, PHB 3, NODE 2, SYS 1.
     */
    public static int interconnectGrade(GpuTopology t, long chosen, int minNumaSpan) {
        if (Long.bitCount(chosen) < 2) {
            return 10;
        }
        int minNv = Integer.MAX_VALUE;
        int weakestPcie = Integer.MAX_VALUE;
        for (long a = chosen; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                int j = Long.numberOfTrailingZeros(b);
                if (t.isNvlink(i, j)) {
                    minNv = Math.min(minNv, t.nvlinkCount(i, j));
                } else {
                    weakestPcie = Math.min(weakestPcie, t.linkWeight(i, j));
                }
            }
        }
        if (weakestPcie != Integer.MAX_VALUE) {
            return weakestPcie;
        }
        int bucket = minNv >= 12 ? 3 : minNv >= 6 ? 2 : minNv >= 2 ? 1 : 0;
        return 6 + bucket + (numaSpan(t, chosen) <= minNumaSpan ? 1 : 0);
    }

    /** Leftover score 0..9: {@code 9 - min(9, round(9 * damage / maxLinkWeight))}. */
    public static int leftover(int damage, int maxLinkWeight) {
        int w = Math.max(1, maxLinkWeight);
        return 9 - Math.min(9, (9 * damage + w / 2) / w);
    }

    /** The largest link weight between any two GPUs of the topology (at least 1). */
    public static int maxLinkWeight(GpuTopology t) {
        return Math.max(1, bestOfAll(t));
    }

    private static int bestOfAll(GpuTopology t) {
        int best = 0;
        for (int a = 0; a < t.gpuCount(); a++) {
            best = Math.max(best, bestLink(t, a, t.allGpusMask()));
        }
        return best;
    }

    /** The fewest NUMA nodes that a set of {@code k} GPUs can span on this topology (unknown is one group). */
    public static int minNumaSpan(GpuTopology t, int k) {
        int n = t.gpuCount();
        int[] groupSizes = new int[n];
        boolean[] counted = new boolean[n];
        int groups = 0;
        for (int i = 0; i < n; i++) {
            if (counted[i]) {
                continue;
            }
            int size = 0;
            for (int j = i; j < n; j++) {
                if (!counted[j] && t.numaNode(j) == t.numaNode(i)) {
                    counted[j] = true;
                    size++;
                }
            }
            groupSizes[groups++] = size;
        }
        java.util.Arrays.sort(groupSizes, 0, groups);
        int span = 0;
        int covered = 0;
        for (int g = groups - 1; g >= 0 && covered < k; g--) {
            covered += groupSizes[g];
            span++;
        }
        return span;
    }
}
