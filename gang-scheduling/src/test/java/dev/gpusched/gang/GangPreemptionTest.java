package dev.gpusched.gang;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How kube-scheduler's proposed victims are widened so that a gang is taken whole or not at all. */
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
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS, g -> null);
        GangPreemption.Candidate a = r.candidates().get("node-a");
        assertThat(a.onNode()).containsExactly("solo", "l1", "l2");
        assertThat(a.offNode()).isEmpty();
        assertThat(a.splitsGang()).isFalse();
        assertThat(r.droppedNodes()).isEmpty();
    }

    @Test
    void aGangThatAlsoRunsElsewhereBringsItsPodsThereAsOffNodeVictims() {
        Map<String, List<String>> proposed = new LinkedHashMap<>();
        proposed.put("node-b", List.of("x", "s1"));
        proposed.put("node-d", List.of("solo-1", "solo-2"));
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS, g -> null);
        GangPreemption.Candidate b = r.candidates().get("node-b");
        assertThat(b.onNode()).containsExactly("x", "s1");
        assertThat(b.offNode()).containsExactly(new GangPreemption.GangPod("s2", SPREAD, "node-c"));
        assertThat(b.gangsTaken()).containsExactly(SPREAD);
        assertThat(b.splitsGang()).isTrue();
        assertThat(r.candidates().get("node-d").onNode()).containsExactly("solo-1", "solo-2");
        assertThat(r.droppedNodes()).isEmpty();
    }

    @Test
    void aGangThatMayNotBeTakenNowDropsTheNodeWithTheReason() {
        Map<String, List<String>> proposed = new LinkedHashMap<>();
        proposed.put("node-b", List.of("s1"));
        proposed.put("node-a", List.of("l1"));
        // untouchable is asked only about gangs with pods elsewhere: LOCAL (all on node-a) is taken regardless
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS, g -> "is still being placed");
        assertThat(r.candidates()).containsOnlyKeys("node-a");
        assertThat(r.droppedNodes().get("node-b")).isEqualTo("evicting pods of gang ml/spread on node-b would split "
                + "the gang (1 of its 2 pods run on other nodes, e.g. node-c), and the gang is still being placed");
    }

    @Test
    void everyGangIsAllInOrAllOutOfWhatACandidateEvicts() {
        Map<String, List<String>> proposed = new LinkedHashMap<>();
        proposed.put("node-a", List.of("l2"));
        proposed.put("node-b", List.of("s1", "x"));
        proposed.put("node-c", List.of("y"));
        GangPreemption.Result r = GangPreemption.expand(proposed, PODS, g -> null);
        for (GangPreemption.Candidate c : r.candidates().values()) {
            List<String> evicted = new java.util.ArrayList<>(c.onNode());
            c.offNode().forEach(p -> evicted.add(p.podUid()));
            for (GangKey g : List.of(LOCAL, SPREAD)) {
                long inVictims = PODS.stream().filter(p -> p.gang().equals(g) && evicted.contains(p.podUid())).count();
                long inGang = PODS.stream().filter(p -> p.gang().equals(g)).count();
                assertThat(inVictims).as(c.node() + " / " + g).isIn(0L, inGang);
            }
        }
        assertThat(r.candidates().get("node-c").onNode()).containsExactly("y");
    }
}
