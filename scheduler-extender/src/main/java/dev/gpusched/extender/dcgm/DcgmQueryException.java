package dev.gpusched.extender.dcgm;

/** A poll of DCGM metrics failed as a whole; the message says what was wrong and {@link #kind()} classifies it. */
public final class DcgmQueryException extends Exception {

  /** Why a poll failed; {@link #label()} is the {@code kind} tag on {@code gpusched_dcgm_poll_errors_total}. */
  public enum Kind {
    /** Connection refused, reset, DNS failure, or the request timed out. */
    UNREACHABLE("unreachable"),
    /** The server answered with a non-2xx HTTP status. */
    HTTP_STATUS("http_status"),
    /** Prometheus answered {@code "status":"error"} (bad query, timeout, ...). */
    PROMETHEUS_ERROR("prometheus_error"),
    /** The body is not JSON (or not the text exposition format, for a direct scrape). */
    MALFORMED("malformed"),
    /** Valid JSON, but fields are missing or have the wrong type. */
    UNEXPECTED_SHAPE("unexpected_shape"),
    /** The polling thread was interrupted (shutdown). */
    INTERRUPTED("interrupted");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Kind kind;

  public DcgmQueryException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public DcgmQueryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
