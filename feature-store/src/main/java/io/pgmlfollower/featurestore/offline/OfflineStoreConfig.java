package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to open the {@link OfflineStore}.
 *
 * <ul>
 *   <li>{@link Mode#EMBEDDED} (default): a PostgreSQL whose data lives under {@code
 *       <storePath>/offline/}, started and stopped by the store. Under root it runs as an
 *       unprivileged OS user, so {@code storePath} and every directory above it must be traversable
 *       by that user (not under {@code /root}).
 *   <li>{@link Mode#EXTERNAL}: a PostgreSQL someone else runs, reached with {@link #jdbcUrl},
 *       {@link #user} and {@link #password}. The user must be able to create databases and roles
 *       (or they must exist) and set {@code session_replication_role} (a superuser, or PostgreSQL
 *       15+ {@code GRANT SET ON PARAMETER session_replication_role}).
 * </ul>
 *
 * <p>{@link #storePath} is required in both modes: the client role's password is kept there.
 */
public final class OfflineStoreConfig {
  public enum Mode {
    EMBEDDED,
    EXTERNAL
  }

  private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Mode mode = Mode.EMBEDDED;
  private Path storePath;
  private String jdbcUrl;
  private String user;
  private String password;
  private String database;
  private boolean fsync = true;
  private String clientRoleName = "pgml_client";
  private int embeddedPort;

  public OfflineStoreConfig mode(Mode mode) {
    this.mode = requireNonNull(mode, "mode is null");
    return this;
  }

  /** The follower's state directory ({@code store.path}). */
  public OfflineStoreConfig storePath(Path storePath) {
    this.storePath = requireNonNull(storePath, "storePath is null").toAbsolutePath();
    return this;
  }

  /** EXTERNAL only: e.g. {@code jdbc:postgresql://features:5432/features}. */
  public OfflineStoreConfig jdbcUrl(String jdbcUrl) {
    requireNonNull(jdbcUrl, "jdbcUrl is null");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: " + jdbcUrl);
    }
    this.jdbcUrl = jdbcUrl;
    return this;
  }

  /** EXTERNAL only. */
  public OfflineStoreConfig user(String user) {
    requireNonNull(user, "user is null");
    if (user.isBlank()) {
      throw new IllegalArgumentException("user is empty");
    }
    this.user = user;
    return this;
  }

  /** EXTERNAL only. */
  public OfflineStoreConfig password(String password) {
    this.password = requireNonNull(password, "password is null");
    return this;
  }

  /**
   * The database the replicated tables live in: the source database's name, so that clients of the
   * follower's endpoint connect to the same name. Created when missing.
   */
  public OfflineStoreConfig database(String database) {
    requireNonNull(database, "database is null");
    if (database.isEmpty() || database.length() > 63 || database.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("not a database name: " + database);
    }
    this.database = database;
    return this;
  }

  /**
   * EMBEDDED only: whether the server fsyncs (default true). Off loses committed data on an OS
   * crash and may corrupt the cluster; tests only.
   */
  public OfflineStoreConfig fsync(boolean fsync) {
    this.fsync = fsync;
    return this;
  }

  /** The role endpoint sessions run as; default {@code pgml_client}. */
  public OfflineStoreConfig clientRoleName(String clientRoleName) {
    requireNonNull(clientRoleName, "clientRoleName is null");
    if (!ROLE_NAME.matcher(clientRoleName).matches()) {
      throw new IllegalArgumentException(
          "clientRoleName must be a lower-case identifier: " + clientRoleName);
    }
    this.clientRoleName = clientRoleName;
    return this;
  }

  /** EMBEDDED only: the server's port on 127.0.0.1; 0 (default) picks a free one at each start. */
  public OfflineStoreConfig embeddedPort(int embeddedPort) {
    if (embeddedPort < 0 || embeddedPort > 65535) {
      throw new IllegalArgumentException(
          "embeddedPort must be between 0 and 65535: " + embeddedPort);
    }
    this.embeddedPort = embeddedPort;
    return this;
  }

  /** Checks that the settings the mode needs are there. */
  void validate() {
    if (storePath == null) {
      throw new IllegalArgumentException("storePath is required");
    }
    if (database == null) {
      throw new IllegalArgumentException("database is required");
    }
    if (mode == Mode.EXTERNAL && (jdbcUrl == null || user == null || password == null)) {
      throw new IllegalArgumentException(
          "an EXTERNAL offline store needs jdbcUrl, user and password");
    }
  }

  public Mode mode() {
    return mode;
  }

  public Path storePath() {
    return storePath;
  }

  public Optional<String> jdbcUrl() {
    return Optional.ofNullable(jdbcUrl);
  }

  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  public Optional<String> password() {
    return Optional.ofNullable(password);
  }

  public String database() {
    return database;
  }

  public boolean fsync() {
    return fsync;
  }

  public String clientRoleName() {
    return clientRoleName;
  }

  public int embeddedPort() {
    return embeddedPort;
  }
}
