package dev.gpusched.extender.http;

/**
 * Thrown by a verb whose answer has no {@code Error} field when this replica cannot answer (not the leader); the HTTP
 * layer turns it into 503 with the message.
 */
public final class ServiceUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServiceUnavailableException(String message) {
    super(message, null, false, false);
  }
}
