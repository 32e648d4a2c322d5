package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GangPreemptionTest {

    private static final GangKey LOCAL = new GangKey("ml", "local");   // both members on node-a
    private static final GangKey SPREAD = new GangKey("ml", "spread"); // members on node-b and node-c

    private static final List<GangPreemption.GangPod> PODS = List.of(
            new GangPreemption.GangPod("l1", LOCAL, "node-a"),
            new GangPreemption.GangPod("l2", LOCAL, "node-a"),
            new GangPreemption.GangPod("s1", SPREAD, "node-b"),
            new GangPreemption.GangPod("s2", SPREAD, "node-c"));

    @Test
    void aVictimFromAGangMakesAllItsPodsOnTheNodeVictims() {
        Map<String, List<String>> proposed = Map.of("node-a", List.of("solo", "l1"));
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS);
        assertThat(r.victimsByNode().get("node-a")).containsExactly("solo", "l1", "l2");
        assertThat(r.droppedNodes()).isEmpty();
    }

    @Test
    void aNodeWhoseVictimsWouldSplitAGangIsDropped() {
        Map<String, List<String>> proposed = new LinkedHashMap<>();
        proposed.put("node-b", List.of("s1"));
        proposed.put("node-d", List.of("solo-1", "solo-2"));
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS);
        assertThat(r.victimsByNode()).containsOnlyKeys("node-d");
        assertThat(r.victimsByNode().get("node-d")).containsExactly("solo-1", "solo-2");
        assertThat(r.droppedNodes().get("node-b")).isEqualTo("evicting pods of gang ml/spread on node-b would split "
                + "the gang: 1 of its 2 pods run on other nodes (e.g. node-c)");
    }

    @Test
    void noGangPartIsEverEvictedWhateverTheProposal() {
        // every node proposed with every subset of its pods: in the answer each gang is all in or all out
        Map<String, List<String>> proposed = new LinkedHashMap<>();
        proposed.put("node-a", List.of("l2"));
        proposed.put("node-b", List.of("s1", "x"));
        proposed.put("node-c", List.of("y"));
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS);
        for (Map.Entry<String, List<String>> e : r.victimsByNode().entrySet()) {
            for (GangKey g : List.of(LOCAL, SPREAD)) {
                long inVictims = PODS.stream().filter(p -> p.gang().equals(g) && e.getValue().contains(p.podUid()))
                        .count();
                long inGang = PODS.stream().filter(p -> p.gang().equals(g)).count();
                assertThat(inVictims).isIn(0L, inGang);
            }
        }
        assertThat(r.victimsByNode().get("node-c")).containsExactly("y");
        assertThat(r.droppedNodes()).containsOnlyKeys("node-b");
    }
}
