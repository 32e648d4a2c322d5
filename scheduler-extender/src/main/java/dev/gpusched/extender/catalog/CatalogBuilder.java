package dev.gpusched.extender.catalog;

import dev.gpusched.extender.api.WireJson;
import dev.gpusched.extender.state.ClusterSnapshot;
import dev.gpusched.extender.state.Holder;
import dev.gpusched.extender.state.NodeGpuState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.node.ObjectNode;

/**
 * Backstage catalog entities ({@code backstage.io/v1alpha1}) of gpusched's view of the cluster: a {@code System}, a
 * {@code Resource} of {@code spec.type: gpu-pool} per {@link GpuPools pool} with its allocation figures, and a
 * {@code Component} of {@code spec.type: ml-service} per MLService that {@code dependsOn} the pools its pods hold GPUs
 * in; all {@code partOf} the System. Pure: a function of its inputs, names by {@link EntityNames}.
 */
public final class CatalogBuilder {
  public static final String API_VERSION = "backstage.io/v1alpha1";
  /** {@code deploy/grafana/gpusched-dashboard.json}: its uid and the panels the links open (a test checks them). */
  static final String DASHBOARD_UID = "gpusched-overview";
  static final int PANEL_PER_NODE_GPUS = 7;
  static final int PANEL_GANGS = 12;
  private static final String GPUSCHED = "gpusched.dev/";

  private CatalogBuilder() {}

  /**
   * The entities: the System, then the pools and the MLServices, each by name.
   *
   * @param strandedMilli a node's free milli-GPU its CPU left cannot feed ({@code FragmentationScore.strandedNow})
   * @throws IllegalStateException when two entities of a kind would share a name (a 40-bit hash collision)
   */
  public static List<ObjectNode> entities(CatalogSettings settings, ClusterSnapshot snapshot,
      ToDoubleFunction<NodeGpuState> strandedMilli, List<MlService> services) {
    GpuPools pools = GpuPools.of(snapshot, strandedMilli, settings.leafKey());
    Map<String, List<Held>> heldByPod = heldByPod(snapshot);
    List<ObjectNode> out = new ArrayList<>();
    out.add(system(settings, pools));
    for (GpuPool pool : pools.pools()) {
      out.add(pool(settings, pool));
    }
    List<ObjectNode> components = new ArrayList<>();
    for (MlService service : services) {
      components.add(component(settings, service, pools, heldByPod));
    }
    components.sort(Comparator.comparing(CatalogBuilder::nameOf));
    out.addAll(components);
    checkDistinct(out);
    return out;
  }

  /** GPUs a pod holds on a node, in milli-GPU. */
  private record Held(String node, long milli) {}

  private static Map<String, List<Held>> heldByPod(ClusterSnapshot snapshot) {
    Map<String, List<Held>> out = new HashMap<>();
    for (NodeGpuState n : snapshot.nodes()) {
      for (Holder h : n.holders()) {
        long milli = h.milli() > 0 ? h.milli() : 1000L * Long.bitCount(h.mask());
        out.computeIfAbsent(h.podKey(), k -> new ArrayList<>()).add(new Held(n.name(), milli));
      }
    }
    return out;
  }

  private static ObjectNode system(CatalogSettings settings, GpuPools pools) {
    int gpus = 0;
    int free = 0;
    for (GpuPool p : pools.pools()) {
      gpus += p.gpus();
      free += p.freeGpus();
    }
    ObjectNode e = envelope("System", settings.system(), settings);
    ObjectNode meta = (ObjectNode) e.get("metadata");
    meta.put("title", "GPU cluster " + settings.system());
    meta.put("description", "ML services and the GPU pools they run on, as the gpusched scheduler extender sees them.");
    ObjectNode annotations = meta.putObject("annotations");
    annotations.put(GPUSCHED + "gpus", Integer.toString(gpus));
    annotations.put(GPUSCHED + "free-gpus", Integer.toString(free));
    links(meta, settings, List.of(new Link("GPU allocation (Grafana)", null)));
    e.putObject("spec").put("owner", settings.defaultOwner());
    return e;
  }

  private static ObjectNode pool(CatalogSettings settings, GpuPool pool) {
    ObjectNode e = envelope("Resource", pool.name(), settings);
    ObjectNode meta = (ObjectNode) e.get("metadata");
    String product = pool.product().isEmpty() ? "GPUs of unknown product" : pool.product();
    meta.put("title", product + (pool.leaf() == null ? " (no leaf)" : " in " + pool.leaf()));
    meta.put("description", pool.nodes().size() + " node(s), " + pool.gpus() + " GPUs, " + pool.freeGpus()
        + " free; figures as of the catalog's last read.");
    ObjectNode annotations = meta.putObject("annotations");
    annotations.put(GPUSCHED + "gpu-product", pool.product());
    if (pool.leaf() != null) {
      annotations.put(GPUSCHED + "network-leaf", pool.leaf());
    }
    annotations.put(GPUSCHED + "nodes", Integer.toString(pool.nodes().size()));
    annotations.put(GPUSCHED + "gpus", Integer.toString(pool.gpus()));
    annotations.put(GPUSCHED + "free-gpus", Integer.toString(pool.freeGpus()));
    annotations.put(GPUSCHED + "stranded-gpus", gpus(pool.strandedMilli()));
    annotations.put(GPUSCHED + "unhealthy-gpus", Integer.toString(pool.unhealthyGpus()));
    annotations.put(GPUSCHED + "dcgm-health", pool.dcgmHealth());
    annotations.put(GPUSCHED + "dcgm-nodes", pool.dcgmNodes() + "/" + pool.nodes().size());
    meta.putArray("tags").add("gpu-pool");
    links(meta, settings, List.of(new Link("GPU allocation (Grafana)", null)));
    ObjectNode spec = e.putObject("spec");
    spec.put("type", "gpu-pool");
    spec.put("owner", settings.defaultOwner());
    spec.put("system", settings.system());
    return e;
  }

