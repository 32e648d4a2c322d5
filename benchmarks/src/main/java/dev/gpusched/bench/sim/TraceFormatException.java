package dev.gpusched.bench.sim;

/** A trace file that is not in the openb CSV format; the message names the file, the line and what was expected. */
public final class TraceFormatException extends RuntimeException {
  public TraceFormatException(String message) {
    super(message);
  }
}
