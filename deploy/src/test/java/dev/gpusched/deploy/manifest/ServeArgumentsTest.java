package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.gpusched.extender.cli.GpuschedCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The arguments the manifests and the chart give the gpusched container are ones {@code gpusched serve} accepts:
 * parsed by the real command-line definition (picocli), so a renamed or missing option fails here, not in a cluster.
 */
class ServeArgumentsTest {
  /** Parses {@code serve ARGS} with the real command line and returns the serve command's parse result. */
  private static CommandLine.ParseResult parseServe(List<String> args) {
    List<String> all = new ArrayList<>();
    all.add("serve");
    all.addAll(args);
    CommandLine.ParseResult root = GpuschedCommand.commandLine().parseArgs(all.toArray(String[]::new));
    return root.subcommand();
  }

  @SuppressWarnings("unchecked")
  private static List<String> gpuschedArgs(List<Map<String, Object>> objects) {
    Map<String, Object> deployment = Manifests.find(objects, "Deployment", "gpusched");
    List<Map<String, Object>> containers = (List<Map<String, Object>>) Yaml.at(deployment, "spec.template.spec.containers");
    List<String> args = new ArrayList<>((List<String>) containers.get(0).get("args"));
    assertThat(args.get(0)).isEqualTo("serve");
    return args.subList(1, args.size());
  }

  @Test
  void theManifestsArgumentsParse() {
    List<String> args = gpuschedArgs(Manifests.listedObjects());
    CommandLine.ParseResult serve = parseServe(args); // throws naming the unknown option or bad value
    assertThat(serve.commandSpec().name()).isEqualTo("serve");
    assertThat(serve.originalArgs()).startsWith("serve").containsSubsequence(args);
  }

  @Test
  void theChartsArgumentsParseWithAndWithoutTls() {
    for (String tls : List.of("true", "false")) {
      List<String> args = gpuschedArgs(HelmChartTest.render("tls.enabled", tls));
      assertThat(parseServe(args).commandSpec().name()).isEqualTo("serve");
    }
  }
}
