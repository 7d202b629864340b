package io.pgmlfollower.replicator.debezium;

import static java.util.Objects.requireNonNull;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.replicator.ReplicationState;
import io.pgmlfollower.replicator.ReplicationStateMachine;
import io.pgmlfollower.replicator.ReplicationStatus;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.connection.SlotState;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code source.type: debezium}: Debezium Embedded with its PostgreSQL connector, in the follower's
 * process, applying its change events to a {@link ChangeSink}.
 *
 * <p>Debezium delivers at least once: after a crash it resumes from the last offset it flushed, and
 * may send the tail of what it sent before again. The follower makes that exactly once the way its
 * pgoutput source does, by commit LSN:
 *
 * <ul>
 *   <li>Transaction metadata is on ({@code provide.transaction.metadata}): a transaction's changes
 *       are held until its END event, whose offset carries the commit's LSN ({@code lsn_commit}).
 *   <li>Complete transactions are applied, several per store transaction, with the last one's
 *       commit LSN as the source position (partition {@code ""}, as a slot's) and Debezium's offset
 *       as its {@link SourceOffset#resume}, in the same local transaction as the rows.
 *   <li>A transaction whose commit LSN is not above the stored position is in the stores already:
 *       it is dropped when Debezium sends it again.
 *   <li>Debezium is told a record is processed ({@code markProcessed}, which is what moves its
 *       offsets and, through them, the slot's confirmed position) only once everything up to it is
 *       durable in the stores: a transaction's END, or a heartbeat outside a transaction.
 *   <li>At start, the stores' offset is handed to the engine ({@link StoredOffsets}); without one,
 *       Debezium snapshots.
 * </ul>
 *
 * <p>The initial snapshot's rows ({@code op = r}) go through the stores' {@link SnapshotLoader}, as
 * the pgoutput source's copy does: one atomic load that replaces each table's contents, committed
 * with the position where streaming starts when the snapshot's last row (or, when every table was
 * empty, the first streaming event) arrives. A crash mid-snapshot leaves the stores as they were,
 * and Debezium, finding no offset, snapshots again.
 */
public final class DebeziumSource implements ReplicationSource {
  private static final Logger log = LoggerFactory.getLogger(DebeziumSource.class);

  /** The position partition: a slot's stream, as the pgoutput source's. */
  private static final String STREAM = "";

  /**
   * The partition recording which tables the committed snapshot covers (its resume data: their
   * names, one per line): a table published later makes the next start snapshot again.
   */
  private static final String SNAPSHOT_TABLES = "snapshot-tables";

  private static final String HEARTBEAT_SCHEMA = "io.debezium.connector.common.Heartbeat";
  private static final String TRANSACTION_SCHEMA =
      "io.debezium.connector.common.TransactionMetadataValue";

  /** How long a slot left active by a killed follower may take to be released. */
  private static final Duration SLOT_RELEASE = Duration.ofSeconds(30);

  /** Changes per store transaction at most when complete source transactions are grouped. */
  private static final int MAX_GROUPED_CHANGES = 10_000;

  private final DebeziumSourceConfig config;
  private final ChangeSink sink;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CompletableFuture<Void> snapshotDone = new CompletableFuture<>();

  /** Checks the publication for added tables while the engine runs. */
  private final ScheduledExecutorService watcher =
      Executors.newSingleThreadScheduledExecutor(
          runnable ->
              Thread.ofPlatform().name("debezium-publication-watch").daemon().unstarted(runnable));

  private final AtomicLong appliedChanges = new AtomicLong();
  private final ReplicationStateMachine state;
  private volatile long appliedLsn;
  private volatile Instant lastApplied;
  private volatile boolean closed;

  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private Thread thread;

  /** Set when the publication gained tables while the engine ran: it is started again. */
  private volatile boolean publicationChanged;

  /**
   * Guards the engine's apply state below: Debezium calls its callbacks and the batch handler from
   * threads of its own, one after another, and {@link #close} discards an unfinished snapshot.
   */
  private final Object applyLock = new Object();

  /** The publication's tables when the engine started. */
  private List<TableId> published = List.of();

  // The engine thread's state.
  private final Map<TableId, TableSpec> tables = new HashMap<>();

  /** The stored stream position: -1 while the stores hold no snapshot of this source. */
  private long stored = -1;

  private boolean inTransaction;
  private final List<ChangeBatch.Change> open = new ArrayList<>();
  private final List<ChangeBatch.Change> pending = new ArrayList<>();
  private final List<ChangeBatch.Committed> marks = new ArrayList<>();
  private SourceRecord pendingEnd;
  private long pendingPosition;

  private SnapshotLoader loader;
  private TableId copying;
  private CopyTextWriter rows;
  private final Set<TableId> copied = new HashSet<>();
  private long snapshotRows;
  private Instant snapshotStart;

  public DebeziumSource(DebeziumSourceConfig config, ChangeSink sink) {
    this.config = requireNonNull(config, "config is null").validate();
    this.state = new ReplicationStateMachine(config.sourceName(), ReplicationState.STARTING);
    this.sink = requireNonNull(sink, "sink is null");
  }

  @Override
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    thread = Thread.ofPlatform().name("debezium-source").start(this::run);
  }

  /**
   * Starts the engine from what the stores hold, and again whenever the publication gains tables
   * while it runs (those tables need a snapshot: see {@link #snapshotCovers}).
   */
  private void run() {
    try {
      while (!closed) {
        runEngine();
        if (!publicationChanged || closed || failure.get() != null) {
          return;
        }
        publicationChanged = false;
        log.warn(
            "Debezium source {}: tables were added to publication {}; starting again with a new"
                + " initial snapshot that includes them",
            config.sourceName(),
            config.connection().getPublication());
      }
    } catch (StoreException | ReplicatorException | IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void runEngine() throws StoreException, ReplicatorException, IOException {
    Map<String, SourceOffset> positions = sink.positions(config.sourceName());
    SourceOffset position = positions.get(STREAM);
    List<TableId> tables = publishedTables();
    if (position != null && position.resume() == null) {
      log.warn(
          "Debezium source {}: the stores hold a position of another source type (no Debezium"
              + " offset beside it); snapshotting again",
          config.sourceName());
      position = null;
    } else if (position != null && !snapshotCovers(positions.get(SNAPSHOT_TABLES), tables)) {
      position = null;
    }
    Path handOff = config.workDirectory().resolve(config.sourceName() + ".offsets");
    StoredOffsets.handOff(handOff, position == null ? null : position.resume());
    synchronized (applyLock) {
      resetApplyState();
      stored = position == null ? -1 : position.position();
      appliedLsn = Math.max(stored, 0);
      published = tables;
    }
    if (position != null) {
      log.info("Debezium source {}: resuming after commit {}", config.sourceName(), Lsn.of(stored));
    } else {
      dropUnfinishedSlot();
    }
    DebeziumEngine<RecordChangeEvent<SourceRecord>> built;
    synchronized (this) {
      if (closed) {
        return;
      }
      built =
          DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
              .using(properties(handOff, tables))
              .using(new Callbacks())
              .using(this::completed)
              .notifying(this::handleBatch)
              .build();
      engine = built;
    }
    ScheduledFuture<?> watch =
        watcher.scheduleWithFixedDelay(
            () -> watchPublication(tables, built),
            config.connection().getPublicationRefreshInterval().toMillis(),
            config.connection().getPublicationRefreshInterval().toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      built.run();
    } finally {
      watch.cancel(false);
    }
  }

  /** Whether the committed snapshot covers every published table. */
  private boolean snapshotCovers(SourceOffset recorded, List<TableId> tables) {
    Set<String> covered =
        recorded == null || recorded.resume() == null
            ? Set.of()
            : Set.of(recorded.resume().split("\n"));
    List<String> missing = new ArrayList<>();
    for (TableId table : tables) {
      if (!covered.contains(table.toString())) {
        missing.add(table.toString());
      }
    }
    if (missing.isEmpty()) {
      return true;
    }
    log.warn(
        "Debezium source {}: {} published but not in the stored snapshot; snapshotting again",
        config.sourceName(),
        missing);
    return false;
  }

  /** Stops the engine when the publication gained tables ({@link #run} starts it again). */
  private void watchPublication(List<TableId> started, DebeziumEngine<?> running) {
    try {
      List<TableId> now = publishedTables();
      if (!started.containsAll(now) && !closed) {
        publicationChanged = true;
        running.close();
      }
    } catch (ReplicatorException | IOException | RuntimeException e) {
      log.warn(
          "Debezium source {}: cannot check publication {}: {}",
          config.sourceName(),
          config.connection().getPublication(),
          e.getMessage());
    }
  }

  /** The publication's tables; an error when it has none. */
  private List<TableId> publishedTables() throws ReplicatorException {
    String publication = config.connection().getPublication();
    try (Connection connection = new SourceConnections(config.connection()).openNormal()) {
      List<TableId> tables = new SourceCatalog(connection).publishedTables(publication);
      if (tables.isEmpty()) {
        throw new ReplicatorException(
            ReplicatorErrorCode.PUBLICATION_MISSING,
            "publication "
                + publication
                + " does not exist or has no tables: CREATE PUBLICATION "
                + publication
                + " FOR TABLE ... on the source");
      }
      return tables;
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read publication " + publication, e);
    }
  }

  /**
   * The stores hold no snapshot of this source, so a slot by our name is left from an initial
   * snapshot that did not commit: dropped, so that a new one exports the snapshot Debezium's copy
   * reads (as the pgoutput source does).
   */
  private void dropUnfinishedSlot() throws ReplicatorException {
    try (Connection connection = new SourceConnections(config.connection()).openNormal()) {
      dropUnfinishedSlot(new SourceCatalog(connection));
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("drop slot " + config.connection().getSlot(), e);
    }
  }

  private void dropUnfinishedSlot(SourceCatalog catalog) throws ReplicatorException {
    String slot = config.connection().getSlot();
    long deadline = System.nanoTime() + SLOT_RELEASE.toNanos();
    Optional<SlotState> existing = catalog.slot(slot);
    // A follower killed a moment ago: the server notices its connection is gone shortly.
    while (existing.isPresent()
        && existing.get().activePid().isPresent()
        && System.nanoTime() < deadline
        && !closed) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      existing = catalog.slot(slot);
    }
    if (existing.isEmpty()) {
      return;
    }
    if (existing.get().activePid().isPresent()) {
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_IN_USE,
          "replication slot "
              + slot
              + " is in use by process "
              + existing.get().activePid().getAsInt()
              + " on the source: another follower or consumer uses the same slot name");
    }
    log.warn(
        "Dropping slot {}: the stores hold nothing of source {}, so it is left from an unfinished"
            + " initial snapshot",
        slot,
        config.sourceName());
    catalog.dropSlot(slot);
  }

  private static String regexQuote(String name) {
    return name.replaceAll("([\\\\.\\[\\]{}()<>*+\\-=!?^$|,])", "\\\\$1");
  }

  private Properties properties(Path handOff, List<TableId> tables) {
    List<String> published = new ArrayList<>();
    for (TableId table : tables) {
      published.add(regexQuote(table.schema()) + "\\." + regexQuote(table.name()));
    }
    var connection = config.connection();
    Properties properties = new Properties();
    properties.putAll(config.properties());
    properties.setProperty("name", "pgml-follower-" + config.sourceName());
    properties.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    properties.setProperty("offset.storage", StoredOffsets.class.getName());
    properties.setProperty("offset.storage.file.filename", handOff.toString());
    // Flush (and so acknowledge to the slot) after every batch: markProcessed is only ever called
    // for what the stores hold durably.
    properties.setProperty("offset.flush.interval.ms", "0");
    properties.setProperty("database.hostname", connection.getHost());
    properties.setProperty("database.port", Integer.toString(connection.getPort()));
    properties.setProperty("database.user", connection.getUser());
    connection.getPassword().ifPresent(p -> properties.setProperty("database.password", p));
    properties.setProperty("database.dbname", connection.getDatabase());
    properties.setProperty("database.sslmode", connection.getSslMode().pgjdbcValue());
    properties.setProperty("topic.prefix", config.sourceName());
    properties.setProperty("plugin.name", "pgoutput");
    properties.setProperty("publication.name", connection.getPublication());
    properties.setProperty("publication.autocreate.mode", "disabled");
    properties.setProperty("slot.name", connection.getSlot());
    properties.setProperty("snapshot.mode", "initial");
    // One table at a time: the stores' loader takes a table's rows as one stream.
    properties.setProperty("snapshot.max.threads", "1");
    properties.setProperty("table.include.list", String.join(",", published));
    properties.setProperty("provide.transaction.metadata", "true");
    // The event forms ConnectColumns reads (Debezium's defaults, pinned).
    properties.setProperty("decimal.handling.mode", "precise");
    properties.setProperty("time.precision.mode", "adaptive");
    properties.setProperty("binary.handling.mode", "bytes");
    properties.setProperty("interval.handling.mode", "numeric");
    properties.setProperty("hstore.handling.mode", "json");
    properties.setProperty("skipped.operations", "none"); // truncates too
    properties.setProperty("tombstones.on.delete", "false");
    properties.setProperty(
        "heartbeat.interval.ms", Long.toString(config.heartbeatInterval().toMillis()));
    return properties;
  }

  // ---- the engine's thread

  private void handleBatch(
      List<RecordChangeEvent<SourceRecord>> records,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    RecordChangeEvent<SourceRecord> safe = null;
    try {
      synchronized (applyLock) {
        for (RecordChangeEvent<SourceRecord> event : records) {
          if (handle(event.record())) {
            safe = event;
          }
        }
        flushPending();
      }
    } catch (StoreException | ReplicatorException | IOException | RuntimeException e) {
      fail(e);
      throw new IllegalStateException(
          "Debezium source " + config.sourceName() + " stopped: " + e.getMessage(), e);
    }
    if (safe != null) {
      committer.markProcessed(safe);
    }
    committer.markBatchFinished();
  }

  /**
   * Takes one record in; true when everything up to it will be durable once the pending
   * transactions are applied (Debezium may then be told it is processed).
   */
  private boolean handle(SourceRecord record)
      throws StoreException, ReplicatorException, IOException {
    Object value = record.value();
    if (value == null) {
      return false;
    }
    Schema schema = record.valueSchema();
    String kind = schema == null || schema.name() == null ? "" : schema.name();
    if (kind.endsWith(HEARTBEAT_SCHEMA)) {
      if (inTransaction) {
        // Sent before the END of the transaction it commits: not acknowledged before it.
        return false;
      }
      if (stored < 0) {
        finishSnapshot(record, longOf(record, "lsn_commit", 0));
        return true;
      }
      // Acknowledging a heartbeat moves the slot to its position: that position, and Debezium's
      // offset there, are stored first, so that a restart never resumes behind the slot.
      long position = longOf(record, "lsn", -1);
      if (Long.compareUnsigned(position, stored) > 0 && position > 0) {
        flushPending();
        sink.apply(
            new ChangeBatch(
                List.of(),
                List.of(
                    new SourceOffset(config.sourceName(), STREAM, position, resumeToken(record)))));
        stored = position;
        appliedLsn = position;
      }
      return true;
    }
    if (kind.endsWith(TRANSACTION_SCHEMA)) {
      if (stored < 0) {
        finishSnapshot(record, longOf(record, "lsn_commit", 0));
      }
      String status = ((Struct) value).getString("status");
      if ("BEGIN".equals(status)) {
        inTransaction = true;
        open.clear();
        return false;
      }
      endTransaction(record);
      return true;
    }
    Struct envelope = (Struct) value;
    Struct source = envelope.schema().field("source") == null ? null : envelope.getStruct("source");
    String snapshot =
        source == null || source.schema().field("snapshot") == null
            ? null
            : source.getString("snapshot");
    ChangeEvents.Decoded decoded = ChangeEvents.decode(record.keySchema(), schema, value);
    if (stored < 0 && snapshot != null && !snapshot.equals("false") && decoded != null) {
      copy(decoded);
      if (snapshot.equals("last")) {
        // Everything committed before the snapshot's LSN is in it.
        finishSnapshot(record, Math.max(0, longOf(record, "lsn", 1) - 1));
        return true;
      }
      return false;
    }
    if (decoded == null) {
      return false;
    }
    TableSpec spec = decoded.spec();
    if (spec != null && !spec.equals(tables.get(spec.id()))) {
      reshape(spec);
    }
    if (!inTransaction) {
      // Not announced by a BEGIN (an incremental snapshot's read, say): applied on its own.
      flushPending();
      sink.apply(new ChangeBatch(List.of(decoded.change()), List.of()));
      appliedChanges.incrementAndGet();
      return false;
    }
    open.add(decoded.change());
    return false;
  }

  /**
   * A table seen for the first time since start, or reshaped on the source. The changes of it held
   * here (complete transactions not applied yet, and the open one's) are of the old shape: they are
   * carried to the new one ({@link Reshaping}), so that the open transaction still applies whole,
   * with its END.
   */
  private void reshape(TableSpec spec) throws StoreException {
    TableSpec old = tables.get(spec.id());
    if (old != null) {
      Reshaping.carry(pending, old, spec);
      Reshaping.carry(open, old, spec);
    }
    sink.ensureTables(List.of(spec));
    tables.put(spec.id(), spec);
  }

  private void endTransaction(SourceRecord end) throws StoreException {
    inTransaction = false;
    long commit = longOf(end, "lsn_commit", -1);
    if (commit < 0) {
      throw new IllegalStateException("a transaction END event without lsn_commit: " + end);
    }
    if (Long.compareUnsigned(commit, stored) <= 0
        || (pendingEnd != null && Long.compareUnsigned(commit, pendingPosition) <= 0)) {
      // Sent again after a restart: the stores hold it.
      open.clear();
      return;
    }
    pending.addAll(open);
    open.clear();
    // The mark is the last position before the commit: a store holding position `commit` holds
    // this transaction, and TwoStores cuts the transactions marked below what a store holds.
    marks.add(new ChangeBatch.Committed(pending.size(), commit - 1));
    pendingEnd = end;
    pendingPosition = commit;
    if (pending.size() >= MAX_GROUPED_CHANGES) {
      flushPending();
    }
  }

  /** Applies the complete transactions held, with the last one's commit LSN and offset. */
  private void flushPending() throws StoreException {
    if (pendingEnd == null) {
      return;
    }
    sink.apply(
        new ChangeBatch(
            pending,
            List.of(
                new SourceOffset(
                    config.sourceName(), STREAM, pendingPosition, resumeToken(pendingEnd))),
            marks));
    stored = pendingPosition;
    appliedLsn = pendingPosition;
    appliedChanges.addAndGet(pending.size());
    lastApplied = Instant.now();
    pending.clear();
    marks.clear();
    pendingEnd = null;
  }

  // ---- the initial snapshot

  private void copy(ChangeEvents.Decoded decoded)
      throws StoreException, ReplicatorException, IOException {
    if (!(decoded.change() instanceof ChangeBatch.Row row) || decoded.spec() == null) {
      throw new ReplicatorException(
          ReplicatorErrorCode.PROTOCOL_VIOLATION,
          "an initial snapshot event that is not a row: " + decoded.change());
    }
    TableSpec spec = decoded.spec();
    if (!spec.id().equals(copying)) {
      closeCopy();
      if (!copied.add(spec.id())) {
        throw new ReplicatorException(
            ReplicatorErrorCode.PROTOCOL_VIOLATION,
            "snapshot rows of " + spec.id() + " came after another table's");
      }
      if (loader == null) {
        beginSnapshot();
      }
      sink.ensureTables(List.of(spec));
      tables.put(spec.id(), spec);
      rows =
          new CopyTextWriter(
              new BufferedOutputStream(loader.copyIn(spec, CopyFormat.TEXT), 1 << 16));
      copying = spec.id();
    }
    rows.write(row.change().newValues());
    snapshotRows++;
  }

  /**
   * Starts the atomic load. The published tables are emptied first: the load replaces the tables it
   * has rows for, and an empty table sends none, so rows the stores kept from before (a store that
   * lost its position) would otherwise stay. The stores hold no position of this source until the
   * load commits, so a crash in between snapshots again.
   */
  private void beginSnapshot() throws StoreException {
    state.set(ReplicationState.SNAPSHOTTING);
    snapshotStart = Instant.now();
    sink.apply(new ChangeBatch(List.of(new ChangeBatch.Truncate(published)), List.of()));
    loader = sink.beginSnapshot(config.sourceName());
  }

  /** Forgets what a previous run of the engine held: a task restarted sends it all again. */
  private void resetApplyState() {
    inTransaction = false;
    open.clear();
    pending.clear();
    marks.clear();
    pendingEnd = null;
    rows = null;
    copying = null;
    copied.clear();
    snapshotRows = 0;
    tables.clear();
    if (loader != null) {
      SnapshotLoader discarded = loader;
      loader = null;
      try {
        discarded.close();
      } catch (StoreException e) {
        log.warn("Debezium source {}: error discarding a snapshot", config.sourceName(), e);
      }
    }
  }

  private void closeCopy() throws IOException {
    if (rows != null) {
      rows.close();
      rows = null;
      copying = null;
    }
  }

  /** Commits the initial load with the position streaming starts after. */
  private void finishSnapshot(SourceRecord record, long position)
      throws StoreException, IOException {
    closeCopy();
    if (loader == null) {
      beginSnapshot();
    }
    List<String> covered = new ArrayList<>();
    for (TableId table : published) {
      covered.add(table.toString());
    }
    try {
      loader.commit(
          List.of(
              new SourceOffset(config.sourceName(), STREAM, position, resumeToken(record)),
              new SourceOffset(
                  config.sourceName(), SNAPSHOT_TABLES, 0, String.join("\n", covered))));
    } finally {
      SnapshotLoader done = loader;
      loader = null;
      done.close();
    }
    stored = position;
    appliedLsn = position;
    lastApplied = Instant.now();
    log.info(
        "Debezium source {}: initial snapshot committed, {} rows of {} tables{}",
        config.sourceName(),
        snapshotRows,
        copied.size(),
        snapshotStart == null
            ? ""
            : " in " + Duration.between(snapshotStart, Instant.now()).toMillis() + " ms");
    state.set(ReplicationState.STREAMING);
    snapshotDone.complete(null);
  }

  private String resumeToken(SourceRecord record) {
    return StoredOffsets.encode(
        "pgml-follower-" + config.sourceName(), record.sourcePartition(), record.sourceOffset());
  }

  private static long longOf(SourceRecord record, String key, long otherwise) {
    Object value = record.sourceOffset() == null ? null : record.sourceOffset().get(key);
    return value instanceof Number number ? number.longValue() : otherwise;
  }

  // ---- life cycle and status

  private final class Callbacks implements DebeziumEngine.ConnectorCallback {
    @Override
    public void taskStarted() {
      synchronized (applyLock) {
        // Debezium restarts its task in process after a retriable error (a lost connection):
        // it sends the open transaction, or the whole snapshot, again.
        long position = stored;
        resetApplyState();
        stored = position;
      }
      if (stored >= 0) {
        // The stores hold the snapshot: streaming from where they stand.
        state.set(ReplicationState.STREAMING);
        snapshotDone.complete(null);
      } else {
        state.set(ReplicationState.SNAPSHOTTING);
      }
    }
  }

  private void completed(boolean success, String message, Throwable error) {
    if (publicationChanged && !closed) {
      return; // stopped to start again with the added tables (see run)
    }
    if (!success && !closed) {
      fail(
          error != null
              ? error
              : new ReplicatorException(ReplicatorErrorCode.INTERNAL, "Debezium: " + message));
      return;
    }
    state.set(ReplicationState.STOPPED);
    snapshotDone.completeExceptionally(
        new ReplicatorException(
            ReplicatorErrorCode.SOURCE_STOPPED, "source " + config.sourceName() + " stopped"));
  }

  private void fail(Throwable e) {
    if (failure.compareAndSet(null, e)) {
      log.error("Debezium source {} stopped: {}", config.sourceName(), e.getMessage(), e);
    }
    state.set(ReplicationState.FAILED);
    snapshotDone.completeExceptionally(e);
  }

  /** Why the source stopped on its own, if it did. */
  public Throwable failure() {
    return failure.get();
  }

  @Override
  public void addStateListener(Runnable listener) {
    state.addListener(listener);
  }

  @Override
  public ReplicationStatus status() {
    Throwable error = failure.get();
    long applied = appliedLsn;
    String appliedText = stored < 0 && applied == 0 ? "" : Lsn.of(applied).toString();
    return new ReplicationStatus(
        config.sourceName(),
        state.get(),
        config.connection().getSlot(),
        "",
        0,
        appliedText,
        applied,
        0,
        Optional.ofNullable(lastApplied),
        0,
        Optional.ofNullable(error).map(Throwable::getMessage),
        appliedChanges.get(),
        List.of());
  }

  @Override
  public CompletableFuture<Void> snapshotDone() {
    return snapshotDone.copy();
  }

  /** Debezium reports positions per event, not the server's: waiting for an LSN needs pgoutput. */
  @Override
  public boolean awaitApplied(Lsn lsn, Duration timeout) throws ReplicatorException {
    throw new ReplicatorException(
        ReplicatorErrorCode.UNSUPPORTED,
        "source "
            + config.sourceName()
            + " runs Debezium, which reports positions per change event, not the server's: waiting"
            + " for an LSN needs source.type pgoutput");
  }

  @Override
  public void close() {
    Thread running;
    DebeziumEngine<?> toClose;
    synchronized (this) {
      closed = true;
      running = thread;
      toClose = engine;
    }
    watcher.shutdownNow();
    if (toClose != null) {
      try {
        toClose.close();
      } catch (IOException | RuntimeException e) {
        // Closing while the engine still starts its task is refused: it stops on its own once
        // started, as closed is set; the join below waits for that.
        log.warn("Debezium source {}: error while stopping: {}", config.sourceName(), e.toString());
      }
    }
    try {
      if (running != null) {
        running.join(Duration.ofSeconds(60));
        if (running.isAlive() && engine != null) {
          engine.close();
          running.join(Duration.ofSeconds(30));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.warn("Debezium source {}: error while stopping: {}", config.sourceName(), e.toString());
    } finally {
      if (running == null || !running.isAlive()) {
        synchronized (applyLock) {
          resetApplyState();
        }
      }
      if (state.get() != ReplicationState.FAILED) {
        state.set(ReplicationState.STOPPED);
      }
      snapshotDone.completeExceptionally(
          new ReplicatorException(
              ReplicatorErrorCode.SOURCE_STOPPED, "source " + config.sourceName() + " stopped"));
    }
  }
}
