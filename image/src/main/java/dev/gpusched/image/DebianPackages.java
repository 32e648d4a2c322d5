package dev.gpusched.image;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian packages of one architecture, fetched with apt-get (Debian's own client, the machine's configured sources
 * and keys) into a cache folder and reused from there: apt's lists and state for that architecture are kept in the
 * cache, so nothing on the machine changes (no {@code dpkg --add-architecture}, no root needed).
 */
final class DebianPackages {
  /** A fetched package: its name, its version as Debian writes it, and the .deb file. */
  record Deb(String name, String version, Path file) {}

  private final String architecture;
  private final Path dir;

  /** @param architecture a Debian architecture ({@code amd64}, {@code arm64}) */
  DebianPackages(Path cache, String architecture) {
    this.architecture = architecture;
    this.dir = cache.resolve(architecture);
  }

  /**
   * The newest cached .deb of each package, fetching those not cached (or all of them when {@code refresh}).
   *
   * @throws IllegalStateException naming what is missing when a package is neither cached nor fetchable
   */
  List<Deb> resolve(List<String> names, boolean refresh) throws IOException, InterruptedException {
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      if (refresh || cached(name).isEmpty()) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      fetch(missing);
    }
    List<Deb> debs = new ArrayList<>();
    for (String name : names) {
      debs.add(cached(name).orElseThrow(() -> new IllegalStateException(
          "apt-get download did not leave " + name + " for " + architecture + " in " + archives())));
    }
    return debs;
  }

  private Path archives() {
    return dir.resolve("archives");
  }

  /** The cached .deb of a package (its architecture or {@code all}); the newest by file time if several. */
  private Optional<Deb> cached(String name) throws IOException {
    if (!Files.isDirectory(archives())) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(archives())) {
      return files.filter(f -> {
        String n = f.getFileName().toString();
        return n.startsWith(name + "_") && (n.endsWith("_" + architecture + ".deb") || n.endsWith("_all.deb"));
      }).max(java.util.Comparator.comparing(DebianPackages::modified)).map(DebianPackages::deb);
    }
  }

  private static long modified(Path f) {
    try {
      return Files.getLastModifiedTime(f).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Parses {@code name_version_arch.deb}, where apt-get writes an epoch's colon as {@code %3a}. */
  static Deb deb(Path file) {
    String[] parts = file.getFileName().toString().split("_");
    if (parts.length != 3) {
      throw new IllegalArgumentException(file + " is not named name_version_arch.deb");
    }
    return new Deb(parts[0], parts[1].replace("%3a", ":"), file);
  }

  private void fetch(List<String> names) throws IOException, InterruptedException {
    Path apt = findOnPath("apt-get").orElseThrow(() -> new IllegalStateException(
        "Debian packages " + names + " for " + architecture + " are not cached in " + dir + " and apt-get is not on"
            + " PATH: build the image on Debian or Ubuntu once (the packages are cached), or skip it with -Dimage.skip"));
    for (String sub : List.of("lists/partial", "cache/archives/partial", "archives")) {
      Files.createDirectories(dir.resolve(sub));
    }
    for (String name : names) { // a refresh replaces the cached version
      Optional<Deb> old = cached(name);
      if (old.isPresent()) {
        Files.delete(old.get().file());
      }
    }
    Path status = dir.resolve("status");
    if (!Files.exists(status)) {
      Files.createFile(status);
    }
    List<String> common = List.of(apt.toString(), "-q",
        "-o", "APT::Architecture=" + architecture,
        "-o", "APT::Architectures::=" + architecture,
        "-o", "Dir::State::Lists=" + dir.resolve("lists"),
        "-o", "Dir::State::status=" + status,
        "-o", "Dir::Cache=" + dir.resolve("cache"));
    List<String> update = new ArrayList<>(common);
    update.add("update");
    run(update, dir);
    List<String> download = new ArrayList<>(common);
    download.add("download");
    download.addAll(names);
    run(download, archives());
  }

  private static void run(List<String> command, Path workDir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
    }
  }

  static Optional<Path> findOnPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String d : path.split(File.pathSeparator)) {
      Path candidate = Path.of(d.isEmpty() ? "." : d, command);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
