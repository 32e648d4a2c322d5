package dev.gpusched.bench.heap;

import dev.gpusched.extender.kube.EmbeddedApiServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gpusched heap}: gpusched's heap after a full collection as a cluster fills with nodes, GPU pods and CPU pods,
 * for one or more builds side by side, and what each object costs.
 */
@Command(name = "heap", mixinStandardHelpOptions = true,
    description = {
      "Measures the heap gpusched keeps (live objects after a full GC, jcmd GC.class_histogram) per node, per GPU pod and"
          + " per CPU pod: starts each --subject as 'gpusched serve' against the API server, creates nodes, then running"
          + " GPU pods, then running CPU pods, up to each listed total in turn, and measures every subject after each"
          + " step once it has seen the step's last object and gone quiet. Then restarts each subject against the full"
          + " cluster (time, CPU and heap of a start). Subjects run at the same time and see the same objects.",
      "Without --kubeconfig the API server is fabric8's mock server in this JVM (for a quick run; it keeps objects as"
          + " sent, without the API server's managedFields and defaults)."})
public final class HeapCommand implements Callable<Integer> {
  @Option(names = "--kubeconfig", description = "the API server to fill (e.g. a throwaway kube-apiserver); objects are "
      + "created in --namespace and as nodes named heap-node-*")
  Path kubeconfig;

  @Option(names = "--subject", description = "NAME=COMMAND: a build to measure; COMMAND (split at spaces) is followed by "
      + "'serve --kubeconfig ... --port ...'. Repeatable (default: this build, gpusched=java -cp <this class path> ...)")
  List<String> subjects = new ArrayList<>();

  @Option(names = "--nodes", split = ",", description = "node totals, one step each (default: ${DEFAULT-VALUE})")
  List<Integer> nodes = new ArrayList<>(List.of(500, 1000));

  @Option(names = "--gpu-pods", split = ",", description = "running 1-GPU pod totals, one step each, at most 8 per node "
      + "(default: ${DEFAULT-VALUE})")
  List<Integer> gpuPods = new ArrayList<>(List.of(2000, 4000));

  @Option(names = "--cpu-pods", split = ",", description = "running CPU-only pod totals, one step each "
      + "(default: ${DEFAULT-VALUE})")
  List<Integer> cpuPods = new ArrayList<>(List.of(2000, 4000));

  @Option(names = "--namespace", description = "namespace of the pods (default: ${DEFAULT-VALUE})")
  String namespace = "heap-bench";

  @Option(names = "--threads", description = "concurrent API writers (default: ${DEFAULT-VALUE})")
  int threads = 8;

  @Option(names = "--top", description = "classes of each subject's final histogram to print (default: ${DEFAULT-VALUE})")
  int top = 12;

  @Option(names = "--keep", description = "leave the created objects in the cluster")
  boolean keep;

  @Option(names = "--wait-seconds", description = "longest wait for a subject to see a step (default: ${DEFAULT-VALUE})")
  int waitSeconds = 900;

  @Option(names = "--json", description = "also write the results as JSON to this file")
  Path json;

  PrintStream out = System.out;

  /** One measurement of one subject. */
  record Sample(String step, int nodes, int gpuPods, int cpuPods, double heapMiB, double cpuSeconds, double rssMiB) {}

