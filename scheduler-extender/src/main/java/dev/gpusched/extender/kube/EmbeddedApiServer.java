package dev.gpusched.extender.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Standalone mode's cluster: fabric8's mock API server in CRUD mode on 127.0.0.1, seeded from ordinary Kubernetes YAML,
 * with pod Bindings and Evictions answered as kube-apiserver answers them ({@link BindingDispatcher},
 * {@link EvictingCrudDispatcher}). gpusched runs its real informers and writers against it, so a bind in standalone mode
 * updates this embedded cluster.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** The MLServices a cluster file may hold: those of the default resource, {@code mlservices.v1alpha1.kro.run}. */
  private static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext MLSERVICES =
      OwnerAnnotations.Resource.DEFAULT.context();
  /**
   * The mock server logs every request at INFO through java.util.logging; only its warnings matter here. Held strongly:
   * java.util.logging forgets the level of a logger nobody references.
   */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private EmbeddedApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  public static EmbeddedApiServer start() {
    return start(new EvictingCrudDispatcher());
  }

  /** An embedded API server over this dispatcher (a test's, refusing some evictions as a disruption budget would). */
  public static EmbeddedApiServer start(EvictingCrudDispatcher dispatcher) {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return new EmbeddedApiServer(server);
  }

  /** Starts an embedded API server holding the Nodes, Pods and MLServices of {@code clusterFile}. */
  public static EmbeddedApiServer startWith(Path clusterFile) throws IOException {
    return startWith(List.of(clusterFile));
  }

  /** Starts an embedded API server holding the objects of all these files. */
  public static EmbeddedApiServer startWith(List<Path> clusterFiles) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    for (Path f : clusterFiles) {
      objects.addAll(readClusterFile(f));
    }
    EmbeddedApiServer api = start();
    try {
      api.seed(objects);
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    return api;
  }

  /**
   * Reads multi-document YAML or a {@code kind: List}; keeps Nodes, Pods and MLServices, rejects anything else with a
   * message.
   */
  public static List<HasMetadata> readClusterFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("cluster file " + file + " does not exist: pass Kubernetes YAML of Nodes and Pods");
    }
    List<Object> parsed = new ArrayList<>();
    io.fabric8.kubernetes.client.utils.KubernetesSerialization kubernetes =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    try (InputStream in = Files.newInputStream(file)) {
      for (Object doc : new org.snakeyaml.engine.v2.api.Load(CLUSTER_YAML).loadAllFromInputStream(in)) {
        if (doc != null) {
          parsed.add(kubernetes.unmarshal(kubernetes.asJson(doc)));
        }
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cluster file " + file + " is not Kubernetes YAML: " + e.getMessage(), e);
    }
    List<HasMetadata> out = new ArrayList<>();
    flatten(parsed, out, file);
    return out;
  }

  /**
   * YAML as a cluster file may hold it: anchors and aliases (PyYAML writes one for every mapping it meets twice, such as
   * a pod's equal requests and limits: thousands in a large cluster) and files beyond the parser's default 3 MB.
   */
  private static final org.snakeyaml.engine.v2.api.LoadSettings CLUSTER_YAML = org.snakeyaml.engine.v2.api.LoadSettings
      .builder().setMaxAliasesForCollections(1_000_000).setCodePointLimit(Integer.MAX_VALUE).build();

  private static void flatten(Object parsed, List<HasMetadata> out, Path file) {
    if (parsed instanceof KubernetesList list) {
      for (HasMetadata item : list.getItems()) {
        flatten(item, out, file);
      }
    } else if (parsed instanceof List<?> docs) {
      for (Object d : docs) {
        flatten(d, out, file);
      }
    } else if (parsed instanceof Node || parsed instanceof Pod || isMlService(parsed)) {
      out.add((HasMetadata) parsed);
    } else if (parsed != null) {
      String kind = parsed instanceof HasMetadata h ? h.getKind() : parsed.getClass().getSimpleName();
      throw new IllegalArgumentException("cluster file " + file + " holds a " + kind
          + ": only Nodes, Pods and MLServices (multi-document YAML or kind: List) are accepted");
    }
  }

  private static boolean isMlService(Object parsed) {
    return parsed instanceof GenericKubernetesResource r && MLSERVICES.getKind().equals(r.getKind())
        && (MLSERVICES.getGroup() + "/" + MLSERVICES.getVersion()).equals(r.getApiVersion());
  }

  private void seed(List<HasMetadata> objects) {
    Set<String> namespaces = new LinkedHashSet<>();
    for (HasMetadata o : objects) {
      if (o instanceof Pod || isMlService(o)) {
        namespaces.add(o.getMetadata().getNamespace() == null ? "default" : o.getMetadata().getNamespace());
      }
    }
    for (String ns : namespaces) {
      Namespace namespace = new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build();
      client.namespaces().resource(namespace).create();
    }
    for (HasMetadata o : objects) {
      if (o instanceof Node n) {
        client.nodes().resource(n).create();
      }
    }
    for (HasMetadata o : objects) {
      if (o instanceof Pod p) {
        if (p.getMetadata().getNamespace() == null) {
          p.getMetadata().setNamespace("default");
        }
        client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
      } else if (isMlService(o)) {
        String ns = o.getMetadata().getNamespace() == null ? "default" : o.getMetadata().getNamespace();
        client.genericKubernetesResources(MLSERVICES).inNamespace(ns).resource((GenericKubernetesResource) o).create();
      }
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** gpusched's edge to this server over {@code c}: it answers Bindings as kube-apiserver does ({@link BindingDispatcher}). */
  public KubeEdge edge(KubernetesClient c) {
    return KubeEdge.of(c);
  }

  /**
   * Restarts-in-place are not supported by the mock; stop and start a new one instead. The mock's shutdown gives up
   * after a few seconds when a connection (a watch) is slow to close on a loaded machine; that is logged, not thrown:
   * nothing is lost, the server's threads stop with the process.
   */
  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException slowToClose) {
      org.slf4j.LoggerFactory.getLogger(EmbeddedApiServer.class).warn("embedded API server did not stop in time: {}",
          slowToClose.getMessage());
    }
  }

  public String url() {
    return "https://" + server.getHostName() + ":" + server.getPort();
  }
}
