package dev.gpusched.bench.sim;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;

/** Small hand-made traces for the simulator's tests. */
final class TinyTraces {
  static final String NODE_HEADER = "sn,cpu_milli,memory_mib,gpu,model\n";
  static final String POD_HEADER =
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

  private TinyTraces() {}

  static Trace parse(String nodes, String pods) {
    try {
      return new Trace(OpenbCsv.parseNodes(new StringReader(NODE_HEADER + nodes), "nodes.csv"),
          OpenbCsv.parsePods(new StringReader(POD_HEADER + pods), "pods.csv"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> lines(String s) {
    return List.of(s.split("\n"));
  }
}
