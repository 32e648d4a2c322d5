package dev.gpusched.extender.gang;

/**
 * The API calls of whole-gang preemption besides annotations ({@link GangWriter} writes those): evicting a gang's pod
 * through the Eviction API, so that PodDisruptionBudgets are honoured, and telling the pods what happened through
 * Kubernetes events. Implemented at the Kubernetes edge; tests give fakes.
 */
public interface GangDisruptions {
  /** How the API server answered an eviction. */
  enum Outcome {
    /** Evicted (for a dry run: the eviction would be allowed now). */
    EVICTED,
    /** The pod is gone already, or was re-created under its name: nothing to evict. */
    GONE,
    /** A PodDisruptionBudget forbids it now (HTTP 429). */
    REFUSED,
    /** Any other error. */
    FAILED
  }

  /** An eviction's outcome, with the API server's message when it was refused or failed. */
  record Eviction(Outcome outcome, String message) {
    public static final Eviction EVICTED = new Eviction(Outcome.EVICTED, null);
    public static final Eviction GONE = new Eviction(Outcome.GONE, null);

    public boolean allowed() {
      return outcome == Outcome.EVICTED || outcome == Outcome.GONE;
    }
  }

  /**
   * Evicts the pod if it is still the one with this UID, or with {@code dryRun} asks the API server whether it would
   * allow that now (the disruption budgets are checked, nothing is changed). Blocks until the API server answered.
   * Never throws for an API error: the outcome says what happened.
   */
  Eviction evict(PodRef pod, boolean dryRun);

  /**
   * Records a Kubernetes event on the pod ({@code type} {@code Normal} or {@code Warning}); best effort: a refusal is
   * logged, never thrown. Blocks until the API server answered.
   */
  void event(PodRef pod, String type, String reason, String message);
}
