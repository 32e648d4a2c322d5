package dev.gpusched.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.testing.ExternalTool;
import dev.gpusched.extender.testing.RequiresTool;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarInputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image tarball {@code mvn -B verify} wrote (target/gpusched-image.tar), read as a registry or containerd would:
 * an OCI layout whose index names one image index with a linux/amd64 and a linux/arm64 manifest; every blob matches
 * its digest; each config runs {@code java -jar /opt/gpusched/gpusched.jar serve} with the memory flags as user
 * 65532; each platform's java is a binary of that architecture; the app's class path is complete; and the tag is the
 * one the manifests and the chart name. Where this machine can, the amd64 image is also run (below).
 */
class ImageTarballIT {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Path ROOT = Path.of(System.getProperty("gpusched.root", "..")).toAbsolutePath().normalize();
  private static final Map<String, Integer> ELF_MACHINE = Map.of("amd64", 0x3E, "arm64", 0xB7);

  private static Map<String, byte[]> blobs;
  private static JsonNode imageIndex;
  private static JsonNode layoutIndex;

  @BeforeAll
  static void readTarball() throws IOException {
    Path tarball = tarball();
    if (!Files.isRegularFile(tarball)) {
      String reason = tarball + " was not built (the image build says why: Debian packages neither cached nor fetchable)";
      if (ExternalTool.required()) {
        throw new AssertionError(reason);
      }
      throw new TestAbortedException(reason);
    }
    blobs = new HashMap<>();
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tarball)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile()) {
          files.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    assertThat(new String(files.get("oci-layout"), StandardCharsets.UTF_8)).contains("\"imageLayoutVersion\":\"1.0.0\"");
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().startsWith("blobs/sha256/")) {
        String digest = "sha256:" + f.getKey().substring("blobs/sha256/".length());
        assertThat(sha256(f.getValue())).as("content of " + f.getKey()).isEqualTo(digest);
        blobs.put(digest, f.getValue());
      }
    }
    layoutIndex = JSON.readTree(files.get("index.json"));
    imageIndex = json(layoutIndex.get("manifests").get(0));
  }

  private static Path tarball() {
    return Path.of(System.getProperty("gpusched.image.tar", "target/gpusched-image.tar"));
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The blob a descriptor names, checked against the descriptor's size. */
  private static byte[] blob(JsonNode descriptor) {
    byte[] b = blobs.get(descriptor.get("digest").asString());
    assertThat(b).as("blob " + descriptor.get("digest")).isNotNull();
    assertThat((long) b.length).as("size of " + descriptor.get("digest")).isEqualTo(descriptor.get("size").asLong());
    return b;
  }

  private static JsonNode json(JsonNode descriptor) {
    return JSON.readTree(blob(descriptor));
  }

  private static Map<String, JsonNode> manifestsByArchitecture() {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode m : imageIndex.get("manifests")) {
      out.put(m.get("platform").get("architecture").asString(), json(m));
    }
    return out;
  }

  @Test
  void oneTagNamesAnIndexOfALinuxAmd64AndALinuxArm64Image() {
    JsonNode ref = layoutIndex.get("manifests").get(0);
    assertThat(layoutIndex.get("manifests")).hasSize(1);
    assertThat(ref.get("mediaType").asString()).isEqualTo("application/vnd.oci.image.index.v1+json");
    String reference = System.getProperty("gpusched.image.reference");
    assertThat(ref.get("annotations").get("io.containerd.image.name").asString()).isEqualTo(reference);
    assertThat(reference).endsWith(":" + ref.get("annotations").get("org.opencontainers.image.ref.name").asString());
    List<String> platforms = new ArrayList<>();
    for (JsonNode m : imageIndex.get("manifests")) {
      assertThat(m.get("mediaType").asString()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
      JsonNode p = m.get("platform");
      platforms.add(p.get("os").asString() + "/" + p.get("architecture").asString()
          + (p.has("variant") ? "/" + p.get("variant").asString() : ""));
    }
    assertThat(platforms).containsExactly("linux/amd64", "linux/arm64/v8");
  }

  @Test
  void eachConfigRunsGpuschedAsNonRootWithTheMemoryFlags() {
    for (Map.Entry<String, JsonNode> m : manifestsByArchitecture().entrySet()) {
      JsonNode config = json(m.getValue().get("config"));
      assertThat(config.get("architecture").asString()).isEqualTo(m.getKey());
      assertThat(config.get("os").asString()).isEqualTo("linux");
      JsonNode run = config.get("config");
      assertThat(run.get("User").asString()).isEqualTo("65532:65532");
      List<String> entrypoint = strings(run.get("Entrypoint"));
      assertThat(entrypoint.get(0)).isEqualTo("/usr/lib/jvm/java-17-openjdk-" + m.getKey() + "/bin/java");
      assertThat(entrypoint).contains("-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=60",
          "-XX:MaxDirectMemorySize=256m").endsWith("-jar", "/opt/gpusched/gpusched.jar");
      assertThat(strings(run.get("Cmd"))).containsExactly("serve");
      assertThat(config.get("rootfs").get("diff_ids")).hasSize(m.getValue().get("layers").size());
    }
  }

  @Test
  void theLayersHoldAJavaOfEachArchitectureTheWholeClassPathAndTheNonRootUser() throws IOException {
    for (Map.Entry<String, JsonNode> m : manifestsByArchitecture().entrySet()) {
      Map<String, TarArchiveEntry> entries = new HashMap<>();
      Map<String, byte[]> wanted = new HashMap<>();
      JsonNode diffIds = json(m.getValue().get("config")).get("rootfs").get("diff_ids");
      int i = 0;
      for (JsonNode layer : m.getValue().get("layers")) {
        assertThat(layer.get("mediaType").asString()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        byte[] tar = new GZIPInputStream(new ByteArrayInputStream(blob(layer))).readAllBytes();
        assertThat(sha256(tar)).as("diff_id of layer " + i).isEqualTo(diffIds.get(i++).asString());
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
          TarArchiveEntry e;
          while ((e = in.getNextEntry()) != null) {
            entries.put(e.getName(), e);
            if (e.getName().endsWith("bin/java") || e.getName().equals("opt/gpusched/gpusched.jar")
                || e.getName().equals("etc/passwd")) {
              wanted.put(e.getName(), in.readAllBytes());
            }
          }
        }
      }
      byte[] java = wanted.get("usr/lib/jvm/java-17-openjdk-" + m.getKey() + "/bin/java");
      assertThat(java).as(m.getKey() + " java").isNotNull();
      assertThat(java).startsWith(0x7F, 'E', 'L', 'F');
      int machine = (java[18] & 0xFF) | (java[19] & 0xFF) << 8;
      assertThat(machine).as(m.getKey() + " java's ELF machine").isEqualTo(ELF_MACHINE.get(m.getKey()));
      assertThat(new String(wanted.get("etc/passwd"), StandardCharsets.UTF_8)).contains("nonroot:x:65532:65532:");
      assertThat(entries).containsKeys("etc/ssl/certs/java/cacerts", "var/lib/dpkg/status.d/openjdk-17-jre-headless",
          "usr/lib/jvm/java-17-openjdk-" + m.getKey() + "/lib/server/libjvm.so");
      assertThat(entries.keySet()).noneMatch(n -> n.startsWith("usr/share/doc/") && !n.endsWith("/") && !n.endsWith("/copyright"));
      try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(wanted.get("opt/gpusched/gpusched.jar")))) {
        String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
        assertThat(classPath).isNotBlank();
        for (String entry : classPath.trim().split("\\s+")) {
          assertThat(entries).as(m.getKey() + " class path").containsKey("opt/gpusched/" + entry);
        }
      }
    }
  }

  @Test
  void theManifestsAndTheChartNameTheImageTheBuildMakes() throws IOException {
    String reference = System.getProperty("gpusched.image.reference");
    String deployment = Files.readString(ROOT.resolve("deploy/manifests/20-gpusched-deployment.yaml"));
    assertThat(deployment).contains("image: " + reference + "\n");
    String values = Files.readString(ROOT.resolve("deploy/helm/gpusched/values.yaml"));
    String chart = Files.readString(ROOT.resolve("deploy/helm/gpusched/Chart.yaml"));
    String repository = reference.substring(0, reference.lastIndexOf(':'));
    String tag = reference.substring(reference.lastIndexOf(':') + 1);
    assertThat(values).containsPattern("(?m)^  repository: " + Pattern.quote(repository) + "$");
    assertThat(chart).containsPattern("(?m)^appVersion: \"" + Pattern.quote(tag) + "\"$");
  }

  /**
   * skopeo, as a registry client and container runtimes read images, copies both platforms out of the tarball
   * (checking every digest on the way) and finds each platform's image with its architecture and user.
   */
  @Test
  @RequiresTool("skopeo")
  void skopeoCopiesBothPlatformsOutOfTheTarball(@TempDir Path dir) throws Exception {
    String skopeo = ExternalTool.SKOPEO.require().toString();
    String tag = layoutIndex.get("manifests").get(0).get("annotations").get("org.opencontainers.image.ref.name").asString();
    String copy = "oci:" + dir.resolve("copy") + ":" + tag;
    run(List.of(skopeo, "copy", "--all", "oci-archive:" + tarball(), copy), Duration.ofMinutes(5));
    JsonNode index = JSON.readTree(run(List.of(skopeo, "inspect", "--raw", copy), Duration.ofMinutes(1)));
    assertThat(index.get("manifests")).hasSize(2);
    for (String architecture : List.of("amd64", "arm64")) {
      JsonNode config = JSON.readTree(run(List.of(skopeo, "inspect", "--config", "--override-os", "linux",
          "--override-arch", architecture, copy), Duration.ofMinutes(1)));
      assertThat(config.get("architecture").asString()).isEqualTo(architecture);
      assertThat(config.get("config").get("User").asString()).isEqualTo("65532:65532");
    }
  }

  /**
   * The amd64 image, unpacked and run as its config says (user 65532, the entrypoint, in a chroot with its own /proc)
   * with the example cluster: it serves and reports ready on its health port. Needs root and linux/amd64; skipped
   * elsewhere, failed instead where tools are required (CI runs as root).
   */
  @Test
  void theAmd64ImageRunsGpusched(@TempDir Path dir) throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root || !"amd64".equals(System.getProperty("os.arch")) || DebianPackages.findOnPath("unshare").isEmpty()) {
      String reason = "running the image needs root, linux/amd64 and unshare (util-linux); this is "
          + System.getProperty("user.name") + " on " + System.getProperty("os.arch");
      if (ExternalTool.required()) {
        throw new AssertionError(reason);
      }
      throw new TestAbortedException(reason);
    }
    JsonNode manifest = manifestsByArchitecture().get("amd64");
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    for (JsonNode layer : manifest.get("layers")) {
      Path file = dir.resolve("layer.tar.gz");
      Files.write(file, blob(layer));
      run(List.of("tar", "-xzf", file.toString(), "-C", rootfs.toString()), Duration.ofMinutes(2));
    }
    Files.copy(ROOT.resolve("deploy/examples/cluster.yaml"), rootfs.resolve("tmp/cluster.yaml"));
    JsonNode run = json(manifest.get("config")).get("config");
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
        "--mount-proc=" + rootfs.resolve("proc"), "chroot", "--userspec=" + run.get("User").asString(), rootfs.toString()));
    command.addAll(strings(run.get("Entrypoint")));
    command.addAll(List.of("serve", "--host=127.0.0.1", "--port=0", "--health-port=0", "--cluster-file=/tmp/cluster.yaml"));
    Path log = dir.resolve("serve.log");
    Process serve = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Matcher ready = Pattern.compile("health and metrics on http://127\\.0\\.0\\.1:(\\d+)").matcher("");
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!ready.reset(Files.readString(log)).find()) {
        assertThat(serve.isAlive()).as("gpusched in the image exited:\n" + Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("gpusched in the image did not get ready:\n" + Files.readString(log))
            .isLessThan(deadline);
        Thread.sleep(200);
      }
      HttpResponse<String> readyz = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + ready.group(1) + "/readyz")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(readyz.statusCode()).isEqualTo(200);
      assertThat(readyz.body()).isEqualTo("ready");
    } finally {
      serve.destroy(); // unshare passes SIGTERM on; its pid namespace ends with it
      if (!serve.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        serve.destroyForcibly();
      }
    }
  }

  /** Runs a command to its end and returns its standard output; fails with its output when it fails. */
  private static String run(List<String> command, Duration timeout) throws Exception {
    Path errors = Files.createTempFile("gpusched-image-it", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
      String output;
      try (InputStream in = p.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(p.waitFor(timeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as(command + " finished").isTrue();
      assertThat(p.exitValue()).as(command + ":\n" + output + Files.readString(errors)).isZero();
      return output;
    } finally {
      Files.delete(errors);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }
}
