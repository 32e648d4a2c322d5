package dev.gpusched.extender.model;

/** A pod whose GPU request or {@code gpusched.dev/*} annotations cannot be honoured as written; the message says why. */
public final class InvalidDemandException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidDemandException(String message) {
    super(message);
  }
}
