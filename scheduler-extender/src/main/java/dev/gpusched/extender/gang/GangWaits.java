package dev.gpusched.extender.gang;

import dev.gpusched.extender.metrics.ExtenderMetrics;
import dev.gpusched.gang.GangKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How long each gang waited from its first refusal (or its plan) until all its members were bound, for the metric. */
final class GangWaits {
  private final Map<GangKey, Instant> firstSeen = new ConcurrentHashMap<>();
  private final ExtenderMetrics metrics;

  GangWaits(ExtenderMetrics metrics) {
    this.metrics = metrics;
  }

  /** The gang got a place; it has waited since {@code since} unless an earlier start is on record. */
  void started(GangKey gang, Instant since) {
    firstSeen.putIfAbsent(gang, since);
  }

  /** Every member of the gang is bound now: records its wait. */
  void allBound(GangKey gang, Instant now) {
    Instant first = firstSeen.remove(gang);
    if (first != null) {
      metrics.recordGangWait(Duration.between(first, now));
    }
  }

  /** The gang was released or deleted: its wait restarts with its next plan. */
  void forget(GangKey gang) {
    firstSeen.remove(gang);
  }
}
