package dev.gpusched.extender.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's test data ({@code testdata/} under the project root): captures, samples, traces.
 * Surefire passes the root as system property {@code gpusched.root}; without it, the root is found by walking up
 * from the working directory to the pom.xml that lists {@code <modules>}.
 */
public final class TestData {

  private TestData() {}

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

  /** The test data directory, {@code <root>/testdata}. */
  public static Path dir() {
    return projectRoot().resolve("testdata");
  }

  /** A file under the test data directory, e.g. {@code path("dcgm/gpu-node-b-a100.prom")}; fails if absent. */
  public static Path path(String relative) {
    Path p = dir().resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("test data " + p + " does not exist (project root " + projectRoot() + ")");
    }
    return p;
  }

  /** The text of a test data file, UTF-8. */
  public static String read(String relative) {
    try {
      return Files.readString(path(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
