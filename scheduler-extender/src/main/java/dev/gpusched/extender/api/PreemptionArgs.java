package dev.gpusched.extender.api;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ExtenderPreemptionArgs}: the pod that needs room and, per candidate node, the victims kube-scheduler proposes,
 * either whole pods ({@code NodeNameToVictims}) or UIDs ({@code NodeNameToMetaVictims}). Both are reduced to UIDs.
 */
public record PreemptionArgs(Pod pod, Map<String, Victims> victimsByNode) {
  /** Victims on one node: their UIDs and the PDB violations kube-scheduler counted. */
  public record Victims(List<String> podUids, long numPdbViolations) {}

  public static PreemptionArgs decode(byte[] body) {
    ObjectNode root = WireJson.parseObject(body, "ExtenderPreemptionArgs with Pod and NodeNameToVictims or NodeNameToMetaVictims");
    Pod pod = WireJson.toPod(root.get("Pod"));
    JsonNode meta = root.get("NodeNameToMetaVictims");
    JsonNode full = root.get("NodeNameToVictims");
    boolean hasMeta = meta != null && !meta.isNull();
    boolean hasFull = full != null && !full.isNull();
    if (!hasMeta && !hasFull) {
      return new PreemptionArgs(pod, Map.of());
    }
    JsonNode source = hasMeta ? meta : full;
    String key = hasMeta ? "NodeNameToMetaVictims" : "NodeNameToVictims";
    if (!source.isObject()) {
      throw new BadRequestException("\"" + key + "\" must map node names to victims, got " + ExtenderArgs.kind(source));
    }
    if (source.size() > ExtenderArgs.MAX_NODES) {
      throw new BadRequestException(source.size() + " candidate nodes is more than gpusched accepts (" + ExtenderArgs.MAX_NODES + ")");
    }
    Map<String, Victims> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : source.properties()) {
      JsonNode v = e.getValue();
      if (!v.isObject()) {
        throw new BadRequestException("\"" + key + "." + e.getKey() + "\" must be an object with Pods, got " + ExtenderArgs.kind(v));
      }
      JsonNode pods = v.get("Pods");
      List<String> uids = new ArrayList<>();
      if (pods != null && !pods.isNull()) {
        if (!pods.isArray()) {
          throw new BadRequestException("\"" + key + "." + e.getKey() + ".Pods\" must be an array, got " + ExtenderArgs.kind(pods));
        }
        for (JsonNode p : pods) {
          JsonNode uid = hasMeta ? p.get("UID") : p.path("metadata").get("uid");
          if (uid == null || !uid.isString() || uid.stringValue().isEmpty()) {
            throw new BadRequestException("a victim on node " + e.getKey() + " has no "
                + (hasMeta ? "\"UID\"" : "metadata.uid") + ": every victim must name its pod UID");
          }
          uids.add(uid.stringValue());
        }
      }
      JsonNode pdb = v.get("NumPDBViolations");
      long violations = pdb != null && pdb.canConvertToLong() && pdb.isIntegralNumber() ? pdb.longValue() : 0;
      out.put(e.getKey(), new Victims(List.copyOf(uids), violations));
    }
    return new PreemptionArgs(pod, out);
  }
}
