package dev.gpusched.extender.cycle;

/**
 * Which of the nodes that fit a GPU pod filter answers: all of them for kube-scheduler's scores to choose from, or only
 * gpusched's choice, so that kube-scheduler has nothing to override and skips scoring ({@link NodeChoice}).
 */
public enum FilterAnswer {
  /**
   * Every node that fits; kube-scheduler's prioritize (gpusched's score times the extender's weight, plus its in-tree
   * scores) picks among them. For profiles whose arithmetic lets other scores outweigh gpusched's.
   */
  ALL_FITTING("all-fitting"),
  /**
   * The node gpusched ranks first, alone; for a pod that states a soft preference (preferred node affinity, preferred
   * pod affinity or anti-affinity) every node with gpusched's top 0..10 score, so kube-scheduler weighs the preference
   * among them. Under the shipped profile a lower gpusched score always loses (the arithmetic is at its extender
   * weight), so only the in-tree scores' tie-breaks among nodes gpusched ranks apart at full resolution are given up.
   */
  BEST("best");

  private final String option;

  FilterAnswer(String option) {
    this.option = option;
  }

  /** The value of {@code --filter-answer}. */
  public String option() {
    return option;
  }

  /**
   * The answer {@code --filter-answer} names.
   *
   * @throws IllegalArgumentException naming the values it takes
   */
  public static FilterAnswer ofOption(String value) {
    for (FilterAnswer a : values()) {
      if (a.option.equals(value)) {
        return a;
      }
    }
    throw new IllegalArgumentException("--filter-answer " + value + " is not one of: best, all-fitting");
  }
}
