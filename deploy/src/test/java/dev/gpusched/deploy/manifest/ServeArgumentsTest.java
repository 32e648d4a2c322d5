package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import dev.gpusched.deploy.ProjectPaths;
import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The arguments the manifests and the chart give the gpusched container are ones {@code gpusched serve} accepts:
 * parsed by the real command-line definition (picocli), so a renamed or missing option fails here, not in a cluster.
 */
class ServeArgumentsTest {
  private static CommandLine serveCommand() {
    Class<?> main;
    try {
      main = Class.forName("dev.gpusched.extender.cli.GpuschedCommand");
    } catch (ClassNotFoundException e) {
      throw new AssertionError("scheduler-extender has no dev.gpusched.extender.cli.GpuschedCommand", e);
    }
    Assumptions.assumeTrue(main.isAnnotationPresent(CommandLine.Command.class),
        "GpuschedCommand is not a picocli command yet on this branch");
    CommandLine root = new CommandLine(main);
    CommandLine serve = root.getSubcommands().get("serve");
    Assumptions.assumeTrue(serve != null, "gpusched has no serve subcommand yet on this branch");
    return serve;
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
    CommandLine serve = serveCommand();
    List<String> args = gpuschedArgs(Manifests.listedObjects());
    serve.parseArgs(args.toArray(String[]::new)); // throws naming the unknown option or bad value
    assertThat(serve.getParseResult().originalArgs()).containsExactlyElementsOf(args);
  }

  @Test
  void theChartsArgumentsParseWithAndWithoutTls() {
    CommandLine serve = serveCommand();
    for (String tls : List.of("true", "false")) {
      String rendered = new Helm(ProjectPaths.deploy().resolve("helm/gpusched")).template().withName("gpusched")
          .withNamespace("gpusched-system").set("tls.enabled", tls).call();
      List<String> args = gpuschedArgs(Yaml.readAll(rendered, "helm template tls.enabled=" + tls));
      serve.parseArgs(args.toArray(String[]::new));
    }
  }
}
