package dev.gpusched.extender.gang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.gang.GangKey;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The housekeeping adapter: a gang past its deadline is released (its bound members deleted, the others' claims
 * removed), a waiting gang that fits now has its pods nudged once, and the last deleted pod of a gang ends it.
 */
class GangHousekeepingTest {
  private static final GangKey G = new GangKey("ml", "g");
  private static final Duration RETRY = Duration.ofSeconds(5);
  private final GangRig rig = new GangRig(Duration.ofMillis(300)).serving();
  private final GangFilter filter = rig.filter;
  private final GangBindHold bindHold = rig.bindHold;
  private final GangHousekeeping housekeeping = new GangHousekeeping(rig.gangs, rig.release, rig.topologies, RETRY);

  @AfterEach
  void close() {
    rig.close();
  }

  @Test
  void aGangPastItsDeadlineIsReleasedItsBoundMemberDeletedAndTheOthersClaimRemoved() throws Exception {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 2, 4, Map.of("gpusched.dev/gang-timeout", "60s"));
    Pod b = rig.member("b", "g", 2, 4, Map.of("gpusched.dev/gang-timeout", "60s"));
    String node = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot).node();
    filter.filter(b, GangRig.spec(b), GangRig.demand(b), snapshot);
    rig.binds.failingBinds.add("b"); // the barrier opens, a is bound, b's Binding fails
    CompletableFuture<String> first = bindHold.bind(a, GangRig.spec(a), node);
    assertThat(bindHold.bind(b, GangRig.spec(b), node).get(5, TimeUnit.SECONDS)).contains("etcd timeout");
    assertThat(first.get(5, TimeUnit.SECONDS)).isNull();

    housekeeping.sweep();
    assertThat(rig.coordinator.reservations().get(G)).isNotNull(); // before its deadline nothing happens
    rig.clock.advance(Duration.ofSeconds(61));
    housekeeping.sweep();

    assertThat(rig.coordinator.reservations().get(G)).isNull();
    rig.flushWrites();
    assertThat(rig.api.startingWith("delete")).containsExactly("delete ml/a");
    assertThat(rig.api.startingWith("annotate ml/b")).last().asString().contains("gpusched.dev/reserved-node=null");
    assertThat(rig.metrics.scrape()).contains("gpusched_gang_timeouts_total 1.0");
    assertThat(rig.reservedInLedger()).isEmpty();
  }

  @Test
  void aMemberBoundAlthoughItsBindReportedAFailureIsDeletedWithItsReleasedGang() throws Exception {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 3, 2, Map.of("gpusched.dev/gang-timeout", "60s"));
    Pod b = rig.member("b", "g", 3, 2, Map.of("gpusched.dev/gang-timeout", "60s"));
    Pod c = rig.member("c", "g", 3, 2, Map.of("gpusched.dev/gang-timeout", "60s"));
    String node = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot).node();
    filter.filter(b, GangRig.spec(b), GangRig.demand(b), snapshot);
    filter.filter(c, GangRig.spec(c), GangRig.demand(c), snapshot);
    // b's Binding reaches the API server but its call fails (a timeout under load); c's fails outright
    rig.binds.failingBinds.add("b");
    rig.binds.failingBinds.add("c");
    CompletableFuture<String> first = bindHold.bind(a, GangRig.spec(a), node);
    CompletableFuture<String> second = bindHold.bind(b, GangRig.spec(b), node);
    assertThat(bindHold.bind(c, GangRig.spec(c), node).get(5, TimeUnit.SECONDS)).contains("etcd timeout");
    assertThat(first.get(5, TimeUnit.SECONDS)).isNull();
    assertThat(second.get(5, TimeUnit.SECONDS)).contains("etcd timeout");
    Pod boundB = new io.fabric8.kubernetes.api.model.PodBuilder(rig.pods.pod("ml", "b")).editSpec().withNodeName(node)
        .endSpec().build();
    rig.pods.put(boundB); // the informer shows b bound

    rig.clock.advance(Duration.ofSeconds(61));
    housekeeping.sweep();
    rig.flushWrites();

    assertThat(rig.api.startingWith("delete")).containsExactlyInAnyOrder("delete ml/a", "delete ml/b");
    assertThat(rig.api.startingWith("annotate ml/c")).last().asString().contains("gpusched.dev/reserved-node=null");
  }

  @Test
  void aWaitingGangIsNudgedOnceWhenItFitsAndNotAgainWithinTheRetryInterval() {
    rig.node("n1").node("n2");
    Pod other = rig.running("other", "n2", "0,1,2,3,4,5,6,7");
    ClusterSnapshot busy = rig.snapshot();
    Pod a = rig.member("a", "g", 2, 8);
    Pod b = rig.member("b", "g", 2, 8);
    filter.filter(a, GangRig.spec(a), GangRig.demand(a), busy);
    filter.filter(b, GangRig.spec(b), GangRig.demand(b), busy);

    housekeeping.sweep();
    rig.flushWrites();
    assertThat(rig.api.writes).isEmpty(); // it does not fit yet

    rig.finished(other);
    rig.snapshot();
    housekeeping.sweep();
    rig.flushWrites();
    String stamp = rig.clock.now.toString();
    assertThat(rig.api.writes).containsExactlyInAnyOrder("annotate ml/a {gpusched.dev/retry-after=" + stamp + "}",
        "annotate ml/b {gpusched.dev/retry-after=" + stamp + "}");
    assertThat(rig.coordinator.reservations().size()).isZero(); // a nudge reserves nothing: the pods' filters will

    rig.running("blip", "n2", "0"); // the cluster changes again...
    rig.finished(rig.pods.pod("ml", "blip"));
    rig.snapshot();
    rig.clock.advance(Duration.ofSeconds(4));
    housekeeping.sweep();
    rig.flushWrites();
    assertThat(rig.api.writes).hasSize(2); // ...but within 5 s of the last nudge: no second one
    rig.clock.advance(Duration.ofSeconds(1));
    rig.running("blip2", "n2", "0");
    rig.snapshot();
    housekeeping.sweep();
    rig.flushWrites();
    assertThat(rig.api.writes).hasSize(2); // n2 is partly used again: the gang does not fit, no nudge
  }

  @Test
  void aDeletedMembersPlaceWaitsForItsReplacementAndTheLastPodEndsTheGang() throws Exception {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 2, 4);
    Pod b = rig.member("b", "g", 2, 4);
    String node = filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot).node();
    filter.filter(b, GangRig.spec(b), GangRig.demand(b), snapshot);
    CompletableFuture<String> held = bindHold.bind(a, GangRig.spec(a), node);

    rig.pods.remove("ml", "a");
    housekeeping.podDeleted(a);
    assertThat(held.get(1, TimeUnit.SECONDS)).isEqualTo("pod ml/a was deleted");
    assertThat(rig.coordinator.reservations().get(G).slotOf(a.getMetadata().getUid())).isNull();
    assertThat(rig.coordinator.reservations().get(G).slots()).hasSize(2); // a's place waits for a replacement

    rig.pods.remove("ml", "b");
    housekeeping.podDeleted(b);
    assertThat(rig.coordinator.reservations().get(G)).isNull();
    assertThat(rig.reservedInLedger()).isEmpty();
  }

  @Test
  void aReplicaThatDoesNotLeadReleasesAndNudgesNothing() {
    ClusterSnapshot snapshot = rig.node("n1").snapshot();
    Pod a = rig.member("a", "g", 1, 8, Map.of("gpusched.dev/gang-timeout", "10s"));
    filter.filter(a, GangRig.spec(a), GangRig.demand(a), snapshot);
    rig.gangs.gate().leaderCheck(() -> false);
    rig.clock.advance(Duration.ofSeconds(11));

    housekeeping.sweep();

    assertThat(rig.coordinator.reservations().get(G)).isNotNull();
  }
}