  @Override
  public Integer call() throws Exception {
    int lastNodes = nodes.isEmpty() ? 0 : nodes.get(nodes.size() - 1);
    int lastGpu = gpuPods.isEmpty() ? 0 : gpuPods.get(gpuPods.size() - 1);
    if (lastNodes <= 0 || lastGpu > 8 * lastNodes) {
      out.println("heap: --nodes must end above 0 and --gpu-pods at most 8 per node");
      return 2;
    }
    Map<String, List<String>> commands = subjectCommands();
    EmbeddedApiServer embedded = kubeconfig == null ? EmbeddedApiServer.start() : null;
    Path config = embedded == null ? kubeconfig : writeKubeconfig(embedded.client().getConfiguration().getMasterUrl());
    Duration wait = Duration.ofSeconds(waitSeconds);
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Map<String, HeapSubject.Heap> finals = new LinkedHashMap<>();
    Map<String, double[]> starts = new LinkedHashMap<>();
    out.println(String.format(Locale.ROOT, "machine: %d CPUs, Java %s; %s; API server: %s",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Instant.now().toString().substring(0, 19) + "Z", embedded == null ? kubeconfig : "fabric8 mock (in this JVM)"));
    try (KubernetesClient admin = client(config)) {
      BenchObjects objects = new BenchObjects(admin, namespace, threads);
      objects.prepare();
      List<HeapSubject> running = new ArrayList<>();
      try {
        commands.forEach((name, cmd) -> running.add(HeapSubject.start(name, cmd, config)));
        int[] have = new int[3]; // nodes, GPU pods, CPU pods
        measure(running, samples, "start", have, s -> s.awaitReady(wait), wait);
        for (int n : nodes) {
          objects.nodes(have[0], n);
          have[0] = n;
          String last = BenchObjects.nodeName(n - 1);
          measure(running, samples, "nodes", have, s -> s.awaitNode(last, wait), wait);
        }
        for (int p : gpuPods) {
          objects.gpuPods(have[1], p, have[0]);
          have[1] = p;
          String last = BenchObjects.gpuPodName(p - 1);
          measure(running, samples, "gpu pods", have, s -> s.awaitPod(namespace, last, wait), wait);
        }
        for (int p : cpuPods) {
          objects.cpuPods(have[2], p, have[0]);
          have[2] = p;
          String last = BenchObjects.cpuPodName(p - 1);
          measure(running, samples, "cpu pods", have, s -> s.awaitPod(namespace, last, wait), wait);
        }
        for (HeapSubject s : running) {
          finals.put(s.name(), s.heap(top));
        }
      } finally {
        running.forEach(HeapSubject::close);
      }
      commands.forEach((name, cmd) -> starts.put(name, coldStart(name, cmd, config, wait)));
      report(samples, finals, starts);
      if (json != null) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("samples", samples);
        doc.put("start", starts);
        doc.put("histograms", finals);
        Files.writeString(json, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      }
      if (!keep) {
        try {
          objects.deleteAll();
        } catch (RuntimeException e) {
          out.println("heap: could not delete the benchmark's objects (" + e.getMessage() + "); delete them with "
              + "kubectl delete pods,nodes -A -l " + BenchObjects.LABEL);
        }
      }
      objects.close();
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
    return 0;
  }

  private interface Wait {
    void until(HeapSubject s);
  }

  private void measure(List<HeapSubject> running, Map<String, List<Sample>> samples, String step, int[] have,
      Wait seen, Duration wait) {
    for (HeapSubject s : running) {
      seen.until(s);
    }
    for (HeapSubject s : running) {
      s.awaitQuiet(wait);
      HeapSubject.Heap heap = s.heap(0);
      samples.computeIfAbsent(s.name(), k -> new ArrayList<>())
          .add(new Sample(step, have[0], have[1], have[2], heap.mib(), s.cpuSeconds(), s.rssMiB()));
      out.println(String.format(Locale.ROOT, "  %-10s %-9s nodes %6d  gpu pods %7d  cpu pods %7d  heap %8.1f MiB  cpu %7.1f s"
          + "  rss %7.1f MiB", s.name(), step, have[0], have[1], have[2], heap.mib(), s.cpuSeconds(), s.rssMiB()));
    }
  }

  /** Seconds to ready, CPU seconds to ready, heap MiB once quiet: a restart against the full cluster. */
  private double[] coldStart(String name, List<String> command, Path config, Duration wait) {
    long t0 = System.nanoTime();
    try (HeapSubject s = HeapSubject.start(name, command, config)) {
      s.awaitReady(wait);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = s.cpuSeconds();
      s.awaitQuiet(wait);
      return new double[] {seconds, cpu, s.heap(0).mib()};
    }
  }

  private void report(Map<String, List<Sample>> samples, Map<String, HeapSubject.Heap> finals,
      Map<String, double[]> starts) {
    out.println();
    out.println("Heap after a full GC (MiB), and what the objects of each step cost (bytes each; CPU s of the step):");
    out.println(String.format(Locale.ROOT, "%-26s %s", "step", String.join(" ", samples.keySet().stream()
        .map(n -> String.format(Locale.ROOT, "%34s", n + ": MiB  B/object  CPU s")).toList())));
    int rows = samples.values().iterator().next().size();
    for (int i = 0; i < rows; i++) {
      Sample first = samples.values().iterator().next().get(i);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s", first.step() + " " + count(first)));
      for (List<Sample> list : samples.values()) {
        Sample s = list.get(i);
        if (i == 0) {
          line.append(String.format(Locale.ROOT, " %9.1f %10s %12s", s.heapMiB(), "", ""));
        } else {
          Sample prev = list.get(i - 1);
          line.append(String.format(Locale.ROOT, " %9.1f %10.0f %12.1f", s.heapMiB(),
              (s.heapMiB() - prev.heapMiB()) * 1024 * 1024 / added(prev, s), s.cpuSeconds() - prev.cpuSeconds()));
        }
      }
      out.println(line);
    }
    out.println();
    for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
      List<Sample> list = e.getValue();
      double node = perObject(list, "nodes");
      double gpu = perObject(list, "gpu pods");
      double cpu = perObject(list, "cpu pods");
      double base = list.get(0).heapMiB();
      out.println(String.format(Locale.ROOT, "%s: %.0f B per node, %.0f B per GPU pod, %.0f B per CPU pod (last step of "
          + "each); 5,000 nodes and 150,000 GPU pods: %.0f + %.0f + %.0f = %.0f MiB", e.getKey(), node, gpu, cpu, base,
          5000 * node / 1048576, 150000 * gpu / 1048576, base + (5000 * node + 150000 * gpu) / 1048576));
      double[] st = starts.get(e.getKey());
      out.println(String.format(Locale.ROOT, "%s: a restart against the full cluster: ready after %.1f s, %.1f CPU s, "
          + "then %.1f MiB", e.getKey(), st[0], st[1], st[2]));
      out.println(e.getKey() + ": largest classes at the end:");
      finals.get(e.getKey()).top().forEach(l -> out.println("  " + l));
    }
  }

