package dev.gpusched.extender.http;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The four extender verbs over raw request bodies, as the HTTP layer calls them. {@link ExtenderService} is gpusched;
 * the benchmarks' null extender implements the same interface to measure what HTTP and JSON alone cost.
 * Implementations throw {@link dev.gpusched.extender.api.BadRequestException} for malformed input.
 */
public interface ExtenderVerbs {
  dev.gpusched.extender.api.FilterResult filter(byte[] body);

  dev.gpusched.extender.api.HostPriorityList prioritize(byte[] body);

  /** Blocking (may call the API server): the HTTP layer runs it on a worker thread. */
  ObjectNode bind(byte[] body);

  ObjectNode preempt(byte[] body);

  /**
   * Bind whose answer may come later (a gang member held at the bind barrier): the HTTP layer calls it off the event
   * loop and answers when the stage completes. The default binds at once.
   */
  default java.util.concurrent.CompletionStage<ObjectNode> bindAsync(byte[] body) {
    return java.util.concurrent.CompletableFuture.completedFuture(bind(body));
  }

  /**
   * True while this process decides; false on a follower replica, whose every answer is an error. The HTTP layer then
   * closes the connections it answers on, so kube-scheduler reconnects through the Service, which selects the leader.
   * The default always leads (one process, no election).
   */
  default boolean leading() {
    return true;
  }
}
