package dev.gpusched.bench.load;

/** Where the load tool sends its traffic, and how it reads the servers' retained heap. */
public interface Servers extends AutoCloseable {
  int gpuschedPort();

  int nullPort();

  /** Heap used by the server JVM right after a full GC, in bytes. */
  long heapAfterGc();

  /** CPU time the server JVM has used so far, in nanoseconds, or -1 when it cannot be told apart from the client's. */
  long cpuNanos();

  /** Where the servers run, for the report: {@code child JVM (pid 123)} or {@code in process}. */
  String where();

  @Override
  void close();

  /** Both servers in this JVM (for the smoke test; client and servers then share CPU and heap). */
  static Servers inProcess(int nodes, long seed, int decisionThreads) {
    BenchServers s = BenchServers.start(nodes, seed, decisionThreads);
    return new Servers() {
      @Override
      public int gpuschedPort() {
        return s.gpuschedPort();
      }

      @Override
      public int nullPort() {
        return s.nullPort();
      }

      @Override
      public long heapAfterGc() {
        return BenchServers.heapAfterGc();
      }

      @Override
      public long cpuNanos() {
        return -1;
      }

      @Override
      public String where() {
        return "in process";
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }
}
