package dev.gpusched.extender.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On 2 CPUs the JVM gives the common pool a parallelism of 1, and CompletableFuture then starts a thread for every async
 * step (the JDK HttpClient takes one per request); {@code gpusched}'s main sets the pool's parallelism first, so async
 * steps run on the pool. Checked in a child JVM limited to 2 CPUs, which starts with an untouched pool.
 */
class CommonPoolTest {
  /** Child JVM entry: prints the thread of one async step, with ("pool") or without ("default") the setting. */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("pool")) {
      GpuschedCommand.asyncStepsOnTheCommonPool();
    }
    System.out.println(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).get());
  }

  private static String asyncStepThread(String mode) throws Exception {
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:ActiveProcessorCount=2", "-cp", System.getProperty("java.class.path"), CommonPoolTest.class.getName(), mode))
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
  }

  @Test
  void onTwoCpusAsyncStepsRunOnTheCommonPoolNotOnAThreadEach() throws Exception {
    assertThat(asyncStepThread("default")).as("the JDK's own choice on 2 CPUs").startsWith("Thread-");
    assertThat(asyncStepThread("pool")).startsWith("ForkJoinPool.commonPool-worker-");
  }
}
