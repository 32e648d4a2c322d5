package dev.gpusched.gang;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Keeps preemption from evicting part of a gang. Pure.
 *
 * <p>kube-scheduler proposes victims per candidate node and evicts only the victims of the node it picks, and only
 * pods on that node. So a victim from gang G makes every pod of G on that node a victim too, provided all of G's
 * placed pods are on that node; if G also has pods on other nodes, evicting through this node would split G, and the
 * node is dropped from the candidates.
 */
public final class GangPreemption {
    private GangPreemption() {
    }

    /** A placed pod of some gang (bound, or holding a place on a node). */
    public record GangPod(String podUid, GangKey gang, String node) {
    }

    /**
     * The victims per node after expansion, and the dropped nodes with the reason for each.
     *
     * @param victimsByNode node name to victim pod uids (the proposals' order, added gang members after)
     * @param droppedNodes  node name to why it was dropped
     */
    public record Result(Map<String, List<String>> victimsByNode, Map<String, String> droppedNodes) {
        public Result {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            victimsByNode.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            victimsByNode = java.util.Collections.unmodifiableMap(copy);
            droppedNodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(droppedNodes));
        }
    }

    /**
     * @param proposed  candidate node name to proposed victim pod uids
     * @param gangPods  every placed pod of every gang (pods of no gang are simply absent)
     */
    public static Result expand(Map<String, List<String>> proposed, List<GangPod> gangPods) {
        Map<String, GangKey> gangOfPod = new LinkedHashMap<>();
        Map<GangKey, List<GangPod>> podsOfGang = new TreeMap<>();
        for (GangPod p : gangPods) {
            gangOfPod.put(p.podUid(), p.gang());
            podsOfGang.computeIfAbsent(p.gang(), k -> new ArrayList<>()).add(p);
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, String> dropped = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : proposed.entrySet()) {
            String node = e.getKey();
            Set<String> victims = new LinkedHashSet<>(e.getValue());
            Set<GangKey> gangs = new LinkedHashSet<>();
            for (String uid : e.getValue()) {
                GangKey g = gangOfPod.get(uid);
                if (g != null) {
                    gangs.add(g);
                }
            }
            String why = null;
            for (GangKey g : gangs) {
                int elsewhere = 0;
                String otherNode = null;
                for (GangPod p : podsOfGang.get(g)) {
                    if (p.node().equals(node)) {
                        victims.add(p.podUid());
                    } else {
                        elsewhere++;
                        otherNode = otherNode == null ? p.node() : otherNode;
                    }
                }
                if (elsewhere > 0) {
                    why = "evicting pods of gang " + g + " on " + node + " would split the gang: " + elsewhere
                            + " of its " + podsOfGang.get(g).size() + " pods run on other nodes (e.g. " + otherNode
                            + ")";
                    break;
                }
            }
            if (why != null) {
                dropped.put(node, why);
            } else {
                out.put(node, new ArrayList<>(victims));
            }
        }
        return new Result(out, dropped);
    }
}