  private static String count(Sample s) {
    return switch (s.step()) {
      case "nodes" -> Integer.toString(s.nodes());
      case "gpu pods" -> Integer.toString(s.gpuPods());
      case "cpu pods" -> Integer.toString(s.cpuPods());
      default -> "";
    };
  }

  private static int added(Sample prev, Sample s) {
    return Math.max(1, (s.nodes() - prev.nodes()) + (s.gpuPods() - prev.gpuPods()) + (s.cpuPods() - prev.cpuPods()));
  }

  /** Bytes per object of the last step of this kind. */
  private static double perObject(List<Sample> list, String step) {
    for (int i = list.size() - 1; i > 0; i--) {
      if (list.get(i).step().equals(step)) {
        return (list.get(i).heapMiB() - list.get(i - 1).heapMiB()) * 1024 * 1024 / added(list.get(i - 1), list.get(i));
      }
    }
    return 0;
  }

  private Map<String, List<String>> subjectCommands() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (subjects.isEmpty()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      out.put("gpusched", List.of(java, "-cp", System.getProperty("java.class.path"),
          "dev.gpusched.extender.cli.GpuschedCommand"));
    }
    for (String s : subjects) {
      int eq = s.indexOf('=');
      if (eq <= 0 || eq == s.length() - 1) {
        throw new IllegalArgumentException("--subject " + s + ": write NAME=COMMAND, e.g. base=java -jar base/gpusched-tools.jar");
      }
      out.put(s.substring(0, eq), List.of(s.substring(eq + 1).trim().split("\\s+")));
    }
    return out;
  }

  /** The benchmark's own client; deleting thousands of pods in one request takes longer than fabric8's 10 s default. */
  private static KubernetesClient client(Path kubeconfig) throws IOException {
    Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
    config.setRequestTimeout((int) Duration.ofMinutes(5).toMillis());
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** A kubeconfig for the mock server (its certificate is self-signed, it checks no token). */
  private static Path writeKubeconfig(String url) throws IOException {
    Path file = Files.createTempFile("gpusched-heap-", ".kubeconfig");
    file.toFile().deleteOnExit();
    Files.writeString(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: " + url
        + "\n    insecure-skip-tls-verify: true\nusers:\n- name: bench\n  user:\n    token: bench\ncontexts:\n"
        + "- name: bench\n  context:\n    cluster: bench\n    user: bench\ncurrent-context: bench\n");
    return file;
  }
}
