package dev.gpusched.extender.http;

import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.Holder;
import dev.gpusched.extender.state.NodeGpuState;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** JSON of what gpusched believes, for operators and tests: {@code /inspect} and {@code /inspect/{node}}. */
public final class InspectView {
  private InspectView() {}

  public static ObjectNode cluster(ClusterSnapshot s, dev.gpusched.extender.dcgm.DcgmPoller dcgm) {
    ObjectNode out = WireJson.object();
    out.put("synced", s.synced());
    out.put("version", s.version());
    ObjectNode metrics = out.putObject("dcgm");
    metrics.put("enabled", dcgm != null);
    if (dcgm != null) {
      var view = dcgm.view(java.time.Instant.now());
      metrics.put("stale", view.stale());
      metrics.put("decisions", view.stale() ? "ledger alone (DCGM metrics stale or never read)" : "ledger and DCGM");
      long age = view.ageMillis();
      if (age >= 0 && age < Long.MAX_VALUE) {
        metrics.put("ageSeconds", age / 1000.0);
      }
      metrics.put("consecutiveFailures", dcgm.consecutiveFailures());
      ArrayNode problems = metrics.putArray("problems");
      view.telemetry().problems().forEach(problems::add);
    } else {
      metrics.put("decisions", "ledger alone (no --prometheus-url)");
    }
    int total = 0;
    int free = 0;
    ArrayNode nodes = out.putArray("nodes");
    for (NodeGpuState n : s.nodes()) {
      total += n.gpuCount();
      free += n.freeWholeCount();
      ObjectNode o = nodes.addObject();
      o.put("node", n.name());
      o.put("gpuCount", n.gpuCount());
      o.put("freeGpus", n.freeWholeCount());
      o.put("product", n.info().product());
      if (!n.disagreements().isEmpty()) {
        o.put("disagreements", n.disagreements().size());
      }
      if (!n.conflicts().isEmpty()) {
        o.put("conflicts", n.conflicts().size());
      }
    }
    out.put("gpus", total);
    out.put("freeGpus", free);
    return out;
  }

  /** A pod as gpusched reads it: identity, binding, recorded GPUs and the demand parsed from it (or why it is invalid). */
  public static ObjectNode pod(io.fabric8.kubernetes.api.model.Pod pod) {
    ObjectNode out = WireJson.object();
    var meta = pod.getMetadata();
    out.put("pod", meta.getNamespace() + "/" + meta.getName());
    out.put("uid", meta.getUid());
    out.put("node", pod.getSpec() == null ? null : pod.getSpec().getNodeName());
    String ids = meta.getAnnotations() == null ? null : meta.getAnnotations().get(dev.gpusched.extender.model.Annotations.GPU_IDS);
    out.put("gpuIds", ids);
    try {
      var d = dev.gpusched.extender.model.PodDemandParser.parse(pod);
      ObjectNode demand = out.putObject("demand");
      demand.put("gpus", d.gpus());
      demand.put("milli", d.milli());
      demand.put("memoryMiB", d.memoryMiB());
      demand.put("intraNode", d.intraNode().annotationValue());
      demand.put("placement", d.placement().annotationValue());
      ArrayNode models = demand.putArray("allowedModels");
      d.allowedModels().forEach(models::add);
    } catch (dev.gpusched.extender.model.InvalidDemandException e) {
      out.put("invalid", e.getMessage());
    }
    return out;
  }

  public static ObjectNode node(NodeGpuState n) {
    ObjectNode out = WireJson.object();
    out.put("node", n.name());
    out.put("gpuCount", n.gpuCount());
    out.put("product", n.info().product());
    out.put("unschedulable", n.info().unschedulable());
    if (n.info().problem() != null) {
      out.put("problem", n.info().problem());
    }
    out.put("freeGpus", n.freeWholeCount());
    out.put("reservedGpus", Long.bitCount(n.reservedMask() & n.freeWholeMaskIgnoringReservations()));
    if (n.info().topology() != null) {
      ObjectNode topo = out.putObject("topology");
      topo.put("class", n.info().topology().id());
      topo.put("source", n.info().topologySource());
      topo.put("compact", dev.gpusched.topology.GpuTopologies.toCompact(n.info().topology().topology()));
    }
    ArrayNode gpus = out.putArray("gpus");
    for (int g = 0; g < n.gpuCount(); g++) {
      long bit = 1L << g;
      ObjectNode o = gpus.addObject();
      o.put("index", g);
      String mode = (n.unusableMask() & bit) != 0 ? "unusable"
          : (n.wholeMask() & bit) != 0 ? "whole" : (n.sharedMask() & bit) != 0 ? "shared"
          : (n.reservedMask() & bit) != 0 ? "reserved" : "free";
      o.put("state", mode);
      ArrayNode pods = o.putArray("pods");
      for (String key : n.holdersOf(g)) {
        pods.add(key);
      }
      o.put("milliUsed", (n.wholeMask() & bit) != 0 ? 1000 : n.milliUsed(g));
      o.put("memoryRequestedMiB", n.memoryRequestedMiB(g));
      if (n.freeMemoryMiB(g) != NodeGpuState.UNKNOWN_FREE_MIB) {
        o.put("freeMemoryMiB", n.freeMemoryMiB(g));
      }
      if (n.unusableReason(g) != null) {
        o.put("excluded", n.unusableReason(g));
      }
      var sample = n.telemetry() == null ? null : n.telemetry().sample(g);
      if (sample != null) {
        ObjectNode obs = o.putObject("observed");
        obs.put("fbUsedMiB", sample.fbUsedMiB());
        obs.put("fbFreeMiB", sample.fbFreeMiB());
        obs.put("utilPct", sample.utilPct());
        obs.put("lastXid", sample.lastXid());
        ArrayNode seen = obs.putArray("pods");
        n.telemetry().observedPods().getOrDefault(g, java.util.Set.of()).forEach(seen::add);
      }
    }
    ArrayNode holders = out.putArray("pods");
    for (Holder h : n.holders()) {
      ObjectNode o = holders.addObject();
      o.put("pod", h.podKey());
      o.put("uid", h.uid());
      ArrayNode ids = o.putArray("gpuIds");
      for (long m = h.mask(); m != 0; m &= m - 1) {
        ids.add(Long.numberOfTrailingZeros(m));
      }
      if (h.milli() > 0) {
        o.put("milli", h.milli());
      }
      if (h.memoryMiB() > 0) {
        o.put("memoryMiB", h.memoryMiB());
      }
      o.put("source", h.assumed() ? "binding" : h.inferred() ? "inferred" : "recorded");
    }
    out.put("telemetry", n.telemetry() == null ? "ledger alone" : "dcgm");
    ArrayNode disagreements = out.putArray("disagreements");
    for (var d : n.disagreements()) {
      disagreements.add(d.describe());
    }
    ArrayNode conflicts = out.putArray("conflicts");
    for (String c : n.conflicts()) {
      conflicts.add(c);
    }
    return out;
  }
}
