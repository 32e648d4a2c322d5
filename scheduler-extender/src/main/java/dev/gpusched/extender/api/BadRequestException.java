package dev.gpusched.extender.api;

/** A request that cannot be served as sent; the message says what was wrong and what would be right. */
public final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadRequestException(String message) {
    super(message);
  }
}
