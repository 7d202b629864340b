package io.pgmlfollower.pgwire;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.auth.Authenticator;
import io.pgmlfollower.pgwire.session.CancelRegistry;
import io.pgmlfollower.pgwire.session.ClientConnection;
import io.pgmlfollower.pgwire.session.NetSocketTransport;
import io.pgmlfollower.pgwire.session.ServerResources;
import io.pgmlfollower.pgwire.session.UpstreamDialer;
import io.pgmlfollower.pgwire.spi.SessionHandlerFactory;
import io.pgmlfollower.pgwire.upstream.UpstreamConnection;
import io.pgmlfollower.pgwire.upstream.UpstreamConnector;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL wire-protocol (3.0) endpoint. Each client session gets a pinned connection to the
 * upstream PostgreSQL; statements the {@link SessionHandlerFactory}'s handlers claim are answered
 * by the server itself, all others are forwarded to the upstream unchanged.
 *
 * <pre>{@code
 * PgWireServer server = new PgWireServer(vertx, options, session -> handler);
 * int port = server.start();
 * ...
 * server.close();
 * }</pre>
 */
public final class PgWireServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PgWireServer.class);
  private static final long START_TIMEOUT_SECONDS = 30;

  private final Vertx vertx;
  private final PgWireOptions options;
  private final AtomicInteger activeSessions = new AtomicInteger();
  private final PgWireStats stats = new PgWireStats();
  private final SessionHandlerFactory factory;
  private final List<String> deployments = new ArrayList<>();
  private UpstreamConnector connector;
  private int port = -1;

  public PgWireServer(Vertx vertx, PgWireOptions options, SessionHandlerFactory factory) {
    this.vertx = requireNonNull(vertx, "vertx is null");
    this.options = requireNonNull(options, "options is null").copy();
    this.factory = requireNonNull(factory, "factory is null");
  }

  /**
   * Starts listening, one acceptor verticle per event loop (up to the number of processors), and
   * blocks until it does.
   *
   * @return the port bound (the ephemeral one chosen when the options say 0)
   * @throws IllegalStateException when called on an event-loop thread, twice, or when binding fails
   */
  public synchronized int start() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("start() blocks: do not call it on an event-loop thread");
    }
    if (port >= 0) {
      throw new IllegalStateException("server already started on port " + port);
    }
    options.validate();
    SecureRandom random = new SecureRandom();
    connector = new UpstreamConnector(vertx, options.upstream());
    ServerResources resources =
        new ServerResources(
            vertx,
            options.maxMessageSize(),
            options.maxConnections(),
            options.authenticationTimeout(),
            options.idleSessionTimeout(),
            options.statementTimeout(),
            new Authenticator(
                options.authMethod(), options.users(), random, channelBinding(options)),
            dialer(connector),
            new CancelRegistry(random),
            factory,
            activeSessions,
            stats,
            options.tls().map(PgWireServer::sslOptions).orElse(null));
    // Vert.x shares a fixed address among the acceptors of a deployment, but binds each acceptor
    // of port 0 to a port of its own: an ephemeral port gets one acceptor (tests, demos).
    int instances =
        options.port() == 0
            ? 1
            : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    try {
      // Acceptors of one deployment share the address: Vert.x binds once and hands connections
      // to them in turn, each on its own event loop.
      port = deployAcceptors(resources, options.port(), instances);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.info(
        "PostgreSQL protocol endpoint listening on {}:{} (auth {}, upstream {})",
        options.host(),
        port,
        options.authMethod(),
        options.upstream());
    return port;
  }

  /** Client sessions open now (counted from their StartupMessage until they close). */
  public int activeSessions() {
    return activeSessions.get();
  }

  /** Connections and errors since the server started. */
  public PgWireStats stats() {
    return stats;
  }

  /** The bound port, or -1 before {@link #start()}. */
  public synchronized int port() {
    return port;
  }

  /** Deploys {@code instances} acceptors on {@code listenPort}; returns the port bound. */
  private int deployAcceptors(ServerResources resources, int listenPort, int instances) {
    List<Acceptor> deployed = java.util.Collections.synchronizedList(new ArrayList<>());
    String deploymentId =
        await(
            vertx.deployVerticle(
                () -> {
                  Acceptor acceptor = new Acceptor(resources, acceptorOptions(listenPort));
                  deployed.add(acceptor);
                  return acceptor;
                },
                new DeploymentOptions().setInstances(instances)));
    synchronized (this) {
      deployments.add(deploymentId);
    }
    int bound = deployed.getFirst().actualPort();
    for (Acceptor acceptor : deployed) {
      if (acceptor.actualPort() != bound) {
        throw new IllegalStateException(
            "acceptors bound different ports: " + bound + " and " + acceptor.actualPort());
      }
    }
    return bound;
  }

  private NetServerOptions acceptorOptions(int listenPort) {
    return new NetServerOptions()
        .setHost(options.host())
        .setPort(listenPort)
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true)
        .setReuseAddress(true);
  }

  /**
   * One listening socket's acceptor, on its own event loop. Acceptors deployed on the same address
   * share it: Vert.x binds once and hands connections to them in turn.
   */
  private static final class Acceptor extends VerticleBase {
    private final ServerResources resources;
    private final NetServerOptions serverOptions;
    private volatile int actualPort;

    Acceptor(ServerResources resources, NetServerOptions serverOptions) {
      this.resources = resources;
      this.serverOptions = serverOptions;
    }

    @Override
    public Future<?> start() {
      return vertx
          .createNetServer(serverOptions)
          .connectHandler(socket -> accept(resources, socket))
          .listen()
          .onSuccess(server -> actualPort = server.actualPort());
    }

    int actualPort() {
      return actualPort;
    }
  }

  private static void accept(ServerResources resources, NetSocket socket) {
    ClientConnection connection =
        new ClientConnection(resources, new NetSocketTransport(socket, resources.tls()));
    socket.handler(connection::onBytes);
    socket.closeHandler(ignored -> connection.onTransportClosed());
    socket.exceptionHandler(
        failure -> {
          LOG.debug("Client connection failed: {}", failure.getMessage());
          socket.close();
        });
  }

  /** The certificate's tls-server-end-point data, when TLS is configured (SCRAM-SHA-256-PLUS). */
  private static java.util.Optional<byte[]> channelBinding(PgWireOptions options) {
    if (options.tls().isEmpty()) {
      return java.util.Optional.empty();
    }
    try {
      return io.pgmlfollower.pgwire.auth.ChannelBinding.tlsServerEndPoint(
          options.tls().get().certificate());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static io.vertx.core.net.ServerSSLOptions sslOptions(PgWireOptions.Tls tls) {
    return new io.vertx.core.net.ServerSSLOptions()
        .setKeyCertOptions(
            new io.vertx.core.net.PemKeyCertOptions()
                .setCertPath(tls.certificate().toString())
                .setKeyPath(tls.privateKey().toString()));
  }

  private static UpstreamDialer dialer(UpstreamConnector connector) {
    return new UpstreamDialer() {
      @Override
      public Future<UpstreamConnection> connect(
          String database, Map<String, String> clientParameters) {
        return connector.connect(database, clientParameters);
      }

      @Override
      public void cancel(int processId, int secretKey) {
        connector.cancel(processId, secretKey);
      }
    };
  }

  private static <T> T await(Future<T> future) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "could not listen: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out starting the server", e);
    }
  }

  /** Stops listening and closes every connection of the server; blocks until done. */
  @Override
  public synchronized void close() {
    List<Future<Void>> closing = new ArrayList<>();
    // Undeploying an acceptor closes its server and every connection it accepted.
    deployments.forEach(id -> closing.add(vertx.undeploy(id)));
    deployments.clear();
    if (connector != null) {
      connector.close();
      connector = null;
    }
    for (Future<Void> future : closing) {
      try {
        future
            .toCompletionStage()
            .toCompletableFuture()
            .get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Failed to close a listener cleanly", e);
      }
    }
  }
}
