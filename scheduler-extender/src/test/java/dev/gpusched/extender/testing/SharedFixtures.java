package dev.gpusched.extender.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only shared material ({@code ../shared} relative to the project root): fixtures, traces.
 * Surefire passes the root as system property {@code gpusched.root}; without it, the root is found by walking up
 * from the working directory to the pom.xml that lists {@code <modules>}.
 */
public final class SharedFixtures {

  private SharedFixtures() {}

  /** The project root (the directory holding the parent pom.xml). */
  public static Path projectRoot() {
    String prop = System.getProperty("gpusched.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      Path pom = p.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom) && Files.readString(pom, StandardCharsets.UTF_8).contains("<modules>")) {
          return p;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("cannot find the project root: no -Dgpusched.root and no pom.xml with <modules>"
        + " above " + dir);
  }

  /** The shared directory, {@code <root>/../shared}. */
  public static Path sharedDir() {
    return projectRoot().resolve("..").resolve("shared").normalize();
  }

  /** A file under the shared directory, e.g. {@code path("fixtures/dcgm/gpu-node-b-a100.prom")}; fails if absent. */
  public static Path path(String relative) {
    Path p = sharedDir().resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("shared fixture " + p + " does not exist (project root " + projectRoot() + ")");
    }
    return p;
  }

  /** The text of a shared file, UTF-8. */
  public static String read(String relative) {
    try {
      return Files.readString(path(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
