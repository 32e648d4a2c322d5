package dev.gpusched.gang;

import dev.gpusched.topology.cluster.ClusterTopology;
import dev.gpusched.topology.cluster.DomainFits;
import dev.gpusched.topology.cluster.DomainFitting;
import dev.gpusched.topology.cluster.InterNodePolicy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plans a whole gang at once: a node and GPUs for every member, or no placement at all and why.
 *
 * <p>Pure: the result depends only on the arguments. The levels tried follow the gang's {@link InterNodePolicy}:
 * a required level alone; a preferred level, then each broader level up to the whole cluster; {@code any} the whole
 * cluster; the default every level from the narrowest. At each level the best-fit domain (least capacity that still
 * holds every member) is taken and its nodes are filled fullest first, so gangs pack and leave big holes for the
 * next gang. Several members share a node when the node has room.
 *
 * <p>When all members ask for the same thing (the usual case), a node's capacity is the number of members it can
 * host, found by asking {@link CapacityView#placeMember} repeatedly, so intra-node policies are respected exactly.
 * Mixed demands are packed first-fit-decreasing on free GPU counts and then checked member by member with the
 * oracle, trying the next feasible domain when the oracle refuses.
 */
public final class GangPlanner {

    /**
     * Plans every member of the gang.
     *
     * @param members one demand per member; its size must equal {@code spec.size()}
     */
    public Plan plan(GangSpec spec, List<MemberDemand> members, CapacityView view) {
        return plan(spec, members, view, new int[0]);
    }

    /**
     * Plans the members of a gang that still lack a node while others run already (e.g. a member was deleted and
     * recreated): the new members must share a domain with the running ones at every level tried.
     *
     * @param members     one demand per member to place, 1..{@code spec.size()} of them
     * @param anchorNodes nodes (indices of {@code view}) of the gang's members already bound; may be empty
     */
    public Plan plan(GangSpec spec, List<MemberDemand> members, CapacityView view, int[] anchorNodes) {
        checkArguments(spec, members, view);
        ClusterTopology topo = view.topology();
        int[] range;
        try {
            range = levelRange(spec.policy(), topo);
        } catch (IllegalArgumentException e) {
            return new Plan.Infeasible("gang " + spec.key() + ": " + e.getMessage());
        }
        Demands demands = Demands.of(members);
        int n = view.nodeCount();
        int m = members.size();
        int[] capacity = new int[n];
        int[] units = new int[m];
        if (demands.uniform()) {
            MemberDemand d = members.get(0);
            for (int node = 0; node < n; node++) {
                capacity[node] = view.freeGpus(node) < d.gpus() ? 0 : slots(view, node, d, m);
            }
            Arrays.fill(units, 1);
        } else {
            for (int node = 0; node < n; node++) {
                capacity[node] = Math.max(0, view.freeGpus(node));
            }
            for (int i = 0; i < m; i++) {
                units[i] = members.get(i).gpus();
            }
        }
        DomainFits fits = null;
        for (int level = range[0]; level <= range[1]; level++) {
            fits = DomainFitting.fitDomains(topo, level, capacity, units);
            int anchorDomain = anchorDomain(topo, level, anchorNodes);
            if (anchorDomain == -1) {
                continue;
            }
            int[] candidates = fits.feasibleBestFirst();
            for (int domain : candidates) {
                if (anchorDomain >= 0 && domain != anchorDomain) {
                    continue;
                }
                List<MemberPlacement> placements = demands.uniform()
                        ? placeUniform(view, level, domain, capacity, members)
                        : placeMixed(view, level, domain, capacity, members, demands);
                if (placements != null) {
                    return new Plan.Planned(topo.levelName(level), topo.domainName(level, domain), placements);
                }
            }
        }
        String why = reason(spec, demands, topo, range[1], fits);
        if (anchorNodes.length > 0) {
            why += " next to its " + anchorNodes.length + " running member" + (anchorNodes.length == 1 ? "" : "s");
        }
        return new Plan.Infeasible(why);
    }

    /** -2 when there are no anchors, -1 when they share no domain at the level, else their common domain. */
    private static int anchorDomain(ClusterTopology topo, int level, int[] anchorNodes) {
        if (anchorNodes.length == 0) {
            return -2;
        }
        int d = topo.domainOf(anchorNodes[0], level);
        for (int node : anchorNodes) {
            if (topo.domainOf(node, level) != d) {
                return -1;
            }
        }
        return d;
    }

    /**
     * Chooses nodes a starving gang should hold: at the narrowest level its policy allows where some domain could
     * hold the gang if it were empty, the domain with the most free GPUs now, and in it the nodes with the most free
     * GPUs first, as many as the gang would need on empty nodes.
     */
    public HoldPlan planHold(GangSpec spec, List<MemberDemand> members, CapacityView view) {
        checkArguments(spec, members, view);
        ClusterTopology topo = view.topology();
        int[] range;
        try {
            range = levelRange(spec.policy(), topo);
        } catch (IllegalArgumentException e) {
            return new HoldPlan(List.of(), "", "", "gang " + spec.key() + ": " + e.getMessage());
        }
        Demands demands = Demands.of(members);
        int n = view.nodeCount();
        int m = members.size();
        int[] drained = new int[n];
        int[] units = new int[m];
        int d = members.get(0).gpus();
        for (int node = 0; node < n; node++) {
            int total = Math.max(0, view.totalGpus(node));
            drained[node] = demands.uniform() ? total / d : total;
        }
        for (int i = 0; i < m; i++) {
            units[i] = demands.uniform() ? 1 : members.get(i).gpus();
        }
        DomainFits fits = null;
        for (int level = range[0]; level <= range[1]; level++) {
            fits = DomainFitting.fitDomains(topo, level, drained, units);
            if (!fits.feasible()) {
                continue;
            }
            int best = -1;
            long bestFree = -1;
            for (int domain : fits.feasibleBestFirst()) {
                long free = 0;
                for (int i = 0, size = topo.domainSize(level, domain); i < size; i++) {
                    free += Math.max(0, view.freeGpus(topo.nodeInDomain(level, domain, i)));
                }
                if (free > bestFree) {
                    bestFree = free;
                    best = domain;
                }
            }
            int size = topo.domainSize(level, best);
            long[] keys = new long[size];
            for (int i = 0; i < size; i++) {
                int node = topo.nodeInDomain(level, best, i);
                keys[i] = ((long) (Integer.MAX_VALUE - Math.max(0, view.freeGpus(node))) << 32) | i;
            }
            Arrays.sort(keys);
            long need = 0;
            for (int u : units) {
                need += u;
            }
            List<String> held = new ArrayList<>();
            long have = 0;
            for (int k = 0; k < size && have < need; k++) {
                int node = topo.nodeInDomain(level, best, (int) (keys[k] & 0xFFFFFFFFL));
                if (drained[node] > 0) {
                    held.add(view.nodeName(node));
                    have += drained[node];
                }
            }
            return new HoldPlan(held, topo.levelName(level), topo.domainName(level, best), null);
        }
        return new HoldPlan(List.of(), "", "", reason(spec, demands, topo, range[1], fits)
                .replace("; the ", "; even with every node empty, the "));
    }

    private static void checkArguments(GangSpec spec, List<MemberDemand> members, CapacityView view) {
        if (members.isEmpty() || members.size() > spec.size()) {
            throw new IllegalArgumentException("gang " + spec.key() + " has size " + spec.size() + " but "
                    + members.size() + " member demands were given; give one demand per member to place");
        }
        if (view.topology().nodeCount() != view.nodeCount()) {
            throw new IllegalArgumentException("capacity view has " + view.nodeCount() + " nodes but its topology "
                    + view.topology().nodeCount() + "; they must number nodes alike");
        }
    }

    /** First and last level to try, inclusive. */
    private static int[] levelRange(InterNodePolicy policy, ClusterTopology topo) {
        int level = topo.levelFor(policy);
        if (policy.required()) {
            return new int[] {level, level};
        }
        return new int[] {level, topo.clusterLevel()};
    }

    /** How many members with demand d one node can host alone (at most m). */
    private static int slots(CapacityView view, int node, MemberDemand d, int m) {
        long taken = 0;
        int count = 0;
        while (count < m) {
            long mask = view.placeMember(node, d, taken);
            if (mask == 0 || (mask & taken) != 0) {
                break;
            }
            taken |= mask;
            count++;
        }
        return count;
    }

    private static List<MemberPlacement> placeUniform(CapacityView view, int level, int domain, int[] slots,
                                                      List<MemberDemand> members) {
        ClusterTopology topo = view.topology();
        int[] nodes = DomainFitting.nodesFullestFirst(topo, level, domain, slots, 1);
        MemberDemand d = members.get(0);
        int m = members.size();
        List<MemberPlacement> out = new ArrayList<>(m);
        for (int i = 0; i < nodes.length && out.size() < m; i++) {
            int node = nodes[i];
            long taken = 0;
            for (int k = 0; k < slots[node] && out.size() < m; k++) {
                long mask = view.placeMember(node, d, taken);
                if (mask == 0) {
                    return null; // the oracle changed its mind: not deterministic; try no further here
                }
                taken |= mask;
                out.add(new MemberPlacement(out.size(), node, view.nodeName(node), mask, d));
            }
        }
        return out.size() == m ? out : null;
    }

    private static List<MemberPlacement> placeMixed(CapacityView view, int level, int domain, int[] freeGpus,
                                                    List<MemberDemand> members, Demands demands) {
        ClusterTopology topo = view.topology();
        int[] nodes = DomainFitting.nodesFullestFirst(topo, level, domain, freeGpus, demands.smallestGpus());
        long[] taken = new long[nodes.length];
        MemberPlacement[] out = new MemberPlacement[members.size()];
        int cursor = 0;
        int cursorGroup = -1;
        for (int member : demands.largestFirst()) {
            MemberDemand d = members.get(member);
            int group = demands.groupOf(member);
            if (group != cursorGroup) {
                cursorGroup = group;
                cursor = 0;
            }
            while (cursor < nodes.length) {
                int node = nodes[cursor];
                long mask = view.placeMember(node, d, taken[cursor]);
                if (mask != 0 && (mask & taken[cursor]) == 0) {
                    taken[cursor] |= mask;
                    out[member] = new MemberPlacement(member, node, view.nodeName(node), mask, d);
                    break;
                }
                cursor++;
            }
            if (out[member] == null) {
                return null;
            }
        }
        return Arrays.asList(out);
    }

    private static String reason(GangSpec spec, Demands demands, ClusterTopology topo, int level, DomainFits fits) {
        StringBuilder sb = new StringBuilder("gang ").append(spec.key()).append(" needs ").append(demands.describe());
        String word = topo.levelName(level);
        boolean cluster = level == topo.clusterLevel();
        if (!cluster) {
            sb.append(" in one ").append(word);
            if (topo.domainCount(level) == 0) {
                return sb.append(", but no node has the label ").append(topo.levelKey(level)).toString();
            }
        }
        int holds = fits == null ? 0 : fits.largestHolds();
        int hosts = fits == null ? 0 : fits.largestHostNodes();
        String where = cluster ? "the cluster" : "the largest " + word + " (" + topo.domainName(level,
                fits.largestDomain()) + ")";
        sb.append("; ");
        if (holds == 0) {
            sb.append(cluster ? "no node has" : "no " + word + " has a node with").append(" room for one member");
        } else if (demands.uniform() && holds == hosts) {
            sb.append(where).append(" has ").append(hosts).append(" free ").append(demands.smallestGpus())
                    .append("-GPU node").append(hosts == 1 ? "" : "s");
        } else {
            sb.append(where).append(" has room for ").append(holds).append(" of the ").append(fits.membersNeeded())
                    .append(" members, on ").append(hosts).append(" node").append(hosts == 1 ? "" : "s");
        }
        return sb.toString();
    }

    /** Members grouped by equal demand. */
    private record Demands(List<MemberDemand> distinct, int[] groupOfMember, int[] largestFirst) {

        static Demands of(List<MemberDemand> members) {
            List<MemberDemand> distinct = new ArrayList<>();
            int[] group = new int[members.size()];
            for (int i = 0; i < members.size(); i++) {
                MemberDemand d = members.get(i);
                int g = distinct.indexOf(d);
                if (g < 0) {
                    g = distinct.size();
                    distinct.add(d);
                }
                group[i] = g;
            }
            long[] keys = new long[members.size()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = ((long) (64 - members.get(i).gpus()) << 48) | ((long) group[i] << 24) | i;
            }
            Arrays.sort(keys);
            int[] order = new int[keys.length];
            for (int i = 0; i < keys.length; i++) {
                order[i] = (int) (keys[i] & 0xFFFFFF);
            }
            return new Demands(distinct, group, order);
        }

        boolean uniform() {
            return distinct.size() == 1;
        }

        int groupOf(int member) {
            return groupOfMember[member];
        }

        int smallestGpus() {
            int min = Integer.MAX_VALUE;
            for (MemberDemand d : distinct) {
                min = Math.min(min, d.gpus());
            }
            return min;
        }

        String describe() {
            int[] counts = new int[distinct.size()];
            for (int g : groupOfMember) {
                counts[g]++;
            }
            // merge groups of equal GPU count for the text, largest first
            int[] perGpus = new int[65];
            for (int g = 0; g < counts.length; g++) {
                perGpus[distinct.get(g).gpus()] += counts[g];
            }
            StringBuilder sb = new StringBuilder();
            for (int gpus = 64; gpus >= 1; gpus--) {
                if (perGpus[gpus] > 0) {
                    if (sb.length() > 0) {
                        sb.append(" + ");
                    }
                    sb.append(perGpus[gpus]).append(" x ").append(gpus).append(" GPU").append(gpus == 1 ? "" : "s");
                }
            }
            return sb.toString();
        }
    }
}
