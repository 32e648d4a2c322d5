package dev.gpusched.deploy.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromQlMetricNamesTest {
  @Test
  void aPlainSelectorIsItsName() {
    assertThat(PromQlMetricNames.of("gpusched_leader")).containsExactly("gpusched_leader");
  }

  @Test
  void labelMatchersStringsAndRangesAreNotNames() {
    assertThat(PromQlMetricNames.of(
        "rate(gpusched_extender_request_seconds_bucket{verb=~\"filter|prioritize\", outcome!='error'}[5m])"))
        .containsExactly("gpusched_extender_request_seconds_bucket");
  }

  @Test
  void groupingLabelsFunctionsAndAggregationsAreNotNames() {
    assertThat(PromQlMetricNames.of(
        "histogram_quantile(0.99, sum by (le, verb) (rate(gpusched_extender_request_seconds_bucket[$__rate_interval])))"))
        .containsExactly("gpusched_extender_request_seconds_bucket");
    assertThat(PromQlMetricNames.of("sum(rate(a_total[1m])) without (instance, pod)")).containsExactly("a_total");
  }

  @Test
  void vectorMatchingLabelListsAreNotNames() {
    assertThat(PromQlMetricNames.of(
        "max by (request_size) (frag) / on() group_left() sum(max by (node, model) (gpus{state=\"free\"}))"))
        .containsExactly("frag", "gpus");
    assertThat(PromQlMetricNames.of("a * on (instance) group_left (node) b")).containsExactly("a", "b");
    assertThat(PromQlMetricNames.of("a / ignoring(code) group_right b")).containsExactly("a", "b");
  }

  @Test
  void keywordsNumbersDurationsAndSubqueriesAreNotNames() {
    assertThat(PromQlMetricNames.of(
        "min_over_time(max(gangs{state=\"waiting\"})[30m:1m]) > 0 and x offset 1h30m or y > bool 1e-3 unless z @ start()"))
        .containsExactly("gangs", "x", "y", "z");
    assertThat(PromQlMetricNames.of("vector(1) + scalar(up) * 0x1F + Inf - NaN")).containsExactly("up");
  }

  @Test
  void recordingRuleNamesWithColonsAreNames() {
    assertThat(PromQlMetricNames.of("job:gpusched_filter:p99 > 0.1")).containsExactly("job:gpusched_filter:p99");
  }

  @Test
  void labelReplaceArgumentsAreStrings() {
    assertThat(PromQlMetricNames.of("label_replace(gpusched_node_gpus, \"host\", \"$1\", \"node\", \"(.*)\")"))
        .containsExactly("gpusched_node_gpus");
  }

  @Test
  void brokenExpressionsAreReportedWithTheColumn() {
    assertThatThrownBy(() -> PromQlMetricNames.of("sum(a{b=\"c)"))
        .hasMessageContaining("unclosed string starting at column 9");
    assertThatThrownBy(() -> PromQlMetricNames.of("a{b=\"c\"")).hasMessageContaining("unclosed '{'");
    assertThatThrownBy(() -> PromQlMetricNames.of("a)")).hasMessageContaining("unbalanced ')' at column 2");
    assertThatThrownBy(() -> PromQlMetricNames.of("sum(rate(a[1m])")).hasMessageContaining("1 unclosed '('");
  }
}
