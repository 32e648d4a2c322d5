package dev.gpusched.extender.ha;

import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.http.ExtenderVerbs;
import dev.gpusched.extender.http.ServiceUnavailableException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * The verbs as a replica answers them: the leader passes every call through; a follower never decides. Filter and bind
 * get their result with {@code Error} "... is not the leader ...; retry" (kube-scheduler retries the pod), prioritize and
 * preempt, whose results have no error field, get HTTP 503 with that message. {@link #leading()} tells the HTTP layer
 * to close a follower's connections, so kube-scheduler's next call reaches the leader.
 */
public final class FollowerGate implements ExtenderVerbs {
  private final ExtenderVerbs leader;
  private final BooleanSupplier leading;
  private final Supplier<String> notLeader;

  /**
   * @param leading whether this replica leads now
   * @param notLeaderMessage what a follower answers (names the leader when known)
   */
  public FollowerGate(ExtenderVerbs leader, BooleanSupplier leading, Supplier<String> notLeaderMessage) {
    this.leader = leader;
    this.leading = leading;
    this.notLeader = notLeaderMessage;
  }

  @Override
  public boolean leading() {
    return leading.getAsBoolean();
  }

  @Override
  public dev.gpusched.extender.api.FilterResult filter(byte[] body) {
    return leading.getAsBoolean() ? leader.filter(body) : dev.gpusched.extender.api.FilterResult.error(notLeader.get());
  }

  @Override
  public dev.gpusched.extender.api.HostPriorityList prioritize(byte[] body) {
    if (!leading.getAsBoolean()) {
      throw new ServiceUnavailableException(notLeader.get());
    }
    return leader.prioritize(body);
  }

  @Override
  public ObjectNode bind(byte[] body) {
    if (!leading.getAsBoolean()) {
      ObjectNode out = WireJson.object();
      out.put("Error", notLeader.get());
      return out;
    }
    return leader.bind(body);
  }

  /** As {@link #bind}, but a gang member held at the leader's barrier is answered later without holding a thread. */
  @Override
  public java.util.concurrent.CompletionStage<ObjectNode> bindAsync(byte[] body) {
    if (!leading.getAsBoolean()) {
      ObjectNode out = WireJson.object();
      out.put("Error", notLeader.get());
      return java.util.concurrent.CompletableFuture.completedFuture(out);
    }
    return leader.bindAsync(body);
  }

  @Override
  public ObjectNode preempt(byte[] body) {
    if (!leading.getAsBoolean()) {
      throw new ServiceUnavailableException(notLeader.get());
    }
    return leader.preempt(body);
  }
}
