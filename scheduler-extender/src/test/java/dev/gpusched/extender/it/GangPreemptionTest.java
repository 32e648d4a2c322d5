package dev.gpusched.extender.it;

import static dev.gpusched.extender.it.GangFixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.gang.GangScheduling;
import dev.gpusched.extender.kube.EvictingCrudDispatcher;
import dev.gpusched.gang.PreemptionFollowUp;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The preempt verb takes a gang whole or not at all, against the embedded (mock, CRUD) API server with its eviction
 * subresource: the issue's cluster of two 8-GPU nodes, each with a 4-GPU pod and one member of the 2 x 4-GPU gang
 * ml/lg, all at priority 0, and an 8-GPU preemptor ml/big at priority 1000.
 */
class GangPreemptionTest {
  private Standalone gpusched;

  @AfterEach
  void stop() {
    if (gpusched != null) {
      gpusched.close();
    }
  }

  /** A running pod on {@code node} holding GPUs {@code ids}, of gang lg (size 2) when {@code gang}. */
  private static Pod running(String name, String node, String ids, boolean gang) {
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put("gpusched.dev/gpu-ids", ids);
    if (gang) {
      ann.put("gpusched.dev/gang", "lg");
      ann.put("gpusched.dev/gang-size", "2");
    }
    Pod p = Standalone.gpuPod("ml", name, ids.split(",").length, ann);
    p.getMetadata().setLabels(Map.of("app", gang ? "lg" : name));
    p.getSpec().setNodeName(node);
    p.getSpec().setPriority(0);
    p.getStatus().setPhase("Running");
    p.getStatus().setStartTime("2026-01-31T09:00:00Z");
    return p;
  }

  private static List<HasMetadata> cluster(boolean thirdNode) {
    List<HasMetadata> objects = new ArrayList<>(List.of(GangFixtures.node("p1", null), GangFixtures.node("p2", null),
        running("a1", "p1", "0,1,2,3", false), running("lg-0", "p1", "4,5,6,7", true),
        running("a2", "p2", "0,1,2,3", false), running("lg-1", "p2", "4,5,6,7", true)));
    if (thirdNode) {
      objects.add(GangFixtures.node("p3", null));
      objects.add(running("b", "p3", "0,1,2,3,4,5,6,7", false));
    }
    return objects;
  }

  private Pod preemptor() throws Exception {
    Pod big = Standalone.gpuPod("ml", "big", 8, Map.of());
    big.getSpec().setPriority(1000);
    return gpusched.create(big);
  }

  /** The pod as the API server has it (through the test's own client, which outlives gpusched restarts), or null. */
  private Pod live(String name) {
    return gpusched.api.client().pods().inNamespace("ml").withName(name).get();
  }

  private String uid(String name) {
    return live(name).getMetadata().getUid();
  }

  /** The preempt call kube-scheduler makes with these victims per node (NodeNameToMetaVictims). */
  private Map<String, List<String>> preempt(Pod preemptor, Map<String, List<String>> victimsByNode) {
    Map<String, Object> victims = new LinkedHashMap<>();
    victimsByNode.forEach((node, names) -> victims.put(node, Map.of("Pods",
        names.stream().map(n -> Map.of("UID", uid(n))).toList(), "NumPDBViolations", 0)));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("Pod", preemptor);
    body.put("NodeNameToMetaVictims", victims);
    JsonNode answer = gpusched.json(gpusched.post("/scheduler/preempt",
        dev.gpusched.extender.testing.KubeJson.SERIALIZATION.asJson(body)));
    Map<String, String> nameOf = new LinkedHashMap<>();
    for (Pod p : gpusched.api.client().pods().inNamespace("ml").list().getItems()) {
      nameOf.put(p.getMetadata().getUid(), p.getMetadata().getName());
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : answer.path("NodeNameToMetaVictims").properties()) {
      List<String> names = new ArrayList<>();
      e.getValue().path("Pods").forEach(p -> names.add(nameOf.get(p.path("UID").asString())));
      out.put(e.getKey(), names);
    }
    return out;
  }

