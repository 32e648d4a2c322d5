package dev.gpusched.topology;

/**
 * Per-GPU-subset facts of one topology (up to {@value #MAX_GPUS} GPUs), computed once by dynamic programming over the
 * {@code 2^n} masks and then read by {@link ChoiceTableBuilder} instead of looping over pairs for every candidate.
 */
final class SubsetTables {
    /** Largest GPU count for which per-mask tables are built ({@code 2^16} masks). */
    static final int MAX_GPUS = 16;

    final int n;
    final int[] weakest;
    final int[] total;
    final byte[] numaSpan;
    final boolean[] allNvlink;
    final boolean[] oneKnownNuma;
    /** {@code bestLink[b][m]}: best link weight from GPU b to another GPU of mask m. */
    final int[][] bestLink;

    SubsetTables(GpuTopology t) {
        n = t.gpuCount();
        if (n > MAX_GPUS) {
            throw new IllegalArgumentException("per-mask tables need at most " + MAX_GPUS + " GPUs, got " + n);
        }
        int size = 1 << n;
        weakest = new int[size];
        total = new int[size];
        numaSpan = new byte[size];
        allNvlink = new boolean[size];
        oneKnownNuma = new boolean[size];
        bestLink = new int[n][size];
        allNvlink[0] = true;
        oneKnownNuma[0] = true;
        for (int m = 1; m < size; m++) {
            int h = 31 - Integer.numberOfLeadingZeros(m);
            int rest = m ^ (1 << h);
            int linkMin = Integer.MAX_VALUE;
            int linkSum = 0;
            boolean nv = allNvlink[rest];
            boolean numaSeen = false;
            for (int r = rest; r != 0; r &= r - 1) {
                int j = Integer.numberOfTrailingZeros(r);
                int w = t.linkWeight(h, j);
                linkMin = Math.min(linkMin, w);
                linkSum += w;
                nv &= t.isNvlink(h, j);
                numaSeen |= t.numaNode(j) == t.numaNode(h);
            }
            if (rest == 0) {
                weakest[m] = PlacementMetrics.NO_LINK_NEEDED;
                oneKnownNuma[m] = true;
            } else {
                weakest[m] = Math.min(linkMin, Integer.bitCount(rest) == 1 ? Integer.MAX_VALUE : weakest[rest]);
                int low = Integer.numberOfTrailingZeros(rest);
                oneKnownNuma[m] = oneKnownNuma[rest] && t.numaNode(h) >= 0 && t.numaNode(h) == t.numaNode(low);
            }
            total[m] = total[rest] + linkSum;
            allNvlink[m] = nv;
            numaSpan[m] = (byte) (numaSpan[rest] + (numaSeen ? 0 : 1));
            int low = Integer.numberOfTrailingZeros(m);
            int withoutLow = m & (m - 1);
            for (int b = 0; b < n; b++) {
                bestLink[b][m] = b == low ? bestLink[b][withoutLow]
                        : Math.max(bestLink[b][withoutLow], t.linkWeight(b, low));
            }
        }
    }
}
