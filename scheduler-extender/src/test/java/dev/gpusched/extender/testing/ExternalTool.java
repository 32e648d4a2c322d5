package dev.gpusched.extender.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.opentest4j.TestAbortedException;

/**
 * A program some integration tests run (Prometheus, promtool, kube-apiserver, kube-scheduler, etcd, skopeo, Node.js and
 * npm): found
 * through its environment variable, else on
 * {@code PATH}. Where it is missing such a test is skipped with what to install, so the suite passes on a machine with
 * only Java and Maven; under {@code GPUSCHED_REQUIRE_TOOLS=true} (or {@code -Dgpusched.requireTools=true}), as CI sets
 * it, a missing program fails the test instead, so CI never skips one silently.
 *
 * @param command the program's name on {@code PATH}
 * @param envVar the environment variable that names the binary, taking precedence over {@code PATH}
 * @param install how to install it, for the message
 */
public record ExternalTool(String command, String envVar, String install) {

  public static final ExternalTool PROMETHEUS = new ExternalTool("prometheus", "PROMETHEUS_BIN",
      "apt-get install -y --no-install-recommends prometheus");
  public static final ExternalTool PROMTOOL = new ExternalTool("promtool", "PROMTOOL_BIN",
      "apt-get install -y --no-install-recommends prometheus");
  public static final ExternalTool KUBE_APISERVER = new ExternalTool("kube-apiserver", "KUBE_APISERVER_BIN",
      "a kube-apiserver binary of Kubernetes 1.24 or later, e.g. from the kubernetes-server release tarball");
  /** kube-scheduler of the same release, for what only a real scheduler shows (its queue, its extender calls). */
  public static final ExternalTool KUBE_SCHEDULER = new ExternalTool("kube-scheduler", "KUBE_SCHEDULER_BIN",
      "a kube-scheduler binary of Kubernetes 1.24 or later, e.g. from the kubernetes-server release tarball");
  public static final ExternalTool ETCD = new ExternalTool("etcd", "ETCD_BIN",
      "apt-get install -y --no-install-recommends etcd-server");
  /** Reads and copies OCI images as registries and container runtimes do (the image test's second opinion). */
  public static final ExternalTool SKOPEO = new ExternalTool("skopeo", "SKOPEO_BIN",
      "apt-get install -y --no-install-recommends skopeo");
  /** Runs Backstage's own entity validator ({@code deploy/backstage/validate.mjs}); Node 18 (Debian 12's) or later. */
  public static final ExternalTool NODE = new ExternalTool("node", "NODE_BIN", "apt-get install -y nodejs npm");
  /** Installs that validator's pinned packages ({@code npm ci}). */
  public static final ExternalTool NPM = new ExternalTool("npm", "NPM_BIN", "apt-get install -y nodejs npm");
  private static final List<ExternalTool> ALL = List.of(PROMETHEUS, PROMTOOL, KUBE_APISERVER, KUBE_SCHEDULER, ETCD, SKOPEO,
      NODE, NPM);

  /** The binary: the environment variable's path if set (even when it is not executable), else the first on PATH. */
  public Optional<Path> find() {
    String configured = System.getenv(envVar);
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The tool of that name on PATH: one of the constants above. */
  public static ExternalTool named(String command) {
    for (ExternalTool t : ALL) {
      if (t.command.equals(command)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown external tool \"" + command + "\": "
        + String.join(", ", ALL.stream().map(ExternalTool::command).toList()));
  }

  /**
   * The binary, for a test that cannot run without it (better: mark the test {@link RequiresTool}, which decides
   * before anything starts).
   *
   * @throws TestAbortedException when it is missing (JUnit reports the test as skipped, with the reason)
   * @throws AssertionError when it is missing and tools are required
   */
  public Path require() {
    Optional<Path> found = find();
    if (found.isPresent()) {
      return found.get();
    }
    if (required()) {
      throw new AssertionError(missingReason() + " (tools are required here: GPUSCHED_REQUIRE_TOOLS / gpusched.requireTools)");
    }
    throw new TestAbortedException(missingReason());
  }

  /** Why the program is not there and what to do about it. */
  public String missingReason() {
    String configured = System.getenv(envVar);
    String where = configured != null && !configured.isBlank()
        ? envVar + "=" + configured + " is not an executable file"
        : command + " is not on PATH and " + envVar + " is not set";
    return where + "; install it (" + install + ") or set " + envVar + " to run this test";
  }

  /** True when a missing tool must fail a test rather than skip it. */
  public static boolean required() {
    String property = System.getProperty("gpusched.requireTools");
    String env = System.getenv("GPUSCHED_REQUIRE_TOOLS");
    return Boolean.parseBoolean(property) || Boolean.parseBoolean(env);
  }
}
