package dev.gpusched.deploy.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.deploy.Yaml;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.gpusched.extender.cli.GpuschedCommand;
import dev.gpusched.extender.kube.OwnerAnnotations;
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

  @Test
  @SuppressWarnings("unchecked")
  void gpuschedRetriesThePodsOfTheProfileItsSchedulerRuns() {
    for (List<Map<String, Object>> objects : List.of(Manifests.listedObjects(),
        HelmChartTest.render("scheduler.schedulerName", "gpu-batch"))) {
      Map<String, Object> profile = ((List<Map<String, Object>>) Manifests.schedulerConfiguration(objects).get("profiles"))
          .get(0);
      assertThat(parseServe(gpuschedArgs(objects)).matchedOptionValue("--scheduler-name", List.of()))
          .containsExactly((String) profile.get("schedulerName"));
    }
  }

  /** The ClusterRole rule on the MLService resource the arguments name, as "group/plural:verbs". */
  @SuppressWarnings("unchecked")
  private static String mlServiceGrant(List<Map<String, Object>> objects, OwnerAnnotations.Resource resource) {
    for (Object r : (List<Object>) Manifests.find(objects, "ClusterRole", "gpusched").get("rules")) {
      Map<String, Object> rule = (Map<String, Object>) r;
      if (((List<Object>) rule.get("apiGroups")).contains(resource.group())) {
        return resource.group() + "/" + String.join(",", (List<String>) rule.get("resources")) + ":"
            + String.join(",", (List<String>) rule.get("verbs"));
      }
    }
    return "no rule for group " + resource.group();
  }

  @Test
  void gpuschedMayListAndWatchTheMlServiceResourceItIsGiven() {
    List<Map<String, Object>> manifests = Manifests.listedObjects();
    List<Map<String, Object>> custom = HelmChartTest.render("mlserviceResource", "mlservices.v1beta1.ml.example.com");
    for (List<Map<String, Object>> objects : List.of(manifests, custom)) {
      CommandLine.ParseResult serve = parseServe(gpuschedArgs(objects));
      OwnerAnnotations.Resource resource = OwnerAnnotations.Resource.parse(serve.matchedOptionValue("--mlservice-resource", ""));
      assertThat(mlServiceGrant(objects, resource)).isEqualTo(resource.group() + "/" + resource.plural() + ":list,watch");
    }
    assertThat(parseServe(gpuschedArgs(manifests)).matchedOptionValue("--mlservice-resource", ""))
        .isEqualTo(OwnerAnnotations.Resource.DEFAULT.toString());
    assertThat(parseServe(gpuschedArgs(custom)).matchedOptionValue("--mlservice-resource", ""))
        .isEqualTo("mlservices.v1beta1.ml.example.com");
  }
}
