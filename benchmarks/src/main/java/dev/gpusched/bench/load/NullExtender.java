package dev.gpusched.bench.load;

import dev.gpusched.extender.api.ExtenderArgs;
import dev.gpusched.extender.api.FilterResult;
import dev.gpusched.extender.api.HostPriorityList;
import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.http.ExtenderService;
import dev.gpusched.extender.http.ExtenderVerbs;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The floor of the HTTP latency benchmark: decodes each request exactly as gpusched does ({@link ExtenderArgs#decode})
 * and answers pass-through (every node passes, every score is equal), so a run against it costs HTTP and JSON only.
 */
public final class NullExtender implements ExtenderVerbs {
  /** The score every node gets. */
  static final int EQUAL_SCORE = 0;

  @Override
  public FilterResult filter(byte[] body) {
    return FilterResult.passAll(ExtenderArgs.decode(body));
  }

  @Override
  public HostPriorityList prioritize(byte[] body) {
    List<String> names = ExtenderArgs.decode(body).candidateNames();
    int[] scores = new int[names.size()];
    java.util.Arrays.fill(scores, EQUAL_SCORE);
    return new HostPriorityList(names, scores);
  }

  /** The null extender places nothing: bind is refused with a message (the load tool never calls it). */
  @Override
  public ObjectNode bind(byte[] body) {
    return WireJson.object().put("Error", "the null extender of the load benchmark does not bind pods");
  }

  /** Pass-through: no victim is proposed (an empty result). */
  @Override
  public ObjectNode preempt(byte[] body) {
    ObjectNode out = WireJson.object();
    out.putObject("NodeNameToMetaVictims");
    return out;
  }
}
