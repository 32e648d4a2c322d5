package dev.gpusched.bench.heap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code gpusched serve} process under measurement, started from a command line (a build to compare) against the
 * benchmark's API server. Its heap is read as the JDK's {@code jcmd GC.class_histogram} reports it: the objects still
 * reachable after the full collection that command runs. Its CPU is the process's own (user + system).
 */
final class HeapSubject implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Live heap after a full collection, and the histogram's first lines. */
  record Heap(long bytes, List<String> top) {
    double mib() {
      return bytes / (1024.0 * 1024.0);
    }
  }

  private final String name;
  private final Process process;
  private final int port;
  private final Path log;

  private HeapSubject(String name, Process process, int port, Path log) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts {@code command serve --kubeconfig ... --port ...}; its output goes to a temporary log file. */
  static HeapSubject start(String name, List<String> command, Path kubeconfig) {
    int port = freePort();
    List<String> argv = new ArrayList<>(command);
    argv.addAll(List.of("serve", "--kubeconfig", kubeconfig.toString(), "--host", "127.0.0.1", "--port",
        Integer.toString(port)));
    try {
      Path log = Files.createTempFile("gpusched-heap-" + name + "-", ".log");
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new HeapSubject(name, p, port, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", argv), e);
    }
  }

  String name() {
    return name;
  }

  /** Waits until {@code /readyz} answers 200 (the informers have listed everything). */
  void awaitReady(Duration timeout) {
    await("/readyz", timeout);
  }

  /** Waits until the subject's cache holds the node (its informers deliver in order: every earlier one too). */
  void awaitNode(String node, Duration timeout) {
    await("/inspect/" + node, timeout);
  }

  /** Waits until the subject's cache holds the pod. */
  void awaitPod(String namespace, String pod, Duration timeout) {
    await("/inspect/pod/" + namespace + "/" + pod, timeout);
  }

  /** Waits until the process has used under 20 ms of CPU in a second: the last events are applied. */
  void awaitQuiet(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    double before = cpuSeconds();
    while (System.nanoTime() < deadline) {
      sleep(1000);
      double now = cpuSeconds();
      if (now - before < 0.020) {
        return;
      }
      before = now;
    }
  }

  /** CPU seconds the process has used (user + system). */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  /** The process's resident memory in MiB (Linux: VmRSS of /proc/PID/status), or NaN where it cannot be read. */
  double rssMiB() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(javaPid()), "status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return Double.NaN;
  }

  /** The live heap after a full collection ({@code jcmd <pid> GC.class_histogram}), with its first {@code top} classes. */
  Heap heap(int top) {
    List<String> lines = jcmd("GC.class_histogram");
    String total = lines.stream().filter(l -> l.startsWith("Total")).findFirst()
        .orElseThrow(() -> new IllegalStateException("no Total line in the class histogram of " + name + ": " + lines));
    long bytes = Long.parseLong(total.trim().split("\\s+")[2]);
    List<String> head = new ArrayList<>();
    for (String l : lines) {
      if (l.matches("\\s*\\d+:\\s+\\d+\\s+\\d+\\s+.*") && head.size() < top) {
        head.add(l);
      }
    }
    return new Heap(bytes, head);
  }

  private List<String> jcmd(String what) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      throw new IllegalStateException("the heap benchmark needs a JDK's jcmd; " + jcmd + " is missing (run it with a"
          + " JDK, e.g. Debian's openjdk-17-jdk-headless)");
    }
    try {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(javaPid()), what).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + what + " on " + name + " failed: " + out);
      }
      return out.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + jcmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The JVM: the process itself, or the java it started (a launcher script that does not exec). */
  private long javaPid() {
    ProcessHandle self = process.toHandle();
    if (self.info().command().map(c -> c.endsWith("/java")).orElse(true)) {
      return self.pid();
    }
    return self.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .map(ProcessHandle::pid).findFirst().orElse(self.pid());
  }

  private void await(String path, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited (code " + process.exitValue() + "); its log: " + log);
      }
      if (status(path) == 200) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + ": GET " + path + " did not answer 200 within " + timeout + "; log: " + log);
      }
      sleep(100);
    }
  }

  private int status(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
