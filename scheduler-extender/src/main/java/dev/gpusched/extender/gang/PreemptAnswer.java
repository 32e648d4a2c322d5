package dev.gpusched.extender.gang;

import dev.gpusched.extender.state.CachedPod;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPreemption;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.PreemptedGang;
import dev.gpusched.gang.PreemptionChoice;
import dev.gpusched.gang.Reservations;
import dev.gpusched.gang.ReservedSlot;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preempt verb where gangs are concerned: kube-scheduler's proposed victims widened so a gang goes whole
 * ({@link GangPreemption}), the candidates weighed ({@link PreemptionChoice}), and when the one answered takes a gang
 * that runs on other nodes too, the decision made safe before kube-scheduler acts on it: the Eviction API is asked (dry
 * run) whether every pod of the gang elsewhere may be evicted now, and the decision is recorded on every pod of the
 * gang ({@link PreemptedGang}); {@link WholeGangEvictions} then evicts the rest once kube-scheduler has begun.
 */
final class PreemptAnswer {
  private static final Logger LOG = LoggerFactory.getLogger(PreemptAnswer.class);

  private final GangHandle gangs;
  private final GangWriter records;
  private final GangDisruptions api;
  private final WholeGangEvictions evictions;

  PreemptAnswer(GangHandle gangs, GangWriter records, GangDisruptions api, WholeGangEvictions evictions) {
    this.gangs = gangs;
    this.records = records;
    this.api = api;
    this.evictions = evictions;
  }

  /**
   * What is answered.
   *
   * @param candidates node to victim UIDs, most important first (as kube-scheduler orders victims)
   * @param dropped    node to why it is not answered (a node whose victims free too little is simply absent)
   */
  record Answer(Map<String, List<String>> candidates, Map<String, String> dropped) {}

  /**
   * The candidates to answer. Blocking (API calls when a gang on several nodes is taken): call it off the event loop.
   *
   * @param pdbViolations per node, the PDB violations kube-scheduler counted among its victims
   * @param fits          whether evicting these pods from the node frees enough for the preemptor
   */
  synchronized Answer answer(Pod preemptor, Map<String, List<String>> proposed, Map<String, Long> pdbViolations,
      BiPredicate<String, Set<String>> fits) {
    Map<String, CachedPod> byUid = gangs.pods().byUidIndex();
    GangPreemption.Result expanded = GangPreemption.expand(proposed, placedGangPods(byUid), untouchable());
    Map<String, String> dropped = new LinkedHashMap<>(expanded.droppedNodes());
    Instant now = gangs.clock().instant();
    List<PreemptionChoice.Weighed> feasible = new ArrayList<>();
    for (GangPreemption.Candidate c : expanded.candidates().values()) {
      if (fits.test(c.node(), Set.copyOf(c.onNode()))) {
        feasible.add(new PreemptionChoice.Weighed(c.node(), victims(c.onNode(), byUid, now),
            victims(c.offNode().stream().map(GangPreemption.GangPod::podUid).toList(), byUid, now),
            pdbViolations.getOrDefault(c.node(), 0L)));
      }
    }
    PreemptionChoice.Choice choice = PreemptionChoice.weigh(feasible);
    if (!choice.unsplit().isEmpty()) {
      for (PreemptionChoice.Weighed w : feasible) {
        if (w.splitsGang()) {
          dropped.put(w.node(), "it takes gang(s) " + expanded.candidates().get(w.node()).gangsTaken() + " whole, "
              + "evicting pods on other nodes too, and candidates that evict nothing off their node exist");
        }
      }
      return new Answer(answerOf(choice.unsplit()), dropped);
    }
    PodRef self = PodRef.of(preemptor);
    for (PreemptionChoice.Weighed w : choice.splitRanked()) {
      String refused = take(self, expanded.candidates().get(w.node()), byUid, now);
      if (refused == null) {
        LOG.info("preemption by {} on {} takes gang(s) {} whole ({})", self.key(), w.node(),
            expanded.candidates().get(w.node()).gangsTaken(), w.cost());
        choice.splitRanked().stream().filter(other -> !other.node().equals(w.node()) && !dropped.containsKey(
            other.node())).forEach(other -> dropped.put(other.node(), "costlier than " + w.node() + " once gang-mates "
                + "on other nodes count: " + other.cost() + " against " + w.cost()));
        return new Answer(answerOf(List.of(w)), dropped);
      }
      dropped.put(w.node(), refused);
    }
    return new Answer(Map.of(), dropped);
  }

  /** Why a gang's placed pods may not be taken across nodes now, or null when they may. */
  private Function<GangKey, String> untouchable() {
    String notServing = gangs.gate().notServing();
    Reservations reservations = gangs.coordinator().reservations();
    return g -> notServing != null ? "cannot be taken now: " + notServing
        : reservations.get(g) != null ? "is still being placed (its reservation is not bound whole); it can be taken "
            + "once bound"
        : evictions.underWay(g);
  }

