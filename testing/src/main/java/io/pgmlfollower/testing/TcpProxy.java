package io.pgmlfollower.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between a client under test and a server, for network faults a test injects on
 * demand: {@link #cut()} resets every open connection (a cable pulled, a NAT entry dropped, a
 * failover's dead endpoint), {@link #stall()} stops carrying bytes in both directions while the
 * connections stay open (a partition: nothing arrives, nothing fails, until a timeout notices), and
 * {@link #refuse(boolean)} resets new connections as they arrive (the server unreachable).
 *
 * <p>Each connection is two pumps on virtual threads, one per direction. A stalled pump stops
 * reading, so the kernel's buffers fill and the sender blocks, as on a real partition.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object stallLock = new Object();
  private final AtomicLong accepted = new AtomicLong();
  private volatile boolean stalled;
  private volatile boolean refusing;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target, ServerSocket listener) {
    this.target = requireNonNull(target, "target is null");
    this.listener = requireNonNull(listener, "listener is null");
  }

  /** A proxy on a free loopback port, forwarding to {@code host:port}. */
  public static TcpProxy start(String host, int port) throws IOException {
    ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, port), listener);
    Thread.ofVirtual().name("tcp-proxy-accept-" + listener.getLocalPort()).start(proxy::accept);
    return proxy;
  }

  public String host() {
    return listener.getInetAddress().getHostAddress();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far (a client that reconnected shows here). */
  public long acceptedConnections() {
    return accepted.get();
  }

  /** Resets every open connection, both sides, with a TCP RST (SO_LINGER 0). */
  public void cut() {
    for (Socket socket : List.copyOf(sockets)) {
      reset(socket);
    }
  }

  /** Stops carrying bytes until {@link #resume()}; connections stay open. */
  public void stall() {
    stalled = true;
  }

  public void resume() {
    synchronized (stallLock) {
      stalled = false;
      stallLock.notifyAll();
    }
  }

  /** While on, new connections are reset as soon as they are accepted. */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      if (refusing) {
        reset(client);
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(target, 5_000);
      } catch (IOException e) {
        reset(client);
        closeQuietly(server);
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      Thread.ofVirtual().start(() -> pump(client, server));
      Thread.ofVirtual().start(() -> pump(server, client));
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      while (true) {
        awaitNotStalled();
        int read = in.read(buffer);
        if (read < 0) {
          break;
        }
        awaitNotStalled();
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side reset or closed: close the other too, as a broken path would
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private void awaitNotStalled() throws InterruptedException {
    if (!stalled) {
      return;
    }
    synchronized (stallLock) {
      while (stalled && !closed) {
        stallLock.wait(100);
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a broken socket: nothing more to do
    }
  }

  @Override
  public void close() {
    closed = true;
    resume();
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
    cut();
  }
}
