package dev.gpusched.extender.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-scheduler for tests ({@link ExternalTool#KUBE_SCHEDULER}) against a {@link KubeApiServer}: leader election
 * off, every node scored, one profile and one extender as a test's scheduler configuration text gives them, its log in a
 * temporary directory removed on {@link #close()}. Mark the class {@code @RequiresTool({"kube-apiserver", "etcd",
 * "kube-scheduler"})}.
 */
public final class KubeScheduler implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final Process process;

  private KubeScheduler(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  /**
   * Starts kube-scheduler with a {@code kubescheduler.config.k8s.io/v1beta3} configuration: the kubeconfig of the
   * server's admin, then {@code profilesAndExtenders} (YAML at the top level: {@code profiles:} and {@code extenders:});
   * returns once its log says it started scheduling.
   */
  public static KubeScheduler start(KubeApiServer api, String profilesAndExtenders) {
    Path binary = ExternalTool.KUBE_SCHEDULER.require();
    Path dir = null;
    Process process = null;
    try {
      dir = Files.createTempDirectory("gpusched-kube-scheduler-");
      Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
      Path config = Files.writeString(dir.resolve("config.yaml"), "apiVersion: kubescheduler.config.k8s.io/v1beta3\n"
          + "kind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: " + kubeconfig + "\n"
          + "leaderElection:\n  leaderElect: false\npercentageOfNodesToScore: 100\n" + profilesAndExtenders);
      Path log = dir.resolve("kube-scheduler.log");
      process = new ProcessBuilder(List.of(binary.toString(), "--config=" + config,
          "--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
          "--bind-address=127.0.0.1", "--secure-port=" + freePort(), "--v=2"))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (!Files.readString(log).contains("Attempting to acquire leader lease")
          && !Files.readString(log).contains("Starting Kubernetes Scheduler")) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("kube-scheduler did not start; log:\n" + Files.readString(log));
        }
        Thread.sleep(100);
      }
      return new KubeScheduler(dir, process);
    } catch (IOException | InterruptedException e) {
      if (process != null) {
        process.destroyForcibly();
      }
      throw new AssertionError("could not start kube-scheduler: " + e.getMessage(), e);
    }
  }

  /** Its log so far (for a failing assertion's message). */
  public String log() {
    try {
      return Files.readString(dir.resolve("kube-scheduler.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a temp directory left behind harms nothing
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
