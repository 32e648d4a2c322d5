package dev.gpusched.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project root and the deploy/ folder are, for tests run by surefire or from an IDE. */
public final class ProjectPaths {
  private ProjectPaths() {}

  /** The project root: the gpusched.root system property (set by surefire), else the nearest parent with deploy/. */
  public static Path root() {
    String property = System.getProperty("gpusched.root");
    if (property != null && Files.isDirectory(Path.of(property, "deploy"))) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("deploy")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("cannot find the project root (a folder holding pom.xml and deploy/) from "
        + Path.of("").toAbsolutePath() + "; set -Dgpusched.root");
  }

  /** The deploy/ folder. */
  public static Path deploy() {
    return root().resolve("deploy");
  }
}
