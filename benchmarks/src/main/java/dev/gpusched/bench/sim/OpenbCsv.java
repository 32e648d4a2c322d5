package dev.gpusched.bench.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the openb trace format (Alibaba cluster-trace-gpu-v2023): a node list {@code sn,cpu_milli,memory_mib,gpu,model}
 * and a pod list {@code name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,...}. Columns are found by their header
 * name, so extra columns and any column order are fine. Every bad row fails with its file and line number.
 */
public final class OpenbCsv {
  private static final String[] NODE_COLUMNS = {"sn", "cpu_milli", "memory_mib", "gpu", "model"};
  private static final String[] POD_COLUMNS = {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"};

  private OpenbCsv() {}

  public static Trace read(Path nodes, Path pods) {
    return new Trace(readNodes(nodes), readPods(pods));
  }

  public static List<TraceNode> readNodes(Path file) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parseNodes(r, file.toString());
    } catch (IOException e) {
      throw new TraceFormatException("cannot read node list " + file + ": " + e.getMessage());
    }
  }

  public static List<TracePod> readPods(Path file) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parsePods(r, file.toString());
    } catch (IOException e) {
      throw new TraceFormatException("cannot read pod list " + file + ": " + e.getMessage());
    }
  }

  public static List<TraceNode> parseNodes(Reader in, String source) throws IOException {
    BufferedReader r = new BufferedReader(in);
    Map<String, Integer> col = header(r.readLine(), source, NODE_COLUMNS);
    List<TraceNode> out = new ArrayList<>();
    String line;
    int no = 1;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank()) {
        continue;
      }
      String[] f = split(line);
      Row row = new Row(f, source, no);
      String name = row.text(col, "sn");
      long cpu = row.number(col, "cpu_milli", 0, Long.MAX_VALUE);
      long mem = row.number(col, "memory_mib", 0, Long.MAX_VALUE);
      int gpus = (int) row.number(col, "gpu", 0, 64);
      String model = row.optional(col, "model");
      out.add(new TraceNode(name, cpu, mem, gpus, model));
    }
    if (out.isEmpty()) {
      throw new TraceFormatException(source + ": no nodes after the header line");
    }
    return out;
  }

  public static List<TracePod> parsePods(Reader in, String source) throws IOException {
    BufferedReader r = new BufferedReader(in);
    Map<String, Integer> col = header(r.readLine(), source, POD_COLUMNS);
    List<TracePod> out = new ArrayList<>();
    String line;
    int no = 1;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank()) {
        continue;
      }
      Row row = new Row(split(line), source, no);
      String name = row.text(col, "name");
      long cpu = row.number(col, "cpu_milli", 0, Long.MAX_VALUE);
      long mem = row.number(col, "memory_mib", 0, Long.MAX_VALUE);
      int gpus = (int) row.number(col, "num_gpu", 0, 64);
      int milli = (int) row.number(col, "gpu_milli", 0, 1000);
      if (gpus == 0 && milli != 0) {
        throw row.error("gpu_milli is " + milli + " but num_gpu is 0: a pod without GPUs has gpu_milli 0");
      }
      if (gpus > 0 && milli == 0) {
        throw row.error("num_gpu is " + gpus + " but gpu_milli is 0: use 1000 for whole GPUs or 1..999 for a share");
      }
      if (gpus > 1 && milli != 1000) {
        throw row.error("num_gpu is " + gpus + " with gpu_milli " + milli + ": only a one-GPU pod may share a GPU"
            + " (gpu_milli < 1000); multi-GPU pods take whole GPUs (gpu_milli 1000)");
      }
      String spec = col.containsKey("gpu_spec") ? row.optional(col, "gpu_spec") : "";
      out.add(new TracePod(name, cpu, mem, gpus, milli, models(spec)));
    }
    if (out.isEmpty()) {
      throw new TraceFormatException(source + ": no pods after the header line");
    }
    return out;
  }

  /** "V100M16|V100M32" to its models, lower-cased as gpusched's {@code GpuModelFit} compares them; "" to none. */
  static List<String> models(String spec) {
    if (spec.isBlank()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : spec.split("\\|")) {
      if (!s.isBlank()) {
        out.add(s.trim().toLowerCase(Locale.ROOT));
      }
    }
    return List.copyOf(out);
  }

  private static Map<String, Integer> header(String line, String source, String[] required) {
    if (line == null) {
      throw new TraceFormatException(source + ": empty file; expected a header line with " + String.join(",", required));
    }
    String[] f = split(line.startsWith("\uFEFF") ? line.substring(1) : line);
    Map<String, Integer> col = new HashMap<>();
    for (int i = 0; i < f.length; i++) {
      col.put(f[i].trim().toLowerCase(Locale.ROOT), i);
    }
    List<String> missing = new ArrayList<>();
    for (String c : required) {
      if (!col.containsKey(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      throw new TraceFormatException(source + " line 1: header lacks column(s) " + String.join(",", missing)
          + "; expected at least " + String.join(",", required) + " (got \"" + line + "\")");
    }
    return col;
  }

  private static String[] split(String line) {
    return line.split(",", -1);
  }

  /** One data row with its position, for error messages. */
  private record Row(String[] fields, String source, int line) {
    String optional(Map<String, Integer> col, String name) {
      int i = col.get(name);
      return i < fields.length ? fields[i].trim() : "";
    }

    String text(Map<String, Integer> col, String name) {
      String v = optional(col, name);
      if (v.isEmpty()) {
        throw error("column " + name + " is empty");
      }
      return v;
    }

    long number(Map<String, Integer> col, String name, long min, long max) {
      String v = text(col, name);
      long n;
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw error("column " + name + " is \"" + v + "\"; expected a whole number");
      }
      if (n < min || n > max) {
        throw error("column " + name + " is " + n + "; expected " + min + ".." + max);
      }
      return n;
    }

    TraceFormatException error(String what) {
      return new TraceFormatException(source + " line " + line + ": " + what);
    }
  }
}
