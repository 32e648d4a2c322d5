package dev.gpusched.gang;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Widens kube-scheduler's proposed victims so preemption takes a gang whole or not at all. Pure.
 *
 * <p>kube-scheduler proposes victims per candidate node and evicts only the victims of the node it picks, and only
 * pods on that node. So a victim from gang G makes every pod of G on that node a victim too; if G also has pods on
 * other nodes, those become the candidate's off-node victims, which gpusched evicts itself should kube-scheduler pick
 * the candidate. A gang that may not be taken that way now (it is still being placed, or another preemption is
 * evicting it already) drops the candidate instead, with the reason.
 */
public final class GangPreemption {
    private GangPreemption() {
    }

    /** A placed pod of some gang (bound, or holding a place on a node). */
    public record GangPod(String podUid, GangKey gang, String node) {
    }

    /**
     * One candidate after expansion.
     *
     * @param node       the candidate node
     * @param onNode     victim pod uids on the node: the proposals' order, added gang members after
     * @param offNode    pods on other nodes of the gangs taken whole, which kube-scheduler does not evict
     * @param gangsTaken the gangs with a victim on the node and pods elsewhere, in the order first met
     */
    public record Candidate(String node, List<String> onNode, List<GangPod> offNode, List<GangKey> gangsTaken) {
        public Candidate {
            onNode = List.copyOf(onNode);
            offNode = List.copyOf(offNode);
            gangsTaken = List.copyOf(gangsTaken);
        }

        /** True when taking this candidate evicts pods on other nodes: it splits a gang unless gpusched evicts them. */
        public boolean splitsGang() {
            return !offNode.isEmpty();
        }
    }

    /**
     * The candidates after expansion, and the dropped nodes with the reason for each.
     *
     * @param candidates   node name to its expanded candidate, in the proposals' order
     * @param droppedNodes node name to why it was dropped
     */
    public record Result(Map<String, Candidate> candidates, Map<String, String> droppedNodes) {
        public Result {
            candidates = Collections.unmodifiableMap(new LinkedHashMap<>(candidates));
            droppedNodes = Collections.unmodifiableMap(new LinkedHashMap<>(droppedNodes));
        }
    }

    /**
     * @param proposed   candidate node name to proposed victim pod uids
     * @param gangPods   every placed pod of every gang (pods of no gang are simply absent)
     * @param untouchable why a gang may not be taken across nodes now (in words, completing "the gang ..."), or null
     *                    when it may
     */
    public static Result expand(Map<String, List<String>> proposed, List<GangPod> gangPods,
                                Function<GangKey, String> untouchable) {
        Map<String, GangKey> gangOfPod = new LinkedHashMap<>();
        Map<GangKey, List<GangPod>> podsOfGang = new TreeMap<>();
        for (GangPod p : gangPods) {
            gangOfPod.put(p.podUid(), p.gang());
            podsOfGang.computeIfAbsent(p.gang(), k -> new ArrayList<>()).add(p);
        }
        Map<String, Candidate> out = new LinkedHashMap<>();
        Map<String, String> dropped = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : proposed.entrySet()) {
            String node = e.getKey();
            Set<String> onNode = new LinkedHashSet<>(e.getValue());
            Set<GangKey> gangs = new LinkedHashSet<>();
            for (String uid : e.getValue()) {
                GangKey g = gangOfPod.get(uid);
                if (g != null) {
                    gangs.add(g);
                }
            }
            List<GangPod> offNode = new ArrayList<>();
            List<GangKey> taken = new ArrayList<>();
            String why = null;
            for (GangKey g : gangs) {
                List<GangPod> elsewhere = new ArrayList<>();
                for (GangPod p : podsOfGang.get(g)) {
                    if (p.node().equals(node)) {
                        onNode.add(p.podUid());
                    } else {
                        elsewhere.add(p);
                    }
                }
                if (elsewhere.isEmpty()) {
                    continue;
                }
                String untouched = untouchable.apply(g);
                if (untouched != null) {
                    why = "evicting pods of gang " + g + " on " + node + " would split the gang (" + elsewhere.size()
                            + " of its " + podsOfGang.get(g).size() + " pods run on other nodes, e.g. "
                            + elsewhere.get(0).node() + "), and the gang " + untouched;
                    break;
                }
                offNode.addAll(elsewhere);
                taken.add(g);
            }
            if (why != null) {
                dropped.put(node, why);
            } else {
                out.put(node, new Candidate(node, new ArrayList<>(onNode), offNode, taken));
            }
        }
        return new Result(out, dropped);
    }
}
