package dev.gpusched.extender.ha;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * The gpusched Service as kube-proxy makes it: a TCP forwarder on 127.0.0.1 that sends each new connection to the
 * backend selected when it is opened (the replica labelled leader) and keeps it there for the connection's life, whatever
 * the selection becomes later.
 */
final class ServiceProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final IntSupplier backend;
  private final List<Integer> routed = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** @param backend the port a new connection goes to, read when the connection is accepted */
  ServiceProxy(IntSupplier backend) throws IOException {
    this.backend = backend;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "service-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** The backend port of each connection accepted so far, in order. */
  List<Integer> routed() {
    return routed;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        int port = backend.getAsInt();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), port);
        routed.add(port);
        sockets.add(client);
        sockets.add(server);
        pipe(client, server);
        pipe(server, client);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Copies bytes one way; an end of stream on one side closes both, as a closed TCP connection does through NAT. */
  private static void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException e) {
        // one side closed or reset
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "service-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
