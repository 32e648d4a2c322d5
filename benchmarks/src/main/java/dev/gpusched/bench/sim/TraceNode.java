package dev.gpusched.bench.sim;

/** One node of a trace: {@code sn,cpu_milli,memory_mib,gpu,model}. */
public record TraceNode(String name, long cpuMilli, long memoryMib, int gpus, String model) {}
