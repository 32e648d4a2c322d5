package dev.gpusched.deploy.promql;

import dev.gpusched.deploy.Yaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects every PromQL expression from Grafana dashboard JSON (panel targets, nested row panels, the series selector
 * of each {@code label_values(selector, label)} variable) and from Prometheus rule files (plain {@code groups:} or a
 * PrometheusRule's {@code spec.groups}). The dashboard's own variables are replaced as Grafana replaces them with "All"
 * selected: by their {@code allValue}, {@code .*}.
 */
public final class PromQlSources {
  private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?(\\w+)(?::\\w+)?}?");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

  private PromQlSources() {}

  /**
   * The expressions of every Prometheus target and query variable of a dashboard, with its own variables replaced by
   * their "All" value and Grafana's interval variables kept as written.
   */
  @SuppressWarnings("unchecked")
  public static List<PromQlExpression> fromDashboard(Path dashboardJson) {
    Map<String, Object> dashboard = Yaml.readJson(dashboardJson);
    List<PromQlExpression> raw = new ArrayList<>();
    collectPanels((List<Object>) dashboard.getOrDefault("panels", List.of()), dashboardJson.getFileName().toString(), raw);
    Map<String, String> allValues = new java.util.LinkedHashMap<>();
    for (Map<String, Object> variable : queryVariables(dashboard)) {
      Object query = variable.get("query");
      String text = query instanceof Map<?, ?> m ? String.valueOf(m.get("query")) : String.valueOf(query);
      Matcher labelValues = LABEL_VALUES.matcher(text.trim());
      raw.add(new PromQlExpression(dashboardJson.getFileName() + " variable " + variable.get("name"),
          labelValues.matches() ? labelValues.group(1) : text));
      allValues.put(String.valueOf(variable.get("name")), String.valueOf(variable.get("allValue")));
    }
    List<PromQlExpression> out = new ArrayList<>();
    for (PromQlExpression e : raw) {
      String expr = e.expr();
      for (Map.Entry<String, String> v : allValues.entrySet()) {
        expr = expr.replaceAll("\\$\\{?" + v.getKey() + "\\b}?", Matcher.quoteReplacement(v.getValue()));
      }
      out.add(new PromQlExpression(e.origin(), expr));
    }
    return out;
  }

  /** A dashboard's variables of type query (Grafana asks Prometheus for their values). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> queryVariables(Map<String, Object> dashboard) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (Yaml.at(dashboard, "templating.list") instanceof List<?> variables) {
      for (Object v : variables) {
        if ("query".equals(((Map<String, Object>) v).get("type"))) {
          out.add((Map<String, Object>) v);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void collectPanels(List<Object> panels, String file, List<PromQlExpression> out) {
    for (Object p : panels) {
      Map<String, Object> panel = (Map<String, Object>) p;
      Object nested = panel.get("panels");
      if (nested instanceof List<?> list) {
        collectPanels((List<Object>) list, file, out);
      }
      Object targets = panel.get("targets");
      if (!(targets instanceof List<?> list)) {
        continue;
      }
      for (Object t : list) {
        Map<String, Object> target = (Map<String, Object>) t;
        Object expr = target.get("expr");
        if (expr instanceof String s && !s.isBlank()) {
          out.add(new PromQlExpression(file + " panel '" + panel.get("title") + "' query " + target.get("refId"), s));
        }
      }
    }
  }

  /** The {@code expr} of every alerting and recording rule of a rule file or PrometheusRule. */
  @SuppressWarnings("unchecked")
  public static List<PromQlExpression> fromRules(Path rulesYaml) {
    Map<String, Object> document = Yaml.readOne(rulesYaml);
    Object groups = document.containsKey("groups") ? document.get("groups") : Yaml.at(document, "spec.groups");
    if (!(groups instanceof List<?>)) {
      throw new IllegalArgumentException(rulesYaml + ": no groups (expected top-level groups: or a PrometheusRule's spec.groups)");
    }
    List<PromQlExpression> out = new ArrayList<>();
    for (Object g : (List<Object>) groups) {
      Map<String, Object> group = (Map<String, Object>) g;
      for (Object r : (List<Object>) group.getOrDefault("rules", List.of())) {
        Map<String, Object> rule = (Map<String, Object>) r;
        String name = String.valueOf(rule.containsKey("alert") ? rule.get("alert") : rule.get("record"));
        out.add(new PromQlExpression(rulesYaml.getFileName() + " " + group.get("name") + "/" + name,
            String.valueOf(rule.get("expr")).trim()));
      }
    }
    return out;
  }

  /** The names that recording rules define (valid metric names for other expressions, though gpusched exports none). */
  @SuppressWarnings("unchecked")
  public static List<String> recordedNames(Path rulesYaml) {
    Map<String, Object> document = Yaml.readOne(rulesYaml);
    Object groups = document.containsKey("groups") ? document.get("groups") : Yaml.at(document, "spec.groups");
    List<String> out = new ArrayList<>();
    for (Object g : (List<Object>) groups) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).getOrDefault("rules", List.of())) {
        Object record = ((Map<String, Object>) r).get("record");
        if (record != null) {
          out.add(String.valueOf(record));
        }
      }
    }
    return out;
  }

  /**
   * A dashboard expression with Grafana's built-in interval variables replaced by a fixed duration, so Prometheus can
   * run it; throws on any other variable (a dashboard query that needs a value only Grafana knows).
   */
  public static String withGrafanaIntervals(String expr, String duration) {
    Matcher m = GRAFANA_VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      if (!List.of("__rate_interval", "__interval", "__range").contains(name)) {
        throw new IllegalArgumentException("expression uses Grafana variable $" + name + ", which only Grafana can fill"
            + " (known here: $__rate_interval, $__interval, $__range): " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(duration));
    }
    m.appendTail(out);
    return out.toString();
  }
}
