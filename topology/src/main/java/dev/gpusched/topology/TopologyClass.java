package dev.gpusched.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * All nodes with the same {@link GpuTopology} share one interned class, which answers "which k free GPUs, and how good
 * are they" for any free-GPU mask.
 *
 * <p>For up to 16 GPUs the answer is a table lookup: the first query of a (k, policy) fills a table over all
 * {@code 2^n} free masks (see {@link PlacementMetrics} for the ranking); later queries read one {@code int} and
 * allocate nothing. Tables are built at most once, under the class's lock, and published through an
 * {@link AtomicReferenceArray}, so every method is thread-safe.
 *
 * <p>Above 16 GPUs (up to 64) no tables are built; a greedy search answers each query: k = 1 is exact; for k &ge; 2
 * every free GPU seeds a set that grows by the GPU giving the best interconnect key (allowed by the policy), and the
 * best grown set by the policy's full ranking wins. It allocates nothing but costs O(n^2 k^2) per query.
 */
public final class TopologyClass {
    private static final Map<GpuTopology, TopologyClass> INTERNED = new ConcurrentHashMap<>();
    private static final IntraNodePolicy[] POLICIES = IntraNodePolicy.values();

    private final GpuTopology topology;
    private final String id;
    private final int n;
    private final long allMask;
    private final int maxLinkWeight;
    private final int[] minNumaSpan;
    private final AtomicReferenceArray<int[]> tables;
    private SubsetTables subsets;

    private TopologyClass(GpuTopology topology) {
        this.topology = topology;
        this.n = topology.gpuCount();
        this.allMask = topology.allGpusMask();
        this.maxLinkWeight = PlacementMetrics.maxLinkWeight(topology);
        this.minNumaSpan = new int[n + 1];
        for (int k = 1; k <= n; k++) {
            minNumaSpan[k] = PlacementMetrics.minNumaSpan(topology, k);
        }
        this.tables = n <= SubsetTables.MAX_GPUS ? new AtomicReferenceArray<>(POLICIES.length * (n + 1)) : null;
        this.id = "gpu" + n + "-" + shortHash(GpuTopologies.toCompact(topology));
    }

    /** The shared class of this topology: equal topologies give the same instance. Thread-safe. */
    public static TopologyClass of(GpuTopology topology) {
        TopologyClass existing = INTERNED.get(topology);
        return existing != null ? existing : INTERNED.computeIfAbsent(topology, TopologyClass::new);
    }

    /** The topology all nodes of this class have. */
    public GpuTopology topology() {
        return topology;
    }

    /** Short stable id: {@code gpu<n>-<first 8 hex digits of SHA-256 of the compact form>}. */
    public String id() {
        return id;
    }

    /**
     * The best {@code k} GPUs out of {@code freeMask} under the policy, as a bitmask; 0 when the policy cannot be met
     * (too few free GPUs, no NVLink-connected set, no single-NUMA set) or {@code k < 1}. Bits above the GPU count are
     * ignored. No allocation once the (k, policy) table exists.
     */
    public long choose(long freeMask, int k, IntraNodePolicy policy) {
        if (k < 1 || k > n) {
            return 0;
        }
        long free = freeMask & allMask;
        if (tables != null) {
            return table(k, policy)[(int) free] >>> 8;
        }
        return greedyChoose(free, k, policy);
    }

    /**
     * Topology score 0..100 of the best choice (see {@link #choose}), -1 when impossible. Interconnect quality
     * dominates, the fragmentation left behind breaks ties; for {@link IntraNodePolicy#ANY} the other way round. Under
     * the interconnect-first policies a multi-GPU set that is all NVLink scores at least 51, any other at most 50.
     */
    public int quality(long freeMask, int k, IntraNodePolicy policy) {
        if (k < 1 || k > n) {
            return -1;
        }
        long free = freeMask & allMask;
        if (tables != null) {
            return (byte) table(k, policy)[(int) free];
        }
        long chosen = greedyChoose(free, k, policy);
        return chosen == 0 ? -1
                : PlacementMetrics.quality(topology, chosen, free, policy, minNumaSpan[k], maxLinkWeight);
    }

