package dev.gpusched.extender.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve --topology-label-keys}: comma-separated keys, narrowest first; bad lists are refused with a message. */
class TopologyLabelKeysOptionTest {

  @Test
  void keysAreSplitOnCommasInOrder() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--topology-label-keys", "example.com/rack,example.com/room");
    assertThat(serve.topologyLabelKeys).containsExactly("example.com/rack", "example.com/room");
  }

  @Test
  void aRepeatedKeyIsRefusedBeforeServing() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new ServeCommand()).execute("--topology-label-keys", "example.com/rack,example.com/rack");
    } finally {
      System.setErr(err);
    }
    assertThat(code).isEqualTo(2);
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--topology-label-keys")
        .contains("'example.com/rack' appears twice");
  }
}
