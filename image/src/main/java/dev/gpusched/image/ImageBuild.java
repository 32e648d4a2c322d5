package dev.gpusched.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Builds the gpusched image for several platforms into one OCI image layout tarball, without a Docker engine or a
 * registry: per platform a Debian base layer ({@link DebianRoot}, from Debian's packages of that architecture), then
 * three application layers shared by every platform (released dependencies, the project's own libraries, gpusched.jar),
 * a config (non-root user, the java entrypoint with its flags) and a manifest; an image index lists the manifests with
 * their platforms. Run by the image module's build ({@code mvn -B verify}).
 */
@Command(name = "image-build", mixinStandardHelpOptions = true,
    description = "Build the gpusched OCI image layout tarball for several platforms.")
public final class ImageBuild implements Callable<Integer> {
  /** The base: glibc, the C++ runtime, zlib, the CA certificates, OpenJDK 17's headless JRE (and os-release). */
  static final List<String> PACKAGES = List.of("base-files", "libc6", "libgcc-s1", "libstdc++6", "zlib1g",
      "ca-certificates", "openjdk-17-jre-headless");
  static final String APP_DIR = "opt/gpusched";

  @Option(names = "--app", required = true, description = "scheduler-extender's target/: gpusched.jar and lib/.")
  Path app;

  @Option(names = "--output", required = true, description = "The OCI image layout tarball to write.")
  Path output;

  @Option(names = "--cache", required = true, description = "Where Debian packages are cached between builds.")
  Path cache;

  @Option(names = "--name", required = true, description = "Image repository, e.g. ghcr.io/gpusched/gpusched.")
  String name;

  @Option(names = "--tag", required = true, description = "Image tag.")
  String tag;

  @Option(names = "--platform", required = true, description = "os/arch, repeatable: linux/amd64, linux/arm64.")
  List<String> platforms;

  @Option(names = "--jvm-flag", description = "A flag of the java entrypoint, before -jar (repeatable).")
  List<String> jvmFlags = new ArrayList<>();

  @Option(names = "--refresh", description = "Fetch the Debian packages again (security updates).")
  boolean refresh;

  public static void main(String[] args) {
    int code = new CommandLine(new ImageBuild()).execute(args);
    if (code != 0) {
      throw new IllegalStateException("image build failed (exit " + code + ")"); // fails the Maven build, keeps its JVM
    }
  }

  @Override
  public Integer call() throws Exception {
    Path jar = app.resolve("gpusched.jar");
    Path lib = app.resolve("lib");
    if (!Files.isRegularFile(jar) || !Files.isDirectory(lib)) {
      System.err.println(jar + " or " + lib + " is missing: package scheduler-extender first (mvn -pl image -am package)");
      return 1;
    }
    Files.deleteIfExists(output);
    Path work = output.resolveSibling("oci-work");
    deleteTree(work);
    Path blobs = Files.createDirectories(work.resolve("blobs/sha256"));
    long started = System.nanoTime();

    List<Layer.Blob> appLayers = new ArrayList<>();
    for (Layer.Blob layer : applicationLayers(jar, lib, work)) {
      appLayers.add(OciImage.store(layer, blobs));
    }
    List<Platform> targets = new ArrayList<>();
    for (String p : platforms) {
      targets.add(Platform.parse(p));
    }
    List<OciImage.Manifest> manifests = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(targets.size(), Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<Layer.Blob>> bases = new ArrayList<>();
      List<List<DebianPackages.Deb>> packages = new ArrayList<>();
      for (Platform target : targets) {
        List<DebianPackages.Deb> debs;
        try {
          debs = new DebianPackages(cache, target.debianArchitecture()).resolve(PACKAGES, refresh);
        } catch (IllegalStateException e) {
          System.err.println("[WARNING] no gpusched image built: " + e.getMessage());
          return 0;
        }
        packages.add(debs);
        Path layers = cache.resolve(target.debianArchitecture()).resolve("layers");
        bases.add(pool.submit(() -> BaseLayerCache.get(layers, debs,
            work.resolve("base-" + target.debianArchitecture() + ".tar.gz"))));
      }
      for (int i = 0; i < targets.size(); i++) {
        List<Layer.Blob> layers = new ArrayList<>();
        layers.add(OciImage.store(bases.get(i).get(), blobs));
        layers.addAll(appLayers);
        manifests.add(OciImage.manifest(targets.get(i), packages.get(i), layers, jvmFlags, name, tag, blobs));
      }
    } finally {
      pool.shutdownNow();
    }
    OciImage.writeLayout(work, manifests, name, tag);
    OciImage.tar(work, output);
    deleteTree(work);
    System.err.printf("gpusched image %s:%s for %s: %s (%d MiB) in %.1f s%n", name, tag, platforms, output,
        Files.size(output) >> 20, (System.nanoTime() - started) / 1e9);
    return 0;
  }

  /** Released dependencies, the project's own (snapshot) libraries, gpusched.jar: each changes less often than the next. */
  private static List<Layer.Blob> applicationLayers(Path jar, Path lib, Path work) throws IOException {
    List<Path> released = new ArrayList<>();
    List<Path> project = new ArrayList<>();
    for (Path f : listFiles(lib)) {
      (f.getFileName().toString().contains("-SNAPSHOT") ? project : released).add(f);
    }
    List<Layer.Blob> out = new ArrayList<>();
    out.add(filesLayer(released, APP_DIR + "/lib/", work.resolve("dependencies.tar.gz")));
    out.add(filesLayer(project, APP_DIR + "/lib/", work.resolve("project-libraries.tar.gz")));
    out.add(filesLayer(List.of(jar), APP_DIR + "/", work.resolve("application.tar.gz")));
    return out;
  }

  private static Layer.Blob filesLayer(List<Path> files, String dir, Path into) throws IOException {
    try (Layer layer = new Layer(into)) {
      layer.directory(dir, 0755);
      for (Path f : files) {
        try (InputStream in = Files.newInputStream(f)) {
          layer.file(dir + f.getFileName(), 0644, Files.size(f), in);
        }
      }
      return layer.finish();
    }
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** A target platform: OCI os/architecture/variant and the Debian architecture whose packages it runs. */
  record Platform(String os, String architecture, String variant) {
    static Platform parse(String text) {
      return switch (text) {
        case "linux/amd64" -> new Platform("linux", "amd64", null);
        case "linux/arm64", "linux/arm64/v8" -> new Platform("linux", "arm64", "v8");
        default -> throw new CommandLine.ParameterException(new CommandLine(new ImageBuild()),
            "--platform " + text + ": linux/amd64 or linux/arm64");
      };
    }

    String debianArchitecture() {
      return architecture;
    }

    String javaHome() {
      return "/usr/lib/jvm/java-17-openjdk-" + debianArchitecture();
    }
  }
}
