package dev.gpusched.extender.gang;

import dev.gpusched.extender.api.WireJson;
import dev.gpusched.gang.GangKey;
import dev.gpusched.gang.GangPlanCodec;
import dev.gpusched.gang.GangReservation;
import dev.gpusched.gang.Reservations;
import dev.gpusched.gang.ReservedSlot;
import dev.gpusched.gang.SlotState;
import dev.gpusched.gang.StarvationGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** JSON of gang state for operators and tests: {@code GET /inspect/gangs} and the reservations of one node. Pure. */
final class GangInspectView {
  private GangInspectView() {}

  /** A gang whose last plan failed, as /inspect shows it. */
  record WaitingGang(GangKey gang, int size, Instant since, String reason, int pods, Instant lastNudge) {}

  /**
   * @param podKeyOf namespace/name of a pod by UID, or null when unknown
   * @param bound gangs with every member bound and running, with their running member count
   */
  static ObjectNode gangs(Reservations reservations, List<WaitingGang> waiting, Map<GangKey, Integer> bound,
      StarvationGuard.Hold hold, Function<String, String> podKeyOf, Instant now) {
    ObjectNode out = WireJson.object();
    ArrayNode reserved = out.putArray("reserved");
    for (GangReservation g : reservations.all()) {
      ObjectNode o = reserved.addObject();
      o.put("gang", g.key().toString());
      o.put("size", g.spec().size());
      o.put("interNode", g.spec().policy().value());
      o.put("reservedAt", g.reservedAt().toString());
      o.put("deadline", g.deadline().toString());
      o.put("reservationAgeSeconds", Duration.between(g.reservedAt(), now).toMillis() / 1000.0);
      int placed = 0;
      for (ReservedSlot s : g.slots()) {
        placed += s.podUid() != null ? 1 : 0;
      }
      o.put("placed", placed);
      o.put("ready", g.count(SlotState.READY));
      o.put("bound", g.count(SlotState.BOUND) + g.count(SlotState.BINDING));
      o.put("missing", g.slots().size() - placed);
      ArrayNode members = o.putArray("members");
      for (ReservedSlot s : g.slots()) {
        ObjectNode m = members.addObject();
        m.put("slot", s.member());
        m.put("node", s.node());
        m.put("gpuIds", GangPlanCodec.gpuIds(s.gpuMask()));
        m.put("state", s.state().name().toLowerCase(Locale.ROOT));
        m.put("pod", podKeyOf.apply(s.podUid()));
        m.put("uid", s.podUid());
      }
    }
    ArrayNode waitingOut = out.putArray("waiting");
    waiting.sort(Comparator.comparing(WaitingGang::gang));
    for (WaitingGang w : waiting) {
      ObjectNode o = waitingOut.addObject();
      o.put("gang", w.gang().toString());
      o.put("size", w.size());
      o.put("waitingSeconds", Duration.between(w.since(), now).toMillis() / 1000.0);
      o.put("reason", w.reason());
      o.put("pods", w.pods());
      if (w.lastNudge() != null) {
        o.put("lastRetryNudge", w.lastNudge().toString());
      }
    }
    ArrayNode boundOut = out.putArray("bound");
    bound.forEach((k, n) -> boundOut.addObject().put("gang", k.toString()).put("runningMembers", n));
    if (hold != null) {
      ObjectNode h = out.putObject("hold");
      h.put("gang", hold.gang().toString());
      h.put("since", hold.since().toString());
      ArrayNode nodes = h.putArray("nodes");
      hold.nodes().forEach(nodes::add);
    }
    return out;
  }

  /** Every reserved place on one node: gang, slot, GPUs, progress, pod and when the gang was reserved. */
  static ArrayNode reservationsOn(Reservations reservations, String node, Function<String, String> podKeyOf) {
    ArrayNode out = WireJson.array();
    for (GangReservation g : reservations.all()) {
      for (ReservedSlot s : g.slots()) {
        if (s.node().equals(node)) {
          ObjectNode o = out.addObject();
          o.put("gang", g.key().toString());
          o.put("slot", s.member());
          o.put("gpuIds", GangPlanCodec.gpuIds(s.gpuMask()));
          o.put("state", s.state().name().toLowerCase(Locale.ROOT));
          o.put("pod", podKeyOf.apply(s.podUid()));
          o.put("reservedAt", g.reservedAt().toString());
        }
      }
    }
    return out;
  }
}
