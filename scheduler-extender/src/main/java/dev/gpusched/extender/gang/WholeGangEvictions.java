package dev.gpusched.extender.gang;

import dev.gpusched.extender.api.WireJson;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.PreemptedGang;
import dev.gpusched.gang.PreemptionFollowUp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The follow-up of every whole-gang eviction a preemption decided ({@link PreemptedGang}, recorded on the gang's pods):
 * on each sweep, {@link PreemptionFollowUp} says from the pods as the cache shows them whether to evict the gang's
 * remaining pods (through the Eviction API), to undo a decision nothing came of, or to wait. The decisions in progress
 * are kept in memory and rebuilt from the pods' records when this replica starts or takes the lead, so a decision
 * another leader made and could not finish is finished here. Only while this replica serves.
 */
final class WholeGangEvictions {
  private static final Logger LOG = LoggerFactory.getLogger(WholeGangEvictions.class);
  /** Least time between two eviction attempts of one pod (a disruption budget refuses for a while). */
  private static final Duration RETRY = Duration.ofSeconds(5);
  /** How many finished decisions /inspect/gangs keeps showing. */
  private static final int HISTORY = 32;

  /** A decision is known by its gang and when it was made. */
  private record Key(GangKey gang, Instant at) {
    static Key of(PreemptedGang d) {
      return new Key(d.gang(), d.at());
    }
  }

  /** A decision that ended, for /inspect. */
  private record Ended(PreemptedGang decision, String state, Instant when) {}

  private final GangHandle gangs;
  private final GangWriter records;
  private final GangDisruptions api;
  private final PreemptionFollowUp.Timing timing;
  private final Map<Key, PreemptedGang> pending = new ConcurrentHashMap<>();
  private final Deque<Ended> ended = new ArrayDeque<>();
  /** Per pod UID: when its eviction was last asked for. */
  private final Map<String, Instant> attempts = new ConcurrentHashMap<>();
  /** Pods whose eviction refusal was already reported in an event. */
  private final Set<String> refusalReported = ConcurrentHashMap.newKeySet();

  WholeGangEvictions(GangHandle gangs, GangWriter records, GangDisruptions api, PreemptionFollowUp.Timing timing) {
    this.gangs = gangs;
    this.records = records;
    this.api = api;
    this.timing = timing;
  }

  /** Why the gang may not be taken by another preemption now (one is evicting it), or null. */
  String underWay(GangKey gang) {
    for (PreemptedGang d : pending.values()) {
      if (d.gang().equals(gang)) {
        return "is being evicted already for the preemption by pod " + d.preemptor();
      }
    }
    return null;
  }

  /** A decision was recorded on every pod of its gang; follow it from the next sweep on. */
  void decided(PreemptedGang decision) {
    pending.put(Key.of(decision), decision);
  }

  /** Adopts every decision the pods record (at start, and on taking the lead). */
  void recover() {
    for (GangPods.Carrier c : gangs.pods().preemptionCarriers(new HashMap<>())) {
      if (pending.putIfAbsent(Key.of(c.decision()), c.decision()) == null) {
        LOG.warn("gang preemption found on the pods, to be finished or undone: {} (decided {})",
            c.decision().describe(), c.decision().at());
      }
    }
  }

  /** Finishes, undoes or waits for each decision in progress; the API calls are queued on the gang writer. */
  synchronized void sweep() {
    if (pending.isEmpty() || !gangs.gate().serving()) {
      return;
    }
    Map<GangKey, Integer> running = new HashMap<>();
    Map<Key, List<GangPods.Carrier>> carrying = new HashMap<>();
    for (GangPods.Carrier c : gangs.pods().preemptionCarriers(running)) {
      carrying.computeIfAbsent(Key.of(c.decision()), k -> new ArrayList<>()).add(c);
    }
    Instant now = gangs.clock().instant();
    for (PreemptedGang d : List.copyOf(pending.values())) {
      List<GangPods.Carrier> mine = carrying.getOrDefault(Key.of(d), List.of());
      List<PreemptionFollowUp.Member> members = new ArrayList<>();
      Map<String, PodRef> refs = new HashMap<>();
      int aliveCarrying = 0;
      for (GangPods.Carrier c : mine) {
        members.add(new PreemptionFollowUp.Member(c.pod().uid(), c.node() == null ? "" : c.node(), c.terminating()));
        refs.put(c.pod().uid(), c.pod());
        aliveCarrying += c.terminating() || c.node() == null ? 0 : 1;
      }
      int others = Math.max(0, running.getOrDefault(d.gang(), 0) - aliveCarrying);
      PreemptionFollowUp.Step step = PreemptionFollowUp.next(d, members, others, now, timing);
      if (step instanceof PreemptionFollowUp.Done) {
        end(d, "done", now, refs.keySet());
      } else if (step instanceof PreemptionFollowUp.Evict evict) {
        for (String uid : evict.podUids()) {
          Instant last = attempts.get(uid);
          if (last == null || !now.isBefore(last.plus(RETRY))) {
            attempts.put(uid, now);
            PodRef ref = refs.get(uid);
            gangs.writes().inBackground(() -> evict(ref, d));
          }
        }
      } else if (step instanceof PreemptionFollowUp.Undo undo) {
        end(d, "undone", now, refs.keySet());
        LOG.warn("gang preemption undone: nothing of gang {} was evicted within {} s of the decision ({}); the gang "
            + "runs on", d.gang(), timing.undoAfter().toSeconds(), d.describe());
        for (String uid : undo.podUids()) {
          PodRef ref = refs.get(uid);
          gangs.writes().inBackground(() -> undo(ref, d));
        }
      }
    }
  }

  private void end(PreemptedGang d, String state, Instant now, Set<String> uids) {
    pending.remove(Key.of(d));
    uids.forEach(uid -> {
      attempts.remove(uid);
      refusalReported.remove(uid);
    });
    synchronized (ended) {
      ended.addFirst(new Ended(d, state, now));
      while (ended.size() > HISTORY) {
        ended.removeLast();
      }
    }
  }

  private void evict(PodRef pod, PreemptedGang d) {
    GangDisruptions.Eviction e = api.evict(pod, false);
    switch (e.outcome()) {
      case EVICTED -> {
        LOG.info("evicted {}: {}", pod.key(), d.describe());
        api.event(pod, "Normal", "EvictedWithGang", "evicted by gpusched through the Eviction API: " + d.describe());
      }
      case GONE -> { }
      case REFUSED -> {
        LOG.warn("eviction of {} refused ({}): {}; retried every {} s", pod.key(), d.describe(), e.message(),
            RETRY.toSeconds());
        if (refusalReported.add(pod.uid())) {
          api.event(pod, "Warning", "GangEvictionRefused", "gpusched could not evict this pod (" + d.describe()
              + "): " + e.message() + "; it retries every " + RETRY.toSeconds() + " s");
        }
      }
      case FAILED -> LOG.warn("eviction of {} failed ({}): {}; retried", pod.key(), d.describe(), e.message());
    }
  }

  private void undo(PodRef pod, PreemptedGang d) {
    try {
      records.annotate(pod, PreemptedGang.removed());
      api.event(pod, "Normal", "GangPreemptionUndone", "nothing of gang " + d.gang() + " was evicted within "
          + timing.undoAfter().toSeconds() + " s of the preemption by pod " + d.preemptor() + " on node " + d.node()
          + "; the decision is undone and the gang runs on");
    } catch (RuntimeException e) {
      LOG.warn("could not remove the gang preemption record from {}: {}", pod.key(), e.getMessage());
    }
  }

  /** The decisions in progress and the last ended ones, for {@code GET /inspect/gangs}. */
  ArrayNode inspect() {
    ArrayNode out = WireJson.array();
    Map<Key, Integer> remaining = new LinkedHashMap<>();
    if (!pending.isEmpty()) {
      for (GangPods.Carrier c : gangs.pods().preemptionCarriers(new HashMap<>())) {
        if (!c.terminating()) {
          remaining.merge(Key.of(c.decision()), 1, Integer::sum);
        }
      }
    }
    for (PreemptedGang d : pending.values()) {
      put(out.addObject(), d, "evicting").put("podsRemaining", remaining.getOrDefault(Key.of(d), 0));
    }
    synchronized (ended) {
      for (Ended e : ended) {
        put(out.addObject(), e.decision(), e.state()).put("ended", e.when().toString());
      }
    }
    return out;
  }

  private static ObjectNode put(ObjectNode o, PreemptedGang d, String state) {
    return o.put("gang", d.gang().toString()).put("preemptedBy", d.preemptor()).put("node", d.node())
        .put("decided", d.at().toString()).put("pods", d.pods()).put("state", state);
  }
}