  private static ObjectNode component(CatalogSettings settings, MlService service, GpuPools pools,
      Map<String, List<Held>> heldByPod) {
    ObjectNode e = envelope("Component", EntityNames.of(List.of(service.name(), service.namespace()),
        service.name() + "." + service.namespace()), settings);
    TreeSet<String> dependsOn = new TreeSet<>();
    long milli = 0;
    int pods = 0;
    for (String pod : new TreeSet<>(service.podKeys())) {
      List<Held> held = heldByPod.getOrDefault(pod, List.of());
      pods += held.isEmpty() ? 0 : 1;
      for (Held h : held) {
        milli += h.milli();
        GpuPool pool = pools.poolOf(h.node());
        if (pool != null) {
          dependsOn.add("resource:" + pool.name());
        }
      }
    }
    ObjectNode meta = (ObjectNode) e.get("metadata");
    meta.put("title", service.key());
    meta.put("description", "MLService " + service.key() + ": " + pods + " pod(s) holding " + gpus(milli)
        + " GPUs in " + dependsOn.size() + " GPU pool(s).");
    ObjectNode annotations = meta.putObject("annotations");
    annotations.put("backstage.io/kubernetes-namespace", service.namespace());
    annotations.put("backstage.io/kubernetes-label-selector", "kro.run/instance-name=" + service.name());
    annotations.put(GPUSCHED + "mlservice", service.key());
    if (service.gang() != null) {
      annotations.put(GPUSCHED + "gang", service.gang());
    }
    annotations.put(GPUSCHED + "gang-state", service.gangState());
    annotations.put(GPUSCHED + "pods", Integer.toString(pods));
    annotations.put(GPUSCHED + "gpus", gpus(milli));
    meta.putArray("tags").add("ml-service");
    links(meta, settings, service.gang() == null ? List.of(new Link("GPUs per node (Grafana)", PANEL_PER_NODE_GPUS))
        : List.of(new Link("GPUs per node (Grafana)", PANEL_PER_NODE_GPUS), new Link("Gangs (Grafana)", PANEL_GANGS)));
    ObjectNode spec = e.putObject("spec");
    spec.put("type", "ml-service");
    spec.put("lifecycle", labelOr(service, settings.lifecycleLabel(), "production"));
    String owner = service.labels().get(settings.ownerLabel());
    spec.put("owner", EntityNames.isValidName(owner) ? owner : settings.defaultOwner());
    spec.put("system", settings.system());
    if (!dependsOn.isEmpty()) {
      dependsOn.forEach(spec.putArray("dependsOn")::add);
    }
    return e;
  }

  private static ObjectNode envelope(String kind, String name, CatalogSettings settings) {
    ObjectNode e = WireJson.object();
    e.put("apiVersion", API_VERSION);
    e.put("kind", kind);
    ObjectNode meta = e.putObject("metadata");
    meta.put("name", name);
    meta.put("namespace", settings.namespace());
    return e;
  }

  /** A link to gpusched's Grafana dashboard: one panel, or the whole dashboard when {@code panel} is null. */
  private record Link(String title, Integer panel) {}

  /** The links, under the Grafana base URL; none without one. */
  private static void links(ObjectNode meta, CatalogSettings settings, List<Link> links) {
    if (settings.grafanaUrl() == null) {
      return;
    }
    var array = meta.putArray("links");
    for (Link link : links) {
      String url = settings.grafanaUrl() + "/d/" + DASHBOARD_UID + (link.panel() == null ? "" : "?viewPanel=" + link.panel());
      array.addObject().put("url", url).put("title", link.title()).put("icon", "dashboard");
    }
  }

  private static String labelOr(MlService service, String key, String fallback) {
    String value = service.labels().get(key);
    return value == null || value.isBlank() ? fallback : value;
  }

  /** Milli-GPU as GPUs: {@code 1500} is {@code 1.5}. */
  private static String gpus(long milli) {
    return BigDecimal.valueOf(milli, 3).stripTrailingZeros().toPlainString();
  }

  private static String nameOf(ObjectNode entity) {
    return entity.get("metadata").get("name").asString();
  }

  private static void checkDistinct(List<ObjectNode> entities) {
    Map<String, ObjectNode> seen = new HashMap<>();
    for (ObjectNode e : entities) {
      String ref = e.get("kind").asString() + ":" + nameOf(e);
      ObjectNode other = seen.putIfAbsent(ref.toLowerCase(java.util.Locale.ROOT), e);
      if (other != null) {
        throw new IllegalStateException("two catalog entities would both be " + ref + ": \""
            + other.get("metadata").get("title").asString() + "\" and \"" + e.get("metadata").get("title").asString()
            + "\" (a hash collision of their names); rename one");
      }
    }
  }
}
