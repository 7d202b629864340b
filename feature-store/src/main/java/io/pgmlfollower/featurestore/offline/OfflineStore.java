package io.pgmlfollower.featurestore.offline;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.EnumType;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableExporter;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline store: replicated tables in a PostgreSQL database named like the source database,
 * under their source schemas and names, read-only for everyone but the store's writers.
 *
 * <p>Offsets live in {@code pgml_follower.source_offsets} and are written in the same local
 * transaction as the data they complete ({@link ChangeSink}). Internal writers run with {@code
 * session_replication_role = replica}, so the tables' read-only triggers ({@link ReadOnlyTables})
 * stop only clients.
 *
 * <p>Endpoint sessions run as the {@link #clientRole()}: not a superuser; reads replicated tables
 * and the {@code pgml} schema, creates views in replicated schemas, and gets SQLSTATE 25006 when it
 * writes to a replicated table.
 */
public final class OfflineStore implements ChangeSink, TableExporter, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OfflineStore.class);
  private static final String PGML_SCHEMA = "pgml";
  private static final String CLIENT_PASSWORD_FILE = "client-role.password";

  /** How long a kept connection may take to answer the empty query that checks it, in seconds. */
  private static final int VALIDITY_CHECK_SECONDS = 2;

  private final OfflineServer server;
  private final String database;
  private final ClientRole clientRole;
  private final PGSimpleDataSource dataSource;
  private final PGSimpleDataSource writerDataSource;
  private final PGSimpleDataSource protectedWriterDataSource;
  private final Map<TableId, TableSpec> tables = new ConcurrentHashMap<>();
  private final AtomicLong shapeGeneration = new AtomicLong();
  private final ConcurrentLinkedDeque<WriterSession> idleWriters = new ConcurrentLinkedDeque<>();

  /** The connection kept to create and reshape tables ({@link #shapingConnection}). */
  private final Object shapingLock = new Object();

  private Connection shaping;
  private final AtomicBoolean closed = new AtomicBoolean();

  private OfflineStore(OfflineServer server, String database, ClientRole clientRole) {
    this.server = requireNonNull(server, "server is null");
    this.database = requireNonNull(database, "database is null");
    this.clientRole = requireNonNull(clientRole, "clientRole is null");
    this.dataSource = server.dataSource(database);
    this.writerDataSource = server.writerDataSource(database);
    this.protectedWriterDataSource = server.protectedWriterDataSource(database);
  }

  /**
   * Starts (embedded) or reaches (external) the store's PostgreSQL, creates the database, the
   * internal schema and the client role when missing.
   */
  public static OfflineStore open(OfflineStoreConfig config) throws StoreException {
    requireNonNull(config, "config is null");
    config.validate();
    ClientRole clientRole =
        new ClientRole(config.clientRoleName(), clientPassword(config.storePath()));
    OfflineServer server = OfflineServer.start(config);
    try {
      createDatabaseIfMissing(server, config.database());
      OfflineStore store = new OfflineStore(server, config.database(), clientRole);
      store.initialize();
      log.info(
          "Offline store open: database {} on {}:{} ({})",
          config.database(),
          server.host(),
          server.port(),
          config.mode());
      return store;
    } catch (StoreException | RuntimeException e) {
      try {
        server.close();
      } catch (StoreException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  /** Owner connections, for the follower's trusted code (trainer, serving). */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * A new connection of the store's writers (caller closes it): {@code session_replication_role =
   * replica}, so read-only tables accept its writes; autocommit off; string parameters typed by the
   * server.
   */
  /**
   * Owner connections for the follower's own writers of tables protected with {@link #protectTable}
   * (the trainer's {@code pgml} registry): {@code session_replication_role = replica} is set at
   * connection start-up, so the read-only triggers that refuse client writes do not fire for them.
   * Autocommit as usual; callers manage their transactions.
   */
  public DataSource protectedWriterDataSource() {
    return protectedWriterDataSource;
  }

  public Connection writerConnection() throws SQLException {
    Connection connection = writerDataSource.getConnection();
    try {
      return new WriterSession(connection).connection();
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  public String host() {
    return server.host();
  }

  public int port() {
    return server.port();
  }

  /** The database the replicated tables are in (the source database's name). */
  public String database() {
    return database;
  }

  public ClientRole clientRole() {
    return clientRole;
  }

  /**
   * Connections that log in as the client role: for reading what clients may have shaped (views
   * they created, functions those views call) without any more rights than the clients have.
   */
  public DataSource clientDataSource() {
    return server.dataSourceAs(database, clientRole.name(), clientRole.password());
  }

  /**
   * Protects a table like the replicated ones (writes fail with SQLSTATE 25006); see {@link
   * ReadOnlyTables#markReadOnly(Connection, TableId)}.
   */
  public static void markReadOnly(Connection connection, TableId table) throws SQLException {
    ReadOnlyTables.markReadOnly(connection, table);
  }

  /**
   * Protects a table the follower owns (e.g. the {@code pgml} registry): writes fail with 25006,
   * {@code relation "schema.table" is <reason>} and the hint, and the client role gets the write
   * privileges so that it meets that error rather than a permission error.
   */
  public void protectTable(Connection connection, TableId table, String reason, String hint)
      throws SQLException {
    ReadOnlyTables.markReadOnly(connection, table, reason, hint);
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "
              + table.quoted()
              + " TO "
              + clientRole.name());
    }
  }

  /**
   * The offsets stored for a source, read on the caller's connection: inside the caller's
   * transaction, so a reader sees the offsets its snapshot of the data is consistent with (the
   * store writes offsets in the same transaction as the rows).
   */
  public static Map<String, Long> readOffsets(Connection connection, String source)
      throws SQLException {
    return SourceOffsets.read(connection, source);
  }

  @Override
  public Map<String, Long> offsets(String source) throws StoreException {
    requireNonNull(source, "source is null");
    try (Connection connection = dataSource.getConnection()) {
      return SourceOffsets.read(connection, source);
    } catch (SQLException e) {
      throw StoreErrors.from("cannot read the offsets of source " + source, e);
    }
  }

  @Override
  public Map<String, SourceOffset> positions(String source) throws StoreException {
    requireNonNull(source, "source is null");
    try (Connection connection = dataSource.getConnection()) {
      return SourceOffsets.readPositions(connection, source);
    } catch (SQLException e) {
      throw StoreErrors.from("cannot read the offsets of source " + source, e);
    }
  }

  @Override
  public void ensureTables(List<TableSpec> specs) throws StoreException {
    checkReplicable(specs);
    synchronized (shapingLock) {
      try {
        shapeAndCommit(
            shaper -> {
              shaper.ensureAll(specs);
              return null;
            });
      } catch (SQLException e) {
        throw StoreErrors.from("cannot create or alter the replicated tables", e);
      }
    }
    describe(specs);
  }

  /** Work of a {@link TableShaper} on the kept shaping connection. */
  @FunctionalInterface
  private interface Shaping<T> {
    T run(TableShaper shaper) throws SQLException;
  }

  /**
   * Runs the work on the shaping connection and commits it; after a failure the connection is
   * dropped (rolled back: no half-done DDL or its locks stay behind). Under {@link #shapingLock}.
   */
  private <T> T shapeAndCommit(Shaping<T> work) throws SQLException {
    Connection connection = shapingConnection();
    try {
      T result = work.run(new TableShaper(connection, clientRole.name()));
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      dropShapingConnection(e);
      throw e;
    }
  }

  /** Refuses tables that cannot be replicated here, before anything is created. */
  private static void checkReplicable(List<TableSpec> specs) throws StoreException {
    requireNonNull(specs, "specs is null");
    for (TableSpec spec : specs) {
      String schema = spec.id().schema();
      if (schema.equals(ReadOnlyTables.SCHEMA) || schema.equals(PGML_SCHEMA)) {
        // Replicating into them would reshape the follower's own offsets or model registry.
        throw new StoreException(
            StoreErrorCode.SCHEMA_MISMATCH,
            "source table %s cannot be replicated: schema %s is reserved on the follower (%s);"
                    .formatted(
                        spec.id(),
                        schema,
                        schema.equals(PGML_SCHEMA) ? "the pgml model registry" : "its positions")
                + " remove it from the publication");
      }
      for (String key : spec.primaryKey()) {
        if (spec.columnIndex(key) < 0) {
          throw new StoreException(
              StoreErrorCode.SCHEMA_MISMATCH,
              "primary key column " + key + " of " + spec.id() + " is not among its columns");
        }
      }
    }
  }

  /** The tables now have these shapes: writers prepare their statements for them anew. */
  private void describe(List<TableSpec> specs) {
    for (TableSpec spec : specs) {
      tables.put(spec.id(), spec);
    }
    shapeGeneration.incrementAndGet();
  }

  /**
   * The owner's connection that creates and reshapes tables, kept between calls (opened at start):
   * shapes change at the start of every snapshot and table sync, and a new connection with SCRAM
   * costs tens of milliseconds each time. Guarded by {@link #shapingLock}.
   */
  private Connection shapingConnection() throws SQLException {
    if (shaping != null && !shaping.isValid(VALIDITY_CHECK_SECONDS)) {
      // Closed while idle (the store restarted, an idle timeout, a pooler): opened anew.
      dropShapingConnection(new SQLException("the kept connection was closed"));
    }
    if (shaping == null) {
      Connection connection = dataSource.getConnection();
      connection.setAutoCommit(false);
      shaping = connection;
    }
    return shaping;
  }

  /** After a failure the connection is not trusted again: rolled back, closed, opened anew. */
  private void dropShapingConnection(Exception cause) {
    Connection connection = shaping;
    shaping = null;
    if (connection == null) {
      return;
    }
    try (connection) {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  @Override
  public SnapshotLoader beginSnapshot(String source) throws StoreException {
    requireNonNull(source, "source is null");
    return new PostgresSnapshotLoader(loaderSession(source), source, tables);
  }

  /**
   * A load whose new tables are created in its own transaction, bare ({@link
   * TableShaper#ensureAllForLoad}): a new table is not emptied, has no index or trigger to set
   * aside and gets its keys in one sorted build, and no one sees it before the load commits. A load
   * that does not commit leaves no new table behind; the next snapshot creates it again. Tables
   * that exist are brought to their shape in the same transaction, then emptied ({@link
   * SnapshotLoader#prepare}). Only schemas and enum types are made ready before, committed.
   */
  @Override
  public SnapshotLoader beginSnapshot(String source, List<TableSpec> specs) throws StoreException {
    requireNonNull(source, "source is null");
    checkReplicable(specs);
    Map<TableId, TableSpec> described = new HashMap<>(tables);
    specs.forEach(spec -> described.put(spec.id(), spec));
    List<TableSpec> shaped = List.copyOf(specs);
    PostgresSnapshotLoader loader =
        new PostgresSnapshotLoader(
            loaderSession(source), source, described, () -> describe(shaped));
    try {
      TableShaper.Load load;
      synchronized (shapingLock) {
        // Schemas and enum types first, committed on their own (TableShaper#prepareForLoad).
        Map<EnumType, String> enumNames = shapeAndCommit(shaper -> shaper.prepareForLoad(shaped));
        load =
            new TableShaper(loader.connection(), clientRole.name())
                .ensureAllForLoad(shaped, enumNames);
      }
      loader.adoptCreated(load);
      loader.prepare(shaped);
      return loader;
    } catch (SQLException e) {
      StoreException failure = StoreErrors.from("cannot create or alter the replicated tables", e);
      closeAfter(loader, failure);
      throw failure;
    } catch (StoreException | RuntimeException e) {
      closeAfter(loader, e);
      throw e;
    }
  }

  private static void closeAfter(SnapshotLoader loader, Exception failure) {
    try {
      loader.close();
    } catch (StoreException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** A writer session for a load, checked usable (a kept one may have closed while idle). */
  private WriterSession loaderSession(String source) throws StoreException {
    WriterSession session = borrowWriter();
    try {
      if (!session.isUsable() || !session.connection().isValid(VALIDITY_CHECK_SECONDS)) {
        // A kept session closed while idle: a snapshot that fails on its first statement would
        // be retried whole, slot and all.
        try {
          session.close();
        } catch (SQLException e) {
          log.debug("Cannot close a writer session closed while idle", e);
        }
        session = openWriter();
      }
    } catch (SQLException e) {
      throw StoreErrors.from("cannot begin the snapshot of source " + source, e);
    }
    return session;
  }

  /**
   * The replicated tables as they stand now, on a connection of their own (as the owner: the tables
   * are read-only to everyone else).
   */
  @Override
  public TableExport exportTables() throws StoreException {
    try {
      return new StoreExport(dataSource.getConnection());
    } catch (SQLException e) {
      throw StoreErrors.from("cannot connect to read the replicated tables back", e);
    }
  }

  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    requireNonNull(batch, "batch is null");
    WriterSession session = borrowWriter();
    try {
      session.useShapeGeneration(shapeGeneration.get());
      new ChangeApplier(session, tables).apply(batch.changes());
      SourceOffsets.write(session.connection(), batch.offsets());
      session.connection().commit();
    } catch (SQLException e) {
      // A failed session may hold rows queued on its cached statements: never reuse it, or they
      // would be applied with a later batch. Closing it also aborts its transaction.
      discardWriter(session, e);
      throw StoreErrors.from(
          "cannot apply a batch of " + batch.changes().size() + " changes", rootCause(e));
    } catch (StoreException | RuntimeException e) {
      discardWriter(session, e);
      throw e;
    }
    releaseWriter(session, true);
  }

  private static void discardWriter(WriterSession session, Exception failure) {
    try {
      session.close();
    } catch (SQLException closeFailure) {
      failure.addSuppressed(closeFailure);
    }
  }

  /**
   * Completes with a description when the embedded PostgreSQL exits without this store having
   * stopped it (killed, crashed): every later write or read fails, and only a restart of the
   * process recovers (PostgreSQL's crash recovery runs as it starts). Never completes for an
   * external store.
   */
  public CompletableFuture<String> serverLost() {
    return server.lost();
  }

  /** Stops the embedded server (an external one keeps running). Idempotent. */
  @Override
  public void close() throws StoreException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    StoreException failure = null;
    synchronized (shapingLock) {
      if (shaping != null) {
        try {
          shaping.close();
        } catch (SQLException e) {
          failure = addFailure(failure, StoreErrors.from("cannot close a connection", e));
        }
        shaping = null;
      }
    }
    WriterSession session;
    while ((session = idleWriters.poll()) != null) {
      try {
        session.close();
      } catch (SQLException e) {
        failure = addFailure(failure, StoreErrors.from("cannot close a writer connection", e));
      }
    }
    try {
      server.close();
    } catch (StoreException e) {
      failure = addFailure(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void initialize() throws StoreException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      SourceOffsets.createTable(connection);
      ReadOnlyTables.installFunction(connection);
      createClientRole(connection);
      LogicalMessages.createTable(connection, clientRole.name());
      connection.commit();
    } catch (SQLException e) {
      throw StoreErrors.from("cannot prepare database " + database, e);
    }
    checkWriterPrivilege();
    synchronized (shapingLock) {
      try {
        shapingConnection();
      } catch (SQLException e) {
        throw StoreErrors.from("cannot connect to database " + database, e);
      }
    }
  }

  private void checkWriterPrivilege() throws StoreException {
    // Opening one sets session_replication_role, which needs the privilege.
    // The session opened for the check is kept for the first writer that needs one (the initial
    // snapshot, typically): a connection with SCRAM costs tens of milliseconds on its way.
    WriterSession session;
    try {
      session = openWriter();
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        throw new StoreException(
            StoreErrorCode.CONFIGURATION,
            "user "
                + server.user()
                + " cannot set session_replication_role: the offline store's user must be a"
                + " superuser or be granted SET ON PARAMETER session_replication_role",
            e);
      }
      throw StoreErrors.from("cannot open a writer connection", e);
    }
    // Its backend plans a load's first catalog reads now, not in that snapshot
    // (TableShaper#warmUp).
    try {
      new TableShaper(session.connection(), clientRole.name()).warmUp();
      session.connection().rollback();
    } catch (SQLException e) {
      discardWriter(session, e);
      throw StoreErrors.from("cannot read the catalog of database " + database, e);
    }
    idleWriters.push(session);
  }

  /**
   * The client role, with the password kept under the store path; its privileges on the {@code
   * pgml} schema (created here when missing, owned like everything else by the store's owner):
   * USAGE, and SELECT on its tables now and later.
   */
  private void createClientRole(Connection connection) throws SQLException {
    String name = clientRole.name();
    boolean exists;
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?")) {
      select.setString(1, name);
      try (ResultSet rs = select.executeQuery()) {
        exists = rs.next();
      }
    }
    String password = "'" + clientRole.password().replace("'", "''") + "'";
    try (Statement statement = connection.createStatement()) {
      if (exists) {
        statement.execute("ALTER ROLE " + name + " WITH LOGIN PASSWORD " + password);
      } else {
        statement.execute(
            "CREATE ROLE "
                + name
                + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD "
                + password);
      }
      statement.execute(
          "GRANT CONNECT ON DATABASE " + TableId.quoteIdentifier(database) + " TO " + name);
      statement.execute("CREATE SCHEMA IF NOT EXISTS " + PGML_SCHEMA);
      statement.execute("GRANT USAGE ON SCHEMA " + PGML_SCHEMA + " TO " + name);
      statement.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + PGML_SCHEMA + " TO " + name);
      statement.execute(
          "ALTER DEFAULT PRIVILEGES IN SCHEMA "
              + PGML_SCHEMA
              + " GRANT SELECT ON TABLES TO "
              + name);
      // Readers acting as the client (training data) read the position their snapshot matches.
      statement.execute("GRANT USAGE ON SCHEMA " + ReadOnlyTables.SCHEMA + " TO " + name);
      statement.execute("GRANT SELECT ON " + ReadOnlyTables.SCHEMA + ".source_offsets TO " + name);
    }
  }

  private static void createDatabaseIfMissing(OfflineServer server, String database)
      throws StoreException {
    try (Connection connection = server.adminDataSource().getConnection()) {
      boolean exists;
      try (PreparedStatement select =
          connection.prepareStatement("SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?")) {
        select.setString(1, database);
        try (ResultSet rs = select.executeQuery()) {
          exists = rs.next();
        }
      }
      if (!exists) {
        try (Statement statement = connection.createStatement()) {
          statement.execute(
              "CREATE DATABASE "
                  + TableId.quoteIdentifier(database)
                  + " ENCODING 'UTF8' TEMPLATE template0");
        }
        log.info("Created database {} in the offline store", database);
      }
    } catch (SQLException e) {
      throw StoreErrors.from("cannot create database " + database + " in the offline store", e);
    }
  }

  /** The client role's password, generated once and kept in a 0600 file under the store path. */
  private static String clientPassword(Path storePath) throws StoreException {
    Path file = storePath.resolve(CLIENT_PASSWORD_FILE);
    try {
      Files.createDirectories(storePath);
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      }
      byte[] bytes = new byte[24];
      new SecureRandom().nextBytes(bytes);
      String password = HexFormat.of().formatHex(bytes);
      Path scratch =
          Files.createTempFile(
              storePath,
              ".client-role-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(scratch, password + "\n", StandardCharsets.UTF_8);
      Files.move(scratch, file, StandardCopyOption.ATOMIC_MOVE);
      return password;
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.CONFIGURATION,
          "cannot keep the client role's password in " + file + ": " + e,
          e);
    }
  }

  private WriterSession borrowWriter() throws StoreException {
    if (closed.get()) {
      throw new StoreException(StoreErrorCode.STORE_UNAVAILABLE, "the offline store is closed");
    }
    WriterSession session = idleWriters.poll();
    if (session != null) {
      return session;
    }
    try {
      return openWriter();
    } catch (SQLException e) {
      throw StoreErrors.from("cannot open a writer connection", e);
    }
  }

  private WriterSession openWriter() throws SQLException {
    Connection connection = writerDataSource.getConnection();
    try {
      return new WriterSession(connection);
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private void releaseWriter(WriterSession session, boolean reusable) throws StoreException {
    if (reusable && session.isUsable() && !closed.get()) {
      idleWriters.push(session);
      return;
    }
    try {
      session.close();
    } catch (SQLException e) {
      throw StoreErrors.from("cannot close a writer connection", e);
    }
  }

  /** The server's error inside a batch failure (pgjdbc chains it as the next exception). */
  private static SQLException rootCause(SQLException e) {
    SQLException next = e.getNextException();
    return next != null && next.getSQLState() != null ? next : e;
  }

  private static StoreException addFailure(StoreException failure, StoreException next) {
    if (failure == null) {
      return next;
    }
    failure.addSuppressed(next);
    return failure;
  }
}
