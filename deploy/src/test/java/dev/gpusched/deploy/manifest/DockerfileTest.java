package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile cannot be built here (no Docker engine), so its contract is checked: what it copies from the build
 * context exists, the jar and lib/ it copies are what scheduler-extender's build produces, and it runs as non-root.
 */
class DockerfileTest {
  private static final Path ROOT = ProjectPaths.root();

  private static List<String> instructions() throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(ROOT.resolve("deploy/Dockerfile"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      out.add(current.append(line).toString().trim());
      current.setLength(0);
    }
    return out;
  }

  @Test
  void buildsWithMavenAndRunsOnAJreAsNonRoot() throws IOException {
    List<String> instructions = instructions();
    assertThat(instructions).contains("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre",
        "USER 65532:65532", "ENTRYPOINT [\"java\", \"-jar\", \"/opt/gpusched/gpusched.jar\"]");
    assertThat(instructions.indexOf("USER 65532:65532")).isGreaterThan(instructions.indexOf("FROM eclipse-temurin:17-jre"));
  }

  @Test
  void everythingCopiedFromTheContextExists() throws IOException {
    int copies = 0;
    for (String instruction : instructions()) {
      if (!instruction.startsWith("COPY ") || instruction.contains("--from=")) {
        continue;
      }
      String[] parts = instruction.substring(5).trim().split("\\s+");
      for (int i = 0; i < parts.length - 1; i++) {
        assertThat(ROOT.resolve(parts[i])).as(instruction).exists();
        copies++;
      }
    }
    assertThat(copies).isGreaterThanOrEqualTo(6);
  }

  @Test
  void theJarAndLibrariesItCopiesAreWhatTheBuildProduces() throws IOException {
    String pom = Files.readString(ROOT.resolve("scheduler-extender/pom.xml"));
    String dockerfile = String.join("\n", instructions());
    assertThat(dockerfile).contains("COPY --from=build /src/scheduler-extender/target/gpusched.jar /opt/gpusched/gpusched.jar",
        "COPY --from=build /src/scheduler-extender/target/lib/ /opt/gpusched/lib/",
        "mvn -B -pl scheduler-extender -am -Dmaven.test.skip=true package");
    assertThat(pom).contains("<finalName>gpusched</finalName>", "<classpathPrefix>lib/</classpathPrefix>",
        "<outputDirectory>${project.build.directory}/lib</outputDirectory>");
  }
}
