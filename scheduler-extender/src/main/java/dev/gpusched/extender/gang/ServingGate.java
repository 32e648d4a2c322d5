package dev.gpusched.extender.gang;

import java.util.function.BooleanSupplier;

/**
 * Whether this replica decides for gangs now: only once the reservations were rebuilt from the pods at start, and only
 * while it leads (the gang state lives in one process).
 */
final class ServingGate {
  private volatile boolean recovered;
  private volatile BooleanSupplier leader = () -> true;

  /** With several replicas: whether this one holds the lease. Default: always. */
  void leaderCheck(BooleanSupplier isLeader) {
    this.leader = isLeader;
  }

  /** The reservations are rebuilt: members may be decided from now on. */
  void recovered() {
    recovered = true;
  }

  /** True when this replica plans, holds and binds gangs now. */
  boolean serving() {
    return recovered && leader.getAsBoolean();
  }

  /** Why a member's filter or bind is not decided here now, or null when it is. */
  String notServing() {
    if (!recovered) {
      return "gpusched is still rebuilding gang reservations after its start; the scheduler will retry";
    }
    return leader.getAsBoolean() ? null
        : "this gpusched replica is not the leader; gang members are planned and bound by the leader only";
  }
}
