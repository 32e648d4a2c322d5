package dev.gpusched.extender.cycle;

import java.util.List;

/** A filter step after the decision pipeline, for pods outside gangs: it may fail candidates that passed so far. */
public interface CandidateFilter {
  /** The {@code reason} label its rejections are counted under in {@code gpusched_filter_rejections_total}. */
  String name();

  /**
   * Fails each candidate that passed so far and this step refuses, giving its reason; leaves the others as they are.
   *
   * @param names   the candidates, by position
   * @param passed  by position, whether the candidate passed so far; set to false for each one this step fails
   * @param reasons by position, why a candidate failed; set for each one this step fails
   * @return how many candidates this step failed
   */
  int apply(List<String> names, boolean[] passed, String[] reasons);
}
