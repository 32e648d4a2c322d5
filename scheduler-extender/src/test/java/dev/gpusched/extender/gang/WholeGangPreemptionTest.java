package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.kube.KubeRecords;
import dev.gpusched.gang.PreemptionFollowUp;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The preempt answer and the whole-gang eviction's follow-up over fakes of their ports: a {@link GangDisruptions} that
 * answers an eviction as the API server does (201, or 429 with its message where a test says a disruption budget
 * forbids it), and a {@link GangWriter} whose annotations show up on the cached pods, as the informer would show them.
 * The issue's cluster: p1 and p2 each run a 4-GPU pod and one member of gang ml/lg (2 x 4 GPUs), priority 0.
 */
class WholeGangPreemptionTest {
  private static final String BUDGET = "Cannot evict pod as it would violate the pod's disruption budget. "
      + "The disruption budget lg-pdb needs 2 healthy pods and has 2 currently";

  private final GangRig rig = new GangRig(Duration.ofSeconds(4)).serving();
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> refusals = new HashMap<>();
  private final Set<String> refusingWrites = new java.util.HashSet<>();

  /** Annotates the cached pod as the API server and the informer would. */
  private final GangWriter records = new GangWriter() {
    @Override
    public void annotate(PodRef pod, Map<String, String> annotations) {
      if (refusingWrites.contains(pod.name())) {
        throw new IllegalStateException("patching annotations of " + pod.key() + " failed (HTTP 500): refused by test");
      }
      Pod live = rig.pods.pod(pod.namespace(), pod.name());
      Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder(live).build();
      Map<String, String> ann = new HashMap<>(copy.getMetadata().getAnnotations());
      annotations.forEach((k, v) -> {
        if (v == null) {
          ann.remove(k);
        } else {
          ann.put(k, v);
        }
      });
      copy.getMetadata().setAnnotations(ann);
      rig.pods.put(copy);
      calls.add("annotate " + pod.name() + (annotations.containsValue(null) ? " removed" : " recorded"));
    }

    @Override
    public boolean delete(PodRef pod) {
      throw new UnsupportedOperationException();
    }
  };

  /** Evicts as the API server does, refusing the pods in {@link #refusals} with their message. */
  private final GangDisruptions api = new GangDisruptions() {
    @Override
    public Eviction evict(PodRef pod, boolean dryRun) {
      calls.add((dryRun ? "dry-run " : "evict ") + pod.name());
      if (refusals.containsKey(pod.name())) {
        return new Eviction(Outcome.REFUSED, refusals.get(pod.name()));
      }
      Pod live = rig.pods.pod(pod.namespace(), pod.name());
      if (live == null) {
        return Eviction.GONE;
      }
      if (!dryRun) {
        rig.finished(live);
      }
      return Eviction.EVICTED;
    }

    @Override
    public void event(PodRef pod, String type, String reason, String message) {
      calls.add("event " + pod.name() + " " + reason);
    }
  };

  private final WholeGangEvictions evictions = new WholeGangEvictions(rig.gangs, records, api,
      PreemptionFollowUp.Timing.DEFAULT);
  private final PreemptAnswer preempt = new PreemptAnswer(rig.gangs, records, api, evictions);
  private final Map<String, Pod> byName = new LinkedHashMap<>();

  @AfterEach
  void close() {
    rig.close();
  }

  private void run(String name, String node, String ids, String gang, int priority) {
    Pod p = gang == null ? rig.running(name, node, ids)
        : rig.member(name, gang, 2, ids.split(",").length, Map.of("gpusched.dev/gpu-ids", ids));
    p.getSpec().setNodeName(node);
    p.getSpec().setPriority(priority);
    p.getStatus().setPhase("Running");
    p.getStatus().setStartTime("2026-01-31T09:00:00Z");
    rig.pods.put(p);
    rig.state.submit(l -> l.upsertPod(KubeRecords.podRecord(p)));
    byName.put(name, p);
  }

  private void issueCluster() {
    rig.node("p1").node("p2");
    run("a1", "p1", "0,1,2,3", null, 0);
    run("lg-0", "p1", "4,5,6,7", "lg", 0);
    run("a2", "p2", "0,1,2,3", null, 0);
    run("lg-1", "p2", "4,5,6,7", "lg", 0);
    rig.snapshot();
  }

  private String uid(String name) {
    return byName.get(name).getMetadata().getUid();
  }

  private PreemptAnswer.Answer answer(Map<String, List<String>> byNode) {
    Map<String, List<String>> proposed = new LinkedHashMap<>();
    byNode.forEach((node, names) -> proposed.put(node, names.stream().map(this::uid).toList()));
    Pod big = dev.gpusched.extender.it.Standalone.gpuPod("ml", "big", 8, Map.of());
    big.getMetadata().setUid("uid-big");
    return preempt.answer(big, proposed, Map.of(), (node, victims) -> true);
  }

