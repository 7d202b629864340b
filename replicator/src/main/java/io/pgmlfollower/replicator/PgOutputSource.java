package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.connection.ReplicationConnection;
import io.pgmlfollower.replicator.connection.SlotCreation;
import io.pgmlfollower.replicator.connection.SlotState;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.replicator.connection.SourceConnections;
import io.pgmlfollower.replicator.pgoutput.PgOutputDecoder;
import io.pgmlfollower.replicator.snapshot.KeepAlive;
import io.pgmlfollower.replicator.snapshot.SnapshotConnection;
import io.pgmlfollower.replicator.snapshot.SnapshotCopy;
import io.pgmlfollower.replicator.snapshot.SnapshotProgress;
import io.pgmlfollower.replicator.snapshot.TableSync;
import io.pgmlfollower.replicator.stream.CatalogTableSpecs;
import io.pgmlfollower.replicator.stream.ChangeStream;
import io.pgmlfollower.replicator.stream.PublishedTables;
import io.pgmlfollower.replicator.stream.RelationMapper;
import io.pgmlfollower.replicator.stream.SourcePositions;
import io.pgmlfollower.replicator.stream.StreamOffset;
import io.pgmlfollower.replicator.stream.TableStates;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates a PostgreSQL publication into a {@link ChangeSink} over logical replication with the
 * built-in pgoutput plugin (https://www.postgresql.org/docs/current/protocol-replication.html).
 *
 * <p>On a sink that holds nothing of this source, it creates the slot with an exported snapshot,
 * copies the published tables as of that snapshot and stores the slot's consistent point with them,
 * atomically. It then streams from the stored position, applying each transaction together with its
 * end LSN and acknowledging that LSN only after the sink made it durable. A lost connection is
 * retried with exponential backoff from the sink's stored position; a slot that is gone or ahead of
 * the sink stops the source (FAILED) rather than silently losing changes.
 *
 * <p>All work happens on one dedicated thread started by {@link #start()}.
 */
public final class PgOutputSource implements ReplicationSource {
  private static final Logger log = LoggerFactory.getLogger(PgOutputSource.class);

  /** PostgreSQL 14 added pgoutput protocol version 2: streaming of in-progress transactions. */
  private static final int PG_14 = 140000;

  private static final int PG_17 = 170000;

  private final PgOutputSourceConfig config;
  private final ChangeSink sink;
  private final SourceConnections connections;
  private final StopSignal stop = new StopSignal();
  private final StreamOffset offset = new StreamOffset();
  private final SnapshotProgress snapshotProgress = new SnapshotProgress();
  private final CompletableFuture<Void> snapshotDone = new CompletableFuture<>();
  private final Thread thread;

  private final ReplicationStateMachine state;
  private volatile String lastError;
  private volatile ReplicatorException failure;
  private volatile boolean started;

  public PgOutputSource(PgOutputSourceConfig config, ChangeSink sink) {
    this.config = requireNonNull(config, "config is null").validate();
    this.state = new ReplicationStateMachine(config.getSourceName(), ReplicationState.STARTING);
    this.sink = requireNonNull(sink, "sink is null");
    this.connections = new SourceConnections(config);
    this.thread =
        Thread.ofPlatform()
            .name("pgoutput-" + config.getSourceName())
            .daemon()
            .unstarted(this::run);
  }

  /** Starts replicating on a dedicated thread; returns at once. */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("source " + config.getSourceName() + " already started");
    }
    if (stop.isStopped()) {
      throw new IllegalStateException("source " + config.getSourceName() + " is closed");
    }
    started = true;
    thread.start();
  }

  /**
   * Completes when the initial snapshot is committed, or at once when the sink already held this
   * source; fails when the source fails or closes first.
   */
  public CompletableFuture<Void> snapshotDone() {
    return snapshotDone.copy();
  }

  /**
   * Waits until everything the source wrote up to {@code lsn} is in the sink (read-your-writes:
   * pass {@code pg_current_wal_lsn()} read after the write committed).
   *
   * @return false when the timeout passed first
   * @throws ReplicatorException when the source failed or was closed
   */
  public boolean awaitApplied(Lsn lsn, Duration timeout)
      throws ReplicatorException, InterruptedException {
    boolean applied = offset.awaitApplied(lsn, timeout, this::finished);
    if (!applied && finished()) {
      ReplicatorException cause = failure;
      throw new ReplicatorException(
          cause != null ? cause.code() : ReplicatorErrorCode.SOURCE_STOPPED,
          "source "
              + config.getSourceName()
              + " is "
              + state.get()
              + " with "
              + offset.applied()
              + " applied"
              + (cause != null ? ": " + cause.getMessage() : ""),
          cause);
    }
    return applied;
  }

  @Override
  public void addStateListener(Runnable listener) {
    state.addListener(listener);
  }

  public ReplicationStatus status() {
    Lsn received = offset.received();
    Lsn applied = offset.applied();
    Instant now = Instant.now();
    long lagMillis =
        offset
            .inFlightCommitTime()
            .map(commit -> Math.max(0, Duration.between(commit, now).toMillis()))
            .orElse(0L);
    return new ReplicationStatus(
        config.getSourceName(),
        state.get(),
        config.getSlot(),
        received.toString(),
        received.value(),
        applied.toString(),
        applied.value(),
        received.bytesAfter(applied),
        offset.lastAppliedCommitTime(),
        lagMillis,
        Optional.ofNullable(lastError),
        offset.appliedChanges(),
        snapshotProgress.tables());
  }

  /**
   * Stops replicating: transactions already received are applied, the replication connection is
   * closed and the thread joined. If the calling thread is interrupted while waiting, it returns
   * early with its interrupt flag set; the source still stops.
   */
  @Override
  public void close() {
    stop.stop();
    offset.wakeWaiters();
    synchronized (this) {
      if (!started) {
        state.set(ReplicationState.STOPPED);
        snapshotDone.completeExceptionally(stoppedBeforeSnapshot());
        return;
      }
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean finished() {
    ReplicationState now = state.get();
    return now == ReplicationState.FAILED || now == ReplicationState.STOPPED;
  }

  private void run() {
    Duration backoff = config.getReconnectInitialBackoff();
    try {
      while (!stop.isStopped()) {
        try {
          runSession();
          return;
        } catch (ReplicatorException e) {
          if (stop.isStopped()) {
            log.info("Source {} stopped: {}", config.getSourceName(), e.getMessage());
            return;
          }
          lastError = e.getMessage();
          if (!e.retryable()) {
            fail(e);
            return;
          }
          boolean full = e.code() == ReplicatorErrorCode.STORE_FULL;
          // A session that streamed starts the backoff over; a full store does not, although the
          // session reaches STREAMING before its first batch is refused: the retries slow down to
          // the maximum backoff while the volume stays full.
          if (state.get() == ReplicationState.STREAMING && !full) {
            backoff = config.getReconnectInitialBackoff();
          }
          state.set(ReplicationState.RECONNECTING);
          if (full) {
            // Said once by the guard, with the figures; no stack trace per retry.
            log.warn(
                "Source {}: {}; retrying in {} ms",
                config.getSourceName(),
                e.getMessage(),
                backoff.toMillis());
          } else {
            log.warn(
                "Source {}: {} ({}); reconnecting in {} ms",
                config.getSourceName(),
                e.getMessage(),
                e.code(),
                backoff.toMillis(),
                e);
          }
          stop.await(backoff);
          backoff = min(backoff.multipliedBy(2), config.getReconnectMaxBackoff());
        }
      }
    } catch (RuntimeException | Error e) {
      lastError = e.toString();
      fail(new ReplicatorException(ReplicatorErrorCode.INTERNAL, "unexpected failure: " + e, e));
      throw e;
    } finally {
      if (state.get() != ReplicationState.FAILED) {
        state.set(ReplicationState.STOPPED);
      }
      snapshotDone.completeExceptionally(stoppedBeforeSnapshot());
      offset.wakeWaiters();
    }
  }

  private void fail(ReplicatorException e) {
    failure = e;
    state.set(ReplicationState.FAILED);
    log.error("Source {} failed ({}): {}", config.getSourceName(), e.code(), e.getMessage(), e);
    snapshotDone.completeExceptionally(e);
    offset.wakeWaiters();
  }

  private ReplicatorException stoppedBeforeSnapshot() {
    return new ReplicatorException(
        ReplicatorErrorCode.SOURCE_STOPPED,
        "source " + config.getSourceName() + " stopped before its initial snapshot finished");
  }

  /** One connection's worth of work: snapshot or resume, then stream until stopped or failed. */
  private void runSession() throws ReplicatorException {
    state.set(ReplicationState.STARTING);
    SourcePositions positions = storedPositions();
    // A first snapshot is due: the connection it imports the slot's snapshot on opens (and warms
    // up) while the catalog is checked, the replication connection opens and the slot is created.
    try (SnapshotConnection ahead =
            positions.stream().isEmpty()
                ? SnapshotConnection.open(connections, config.getPublication())
                : null;
        Connection catalogConnection = connections.openNormal()) {
      SourceCatalog catalog = new SourceCatalog(catalogConnection);
      if (!catalog.publicationExists(config.getPublication())) {
        throw new ReplicatorException(
            ReplicatorErrorCode.PUBLICATION_MISSING,
            "publication \""
                + config.getPublication()
                + "\" does not exist in database "
                + config.getDatabase()
                + ": ask the DBA to CREATE PUBLICATION "
                + config.getPublication()
                + " FOR TABLE ...");
      }
      warnAboutTablesWithoutRowIdentity(catalog);
      Duration statusInterval = statusInterval(catalog);
      SnapshotCopy copy =
          new SnapshotCopy(
              connections,
              sink,
              config.getSourceName(),
              config.getPublication(),
              stop,
              snapshotProgress,
              config.getSnapshotConnections(),
              config.getSnapshotRangePages());
      try (ReplicationConnection replication = ReplicationConnection.open(connections)) {
        List<TableSpec> specs;
        Lsn start;
        Map<TableId, Lsn> copied;
        boolean failoverMarked = false; // the slot was created a failover slot
        if (positions.stream().isPresent() && !slotUsable(catalog, positions.stream().get())) {
          // Configured to start over when the slot is lost: the stored position is worthless.
          positions = new SourcePositions(Optional.empty(), positions.tables());
        }
        if (positions.stream().isEmpty()) {
          state.set(ReplicationState.SNAPSHOTTING);
          SlotCreation slot;
          try (SnapshotConnection snapshotConnection =
              ahead != null
                  ? ahead
                  : SnapshotConnection.open(connections, config.getPublication())) {
            dropUnfinishedSlot(catalog);
            if (catalog.serverVersion() >= PG_17) {
              slot = replication.createFailoverSlotExportingSnapshot(config.getSlot());
              failoverMarked = true;
            } else {
              slot = replication.createSlotExportingSnapshot(config.getSlot());
            }
            log.info(
                "Created slot {} at consistent point {} with snapshot {}",
                slot.slotName(),
                slot.consistentPoint(),
                slot.snapshotName());
            specs = copy.initial(slot, positions.tables().keySet(), snapshotConnection.take());
          }
          start = slot.consistentPoint();
          copied = new HashMap<>();
          for (TableSpec spec : specs) {
            copied.put(spec.id(), start);
          }
        } else {
          start = positions.stream().get();
          specs = catalog.publishedTableSpecs(config.getPublication());
          ensureTables(specs);
          copied = positions.tables();
        }
        offset.stored(start, Optional.empty());
        TableStates tables = new TableStates(copied, publishedTables(catalog, copy));
        // Tables added to the publication while the follower was away or the snapshot ran (or
        // never copied) are copied now, before the stream is started, at a snapshot of their
        // own; those that left it lose their stored position, so that they are copied again if
        // they come back (their changes meanwhile were not sent).
        if (!stop.isStopped()) {
          forget(tables.refresh(KeepAlive.NONE));
        }
        snapshotDone.complete(null);
        if (stop.isStopped()) {
          return;
        }
        stream(catalog, replication, specs, tables, start, statusInterval, failoverMarked);
      }
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("close the catalog connection", e);
    }
  }

  /** Stores that tables left the publication, as the stream's periodic refresh does. */
  private void forget(Set<TableId> removed) throws ReplicatorException {
    if (removed.isEmpty()) {
      return;
    }
    try {
      sink.apply(SourcePositions.forgetting(config.getSourceName(), removed));
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("forget the tables that left the publication", e);
    }
  }

  private PublishedTables publishedTables(SourceCatalog catalog, SnapshotCopy copy) {
    TableSync sync = new TableSync(connections, copy, config.getSlot() + "_sync");
    return new PublishedTables() {
      @Override
      public Set<TableId> list() throws ReplicatorException {
        return Set.copyOf(catalog.publishedTables(config.getPublication()));
      }

      @Override
      public Copied copy(Set<TableId> tables, KeepAlive keepAlive) throws ReplicatorException {
        TableSync.Result result = sync.sync(tables, keepAlive);
        Map<TableId, Lsn> copied = new HashMap<>();
        result.copied().forEach(spec -> copied.put(spec.id(), result.position()));
        return new Copied(result.position(), copied);
      }
    };
  }

  private void stream(
      SourceCatalog catalog,
      ReplicationConnection replication,
      List<TableSpec> specs,
      TableStates tables,
      Lsn start,
      Duration statusInterval,
      boolean failoverMarked)
      throws ReplicatorException {
    // The connection is closed without ending the COPY first: closing the stream would wait for
    // the server to finish sending, and every applied position is acknowledged already.
    if (catalog.serverVersion() >= PG_17 && !failoverMarked) {
      try {
        replication.enableFailover(config.getSlot());
      } catch (ReplicatorException e) {
        log.warn(
            "Slot {} stays a non-failover slot (a failover to a standby would lose it): {}",
            config.getSlot(),
            e.getMessage());
      }
    }
    int protocolVersion =
        config.isStreamingEnabled() && catalog.serverVersion() >= PG_14
            ? PgOutputDecoder.PROTOCOL_VERSION_2
            : PgOutputDecoder.PROTOCOL_VERSION_1;
    PGReplicationStream stream =
        replication.startStreaming(
            config.getSlot(),
            config.getPublication(),
            start,
            statusInterval,
            protocolVersion,
            catalog.serverVersion() >= PG_14);
    stream.setFlushedLSN(start.toPgjdbc());
    stream.setAppliedLSN(start.toPgjdbc());
    state.set(ReplicationState.STREAMING);
    log.info(
        "Source {} streaming from slot {} at {} (pgoutput protocol version {})",
        config.getSourceName(),
        config.getSlot(),
        start,
        protocolVersion);
    RelationMapper relations =
        new RelationMapper(specs, new CatalogTableSpecs(catalog, sink, config.getPublication()));
    new ChangeStream(
            config.getSourceName(),
            stream,
            new PgOutputDecoder(protocolVersion),
            relations,
            tables,
            config.getPublicationRefreshInterval(),
            sink,
            offset,
            config.getIdleAckInterval(),
            config.getMaxStreamedTransactionBytes(),
            stop)
        .run();
  }

  /**
   * Tables with no primary key and REPLICA IDENTITY DEFAULT or NOTHING: the source refuses UPDATE
   * and DELETE on them while they are published, so only their inserts replicate. Said at every
   * start, with the statement that fixes it.
   */
  private void warnAboutTablesWithoutRowIdentity(SourceCatalog catalog) throws ReplicatorException {
    for (TableId table : catalog.tablesWithoutRowIdentity(config.getPublication())) {
      log.warn(
          "Published table {} has no primary key and no usable replica identity: the source"
              + " refuses UPDATE and DELETE on it, and only its inserts replicate. Fix on the"
              + " source: ALTER TABLE {} REPLICA IDENTITY FULL; or add a primary key.",
          table,
          table.quoted());
    }
  }

  private SourcePositions storedPositions() throws ReplicatorException {
    try {
      return SourcePositions.parse(config.getSourceName(), sink.offsets(config.getSourceName()));
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("read the stored offsets", e);
    }
  }

  /**
   * The store holds nothing of this source, so a slot by our name is left from a snapshot that did
   * not commit: it is dropped and created again with a fresh snapshot.
   */
  private void dropUnfinishedSlot(SourceCatalog catalog) throws ReplicatorException {
    Optional<SlotState> existing = catalog.slot(config.getSlot());
    if (existing.isEmpty()) {
      return;
    }
    SlotState slot = existing.get();
    checkCompatible(catalog, slot);
    checkInactive(slot);
    log.warn(
        "Dropping slot {}: the store holds nothing of source {}, so it is left from an unfinished"
            + " snapshot",
        slot.name(),
        config.getSourceName());
    catalog.dropSlot(slot.name());
  }

  /**
   * Whether streaming can resume from the stored position. A slot that is gone, invalidated or
   * ahead of the store fails the source, or, with {@code resnapshotOnSlotLoss}, is dropped (when
   * present) for a new snapshot.
   */
  private boolean slotUsable(SourceCatalog catalog, Lsn stored) throws ReplicatorException {
    try {
      checkSlot(catalog, stored);
      return true;
    } catch (ReplicatorException e) {
      if (!config.isResnapshotOnSlotLoss()
          || !(e.code() == ReplicatorErrorCode.SLOT_MISSING
              || e.code() == ReplicatorErrorCode.SLOT_INVALIDATED
              || e.code() == ReplicatorErrorCode.SLOT_AHEAD)) {
        throw e;
      }
      log.warn(
          "Source {}: {} Snapshotting again (resnapshot-on-slot-loss is on).",
          config.getSourceName(),
          e.getMessage());
      return false;
    }
  }

  private void checkSlot(SourceCatalog catalog, Lsn stored) throws ReplicatorException {
    Optional<SlotState> existing = catalog.slot(config.getSlot());
    if (existing.isEmpty()) {
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_MISSING,
          "replication slot "
              + config.getSlot()
              + " no longer exists on the source, but the store holds source "
              + config.getSourceName()
              + " up to "
              + stored
              + ": changes since then cannot be streamed. To start over with a new snapshot,"
              + " remove this source's data from the store (or configure a new source name).");
    }
    SlotState slot = existing.get();
    checkCompatible(catalog, slot);
    if (slot.lost()) {
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_INVALIDATED,
          "replication slot "
              + slot.name()
              + " was invalidated by the source (wal_status 'lost'): it fell further behind than"
              + " max_slot_wal_keep_size allows, and the WAL holding changes after "
              + stored
              + " is removed. Drop the slot and this source's data from the store (or configure a"
              + " new source name) to snapshot again, and raise max_slot_wal_keep_size or keep the"
              + " follower running.");
    }
    Optional<Lsn> confirmed = slot.confirmedFlush();
    if (confirmed.isPresent() && confirmed.get().isAfter(stored)) {
      // START_REPLICATION would silently start at confirmed_flush_lsn, skipping what lies between.
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_AHEAD,
          "replication slot "
              + slot.name()
              + " was acknowledged up to "
              + confirmed.get()
              + " but the store holds source "
              + config.getSourceName()
              + " only up to "
              + stored
              + ": another consumer used the slot, or the store was restored from an older"
              + " backup. Changes in between cannot be streamed again; drop the slot and this"
              + " source's data from the store to snapshot again.");
    }
    checkInactive(slot);
  }

  private void checkCompatible(SourceCatalog catalog, SlotState slot) throws ReplicatorException {
    String database = catalog.currentDatabase();
    if (!slot.plugin().equals(Optional.of("pgoutput"))
        || !slot.database().equals(Optional.of(database))) {
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_INCOMPATIBLE,
          "replication slot "
              + slot.name()
              + " exists but decodes database "
              + slot.database().orElse("(none: physical slot)")
              + " with plugin "
              + slot.plugin().orElse("(none)")
              + ", not database "
              + database
              + " with pgoutput: configure another slot name");
    }
  }

  /**
   * A slot serves one session at a time. After a crash the old walsender holds it until it notices
   * (wal_sender_timeout), so this is retried.
   */
  private static void checkInactive(SlotState slot) throws ReplicatorException {
    if (slot.active()) {
      throw new ReplicatorException(
          ReplicatorErrorCode.SLOT_IN_USE,
          "replication slot "
              + slot.name()
              + " is active for PID "
              + slot.activePid().getAsInt()
              + " (a previous session not yet timed out, or another follower)");
    }
  }

  private void ensureTables(List<TableSpec> specs) throws ReplicatorException {
    try {
      sink.ensureTables(specs);
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("bring the replicated tables to their source shape", e);
    }
  }

  /**
   * The configured status interval, shortened to half of wal_sender_timeout: the server drops a
   * receiver that stays silent for that long.
   */
  private Duration statusInterval(SourceCatalog catalog) throws ReplicatorException {
    Duration configured = config.getStatusInterval();
    return catalog
        .walSenderTimeout()
        .map(timeout -> min(configured, timeout.dividedBy(2)))
        .orElse(configured);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
