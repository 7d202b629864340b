package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of one pgoutput source. Setters validate their argument and throw {@link
 * IllegalArgumentException} naming the setting; {@link #validate()} checks that the required ones
 * are set.
 */
public final class PgOutputSourceConfig {
  /**
   * Replication slot names: lower-case letters, digits and underscores, at most NAMEDATALEN - 1
   * bytes (https://www.postgresql.org/docs/current/warm-standby.html#STREAMING-REPLICATION-SLOTS).
   */
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

  private static final int MAX_IDENTIFIER_BYTES = 63;

  private String sourceName = "source";
  private String host;
  private int port = 5432;
  private String database;
  private String user;
  private String password;
  private SslMode sslMode = SslMode.PREFER;
  private String publication;
  private String slot;
  private Duration statusInterval = Duration.ofSeconds(1);
  private Duration reconnectInitialBackoff = Duration.ofMillis(500);
  private Duration reconnectMaxBackoff = Duration.ofSeconds(30);
  private Duration idleAckInterval = Duration.ofSeconds(10);
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Duration publicationRefreshInterval = Duration.ofSeconds(10);
  private boolean resnapshotOnSlotLoss;
  private int snapshotConnections = 1;
  private long snapshotRangePages = 4096;
  private long maxStreamedTransactionBytes = 256L * 1024 * 1024;
  private boolean streamingEnabled = true;

  public String getSourceName() {
    return sourceName;
  }

  /** The name offsets are stored under in the sink; one follower may follow several sources. */
  public PgOutputSourceConfig setSourceName(String sourceName) {
    this.sourceName = requireText("sourceName", sourceName);
    return this;
  }

  public String getHost() {
    return host;
  }

  public PgOutputSourceConfig setHost(String host) {
    this.host = requireText("host", host);
    return this;
  }

  public int getPort() {
    return port;
  }

  public PgOutputSourceConfig setPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, not " + port);
    }
    this.port = port;
    return this;
  }

  public String getDatabase() {
    return database;
  }

  public PgOutputSourceConfig setDatabase(String database) {
    this.database = requireText("database", database);
    return this;
  }

  public String getUser() {
    return user;
  }

  /** A LOGIN REPLICATION role (rds_replication on RDS) with SELECT on the published tables. */
  public PgOutputSourceConfig setUser(String user) {
    this.user = requireText("user", user);
    return this;
  }

  public Optional<String> getPassword() {
    return Optional.ofNullable(password);
  }

  /** The password; {@code null} when the server does not ask for one (trust, certificates). */
  public PgOutputSourceConfig setPassword(String password) {
    this.password = password;
    return this;
  }

  public SslMode getSslMode() {
    return sslMode;
  }

  public PgOutputSourceConfig setSslMode(SslMode sslMode) {
    this.sslMode = requireNonNull(sslMode, "sslMode is null");
    return this;
  }

  /** Parses {@code disable | prefer | require | verify-full}. */
  public PgOutputSourceConfig setSslMode(String sslMode) {
    return setSslMode(SslMode.fromConfig(sslMode));
  }

  public String getPublication() {
    return publication;
  }

  /** An existing publication (created by the DBA: FOR ALL TABLES needs superuser). */
  public PgOutputSourceConfig setPublication(String publication) {
    requireText("publication", publication);
    if (publication.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
      throw new IllegalArgumentException(
          "publication name is longer than " + MAX_IDENTIFIER_BYTES + " bytes: " + publication);
    }
    if (publication.indexOf('\'') >= 0) {
      // pgjdbc puts slot option values between single quotes without escaping them.
      throw new IllegalArgumentException(
          "publication name must not contain a single quote: " + publication);
    }
    this.publication = publication;
    return this;
  }

  public String getSlot() {
    return slot;
  }

  /** The logical replication slot, created by the source when the store holds nothing yet. */
  public PgOutputSourceConfig setSlot(String slot) {
    requireNonNull(slot, "slot is null");
    if (!SLOT_NAME.matcher(slot).matches()) {
      throw new IllegalArgumentException(
          "slot name may contain only lower case letters, numbers and underscores (at most 63),"
              + " not '"
              + slot
              + "'");
    }
    this.slot = slot;
    return this;
  }

  public Duration getStatusInterval() {
    return statusInterval;
  }

  /**
   * How often the standby status update is sent; lowered to half of the source's {@code
   * wal_sender_timeout} when that is shorter, so the server never drops us as unresponsive.
   */
  public PgOutputSourceConfig setStatusInterval(Duration statusInterval) {
    this.statusInterval = requirePositive("statusInterval", statusInterval);
    return this;
  }

  public Duration getReconnectInitialBackoff() {
    return reconnectInitialBackoff;
  }

  public PgOutputSourceConfig setReconnectInitialBackoff(Duration backoff) {
    this.reconnectInitialBackoff = requirePositive("reconnectInitialBackoff", backoff);
    return this;
  }

  public Duration getReconnectMaxBackoff() {
    return reconnectMaxBackoff;
  }

  public PgOutputSourceConfig setReconnectMaxBackoff(Duration backoff) {
    this.reconnectMaxBackoff = requirePositive("reconnectMaxBackoff", backoff);
    return this;
  }

  public Duration getIdleAckInterval() {
    return idleAckInterval;
  }

  /**
   * How often, while no transaction of ours is in flight, the source stores and acknowledges the
   * server's position. Without it a slot on a quiet publication never advances and retains WAL
   * without bound (an idle RDS instance writes about 64 MB per 5 minutes to a hidden database).
   */
  public PgOutputSourceConfig setIdleAckInterval(Duration idleAckInterval) {
    this.idleAckInterval = requirePositive("idleAckInterval", idleAckInterval);
    return this;
  }

  public Duration getPublicationRefreshInterval() {
    return publicationRefreshInterval;
  }

  /**
   * How often the stream compares the publication's tables with those it replicates, to copy tables
   * added to the publication that have seen no change yet (a table's first change has it copied at
   * once) and to stop applying tables removed from it.
   */
  public PgOutputSourceConfig setPublicationRefreshInterval(Duration interval) {
    this.publicationRefreshInterval = requirePositive("publicationRefreshInterval", interval);
    return this;
  }

  public int getSnapshotConnections() {
    return snapshotConnections;
  }

  /**
   * The source connections that read one large table at once, as block ranges in the same snapshot
   * (PostgreSQL 14+; 1 reads every table over the snapshot's own connection). Each is a backend on
   * the source for the duration of the copy.
   *
   * <p>1 by default: the store loads a table through one backend's {@code COPY FROM}, which is
   * slower than one source backend's {@code COPY TO}, so more readers only pay where the source's
   * reads are the slower side (a cold disk, a slow network). On 2 cores they cost more than they
   * gave: the extra threads compete with the store's backend, and the rows arrive out of key order,
   * which makes the primary key's sorted build slower (docs/benchmarks.md, session 14).
   */
  public PgOutputSourceConfig setSnapshotConnections(int connections) {
    if (connections < 1 || connections > 64) {
      throw new IllegalArgumentException(
          "snapshotConnections must be between 1 and 64, not " + connections);
    }
    this.snapshotConnections = connections;
    return this;
  }

  public long getSnapshotRangePages() {
    return snapshotRangePages;
  }

  /** A table is split into block ranges of at least this many pages (4096: 32 MiB). */
  public PgOutputSourceConfig setSnapshotRangePages(long pages) {
    if (pages < 1) {
      throw new IllegalArgumentException("snapshotRangePages must be positive, not " + pages);
    }
    this.snapshotRangePages = pages;
    return this;
  }

  public boolean isResnapshotOnSlotLoss() {
    return resnapshotOnSlotLoss;
  }

  /**
   * What to do when the slot can no longer stream from the stored position (dropped, invalidated by
   * max_slot_wal_keep_size, or acknowledged beyond it by another consumer): fail (the default: an
   * operator decides) or drop it and snapshot every table again.
   */
  public PgOutputSourceConfig setResnapshotOnSlotLoss(boolean resnapshot) {
    this.resnapshotOnSlotLoss = resnapshot;
    return this;
  }

  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  public PgOutputSourceConfig setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = requirePositive("connectTimeout", connectTimeout);
    return this;
  }

  public long getMaxStreamedTransactionBytes() {
    return maxStreamedTransactionBytes;
  }

  /**
   * The most bytes of pgoutput messages held in memory for in-progress transactions the source
   * streams (protocol version 2, PostgreSQL 14+), all open transactions together. A transaction
   * that needs more stops the source with an error naming this setting: nothing is spilled to disk
   * yet. The server streams a transaction once it holds more than {@code logical_decoding_work_mem}
   * of its changes, so this bounds the follower's memory, not which transactions replicate.
   */
  public PgOutputSourceConfig setMaxStreamedTransactionBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException(
          "maxStreamedTransactionBytes must be positive, not " + bytes);
    }
    this.maxStreamedTransactionBytes = bytes;
    return this;
  }

  public boolean isStreamingEnabled() {
    return streamingEnabled;
  }

  /**
   * Whether to ask PostgreSQL 14+ for protocol version 2 with {@code streaming 'on'} (the default);
   * when off, or on older servers, version 1 is used and the server spills large transactions to
   * its own disk until they commit.
   */
  public PgOutputSourceConfig setStreamingEnabled(boolean enabled) {
    this.streamingEnabled = enabled;
    return this;
  }

  /** Checks that every required setting is present and that the settings agree. */
  public PgOutputSourceConfig validate() {
    requireSet("host", host);
    requireSet("database", database);
    requireSet("user", user);
    requireSet("publication", publication);
    requireSet("slot", slot);
    if (reconnectMaxBackoff.compareTo(reconnectInitialBackoff) < 0) {
      throw new IllegalArgumentException(
          "reconnectMaxBackoff ("
              + reconnectMaxBackoff
              + ") is shorter than reconnectInitialBackoff ("
              + reconnectInitialBackoff
              + ")");
    }
    return this;
  }

  private static void requireSet(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(name + " is not set");
    }
  }

  private static String requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return value;
  }

  private static Duration requirePositive(String name, Duration value) {
    requireNonNull(value, name + " is null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, not " + value);
    }
    return value;
  }
}