  private static Map<String, List<String>> issueVictims() {
    Map<String, List<String>> v = new LinkedHashMap<>();
    v.put("p1", List.of("a1", "lg-0"));
    v.put("p2", List.of("a2", "lg-1"));
    return v;
  }

  private boolean carriesRecord(String name) {
    Pod p = rig.pods.pod("ml", name);
    return p != null && p.getMetadata().getAnnotations().containsKey("gpusched.dev/preempted-by");
  }

  @Test
  void aBudgetThatForbidsEvictingTheRestDropsTheCandidateWithItsWordsAndRecordsNothing() {
    issueCluster();
    refusals.put("lg-1", BUDGET);
    refusals.put("lg-0", BUDGET);

    PreemptAnswer.Answer a = answer(issueVictims());

    assertThat(a.candidates()).isEmpty();
    assertThat(a.dropped()).containsEntry("p1", "it takes gang ml/lg whole, and the Eviction API refuses to evict its "
        + "pod ml/lg-1 on p2: " + BUDGET).containsEntry("p2", "it takes gang ml/lg whole, and the Eviction API refuses "
        + "to evict its pod ml/lg-0 on p1: " + BUDGET);
    assertThat(calls).containsExactly("dry-run lg-1", "dry-run lg-0");
  }

  @Test
  void aRefusedCandidateGivesWayToTheNextLeastCostly() {
    issueCluster();
    refusals.put("lg-1", BUDGET); // only p1's gang-mate is protected

    PreemptAnswer.Answer a = answer(issueVictims());

    assertThat(a.candidates()).containsOnlyKeys("p2");
    assertThat(a.dropped().get("p1")).endsWith(BUDGET);
    assertThat(carriesRecord("lg-0")).isTrue();
    assertThat(carriesRecord("lg-1")).isTrue();
    assertThat(evictions.underWay(new dev.gpusched.gang.GangKey("ml", "lg"))).isEqualTo("is being evicted already for "
        + "the preemption by pod ml/big");
  }

  @Test
  void aFailedRecordWriteDropsTheCandidateAndRemovesWhatWasWritten() {
    issueCluster();
    refusingWrites.add("lg-1");

    PreemptAnswer.Answer a = answer(Map.of("p1", List.of("a1", "lg-0")));

    assertThat(a.candidates()).isEmpty();
    assertThat(a.dropped().get("p1")).startsWith("recording the eviction of gang ml/lg on its pods failed (patching "
        + "annotations of ml/lg-1 failed");
    assertThat(carriesRecord("lg-0")).isFalse();
    assertThat(calls).containsSubsequence("annotate lg-0 recorded", "annotate lg-0 removed");
  }

  @Test
  void aRefusedEvictionIsRetriedEveryFiveSecondsAndReportedOnce() {
    issueCluster();
    assertThat(answer(Map.of("p1", List.of("a1", "lg-0"))).candidates()).containsOnlyKeys("p1");
    rig.flushWrites();
    refusals.put("lg-1", BUDGET); // the budget changed between the dry run and the eviction
    rig.finished(byName.get("a1")); // kube-scheduler evicts p1's victims
    rig.finished(byName.get("lg-0"));
    calls.clear();

    evictions.sweep();
    rig.flushWrites();
    rig.clock.advance(Duration.ofSeconds(2));
    evictions.sweep(); // within the retry interval: no new attempt
    rig.flushWrites();
    rig.clock.advance(Duration.ofSeconds(3));
    evictions.sweep();
    rig.flushWrites();
    assertThat(calls).containsExactly("evict lg-1", "event lg-1 GangEvictionRefused", "evict lg-1");

    refusals.clear();
    rig.clock.advance(Duration.ofSeconds(5));
    evictions.sweep();
    rig.flushWrites();
    assertThat(rig.pods.pod("ml", "lg-1")).isNull();
    evictions.sweep(); // every pod of the decision gone: done
    assertThat(evictions.inspect().path(0).path("state").asString()).isEqualTo("done");
  }

  @Test
  void aDecisionNothingCameOfIsUndoneAfterAMinute() {
    issueCluster();
    assertThat(answer(Map.of("p1", List.of("a1", "lg-0"))).candidates()).containsOnlyKeys("p1");
    rig.flushWrites();
    calls.clear();

    rig.clock.advance(Duration.ofSeconds(59));
    evictions.sweep();
    rig.flushWrites();
    assertThat(calls).isEmpty();
    rig.clock.advance(Duration.ofSeconds(1));
    evictions.sweep();
    rig.flushWrites();

    assertThat(carriesRecord("lg-0")).isFalse();
    assertThat(carriesRecord("lg-1")).isFalse();
    assertThat(calls).contains("event lg-0 GangPreemptionUndone", "event lg-1 GangPreemptionUndone")
        .noneMatch(c -> c.startsWith("evict"));
    assertThat(evictions.underWay(new dev.gpusched.gang.GangKey("ml", "lg"))).isNull();
  }
}
