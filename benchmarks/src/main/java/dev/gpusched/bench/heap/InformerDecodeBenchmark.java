package dev.gpusched.bench.heap;

import dev.gpusched.bench.TestData;
import dev.gpusched.extender.kube.CachedPods;
import dev.gpusched.extender.kube.InformerJson;
import dev.gpusched.extender.kube.KubeRecords;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one watch event costs the informers before it reaches the ledger: the event's JSON line (as a kube-apiserver
 * sent it, {@code testdata/kube-apiserver/}) read into a Pod or Node, and turned into what is kept. {@code fabric8}:
 * fabric8's own serialization and the ledger record (what the informers did before they read less); {@code informer}:
 * the informers' serialization ({@link InformerJson}), what is kept ({@link CachedPods#of} or the node's record) and
 * the previous object rebuilt as the informer's store hands it back.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class InformerDecodeBenchmark {
  /** A line of the testdata files, by the object's name. */
  @Param({"run-000000", "heap-gpu-000007", "llm-serve-7d9f8c6b5-x2k4q", "heap-cpu-000007", "heap-node-00007"})
  public String object;

  @Param({"fabric8", "informer"})
  public String reader;

  private String line;
  private boolean node;
  private KubernetesSerialization json;

  @Setup
  public void setUp() throws IOException {
    for (String file : List.of("kube-apiserver/pod-watch-events.jsonl", "kube-apiserver/node-watch-events.jsonl")) {
      for (String l : Files.readAllLines(TestData.dir().resolve(file))) {
        if (l.contains("\"name\":\"" + object + "\"")) {
          line = l;
          node = file.contains("node");
        }
      }
    }
    if (line == null) {
      throw new IllegalStateException("no watch event of " + object + " in testdata/kube-apiserver");
    }
    json = reader.equals("fabric8") ? new KubernetesSerialization() : InformerJson.serialization();
  }

  @Benchmark
  public Object readAndKeep() {
    Object o = json.unmarshal(line, WatchEvent.class).getObject();
    if (node) {
      return KubeRecords.nodeInfo((Node) o);
    }
    Pod pod = (Pod) o;
    return reader.equals("fabric8") ? KubeRecords.podRecord(pod) : CachedPods.pod(CachedPods.of(pod));
  }
}