    /**
     * {@link #choose} and {@link #quality} from one lookup, for callers that need both (a scorer rates the set that bind
     * will take): {@code chosenMask << 8 | (quality & 0xFF)}, read with {@link #chosenOf} and {@link #qualityOf};
     * {@link #IMPOSSIBLE} (mask 0, quality -1) when no choice exists. Only for a class with {@link #tabled} choices
     * (at most 16 GPUs, whose masks fit); above that call the two methods. No allocation once the table exists.
     */
    public int lookup(long freeMask, int k, IntraNodePolicy policy) {
        if (tables == null) {
            throw new IllegalStateException("lookup needs choice tables; " + n + " GPUs is above "
                    + SubsetTables.MAX_GPUS + ": call choose and quality");
        }
        if (k < 1 || k > n) {
            return IMPOSSIBLE;
        }
        return table(k, policy)[(int) (freeMask & allMask)];
    }

    /** A {@link #lookup} of no choice: mask 0, quality -1. */
    public static final int IMPOSSIBLE = ChoiceTableBuilder.IMPOSSIBLE;

    /** True when choices are table lookups (at most 16 GPUs): {@link #lookup} serves. */
    public boolean tabled() {
        return tables != null;
    }

    /** The chosen GPUs of a {@link #lookup}, as {@link #choose} gives them. */
    public static long chosenOf(int lookup) {
        return lookup >>> 8;
    }

    /** The quality of a {@link #lookup}, as {@link #quality} gives it. */
    public static int qualityOf(int lookup) {
        return (byte) lookup;
    }

    /**
     * Why no {@code k} GPUs of {@code freeMask} meet the policy, e.g. "needs 2 NVLink-connected GPUs; free GPUs 1,4 share
     * no NVLink"; null when a choice exists.
     */
    public String reasonImpossible(long freeMask, int k, IntraNodePolicy policy) {
        if (k < 1) {
            return "requests " + k + " GPUs; a whole-GPU request needs at least 1";
        }
        if (k > n) {
            return "needs " + k + " GPUs; the node has " + n;
        }
        long free = freeMask & allMask;
        int m = Long.bitCount(free);
        if (m < k) {
            return "needs " + k + " GPUs; only " + m + " free" + (m == 0 ? "" : " (GPU" + (m == 1 ? " " : "s ")
                    + gpuList(free) + ")");
        }
        if (choose(free, k, policy) != 0) {
            return null;
        }
        if (policy == IntraNodePolicy.NVLINK) {
            long clique = largestNvlinkSet(free, 0L, 0L);
            if (Long.bitCount(clique) < 2) {
                return "needs " + k + " NVLink-connected GPUs; free GPUs " + gpuList(free) + " share no NVLink";
            }
            String largest = Long.bitCount(clique) >= k
                    ? "the greedy search above " + SubsetTables.MAX_GPUS + " GPUs found none" : "the largest NVLink-connected set among them is "
                    + gpuList(clique) + " (" + Long.bitCount(clique) + " GPUs)";
            return "needs " + k + " NVLink-connected GPUs; free GPUs " + gpuList(free) + ": " + largest;
        }
        if (policy == IntraNodePolicy.NUMA) {
            Map<Integer, Long> byNuma = new TreeMap<>();
            for (long a = free; a != 0; a &= a - 1) {
                int g = Long.numberOfTrailingZeros(a);
                byNuma.merge(topology.numaNode(g), 1L << g, (x, y) -> x | y);
            }
            List<String> parts = new ArrayList<>();
            for (Map.Entry<Integer, Long> e : byNuma.entrySet()) {
                parts.add((e.getKey() < 0 ? "unknown" : "node " + e.getKey()) + ": " + gpuList(e.getValue()));
            }
            return "needs " + k + " GPUs on one known NUMA node; free GPUs by NUMA node: " + String.join("; ", parts);
        }
        return "no choice of " + k + " GPUs out of free GPUs " + gpuList(free);
    }

    /**
     * Builds every (k, policy) table now instead of on first use, e.g. when a node of a new class is first seen, off the
     * scoring loop. Cheap for 8 GPUs (well under a millisecond); about a second per policy for 16 GPUs. No-op above 16.
     */
    public void precomputeAll() {
        if (tables == null) {
            return;
        }
        for (IntraNodePolicy policy : POLICIES) {
            for (int k = 1; k <= n; k++) {
                table(k, policy);
            }
        }
    }

