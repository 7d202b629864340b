package io.pgmlfollower.pgwire;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Settings of a {@link PgWireServer}; setters validate their argument and return {@code this}. */
public final class PgWireOptions {
  /** PostgreSQL's own default cap on a message is 1 GB; 64 MiB is plenty for statements. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

  public static final int DEFAULT_MAX_CONNECTIONS = 100;
  public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofMinutes(1);

  private String host = "127.0.0.1";
  private int port = 6433;
  private AuthMethod authMethod = AuthMethod.SCRAM_SHA_256;
  private Map<String, String> users = Map.of();
  private UpstreamOptions upstream = new UpstreamOptions();
  private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private Duration authenticationTimeout = DEFAULT_AUTHENTICATION_TIMEOUT;
  private Duration idleSessionTimeout = Duration.ZERO;
  private Duration statementTimeout = Duration.ZERO;
  private Tls tls;

  /** The server's PEM certificate (chain) and private key. */
  public record Tls(java.nio.file.Path certificate, java.nio.file.Path privateKey) {
    public Tls {
      requireNonNull(certificate, "certificate is null");
      requireNonNull(privateKey, "privateKey is null");
    }
  }

  public String host() {
    return host;
  }

  public PgWireOptions setHost(String host) {
    requireNonNull(host, "host is null");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host is blank");
    }
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  /** The port to listen on; 0 picks a free one, which {@link PgWireServer#start()} returns. */
  public PgWireOptions setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  public AuthMethod authMethod() {
    return authMethod;
  }

  public PgWireOptions setAuthMethod(AuthMethod authMethod) {
    this.authMethod = requireNonNull(authMethod, "authMethod is null");
    return this;
  }

  /** The users allowed to log in, with their plaintext passwords (as configured). */
  public Map<String, String> users() {
    return users;
  }

  public PgWireOptions setUsers(Map<String, String> users) {
    requireNonNull(users, "users is null");
    Map<String, String> copy = new LinkedHashMap<>();
    users.forEach(
        (user, password) -> {
          requireNonNull(user, "user name is null");
          if (user.isEmpty()) {
            throw new IllegalArgumentException("user name is empty");
          }
          requireNonNull(password, "password of user " + user + " is null");
          copy.put(user, password);
        });
    this.users = Map.copyOf(copy);
    return this;
  }

  public UpstreamOptions upstream() {
    return upstream;
  }

  public PgWireOptions setUpstream(UpstreamOptions upstream) {
    this.upstream = requireNonNull(upstream, "upstream is null");
    return this;
  }

  public int maxMessageSize() {
    return maxMessageSize;
  }

  /** Larger frames get 54000 program_limit_exceeded and the connection is closed. */
  public PgWireOptions setMaxMessageSize(int maxMessageSize) {
    if (maxMessageSize < 1024) {
      throw new IllegalArgumentException(
          "maxMessageSize must be at least 1024 bytes, got " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    return this;
  }

  /**
   * How long a client may take from connecting to being authenticated (PostgreSQL's {@code
   * authentication_timeout}); a connection still unauthenticated then is closed, so idle sockets
   * cannot hold session slots.
   */
  public Duration authenticationTimeout() {
    return authenticationTimeout;
  }

  public PgWireOptions setAuthenticationTimeout(Duration authenticationTimeout) {
    requireNonNull(authenticationTimeout, "authenticationTimeout is null");
    if (authenticationTimeout.isNegative() || authenticationTimeout.isZero()) {
      throw new IllegalArgumentException(
          "authenticationTimeout must be positive, got " + authenticationTimeout);
    }
    this.authenticationTimeout = authenticationTimeout;
    return this;
  }

  /**
   * How long a session may stay idle (waiting for the client's next query, no statement running)
   * before it is closed with FATAL 57P05, as PostgreSQL's {@code idle_session_timeout}; zero, the
   * default, never closes one.
   */
  public Duration idleSessionTimeout() {
    return idleSessionTimeout;
  }

  public PgWireOptions setIdleSessionTimeout(Duration idleSessionTimeout) {
    requireNonNull(idleSessionTimeout, "idleSessionTimeout is null");
    if (idleSessionTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "idleSessionTimeout must not be negative, got " + idleSessionTimeout);
    }
    this.idleSessionTimeout = idleSessionTimeout;
    return this;
  }

  /**
   * How long a statement may run before it is cancelled with 57014 ("canceling statement due to
   * statement timeout"), as PostgreSQL's {@code statement_timeout}: local statements by the server,
   * forwarded ones by the upstream (the setting is passed to it at startup unless the client sets
   * its own). Zero, the default, never cancels.
   */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  public PgWireOptions setStatementTimeout(Duration statementTimeout) {
    requireNonNull(statementTimeout, "statementTimeout is null");
    if (statementTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "statementTimeout must not be negative, got " + statementTimeout);
    }
    this.statementTimeout = statementTimeout;
    return this;
  }

  /** TLS for clients that ask for it (SSLRequest), or empty: they are answered 'N'. */
  public java.util.Optional<Tls> tls() {
    return java.util.Optional.ofNullable(tls);
  }

  public PgWireOptions setTls(Tls tls) {
    this.tls = tls;
    return this;
  }

  public int maxConnections() {
    return maxConnections;
  }

  /** Sessions beyond this get 53300 too_many_connections at startup. */
  public PgWireOptions setMaxConnections(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be positive, got " + maxConnections);
    }
    this.maxConnections = maxConnections;
    return this;
  }

  /** Checks the settings that depend on each other; the server calls this before it starts. */
  void validate() {
    if (upstream.user() == null) {
      throw new IllegalArgumentException("upstream user is not set");
    }
    if (authMethod != AuthMethod.TRUST && users.isEmpty()) {
      throw new IllegalArgumentException("auth method " + authMethod + " needs at least one user");
    }
    if (tls != null) {
      for (java.nio.file.Path file : java.util.List.of(tls.certificate(), tls.privateKey())) {
        if (!java.nio.file.Files.isReadable(file)) {
          throw new IllegalArgumentException(
              "TLS file " + file + " does not exist or is not readable");
        }
      }
    }
  }

  PgWireOptions copy() {
    PgWireOptions copy = new PgWireOptions();
    copy.host = host;
    copy.port = port;
    copy.authMethod = authMethod;
    copy.users = users;
    copy.upstream = upstream.copy();
    copy.maxMessageSize = maxMessageSize;
    copy.maxConnections = maxConnections;
    copy.authenticationTimeout = authenticationTimeout;
    copy.idleSessionTimeout = idleSessionTimeout;
    copy.statementTimeout = statementTimeout;
    copy.tls = tls;
    return copy;
  }
}