  private static Map<String, List<String>> issueVictims(boolean thirdNode) {
    Map<String, List<String>> v = new LinkedHashMap<>();
    v.put("p1", List.of("a1", "lg-0"));
    v.put("p2", List.of("a2", "lg-1"));
    if (thirdNode) {
      v.put("p3", List.of("b"));
    }
    return v;
  }

  /** What kube-scheduler does with the answer: deletes the chosen node's victims. */
  private void kubeSchedulerEvicts(List<String> victims) {
    for (String v : victims) {
      gpusched.api.client().pods().inNamespace("ml").withName(v).delete();
    }
  }

  private List<String> events(String pod) {
    List<String> out = new ArrayList<>();
    for (Event e : gpusched.api.client().v1().events().inNamespace("ml").list().getItems()) {
      if (pod.equals(e.getInvolvedObject().getName())) {
        out.add(e.getReason() + ": " + e.getMessage());
      }
    }
    return out;
  }

  @Test
  void withNoCandidateSparingTheGangOneIsAnsweredAndTheRestOfTheGangIsEvicted() throws Exception {
    gpusched = Standalone.start(cluster(false));
    Pod big = preemptor();

    Map<String, List<String>> answer = preempt(big, issueVictims(false));

    // a tie on every criterion: the first candidate, alone, so kube-scheduler's pick is gpusched's
    assertThat(answer).containsOnlyKeys("p1");
    assertThat(answer.get("p1")).containsExactlyInAnyOrder("a1", "lg-0");
    for (String member : List.of("lg-0", "lg-1")) {
      assertThat(live(member).getMetadata().getAnnotations())
          .containsEntry("gpusched.dev/preempted-by", "ml/big").containsEntry("gpusched.dev/preempted-on", "p1")
          .containsEntry("gpusched.dev/preempted-pods", "2");
    }
    Thread.sleep(1500); // a sweep or more: nothing of the gang is evicted before kube-scheduler begins
    assertThat(live("lg-1")).isNotNull();

    kubeSchedulerEvicts(answer.get("p1"));

    await("lg-1 evicted by gpusched", () -> live("lg-1") == null);
    assertThat(live("a2")).as("the pod outside the gang on p2 stays").isNotNull();
    await("the decision done in /inspect/gangs", () -> {
      try {
        JsonNode p = GangFixtures.gangs(gpusched).path("preempted").path(0);
        return "done".equals(p.path("state").asString());
      } catch (Exception e) {
        return false;
      }
    });
    JsonNode p = GangFixtures.gangs(gpusched).path("preempted").path(0);
    assertThat(p.path("gang").asString()).isEqualTo("ml/lg");
    assertThat(p.path("preemptedBy").asString()).isEqualTo("ml/big");
    assertThat(p.path("node").asString()).isEqualTo("p1");
    await("events", () -> events("lg-1").size() >= 2 && !events("big").isEmpty());
    assertThat(events("lg-1")).anySatisfy(e -> assertThat(e).startsWith("GangPreempted: gang ml/lg is evicted whole: "
        + "the preemption by pod ml/big on node p1 takes one of its members"))
        .anySatisfy(e -> assertThat(e).startsWith("EvictedWithGang: evicted by gpusched through the Eviction API"));
    assertThat(events("big")).anySatisfy(e -> assertThat(e).startsWith("PreemptingGang: preempting on node p1 takes "
        + "gang ml/lg whole (2 pods); gpusched evicts its pods on other nodes [ml/lg-1 on p2]"));
  }

  @Test
  void aCandidateThatSparesTheGangIsAnsweredAndTheGangStays() throws Exception {
    gpusched = Standalone.start(cluster(true));
    Pod big = preemptor();

    Map<String, List<String>> answer = preempt(big, issueVictims(true));

    assertThat(answer).containsExactly(Map.entry("p3", List.of("b")));
    assertThat(live("lg-0").getMetadata().getAnnotations()).doesNotContainKey("gpusched.dev/preempted-by");
    assertThat(live("lg-1").getMetadata().getAnnotations()).doesNotContainKey("gpusched.dev/preempted-by");
  }

