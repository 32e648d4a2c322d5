package dev.gpusched.deploy.kro;

import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kro ResourceGraphDefinition for one instance, as kro's controller would: applies the simple-schema
 * defaults, evaluates each resource's includeWhen, fills every {@code ${...}} in the included templates (resources in
 * declaration order, each one visible to later expressions by its id; a field whose value is {@code omit()} is left
 * out); then, against observed objects (as the API server returns them), each resource's readyWhen and the status
 * expressions, a status field whose resource is absent being left out as kro leaves it out. Used by tests to show
 * what an MLService really produces; it is not a kro replacement (no forEach, externalRef, type checking against the
 * resources' OpenAPI schemas).
 */
public final class RgdRenderer {
  /** One included resource: its id in the RGD and the rendered object. */
  public record RenderedResource(String id, Map<String, Object> object) {
    public String kind() {
      return (String) object.get("kind");
    }
  }

  /** What one instance renders to: the instance as expressions see it, the included objects, the excluded ids. */
  public record RenderedGraph(Map<String, Object> schema, List<RenderedResource> resources, List<String> excludedIds) {
    /** The included resource with this id; throws naming the ids that exist when it is absent. */
    public RenderedResource resource(String id) {
      for (RenderedResource r : resources) {
        if (r.id().equals(id)) {
          return r;
        }
      }
      throw new IllegalArgumentException("no included resource '" + id + "'; included: "
          + resources.stream().map(RenderedResource::id).toList() + ", excluded: " + excludedIds);
    }
  }

  private final String kind;
  private final String apiVersion;
  private final SimpleSchema schema;
  private final List<Map<String, Object>> resources;
  private final Map<String, Object> statusTemplate;
  private final CelEvaluator cel;
  private final Set<String> evaluated = new LinkedHashSet<>();

  /** A renderer for one RGD document; throws when it lacks the fields kro requires or breaks kro's rules. */
  @SuppressWarnings("unchecked")
  public RgdRenderer(Map<String, Object> rgd) {
    if (!"kro.run/v1alpha1".equals(rgd.get("apiVersion")) || !"ResourceGraphDefinition".equals(rgd.get("kind"))) {
      throw new IllegalArgumentException("expected apiVersion kro.run/v1alpha1, kind ResourceGraphDefinition; found "
          + rgd.get("apiVersion") + " " + rgd.get("kind"));
    }
    Map<String, Object> schemaBlock = Yaml.asMap(require(rgd, "spec.schema"));
    this.kind = (String) require(rgd, "spec.schema.kind");
    // kro serves instances as <group>/<schema.apiVersion>; the group defaults to kro.run.
    Object group = schemaBlock.get("group");
    this.apiVersion = (group == null ? "kro.run" : group) + "/" + require(rgd, "spec.schema.apiVersion");
    Map<String, Object> types = schemaBlock.get("types") == null ? Map.of() : Yaml.asMap(schemaBlock.get("types"));
    this.schema = SimpleSchema.parse(Yaml.asMap(require(rgd, "spec.schema.spec")), types);
    this.statusTemplate = schemaBlock.get("status") == null ? Map.of() : Yaml.asMap(schemaBlock.get("status"));
    this.resources = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Object resource : (List<Object>) require(rgd, "spec.resources")) {
      Map<String, Object> r = Yaml.asMap(resource);
      String id = (String) r.get("id");
      if (id == null || !id.matches("[a-z][a-zA-Z0-9]*")) {
        throw new IllegalArgumentException("every resource needs an id in lowerCamelCase; found " + id);
      }
      if (ids.contains(id)) {
        throw new IllegalArgumentException("resource id '" + id + "' is used twice");
      }
      if (!(r.get("template") instanceof Map)) {
        throw new IllegalArgumentException("resource '" + id + "' has no template");
      }
      ids.add(id);
      resources.add(r);
    }
    this.cel = new CelEvaluator(ids);
    for (Map<String, Object> r : resources) {
      for (String condition : conditions(r, "readyWhen")) {
        Set<String> read = cel.variablesOf(condition);
        if (!Set.of(r.get("id")).containsAll(read)) {
          throw new IllegalArgumentException("readyWhen ${" + condition + "} of '" + r.get("id") + "' reads " + read
              + "; kro lets readyWhen read the resource itself only");
        }
      }
    }
  }

  /** The instance schema (the spec's fields, defaults and markers). */
  public SimpleSchema schema() {
    return schema;
  }

  /** Every expression this renderer has evaluated so far (for coverage checks over several instances). */
  public Set<String> evaluatedExpressions() {
    return Collections.unmodifiableSet(evaluated);
  }

  /** The CEL evaluator, to compile expressions without an instance. */
  public CelEvaluator cel() {
    return cel;
  }

  /**
   * Renders one instance (a parsed MLService object). An instance without {@code metadata.generation} is taken as
   * the API server creates it, with generation 1.
   */
  @SuppressWarnings("unchecked")
  public RenderedGraph render(Map<String, Object> instance) {
    if (!kind.equals(instance.get("kind")) || !apiVersion.equals(instance.get("apiVersion"))) {
      throw new IllegalArgumentException("instance is " + instance.get("apiVersion") + " " + instance.get("kind")
          + "; this RGD defines " + apiVersion + " " + kind);
    }
    Map<String, Object> metadata = Yaml.asMap(instance.getOrDefault("metadata", Map.of()));
    if (!(metadata.get("name") instanceof String)) {
      throw new IllegalArgumentException("instance has no metadata.name");
    }
    metadata.putIfAbsent("namespace", "default");
    metadata.putIfAbsent("generation", 1L);
    Map<String, Object> schemaView = new LinkedHashMap<>();
    schemaView.put("apiVersion", instance.get("apiVersion"));
    schemaView.put("kind", instance.get("kind"));
    schemaView.put("metadata", CelEvaluator.toCel(metadata));
    schemaView.put("spec", schema.apply((Map<String, Object>) instance.get("spec")));

    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("schema", schemaView);
    List<RenderedResource> included = new ArrayList<>();
    List<String> excluded = new ArrayList<>();
    for (Map<String, Object> resource : resources) {
      String id = (String) resource.get("id");
      if (holds(resource, "includeWhen", variables)) {
        Map<String, Object> object = (Map<String, Object>) fill(resource.get("template"), variables, id + ".template");
        included.add(new RenderedResource(id, object));
        variables.put(id, CelEvaluator.toCel(object));
      } else {
        excluded.add(id);
      }
    }
    return new RenderedGraph(schemaView, included, excluded);
  }

  /**
   * Whether kro would count the resource {@code id} ready with the observed object (as the API server returns it):
   * every readyWhen expression true; a resource without readyWhen is ready once it exists.
   */
  public boolean ready(String id, Map<String, Object> observed) {
    for (Map<String, Object> resource : resources) {
      if (resource.get("id").equals(id)) {
        return holds(resource, "readyWhen", Map.of(id, CelEvaluator.toCel(observed)));
      }
    }
    throw new IllegalArgumentException("no resource '" + id + "' in this RGD");
  }

  /**
   * The instance's status fields as kro writes them, from the observed objects by resource id (as the API server
   * returns them): a field that reads a resource with no observed object (excluded, or not created yet) is left out.
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> status(RenderedGraph graph, Map<String, Map<String, Object>> observed) {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("schema", graph.schema());
    observed.forEach((id, object) -> variables.put(id, CelEvaluator.toCel(object)));
    return (Map<String, Object>) statusLevel(statusTemplate, variables, "status");
  }

  @SuppressWarnings("unchecked")
  private Object statusLevel(Object node, Map<String, Object> variables, String path) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object value = statusLevel(e.getValue(), variables, path + "." + e.getKey());
        boolean empty = value instanceof Map<?, ?> m && m.isEmpty();
        if (value != null && !empty) {
          out.put(String.valueOf(e.getKey()), value);
        }
      }
      return out;
    }
    if (node instanceof String s && KroTemplate.hasExpression(s)) {
      for (String expression : KroTemplate.expressionsIn(s)) {
        if (!variables.keySet().containsAll(cel.variablesOf(expression))) {
          return null;
        }
      }
    }
    return fill(node, variables, path);
  }

  private static List<String> conditions(Map<String, Object> resource, String key) {
    List<String> out = new ArrayList<>();
    Object conditions = resource.get(key);
    if (conditions != null) {
      for (Object condition : (List<?>) conditions) {
        List<KroTemplate.Segment> segments = KroTemplate.segments(String.valueOf(condition));
        if (segments.size() != 1 || !segments.get(0).expression()) {
          throw new IllegalArgumentException(key + " of '" + resource.get("id") + "' must be one ${...}; found " + condition);
        }
        out.add(segments.get(0).text());
      }
    }
    return out;
  }

  /** Whether every expression of {@code key} (includeWhen, readyWhen) is true; all are evaluated, as kro does. */
  private boolean holds(Map<String, Object> resource, String key, Map<String, Object> variables) {
    boolean all = true;
    for (String condition : conditions(resource, key)) {
      Object value = evaluate(condition, variables);
      if (!(value instanceof Boolean b)) {
        throw new IllegalArgumentException(key + " ${" + condition + "} of '" + resource.get("id")
            + "' must be a bool; it returned " + value);
      }
      all &= b;
    }
    return all;
  }

  private Object fill(Object node, Map<String, Object> variables, String path) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (KroTemplate.hasExpression(key)) {
          throw new IllegalArgumentException(path + ": kro does not template keys: " + key);
        }
        Object value = fill(e.getValue(), variables, path + "." + key);
        if (value != KroFunctions.OMIT) {
          out.put(key, value);
        }
      }
      return out;
    }
    if (node instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(fill(list.get(i), variables, path + "[" + i + "]"));
      }
      return out;
    }
    if (node instanceof String s && KroTemplate.hasExpression(s)) {
      List<KroTemplate.Segment> segments = KroTemplate.segments(s);
      if (segments.size() == 1 && segments.get(0).expression()) {
        return evaluate(segments.get(0).text(), variables);
      }
      StringBuilder out = new StringBuilder();
      for (KroTemplate.Segment segment : segments) {
        if (!segment.expression()) {
          out.append(segment.text());
          continue;
        }
        Object value = evaluate(segment.text(), variables);
        if (!(value instanceof String str)) {
          throw new IllegalArgumentException(path + ": ${" + segment.text() + "} is part of a larger string, so it must"
              + " return a string; it returned " + value + " (wrap it in string())");
        }
        out.append(str);
      }
      return out.toString();
    }
    return node;
  }

  private Object evaluate(String expression, Map<String, Object> variables) {
    Object value = cel.evaluate(expression, variables);
    evaluated.add(expression);
    return value;
  }

  private static Object require(Map<String, Object> tree, String path) {
    Object value = Yaml.at(tree, path);
    if (value == null) {
      throw new IllegalArgumentException("ResourceGraphDefinition lacks " + path);
    }
    return value;
  }
}
