package dev.gpusched.extender.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Backstage's own entity validator, {@code deploy/backstage/validate.mjs} on {@code @backstage/catalog-model}, run with
 * Node. Its pinned packages are installed by {@code npm ci} into {@code target/backstage-validator} once per lockfile
 * (a marker holds the lockfile's hash), never into the source tree. Tests using it are marked
 * {@code @RequiresTool({"node", "npm"})}.
 */
public final class BackstageValidator {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String[] FILES = {"package.json", "package-lock.json", "validate.mjs"};

  /**
   * What the validator said: the entity references it accepted, the relations Backstage would derive
   * ({@code [source, type, target]}, full references), and one message per rejected document.
   */
  public record Report(List<String> entities, List<List<String>> relations, List<String> errors, int exitCode) {}

  private BackstageValidator() {}

  /** Validates a YAML text (one or more documents). */
  public static synchronized Report validate(String yaml) throws IOException, InterruptedException {
    Path dir = install();
    Path file = Files.createTempFile(dir, "entities-", ".yaml");
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      Run run = run(dir, 120, ExternalTool.NODE.require().toString(), "validate.mjs", file.toString());
      if (run.exit != 0 && run.exit != 1) {
        throw new AssertionError("validate.mjs exited " + run.exit + ":\n" + run.output);
      }
      JsonNode report = JSON.readTree(run.stdout);
      return new Report(strings(report.path("entities")), relations(report.path("relations")),
          strings(report.path("errors")), run.exit);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The validator's directory under target/, with its packages installed (npm ci when the lockfile changed). */
  static Path install() throws IOException, InterruptedException {
    Path source = TestData.projectRoot().resolve("deploy/backstage");
    Path dir = Path.of("target", "backstage-validator").toAbsolutePath();
    Files.createDirectories(dir);
    for (String f : FILES) {
      Files.copy(source.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    String lock = sha256(Files.readAllBytes(dir.resolve("package-lock.json")));
    Path marker = dir.resolve("node_modules/.gpusched-lock-sha256");
    if (Files.isRegularFile(marker) && Files.readString(marker).equals(lock)) {
      return dir;
    }
    Run run = run(dir, 600, ExternalTool.NPM.require().toString(), "ci", "--no-audit", "--no-fund", "--ignore-scripts");
    if (run.exit != 0) {
      throw new AssertionError("npm ci in " + dir + " failed (exit " + run.exit + "): it installs "
          + "@backstage/catalog-model from the npm registry\n" + run.output);
    }
    Files.writeString(marker, lock);
    return dir;
  }

  private record Run(int exit, String stdout, String output) {}

  private static Run run(Path dir, int timeoutSeconds, String... command) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
          .redirectError(err.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      String stdout = Files.readString(out);
      return new Run(p.exitValue(), stdout, stdout + Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  private static List<List<String>> relations(JsonNode array) {
    List<List<String>> out = new ArrayList<>();
    array.forEach(r -> out.add(List.of(r.get(0).asString(), r.get(1).asString(), r.get(2).asString())));
    return out;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
