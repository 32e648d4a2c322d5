package dev.gpusched.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link BenchServers} in a child JVM started with this JVM's java and class path, so the servers' CPU, heap and GC are
 * apart from the load generator's. Its log goes to a temporary file, named in any error.
 */
public final class ServerProcess implements Servers {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final int gpuschedPort;
  private final int nullPort;
  private final Path log;

  private ServerProcess(Process process, BufferedReader out, Writer in, int gpuschedPort, int nullPort, Path log) {
    this.process = process;
    this.out = out;
    this.in = in;
    this.gpuschedPort = gpuschedPort;
    this.nullPort = nullPort;
    this.log = log;
  }

  /**
   * @param jvmOptions options of the child JVM, e.g. {@code -Xmx1g}
   * @param decisionThreads threads of one call's new verdicts in gpusched
   */
  public static ServerProcess start(int nodes, long seed, int decisionThreads, List<String> jvmOptions) {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    for (String p : new String[] {"gpusched.root", "gpusched.fixtures"}) {
      if (System.getProperty(p) != null) {
        command.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BenchServers.class.getName());
    command.add(Integer.toString(nodes));
    command.add(Long.toString(seed));
    command.add(Integer.toString(decisionThreads));
    try {
      Path log = Files.createTempFile("gpusched-load-servers-", ".log");
      Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
      String line = out.readLine();
      List<String> before = new ArrayList<>();
      while (line != null && !line.startsWith(BenchServers.READY + " ") && before.size() < 100) {
        before.add(line); // the JVM's own start-up messages (e.g. -XX:StartFlightRecording) come first
        line = out.readLine();
      }
      if (line == null || !line.startsWith(BenchServers.READY + " ")) {
        p.destroyForcibly();
        throw new IllegalStateException("the server JVM did not start (it printed: " + before + "); its log: " + log
            + "\n" + tail(log));
      }
      String[] parts = line.split(" ");
      return new ServerProcess(p, out, in, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the server JVM: " + String.join(" ", command), e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public int gpuschedPort() {
    return gpuschedPort;
  }

  @Override
  public int nullPort() {
    return nullPort;
  }

  @Override
  public synchronized long heapAfterGc() {
    try {
      in.write("GC\n");
      in.flush();
      String line = out.readLine();
      if (line == null || !line.startsWith("HEAP ")) {
        throw new IllegalStateException("the server JVM answered GC with " + line + "; its log: " + log);
      }
      return Long.parseLong(line.substring(5));
    } catch (IOException e) {
      throw new UncheckedIOException("the server JVM stopped answering; its log: " + log, e);
    }
  }

  @Override
  public long cpuNanos() {
    return process.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
  }

  @Override
  public String where() {
    return "child JVM (pid " + process.pid() + ")";
  }

  @Override
  public void close() {
    try {
      in.write("QUIT\n");
      in.flush();
      in.close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file
    }
  }
}
