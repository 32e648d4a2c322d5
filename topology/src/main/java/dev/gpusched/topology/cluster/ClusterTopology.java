package dev.gpusched.topology.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Immutable inter-node topology: an ordered list of node label keys from narrow to broad, and for every node the
 * domain it belongs to at each level. Two nodes are as close as the narrowest level whose label value they share.
 *
 * <p>A domain is identified by its label value alone (a leaf named {@code leaf-1} is one domain even if two spines
 * list it). A node without the label of a level belongs to no domain of that level ({@link #domainOf} gives -1) and
 * so cannot be used by a gang confined to that level. Besides the configured levels there is one more, the
 * <em>cluster level</em> ({@link #clusterLevel()} == {@link #levelCount()}), with a single domain 0 holding every
 * node; queries accept it like any other level.
 *
 * <p>Nodes are numbered 0..N-1 in the order given to {@link #of(List, List, List)}; domains of a level are numbered
 * in the order of their label values; nodes inside a domain are listed by name. Everything is precomputed at build,
 * so queries do not allocate per node except where they return arrays.
 */
public final class ClusterTopology {

    /** The default level keys, narrow to broad. */
    public static final List<String> DEFAULT_LEVEL_KEYS = List.of(
            "nvidia.com/gpu.clique",
            "network.topology.nvidia.com/accelerator",
            "network.topology.nvidia.com/leaf",
            "network.topology.nvidia.com/spine",
            "network.topology.nvidia.com/core",
            "topology.kubernetes.io/zone");

    /** The well-known key of each level word that inter-node policies name. */
    private static final Map<String, String> WELL_KNOWN_KEYS = Map.of(
            "clique", "nvidia.com/gpu.clique",
            "accelerator", "network.topology.nvidia.com/accelerator",
            "leaf", "network.topology.nvidia.com/leaf",
            "spine", "network.topology.nvidia.com/spine",
            "core", "network.topology.nvidia.com/core",
            "zone", "topology.kubernetes.io/zone");

    private final List<String> levelKeys;
    private final String[] nodeNames;
    private final Map<String, Integer> nodeIndex;
    private final int[][] domainOf;      // [level][node], level 0..levelCount (cluster level: all 0)
    private final String[][] domainNames; // [level][domain]
    private final int[][][] nodesOf;     // [level][domain] -> nodes sorted by name

    private ClusterTopology(List<String> levelKeys, String[] nodeNames, List<? extends Map<String, String>> labels) {
        this.levelKeys = List.copyOf(levelKeys);
        this.nodeNames = nodeNames;
        int n = nodeNames.length;
        this.nodeIndex = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            nodeIndex.put(nodeNames[i], i);
        }
        Integer[] byName = new Integer[n];
        for (int i = 0; i < n; i++) {
            byName[i] = i;
        }
        Arrays.sort(byName, (a, b) -> nodeNames[a].compareTo(nodeNames[b]));
        int[] nodeOfRank = new int[n];
        for (int r = 0; r < n; r++) {
            nodeOfRank[r] = byName[r];
        }
        int levels = levelKeys.size();
        this.domainOf = new int[levels + 1][];
        this.domainNames = new String[levels + 1][];
        this.nodesOf = new int[levels + 1][][];
        for (int level = 0; level < levels; level++) {
            String key = levelKeys.get(level);
            TreeSet<String> values = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                String v = labels.get(i).get(key);
                if (v != null) {
                    values.add(v);
                }
            }
            String[] names = values.toArray(new String[0]);
            Map<String, Integer> idOfValue = new HashMap<>(names.length * 2);
            for (int d = 0; d < names.length; d++) {
                idOfValue.put(names[d], d);
            }
            int[] dom = new int[n];
            int[] sizes = new int[names.length];
            for (int i = 0; i < n; i++) {
                String v = labels.get(i).get(key);
                dom[i] = v == null ? -1 : idOfValue.get(v);
                if (dom[i] >= 0) {
                    sizes[dom[i]]++;
                }
            }
            domainOf[level] = dom;
            domainNames[level] = names;
            nodesOf[level] = groupByName(dom, sizes, nodeOfRank);
        }
        domainOf[levels] = new int[n];
        domainNames[levels] = new String[] {"cluster"};
        nodesOf[levels] = groupByName(domainOf[levels], new int[] {n}, nodeOfRank);
    }

    /** Nodes of each domain, in name order ({@code nodeOfRank}: the nodes sorted by name). */
    private static int[][] groupByName(int[] dom, int[] sizes, int[] nodeOfRank) {
        int[][] groups = new int[sizes.length][];
        int[] fill = new int[sizes.length];
        for (int d = 0; d < sizes.length; d++) {
            groups[d] = new int[sizes[d]];
        }
        for (int r = 0; r < nodeOfRank.length; r++) {
            int node = nodeOfRank[r];
            int d = dom[node];
            if (d >= 0) {
                groups[d][fill[d]++] = node;
            }
        }
        return groups;
    }

    /**
     * Builds the topology of nodes given in order (node i is {@code nodeNames.get(i)} with labels
     * {@code labels.get(i)}; a null label map means no labels).
     *
     * @throws IllegalArgumentException on empty, blank or duplicate level keys, duplicate or null node names, or lists
     *                                  of different sizes
     */
    public static ClusterTopology of(List<String> levelKeys, List<String> nodeNames,
                                     List<? extends Map<String, String>> labels) {
        validateLevelKeys(levelKeys);
        if (nodeNames.size() != labels.size()) {
            throw new IllegalArgumentException("cluster topology: " + nodeNames.size() + " node names but "
                    + labels.size() + " label maps; give one label map per node");
        }
        Set<String> seen = new HashSet<>();
        String[] names = new String[nodeNames.size()];
        List<Map<String, String>> safeLabels = new ArrayList<>(labels.size());
        for (int i = 0; i < names.length; i++) {
            String name = nodeNames.get(i);
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("cluster topology: node " + i + " has no name");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("cluster topology: node name '" + name + "' appears twice");
            }
            names[i] = name;
            Map<String, String> l = labels.get(i);
            safeLabels.add(l == null ? Map.of() : l);
        }
        return new ClusterTopology(levelKeys, names, safeLabels);
    }

    /** Builds the topology of the given nodes numbered in order of their names. */
    public static ClusterTopology of(List<String> levelKeys, Map<String, ? extends Map<String, String>> labelsByNode) {
        TreeMap<String, Map<String, String>> sorted = new TreeMap<>();
        for (Map.Entry<String, ? extends Map<String, String>> e : labelsByNode.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("cluster topology: a node has no name");
            }
            sorted.put(e.getKey(), e.getValue() == null ? Map.of() : e.getValue());
        }
        return of(levelKeys, new ArrayList<>(sorted.keySet()), new ArrayList<>(sorted.values()));
    }

    private static void validateLevelKeys(List<String> levelKeys) {
        if (levelKeys == null || levelKeys.isEmpty()) {
            throw new IllegalArgumentException("cluster topology: no level keys; give node label keys from narrow to "
                    + "broad, e.g. " + DEFAULT_LEVEL_KEYS);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < levelKeys.size(); i++) {
            String k = levelKeys.get(i);
            if (k == null || k.isBlank()) {
                throw new IllegalArgumentException("cluster topology: level key " + (i + 1) + " of " + levelKeys
                        + " is blank; give a node label key such as network.topology.nvidia.com/leaf");
            }
            if (!seen.add(k)) {
                throw new IllegalArgumentException("cluster topology: level key '" + k + "' appears twice in "
                        + levelKeys + "; each level needs its own label key");
            }
        }
    }

    /** Number of configured levels (the cluster level is not counted). */
    public int levelCount() {
        return levelKeys.size();
    }

    /** The level holding every node in one domain: equal to {@link #levelCount()}. */
    public int clusterLevel() {
        return levelKeys.size();
    }

    /** The label key of a configured level. */
    public String levelKey(int level) {
        return levelKeys.get(level);
    }

    /** The configured label keys, narrow to broad. */
    public List<String> levelKeys() {
        return levelKeys;
    }

    /**
     * A short word for a level, for messages: the last segment of its key after '/' and '.', e.g. {@code leaf} for
     * {@code network.topology.nvidia.com/leaf}, {@code clique} for {@code nvidia.com/gpu.clique}; {@code cluster} for
     * the cluster level.
     */
    public String levelName(int level) {
        if (level == clusterLevel()) {
            return "cluster";
        }
        return wordOf(levelKeys.get(level));
    }

    private static String wordOf(String key) {
        String tail = key.substring(key.lastIndexOf('/') + 1);
        return tail.substring(tail.lastIndexOf('.') + 1);
    }

    /**
     * The level whose key is the well-known key of {@code word} (clique, accelerator, leaf, spine, core, zone), else
     * the first level whose key ends in that word (see {@link #levelName}); -1 when none.
     */
    public int levelNamed(String word) {
        String known = WELL_KNOWN_KEYS.get(word);
        if (known != null) {
            int i = levelKeys.indexOf(known);
            if (i >= 0) {
                return i;
            }
        }
        for (int i = 0; i < levelKeys.size(); i++) {
            if (wordOf(levelKeys.get(i)).equals(word)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The level a policy names: for a required or preferred policy the level of its word, for {@link
     * InterNodePolicy#ANY} the cluster level, for {@link InterNodePolicy#PREFER_NARROWEST} level 0. A preferred
     * level whose key is not configured falls back to level 0 (prefer the narrowest).
     *
     * @throws IllegalArgumentException when a required policy names a level whose key is not configured
     */
    public int levelFor(InterNodePolicy policy) {
        if (policy == InterNodePolicy.ANY) {
            return clusterLevel();
        }
        if (policy.levelWord() == null) {
            return 0;
        }
        int level = levelNamed(policy.levelWord());
        if (level >= 0) {
            return level;
        }
        if (!policy.required()) {
            return 0;
        }
        String known = WELL_KNOWN_KEYS.get(policy.levelWord());
        throw new IllegalArgumentException("inter-node policy " + policy.value() + " needs a '"
                + policy.levelWord() + "' level, but the configured topology level keys are " + levelKeys
                + "; add a key such as " + known + " or use a policy of a configured level");
    }

    public int nodeCount() {
        return nodeNames.length;
    }

    public String nodeName(int node) {
        return nodeNames[node];
    }

    /** The index of a node by name, or -1. */
    public int nodeIndex(String name) {
        Integer i = nodeIndex.get(name);
        return i == null ? -1 : i;
    }

    /** The domain of a node at a level (0..levelCount), or -1 when the node lacks that level's label. */
    public int domainOf(int node, int level) {
        return domainOf[level][node];
    }

    /** Number of domains at a level (1 at the cluster level). */
    public int domainCount(int level) {
        return domainNames[level].length;
    }

    /** The label value naming a domain ({@code cluster} at the cluster level). */
    public String domainName(int level, int domain) {
        return domainNames[level][domain];
    }

    /** The domain with a label value at a level, or -1. */
    public int domainNamed(int level, String value) {
        if (level == clusterLevel()) {
            return "cluster".equals(value) ? 0 : -1;
        }
        int i = Arrays.binarySearch(domainNames[level], value);
        return i >= 0 ? i : -1;
    }

    /** The domain names of a level, in domain order. */
    public List<String> domainNames(int level) {
        return Collections.unmodifiableList(Arrays.asList(domainNames[level].clone()));
    }

    /** Number of nodes in a domain. */
    public int domainSize(int level, int domain) {
        return nodesOf[level][domain].length;
    }

    /** The i-th node of a domain, nodes ordered by name (no allocation). */
    public int nodeInDomain(int level, int domain, int i) {
        return nodesOf[level][domain][i];
    }

    /** The nodes of a domain ordered by name (a copy). */
    public int[] nodesOf(int level, int domain) {
        return nodesOf[level][domain].clone();
    }

    /**
     * The narrowest level at which two nodes share a label value; {@link #clusterLevel()} when they share none
     * (they are only in the same cluster). A node is at level 0 with itself only if it has a level-0 label.
     */
    public int closenessLevel(int nodeA, int nodeB) {
        for (int level = 0; level < levelKeys.size(); level++) {
            int d = domainOf[level][nodeA];
            if (d >= 0 && d == domainOf[level][nodeB]) {
                return level;
            }
        }
        return clusterLevel();
    }

    @Override
    public String toString() {
        return "ClusterTopology[" + nodeNames.length + " nodes, levels " + levelKeys + "]";
    }
}