  @Test
  void aDisruptionBudgetThatForbidsEvictingTheRestDropsTheCandidate() throws Exception {
    // The mock has no PodDisruptionBudgets: this dispatcher answers the gang's evictions 429 with the API server's
    // message, as it does for a budget with no disruption allowed.
    EvictingCrudDispatcher budget = new EvictingCrudDispatcher() {
      @Override
      protected String budgetRefusal(Pod pod) {
        return "lg".equals(pod.getMetadata().getLabels().get("app"))
            ? "The disruption budget lg-pdb needs 2 healthy pods and has 2 currently" : null;
      }
    };
    gpusched = Standalone.start(cluster(false), budget, GangScheduling.Settings.DEFAULT);
    Pod big = preemptor();

    assertThat(preempt(big, issueVictims(false))).isEmpty();
    for (String member : List.of("lg-0", "lg-1")) {
      assertThat(live(member).getMetadata().getAnnotations()).doesNotContainKey("gpusched.dev/preempted-by");
    }
    assertThat(GangFixtures.gangs(gpusched).path("preempted").isEmpty()).isTrue();
  }

  @Test
  void aLeaderThatStartsAfterTheNodesVictimsWentEvictsTheRestOfTheGang() throws Exception {
    gpusched = Standalone.start(cluster(false));
    Pod big = preemptor();
    Map<String, List<String>> answer = preempt(big, issueVictims(false));
    assertThat(answer).containsOnlyKeys("p1");

    // gpusched stops right after its answer, before it could see kube-scheduler's evictions; kube-scheduler evicts
    gpusched.stopGpusched();
    kubeSchedulerEvicts(answer.get("p1"));
    assertThat(live("lg-1")).isNotNull();

    gpusched.startGpusched(); // the next leader: reads the decision from the pods and finishes it
    await("lg-1 evicted by the next leader", () -> live("lg-1") == null);
    assertThat(live("a2")).isNotNull();
  }

  @Test
  void aDecisionKubeSchedulerNeverActedOnIsUndoneByTheNextLeader() throws Exception {
    gpusched = Standalone.start(cluster(false), new EvictingCrudDispatcher(), GangScheduling.Settings.DEFAULT
        .withPreemption(new PreemptionFollowUp.Timing(Duration.ofSeconds(10), Duration.ofSeconds(2))));
    Pod big = preemptor();
    assertThat(preempt(big, issueVictims(false))).containsOnlyKeys("p1");

    // the deciding replica stops; kube-scheduler never evicts (as when it never got the answer)
    gpusched.stopGpusched();
    gpusched.startGpusched();

    await("the record undone", () -> live("lg-0").getMetadata().getAnnotations()
        .get("gpusched.dev/preempted-by") == null && live("lg-1").getMetadata().getAnnotations()
        .get("gpusched.dev/preempted-by") == null);
    assertThat(live("lg-0")).isNotNull();
    assertThat(live("lg-1")).isNotNull();
    assertThat(GangFixtures.gangs(gpusched).path("preempted").path(0).path("state").asString()).isEqualTo("undone");
  }

  @Test
  void aGangOnOneNodeIsTakenWholeByThatNodesCandidate() throws Exception {
    List<HasMetadata> objects = List.of(GangFixtures.node("p1", null), running("lg-0", "p1", "0,1,2,3", true),
        running("lg-1", "p1", "4,5,6,7", true));
    gpusched = Standalone.start(objects);
    Pod big = preemptor();

    assertThat(preempt(big, Map.of("p1", List.of("lg-0")))).containsExactly(Map.entry("p1", List.of("lg-0", "lg-1")));
    assertThat(live("lg-1").getMetadata().getAnnotations()).doesNotContainKey("gpusched.dev/preempted-by");
  }
}
