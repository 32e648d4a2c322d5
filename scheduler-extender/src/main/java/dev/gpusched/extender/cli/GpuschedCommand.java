package dev.gpusched.extender.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./gpusched}: the command-line tool. Subcommands from other modules join when they are on the class path. */
@Command(
    name = "gpusched",
    mixinStandardHelpOptions = true,
    version = "gpusched 0.1.0",
    description = "GPU-aware scheduler extender for Kubernetes.",
    subcommands = {ServeCommand.class, TopoCommand.class, CatalogCommand.class, CommandLine.HelpCommand.class})
public final class GpuschedCommand implements Runnable {
  /** Tools that live in other modules (the simulator in benchmarks/), added when present. */
  private static final String[] OPTIONAL_SUBCOMMANDS = {
    "dev.gpusched.bench.sim.SimulateCommand",
    "dev.gpusched.bench.load.LoadCommand",
    "dev.gpusched.bench.heap.HeapCommand",
  };

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new GpuschedCommand());
    for (String name : OPTIONAL_SUBCOMMANDS) {
      try {
        Class<?> c = Class.forName(name);
        cl.addSubcommand(c.getDeclaredConstructor().newInstance());
      } catch (ClassNotFoundException absent) {
        // not built into this distribution
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot load subcommand " + name, e);
      }
    }
    return cl;
  }

  /** The JVM property that sizes the common ForkJoinPool, read once when that pool is first used. */
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * Runs CompletableFuture's async steps on the common pool. Where the JVM sees 2 CPUs (a container limited to 2), the
   * pool's parallelism is 1, and CompletableFuture then starts a new thread for every async step; the JDK HttpClient
   * completes each request with one (sendAsync), and fabric8 makes every API call through it: a thread started per
   * bind, patch and informer list. A parallelism of 2 keeps two pool threads instead. Must run before anything uses the
   * pool; an explicit {@code -D} setting wins.
   */
  static void asyncStepsOnTheCommonPool() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  public static void main(String[] args) {
    asyncStepsOnTheCommonPool();
    int code = commandLine().execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }
}