  /** Pods holding a place in a reservation, and every bound running gang pod among {@code byUid}. */
  private List<GangPreemption.GangPod> placedGangPods(Map<String, CachedPod> byUid) {
    Map<String, GangPreemption.GangPod> placed = new LinkedHashMap<>();
    for (GangReservation g : gangs.coordinator().reservations().all()) {
      for (ReservedSlot s : g.slots()) {
        if (s.podUid() != null) {
          placed.put(s.podUid(), new GangPreemption.GangPod(s.podUid(), g.key(), s.node()));
        }
      }
    }
    for (GangPreemption.GangPod p : gangs.pods().boundGangPods(byUid.values())) {
      placed.put(p.podUid(), p);
    }
    return new ArrayList<>(placed.values());
  }

  private static List<PreemptionChoice.Victim> victims(List<String> uids, Map<String, CachedPod> byUid, Instant now) {
    List<PreemptionChoice.Victim> out = new ArrayList<>();
    for (String uid : uids) {
      CachedPod p = byUid.get(uid);
      Integer priority = p == null ? null : p.priority();
      Instant start = p == null || p.startSecond() == CachedPod.NOT_STARTED ? now : Instant.ofEpochSecond(p.startSecond());
      out.add(new PreemptionChoice.Victim(uid, priority == null ? 0 : priority, start));
    }
    return out;
  }

  private static Map<String, List<String>> answerOf(List<PreemptionChoice.Weighed> answered) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (PreemptionChoice.Weighed w : answered) {
      out.put(w.node(), w.onNode().stream().sorted(PreemptionChoice.MORE_IMPORTANT_FIRST)
          .map(PreemptionChoice.Victim::podUid).toList());
    }
    return out;
  }

  /**
   * Makes the candidate's whole-gang evictions safe to answer: the Eviction API must allow every pod of its gangs on
   * other nodes now, and each decision is recorded on every pod of its gang. Returns null when done, else why the
   * candidate is dropped (nothing stays recorded then).
   */
  private String take(PodRef preemptor, GangPreemption.Candidate c, Map<String, CachedPod> byUid, Instant now) {
    for (GangPreemption.GangPod p : c.offNode()) {
      CachedPod pod = byUid.get(p.podUid());
      if (pod == null) {
        return "pod " + p.podUid() + " of gang " + p.gang() + " on " + p.node() + " is not in gpusched's cache";
      }
      GangDisruptions.Eviction e = api.evict(PodRef.of(pod), true);
      if (!e.allowed()) {
        return "it takes gang " + p.gang() + " whole, and the Eviction API refuses to evict its pod "
            + PodRef.of(pod).key() + " on " + p.node() + ": " + e.message();
      }
    }
    Map<PreemptedGang, List<PodRef>> decisions = new LinkedHashMap<>();
    for (GangKey g : c.gangsTaken()) {
      List<PodRef> members = new ArrayList<>();
      for (String uid : c.onNode()) {
        addIfOf(g, byUid.get(uid), members);
      }
      for (GangPreemption.GangPod p : c.offNode()) {
        addIfOf(g, byUid.get(p.podUid()), members);
      }
      decisions.put(new PreemptedGang(g, preemptor.key(), c.node(), now, members.size()), members);
    }
    List<PodRef> written = new ArrayList<>();
    for (Map.Entry<PreemptedGang, List<PodRef>> d : decisions.entrySet()) {
      for (PodRef m : d.getValue()) {
        try {
          records.annotate(m, d.getKey().annotations());
          written.add(m);
        } catch (RuntimeException e) {
          unrecord(written, decisions.keySet());
          return "recording the eviction of gang " + d.getKey().gang() + " on its pods failed (" + e.getMessage() + ")";
        }
      }
    }
    decisions.forEach((d, members) -> {
      evictions.decided(d);
      List<String> elsewhere = new ArrayList<>();
      for (GangPreemption.GangPod p : c.offNode()) {
        if (p.gang().equals(d.gang())) {
          elsewhere.add(PodRef.of(byUid.get(p.podUid())).key() + " on " + p.node());
        }
      }
      for (PodRef m : members) {
        gangs.writes().inBackground(() -> api.event(m, "Normal", "GangPreempted", d.describe() + "; gpusched evicts its pods"
            + " on other nodes " + elsewhere + " through the Eviction API"));
      }
      gangs.writes().inBackground(() -> api.event(preemptor, "Normal", "PreemptingGang", "preempting on node " + d.node()
          + " takes gang " + d.gang() + " whole (" + d.pods() + " pods); gpusched evicts its pods on other nodes "
          + elsewhere));
    });
    return null;
  }

  /**
   * Removes the records written before a write failed; the decisions whose records could not all be removed are
   * followed up anyway, so they are undone once nothing came of them.
   */
  private void unrecord(List<PodRef> written, java.util.Collection<PreemptedGang> decisions) {
    boolean left = false;
    for (PodRef pod : written) {
      try {
        records.annotate(pod, PreemptedGang.removed());
      } catch (RuntimeException e) {
        left = true;
        LOG.warn("could not remove a gang preemption record from {}: {}", pod.key(), e.getMessage());
      }
    }
    if (left) {
      decisions.forEach(evictions::decided);
    }
  }

  private void addIfOf(GangKey g, CachedPod pod, List<PodRef> members) {
    if (pod != null) {
      var spec = gangs.pods().specOrNull(pod);
      if (spec != null && spec.key().equals(g)) {
        members.add(PodRef.of(pod));
      }
    }
  }
}