    /** Comma-separated GPU indices of a mask, e.g. "0,1,4". */
    public static String gpuList(long mask) {
        StringBuilder sb = new StringBuilder();
        for (long a = mask; a != 0; a &= a - 1) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(Long.numberOfTrailingZeros(a));
        }
        return sb.toString();
    }

    private int[] table(int k, IntraNodePolicy policy) {
        int index = policy.ordinal() * (n + 1) + k;
        int[] table = tables.get(index);
        return table != null ? table : buildTable(index, k, policy);
    }

    private synchronized int[] buildTable(int index, int k, IntraNodePolicy policy) {
        int[] table = tables.get(index);
        if (table == null) {
            if (subsets == null) {
                subsets = new SubsetTables(topology);
            }
            table = ChoiceTableBuilder.build(topology, subsets, k, policy, minNumaSpan[k], maxLinkWeight);
            tables.set(index, table);
        }
        return table;
    }

    private long greedyChoose(long free, int k, IntraNodePolicy policy) {
        if (Long.bitCount(free) < k) {
            return 0;
        }
        long best = 0;
        long bestFirst = Long.MIN_VALUE;
        long bestSecond = Long.MIN_VALUE;
        for (long seeds = free; seeds != 0; seeds &= seeds - 1) {
            long set = Long.lowestOneBit(seeds);
            int weakest = PlacementMetrics.NO_LINK_NEEDED;
            int total = 0;
            for (int step = 1; step < k && set != 0; step++) {
                long pick = 0;
                long pickKey = Long.MIN_VALUE;
                int pickWeakest = 0;
                int pickTotal = 0;
                for (long c = free & ~set; c != 0; c &= c - 1) {
                    int g = Long.numberOfTrailingZeros(c);
                    long candidate = set | (1L << g);
                    if (!PlacementMetrics.allowed(topology, candidate, policy)) {
                        continue;
                    }
                    int w = weakest;
                    int sum = total;
                    for (long s = set; s != 0; s &= s - 1) {
                        int link = topology.linkWeight(g, Long.numberOfTrailingZeros(s));
                        w = Math.min(w, link);
                        sum += link;
                    }
                    long key = PlacementMetrics.interconnectKey(w, sum, PlacementMetrics.numaSpan(topology, candidate));
                    if (key > pickKey) {
                        pick = 1L << g;
                        pickKey = key;
                        pickWeakest = w;
                        pickTotal = sum;
                    }
                }
                set = pick == 0 ? 0 : set | pick;
                weakest = pickWeakest;
                total = pickTotal;
            }
            if (set == 0) {
                continue;
            }
            long interconnect = PlacementMetrics.interconnectKey(topology, set);
            long fragmentation = PlacementMetrics.fragmentationKey(topology, set, free);
            long first = policy == IntraNodePolicy.ANY ? fragmentation : interconnect;
            long second = policy == IntraNodePolicy.ANY ? interconnect : fragmentation;
            if (first > bestFirst || (first == bestFirst
                    && (second > bestSecond || (second == bestSecond && Long.compareUnsigned(set, best) < 0)))) {
                best = set;
                bestFirst = first;
                bestSecond = second;
            }
        }
        return best;
    }

    /** Largest NVLink-connected set (clique) within {@code candidates}, by plain branch and bound. */
    private long largestNvlinkSet(long candidates, long current, long best) {
        if (Long.bitCount(current) + Long.bitCount(candidates) <= Long.bitCount(best)) {
            return best;
        }
        if (candidates == 0) {
            return current;
        }
        int g = Long.numberOfTrailingZeros(candidates);
        long rest = candidates & (candidates - 1);
        long neighbours = 0;
        for (long c = rest; c != 0; c &= c - 1) {
            int h = Long.numberOfTrailingZeros(c);
            if (topology.isNvlink(g, h)) {
                neighbours |= 1L << h;
            }
        }
        best = largestNvlinkSet(neighbours, current | (1L << g), best);
        return largestNvlinkSet(rest, current, best);
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                sb.append(String.format("%02x", digest[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "TopologyClass[" + id + "]";
    }
}
