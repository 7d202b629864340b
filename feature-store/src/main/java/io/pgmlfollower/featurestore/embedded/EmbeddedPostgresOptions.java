package io.pgmlfollower.featurestore.embedded;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to start an {@link EmbeddedPostgres}. Only {@link #dataDirectory(Path)} is required.
 *
 * <p>When the JVM runs as root, PostgreSQL runs as {@link #osUser(String)} (it refuses to run as
 * root), so the data directory and every directory above it must be traversable by that user:
 * {@code /root} (mode 700) is not, {@code /var/lib/...} or {@code /tmp/...} are.
 */
public final class EmbeddedPostgresOptions {
  private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
  private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern ENVIRONMENT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern OS_USER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  private Path dataDirectory;
  private String host = "127.0.0.1";
  private int port;
  private String superuser = "postgres";
  private String superuserPassword;
  private final Map<String, String> serverSettings = new LinkedHashMap<>();
  private final Map<String, String> serverEnvironment = new LinkedHashMap<>();
  private Duration startupTimeout = Duration.ofSeconds(60);
  private String osUser = "nobody";
  private Path binariesCacheDirectory = Path.of(System.getProperty("java.io.tmpdir"));

  /** The cluster's data directory; created (with {@code initdb}) when it holds no cluster yet. */
  public EmbeddedPostgresOptions dataDirectory(Path dataDirectory) {
    this.dataDirectory = requireNonNull(dataDirectory, "dataDirectory is null").toAbsolutePath();
    return this;
  }

  /** The address the server listens on (TCP only); default {@code 127.0.0.1}. */
  public EmbeddedPostgresOptions host(String host) {
    requireNonNull(host, "host is null");
    if (host.isBlank() || host.contains(",") || host.contains("'")) {
      throw new IllegalArgumentException("host must be one address or host name: " + host);
    }
    this.host = host;
    return this;
  }

  /** The TCP port; 0 (the default) picks a free one at every start. */
  public EmbeddedPostgresOptions port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
    }
    this.port = port;
    return this;
  }

  /** The superuser created by {@code initdb}; default {@code postgres}. */
  public EmbeddedPostgresOptions superuser(String superuser) {
    requireNonNull(superuser, "superuser is null");
    if (!ROLE_NAME.matcher(superuser).matches()) {
      throw new IllegalArgumentException("superuser must be a plain identifier: " + superuser);
    }
    this.superuser = superuser;
    return this;
  }

  /**
   * The superuser's password; {@code null} (the default) generates one at {@code initdb} and keeps
   * it in a mode-0600 file beside the data directory, so restarts reuse it.
   */
  public EmbeddedPostgresOptions superuserPassword(String superuserPassword) {
    if (superuserPassword != null
        && (superuserPassword.isEmpty() || hasLineBreak(superuserPassword))) {
      throw new IllegalArgumentException("superuserPassword must be non-empty and on one line");
    }
    this.superuserPassword = superuserPassword;
    return this;
  }

  /**
   * Settings written to the server's configuration at every start, on top of (and overriding) the
   * defaults, e.g. {@code wal_level=logical}. See <a
   * href="https://www.postgresql.org/docs/17/runtime-config.html">Server Configuration</a>.
   */
  public EmbeddedPostgresOptions serverSettings(Map<String, String> settings) {
    requireNonNull(settings, "settings is null");
    settings.forEach(this::serverSetting);
    return this;
  }

  public EmbeddedPostgresOptions serverSetting(String name, String value) {
    requireNonNull(name, "name is null");
    requireNonNull(value, "value is null");
    if (!SETTING_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a server setting name: " + name);
    }
    if (hasLineBreak(value)) {
      throw new IllegalArgumentException("server setting " + name + " has a line break");
    }
    String key = name.toLowerCase(Locale.ROOT);
    if (EmbeddedPostgres.MANAGED_SETTINGS.contains(key)) {
      throw new IllegalArgumentException(
          "server setting " + name + " is managed by the embedded server; use the options instead");
    }
    serverSettings.put(key, value);
    return this;
  }

  /**
   * An environment variable of the server's processes (the postmaster and every backend), on top of
   * (and overriding) this JVM's environment, e.g. {@code GLIBC_TUNABLES}.
   */
  public EmbeddedPostgresOptions serverEnvironment(String name, String value) {
    requireNonNull(name, "name is null");
    requireNonNull(value, "value is null");
    if (!ENVIRONMENT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not an environment variable name: " + name);
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("environment variable " + name + " has a NUL character");
    }
    serverEnvironment.put(name, value);
    return this;
  }

  /** How long to wait for the server to accept connections; default 60 s. */
  public EmbeddedPostgresOptions startupTimeout(Duration startupTimeout) {
    requireNonNull(startupTimeout, "startupTimeout is null");
    if (startupTimeout.isNegative() || startupTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("startupTimeout must be at least one second");
    }
    this.startupTimeout = startupTimeout;
    return this;
  }

  /** The OS user PostgreSQL runs as when the JVM runs as root; default {@code nobody}. */
  public EmbeddedPostgresOptions osUser(String osUser) {
    requireNonNull(osUser, "osUser is null");
    if (!OS_USER_NAME.matcher(osUser).matches() || osUser.equals("root")) {
      throw new IllegalArgumentException("osUser must be a non-root user name: " + osUser);
    }
    this.osUser = osUser;
    return this;
  }

  /**
   * Where the PostgreSQL binaries are unpacked once and shared by every server and JVM of this
   * machine; default {@code java.io.tmpdir}.
   */
  public EmbeddedPostgresOptions binariesCacheDirectory(Path directory) {
    this.binariesCacheDirectory = requireNonNull(directory, "directory is null").toAbsolutePath();
    return this;
  }

  public Path dataDirectory() {
    if (dataDirectory == null) {
      throw new IllegalStateException("dataDirectory is required");
    }
    return dataDirectory;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String superuser() {
    return superuser;
  }

  public Optional<String> superuserPassword() {
    return Optional.ofNullable(superuserPassword);
  }

  public Map<String, String> serverSettings() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(serverSettings));
  }

  public Map<String, String> serverEnvironment() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(serverEnvironment));
  }

  public Duration startupTimeout() {
    return startupTimeout;
  }

  public String osUser() {
    return osUser;
  }

  public Path binariesCacheDirectory() {
    return binariesCacheDirectory;
  }

  private static boolean hasLineBreak(String value) {
    return value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0;
  }
}
