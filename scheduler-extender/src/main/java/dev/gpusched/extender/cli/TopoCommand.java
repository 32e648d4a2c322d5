package dev.gpusched.extender.cli;

import dev.gpusched.topology.GpuTopologies;
import dev.gpusched.topology.TopologyParseException;
import dev.gpusched.topology.TopologyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code gpusched topo FILE}: the parsed model of an {@code nvidia-smi topo -m} capture and the best GPUs for each k. */
@Command(name = "topo", mixinStandardHelpOptions = true,
    description = "Print the GPU topology parsed from an `nvidia-smi topo -m` capture (or the compact form) and the best"
        + " choice of k GPUs for k = 1..n.")
public final class TopoCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "`nvidia-smi topo -m` output, or gpusched's compact form.")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      System.err.println(file + " does not exist: pass a file holding `nvidia-smi topo -m` output");
      return 2;
    }
    try {
      GpuTopologies.Inferred read = GpuTopologies.readAnnotation(Files.readString(file));
      System.out.println("source: " + read.source());
      System.out.print(TopologyReport.render(read.topology()));
      return 0;
    } catch (TopologyParseException e) {
      System.err.println(file + ": " + e.getMessage());
      return 2;
    }
  }
}
