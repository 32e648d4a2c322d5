package dev.gpusched.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the project's test data ({@code testdata/} under the project root) is, so that benchmarks and commands run
 * from a fresh clone, from any module folder, or from a benchmark jar started in the project.
 */
public final class TestData {

  private TestData() {}

  /**
   * The project root: system property {@code gpusched.root}, else the nearest directory upwards from the working
   * directory whose pom.xml lists {@code <modules>}, else the working directory.
   */
  public static Path projectRoot() {
    String prop = System.getProperty("gpusched.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path pom = d.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
          return d;
        }
      } catch (IOException e) {
        // unreadable: keep looking
      }
    }
    return dir;
  }

  /** The test data directory, {@code <root>/testdata}. */
  public static Path dir() {
    return projectRoot().resolve("testdata");
  }

  /**
   * The nvidia-smi capture directory: system property {@code gpusched.fixtures} when set (another set of captures),
   * else {@code testdata/nvidia-smi-topo}.
   */
  public static Path topologyCaptures() {
    String configured = System.getProperty("gpusched.fixtures");
    return configured != null ? Path.of(configured) : dir().resolve("nvidia-smi-topo");
  }

  /** The openb GPU node list. */
  public static Path openbNodes() {
    return dir().resolve("openb/openb_node_list_gpu_node.csv");
  }

  /** The openb default pod list. */
  public static Path openbPods() {
    return dir().resolve("openb/openb_pod_list_default.csv");
  }

  /** The openb pod list where a fifth of the GPU pods may run only on the GPU models their {@code gpu_spec} lists. */
  public static Path openbGpuSpec20Pods() {
    return dir().resolve("openb/openb_pod_list_gpuspec20.csv");
  }
}
