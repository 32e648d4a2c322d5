package dev.gpusched.extender.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths into {@code ../shared} (beside the project root), where the team's fixtures live. */
public final class Fixtures {
  private Fixtures() {}

  public static Path root() {
    String prop = System.getProperty("gpusched.root");
    Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("../shared/fixtures"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find ../shared/fixtures beside the project root");
    }
    return p;
  }

  public static Path shared(String relative) {
    return root().resolve("../shared").resolve(relative).normalize();
  }

  public static String read(String relative) throws IOException {
    return Files.readString(shared(relative));
  }
}
