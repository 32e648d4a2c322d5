package dev.gpusched.extender.gang;

import dev.gpusched.gang.GangRecovery;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.RecordedMember;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the gang reservations from the claim annotations member pods carry ({@link GangRecovery} decides what is
 * restored), before this replica serves: once the informers listed everything at start, and on gaining leadership.
 */
final class ReservationRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ReservationRecovery.class);

  private final GangHandle gangs;

  ReservationRecovery(GangHandle gangs) {
    this.gangs = gangs;
  }

  /**
   * Restores the reservations found on pods and opens the gate; should that fail, serves without them (their gangs may
   * be planned again) rather than never.
   */
  void recover() {
    try {
      rebuild();
    } catch (RuntimeException e) {
      LOG.error("gang recovery failed; serving gangs without the reservations found on pods (they may be planned again)", e);
    } finally {
      gangs.gate().recovered();
    }
  }

  private void rebuild() {
    Set<String> uids = new HashSet<>();
    Map<String, PodRef> refs = new java.util.HashMap<>();
    List<RecordedMember> records = gangs.pods().recordedMembers((m, ref) -> {
      uids.add(m.podUid());
      refs.put(m.podUid(), ref);
      gangs.pods().met(ref);
    });
    Map<String, Long> used = gangs.ledger().heldByOthers(uids);
    GangRecovery.Result result = GangRecovery.recover(records, gangs.pods().endedMemberRecords(),
        node -> used.getOrDefault(node, 0L));
    gangs.coordinator().restore(result.reservations());
    for (GangReservation g : result.reservations().all()) {
      gangs.waits().started(g.key(), g.reservedAt());
    }
    gangs.ledger().publish().join();
    for (String note : result.notes()) {
      LOG.warn("gang recovery: {}", note);
    }
    for (String uid : result.completed()) {
      gangs.writes().forgetClaim(refs.get(uid)); // a gang bound whole needs no records (see GangRecovery)
    }
    LOG.info("gang recovery: {} reservation(s) rebuilt from {} annotated pod(s)", result.reservations().size(),
        records.size());
  }
}
