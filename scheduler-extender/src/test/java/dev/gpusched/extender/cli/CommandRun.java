package dev.gpusched.extender.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code ./gpusched ARGS} in process: its exit code and what it printed to standard error. */
record CommandRun(int code, String err) {

  static CommandRun of(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = GpuschedCommand.commandLine().execute(args);
    } finally {
      System.setErr(saved);
    }
    return new CommandRun(code, err.toString(StandardCharsets.UTF_8));
  }
}
