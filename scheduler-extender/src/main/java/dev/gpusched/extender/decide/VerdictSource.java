package dev.gpusched.extender.decide;

import dev.gpusched.extender.model.PodDemand;
import dev.gpusched.extender.state.ClusterSnapshot;

/**
 * Where {@link DecisionPipeline}'s loop gets each node's {@link Verdict}: the plugins ({@link Plugins}), or a memo
 * around them ({@code decide.memo.MemoizedVerdicts}), which must answer exactly as the plugins would.
 */
public interface VerdictSource {
  /** One call (one pod over one snapshot) on the calling thread. */
  Call open(PodDemand demand, ClusterSnapshot snapshot);

  /** The verdicts of one call; nodes are named by their snapshot position. Not thread-safe: see {@link #fork}. */
  interface Call {
    /** The node's verdict when it costs no more than a read (a memo holds it), else {@link Verdict#UNKNOWN}. */
    int known(int position);

    /** The node's verdict, computed (and kept, by a memo); the loop asks {@link #known} first. */
    int compute(int position);

    /** Why filter {@code filter} rejects the node; only for a node whose verdict names that filter. */
    String reason(int position, int filter);

    /** True when {@link #known} cannot answer for any node of this call: the loop computes from the start. */
    boolean nothingKnown();

    /** The same call for another thread: the same pod, snapshot and memos, scratch of its own. */
    Call fork();

    /** Verdicts {@link #compute} took from the plugins on this thread. */
    int computed();

    /** Verdicts {@link #compute} took from a memo's GPU-side rows on this thread (the plugins did not run). */
    int fromRows();
  }
}
