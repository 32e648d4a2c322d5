package dev.gpusched.deploy.promql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs dashboard and rule expressions against a Prometheus that scraped gpusched and lists what is wrong: queries
 * Prometheus rejects, and metric names that the scrape does not hold (a name gpusched does not export, or a typo).
 */
public final class ExpressionCheck {
  private ExpressionCheck() {}

  /**
   * The problems, one line each, naming the expression's origin; empty when every expression runs and every metric
   * it names is among {@code scraped} (what Prometheus holds) or Prometheus's own per-target series.
   */
  public static List<String> problems(PrometheusApi prometheus, List<PromQlExpression> expressions, Set<String> scraped) {
    List<String> problems = new ArrayList<>();
    for (PromQlExpression e : expressions) {
      String runnable = PromQlSources.withGrafanaIntervals(e.expr(), "1m");
      PrometheusApi.QueryResult result = prometheus.query(runnable);
      if (!result.success()) {
        problems.add(e.origin() + ": Prometheus rejected it (" + result.errorType() + ": " + result.error() + "): " + runnable);
        continue;
      }
      for (String name : PromQlMetricNames.of(runnable)) {
        if (!scraped.contains(name) && !DocumentedMetrics.SCRAPE_SERIES.contains(name)) {
          problems.add(e.origin() + ": metric " + name + " is not in what Prometheus scraped from gpusched");
        }
      }
    }
    return problems;
  }
}
