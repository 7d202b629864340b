package io.pgmlfollower.pgwire;

import static java.util.Objects.requireNonNull;

/**
 * Where sessions' statements go when the server does not answer them itself: the offline
 * PostgreSQL, and the (non-superuser) role every session runs as there.
 */
public final class UpstreamOptions {
  private String host = "127.0.0.1";
  private int port = 5432;
  private String user;
  private String password;
  private java.time.Duration startupTimeout = java.time.Duration.ofSeconds(30);

  public String host() {
    return host;
  }

  public UpstreamOptions setHost(String host) {
    requireNonNull(host, "host is null");
    if (host.isBlank()) {
      throw new IllegalArgumentException("upstream host is blank");
    }
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  public UpstreamOptions setPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("upstream port must be in 1..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  /** The role sessions log in as on the upstream; null until set. */
  public String user() {
    return user;
  }

  public UpstreamOptions setUser(String user) {
    requireNonNull(user, "user is null");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("upstream user is empty");
    }
    this.user = user;
    return this;
  }

  /** The upstream role's password, or null when the upstream trusts the role. */
  public String password() {
    return password;
  }

  public UpstreamOptions setPassword(String password) {
    this.password = password;
    return this;
  }

  /** How long the upstream may take from connect to ReadyForQuery (default 30 s). */
  public java.time.Duration startupTimeout() {
    return startupTimeout;
  }

  public UpstreamOptions setStartupTimeout(java.time.Duration startupTimeout) {
    if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
      throw new IllegalArgumentException("startupTimeout must be positive, got " + startupTimeout);
    }
    this.startupTimeout = startupTimeout;
    return this;
  }

  UpstreamOptions copy() {
    UpstreamOptions copy = new UpstreamOptions();
    copy.host = host;
    copy.port = port;
    copy.user = user;
    copy.password = password;
    copy.startupTimeout = startupTimeout;
    return copy;
  }

  @Override
  public String toString() {
    return "UpstreamOptions{" + user + "@" + host + ":" + port + "}";
  }
}
