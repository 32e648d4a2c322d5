package dev.gpusched.extender.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpusched.extender.decide.ParallelChunks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve --decision-threads}: 1..16, the machine's CPUs by default; anything else is refused with a message. */
class DecisionThreadsOptionTest {

  @Test
  void defaultsToTheCpusTheJvmSeesAtMostSixteen() {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs();
    assertThat(serve.decisionThreads)
        .isEqualTo(Math.min(16, Runtime.getRuntime().availableProcessors()))
        .isEqualTo(ParallelChunks.DEFAULT_THREADS);
  }

  @Test
  void aCountOutsideOneToSixteenIsRefusedBeforeServing() {
    for (String bad : new String[] {"0", "17", "-3"}) {
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      int code;
      try {
        code = new CommandLine(new ServeCommand()).execute("--decision-threads", bad);
      } finally {
        System.setErr(err);
      }
      assertThat(code).as(bad).isEqualTo(2);
      assertThat(captured.toString(StandardCharsets.UTF_8))
          .contains("--decision-threads " + bad + " is out of range: use 1..16");
    }
  }
}
