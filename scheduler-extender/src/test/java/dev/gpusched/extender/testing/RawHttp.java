package dev.gpusched.extender.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw HTTP/1.1 connection for tests that must misbehave (slow senders, partial requests, oversized headers). */
public final class RawHttp implements AutoCloseable {
  private static final java.util.regex.Pattern CONTENT_LENGTH =
      java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)");

  private final Socket socket;

  public RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
  }

  public RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  public RawHttp send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** What the server sent until it closed the connection or went quiet for {@code quietMillis}; "" if nothing. */
  public String readUntilClosed(int quietMillis) throws IOException {
    socket.setSoTimeout(quietMillis);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException quiet) {
      // the server said all it will say for now
    } catch (IOException reset) {
      // connection reset by the server: also a close
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * An HTTP/1.1 request framed as a well-behaved client frames it: {@code Content-Length} and the body, a
   * {@code Content-Type} unless {@code contentType} is null or empty.
   */
  public static byte[] request(String method, String path, String contentType, byte[] body) {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (contentType != null && !contentType.isEmpty()) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = java.util.Arrays.copyOf(headBytes, headBytes.length + body.length);
    System.arraycopy(body, 0, out, headBytes.length, body.length);
    return out;
  }

  /**
   * Reads exactly one response framed by {@code Content-Length} (what gpusched always sends) and leaves the connection
   * open for the next request; "" if the server closed the connection before a whole response arrived.
   */
  public String readResponse(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return "";
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    java.util.regex.Matcher length = CONTENT_LENGTH.matcher(headers);
    byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
    return headers + new String(body, StandardCharsets.UTF_8);
  }

  /** True when the server closed the connection (a read returns end of stream or reset) within {@code millis}. */
  public boolean closedWithin(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // drain whatever the server says before closing
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  public static String statusLine(String response) {
    int eol = response.indexOf("\r\n");
    return eol < 0 ? response : response.substring(0, eol);
  }

  public static String body(String response) {
    int sep = response.indexOf("\r\n\r\n");
    return sep < 0 ? "" : response.substring(sep + 4);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
