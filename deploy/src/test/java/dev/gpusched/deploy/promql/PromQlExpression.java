package dev.gpusched.deploy.promql;

/** One PromQL expression and where it came from ("dashboard panel 'X' query A", "rule group/alert"). */
public record PromQlExpression(String origin, String expr) {
  @Override
  public String toString() {
    return origin + ": " + expr;
  }
}
