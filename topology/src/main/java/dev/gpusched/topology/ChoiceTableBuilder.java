package dev.gpusched.topology;

/**
 * Fills the choice table of one (k, policy): for every free-GPU mask, the best k-subset by the ranking of
 * {@link PlacementMetrics} and its quality, packed as {@code chosenMask << 8 | (quality & 0xFF)} (quality -1, i.e.
 * 0xFF with mask 0, when no subset qualifies). Enumerates the k-subsets of each free mask, reading per-mask facts from
 * {@link SubsetTables}; ties go to the numerically smallest subset.
 */
final class ChoiceTableBuilder {
    static final int IMPOSSIBLE = 0xFF;

    private ChoiceTableBuilder() {
    }

    static int[] build(GpuTopology t, SubsetTables s, int k, IntraNodePolicy policy, int minNumaSpan, int maxLinkWeight) {
        int n = s.n;
        int size = 1 << n;
        int[] table = new int[size];
        int[] positions = new int[n];
        int[] combo = new int[k];
        for (int free = 0; free < size; free++) {
            int m = Integer.bitCount(free);
            if (m < k) {
                table[free] = IMPOSSIBLE;
                continue;
            }
            int count = 0;
            for (int f = free; f != 0; f &= f - 1) {
                positions[count++] = Integer.numberOfTrailingZeros(f);
            }
            for (int i = 0; i < k; i++) {
                combo[i] = i;
            }
            int best = 0;
            long bestFirst = Long.MIN_VALUE;
            long bestSecond = Long.MIN_VALUE;
            while (true) {
                int chosen = 0;
                for (int i = 0; i < k; i++) {
                    chosen |= 1 << positions[combo[i]];
                }
                boolean allowed = switch (policy) {
                    case NVLINK -> s.allNvlink[chosen];
                    case NUMA -> s.oneKnownNuma[chosen];
                    case PREFER_NVLINK, ANY -> true;
                };
                if (allowed) {
                    long interconnect = PlacementMetrics.interconnectKey(s.weakest[chosen], s.total[chosen],
                            s.numaSpan[chosen]);
                    int rest = free & ~chosen;
                    int damage = 0;
                    for (int r = rest; r != 0; r &= r - 1) {
                        int b = Integer.numberOfTrailingZeros(r);
                        damage += s.bestLink[b][free] - s.bestLink[b][rest];
                    }
                    long fragmentation = PlacementMetrics.fragmentationKey(damage, s.total[rest]);
                    long first = policy == IntraNodePolicy.ANY ? fragmentation : interconnect;
                    long second = policy == IntraNodePolicy.ANY ? interconnect : fragmentation;
                    if (first > bestFirst || (first == bestFirst
                            && (second > bestSecond || (second == bestSecond && chosen < best)))) {
                        best = chosen;
                        bestFirst = first;
                        bestSecond = second;
                    }
                }
                int i = k - 1;
                while (i >= 0 && combo[i] == m - k + i) {
                    i--;
                }
                if (i < 0) {
                    break;
                }
                combo[i]++;
                for (int j = i + 1; j < k; j++) {
                    combo[j] = combo[j - 1] + 1;
                }
            }
            if (best == 0) {
                table[free] = IMPOSSIBLE;
            } else {
                int quality = PlacementMetrics.quality(t, best, free, policy, minNumaSpan, maxLinkWeight);
                table[free] = (best << 8) | (quality & 0xFF);
            }
        }
        return table;
    }
}
