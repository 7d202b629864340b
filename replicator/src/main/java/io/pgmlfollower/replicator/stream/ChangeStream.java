package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.pgoutput.BeginMessage;
import io.pgmlfollower.replicator.pgoutput.CommitMessage;
import io.pgmlfollower.replicator.pgoutput.DeleteMessage;
import io.pgmlfollower.replicator.pgoutput.InsertMessage;
import io.pgmlfollower.replicator.pgoutput.LogicalDecodingMessage;
import io.pgmlfollower.replicator.pgoutput.OriginMessage;
import io.pgmlfollower.replicator.pgoutput.PgOutputDecoder;
import io.pgmlfollower.replicator.pgoutput.PgOutputMessage;
import io.pgmlfollower.replicator.pgoutput.RelationMessage;
import io.pgmlfollower.replicator.pgoutput.StreamAbortMessage;
import io.pgmlfollower.replicator.pgoutput.StreamCommitMessage;
import io.pgmlfollower.replicator.pgoutput.StreamStartMessage;
import io.pgmlfollower.replicator.pgoutput.StreamStopMessage;
import io.pgmlfollower.replicator.pgoutput.StreamedMessage;
import io.pgmlfollower.replicator.pgoutput.TruncateMessage;
import io.pgmlfollower.replicator.pgoutput.TypeMessage;
import io.pgmlfollower.replicator.pgoutput.UpdateMessage;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming loop: reads pgoutput messages, applies committed transactions to the sink together
 * with the end LSN of the last one (several at once when they are already received: group commit),
 * and only then acknowledges that LSN to the server as flushed
 * (https://www.postgresql.org/docs/current/protocol-replication.html, Standby status update).
 * Transactions whose commit LSN lies before the stored offset are never applied again, whatever the
 * server sends, so each applies exactly once.
 */
public final class ChangeStream {
  private static final Logger log = LoggerFactory.getLogger(ChangeStream.class);

  /** How long to wait when the server has nothing for us; bounds the added apply latency. */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  /**
   * While changes keep coming, poll every millisecond, so that a commit waits at most that long to
   * be read (the 10 ms idle interval alone put ~5 ms on the median commit-to-visible lag); after
   * this many empty polls in a row (~0.2 s of quiet) fall back to the idle interval.
   */
  private static final Duration BUSY_POLL_INTERVAL = Duration.ofMillis(1);

  private static final int BUSY_POLLS = 200;

  /**
   * Group commit: consecutive transactions already received are applied as one batch (one store
   * commit), up to this many changes or this age; a batch is applied as soon as nothing more is
   * waiting.
   */
  private static final int GROUP_MAX_CHANGES = 10_000;

  private static final Duration GROUP_MAX_AGE = Duration.ofMillis(100);

  private static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(1);

  private final String sourceName;
  private final PGReplicationStream stream;
  private final PgOutputDecoder decoder;
  private final RelationMapper relations;
  private final ChangeSink sink;
  private final StreamOffset offset;
  private final Duration idleAckInterval;
  private final StopSignal stop;
  private final StreamedTransactions streamed;
  private final TableStates tables;
  private final Duration publicationRefreshInterval;
  private long lastKeepAliveNanos = System.nanoTime();
  private long lastRefreshNanos = System.nanoTime();

  private TransactionBuffer transaction;
  private final List<ChangeBatch.Change> group = new ArrayList<>();

  /** Where each transaction of {@link #group} ends, with its commit position. */
  private final List<ChangeBatch.Committed> groupTransactions = new ArrayList<>();

  private Lsn groupEnd = Lsn.INVALID;
  private Instant groupCommitTime;
  private long groupStartedNanos;
  private Lsn emptyTransactionsEnd = Lsn.INVALID;
  private long lastIdleStoreNanos = System.nanoTime();

  /**
   * Committed rows are applied in the old shape; the open transaction's rows are rewritten, by
   * column name. (So a column renamed in the middle of a transaction loses, for that transaction's
   * rows received before the rename, its value under the old name: rare, and left as is.)
   */
  private final ShapeChangeListener shapeListener =
      new ShapeChangeListener() {
        @Override
        public void beforeShapeChange() throws ReplicatorException {
          applyGroup();
        }

        @Override
        public void afterShapeChange(TableSpec before, TableSpec after) {
          transaction.remap(before, after);
        }
      };

  public ChangeStream(
      String sourceName,
      PGReplicationStream stream,
      PgOutputDecoder decoder,
      RelationMapper relations,
      TableStates tables,
      Duration publicationRefreshInterval,
      ChangeSink sink,
      StreamOffset offset,
      Duration idleAckInterval,
      long maxStreamedTransactionBytes,
      StopSignal stop) {
    this.sourceName = requireNonNull(sourceName, "sourceName is null");
    this.stream = requireNonNull(stream, "stream is null");
    this.decoder = requireNonNull(decoder, "decoder is null");
    this.relations = requireNonNull(relations, "relations is null");
    this.tables = requireNonNull(tables, "tables is null");
    this.publicationRefreshInterval =
        requireNonNull(publicationRefreshInterval, "publicationRefreshInterval is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.offset = requireNonNull(offset, "offset is null");
    this.idleAckInterval = requireNonNull(idleAckInterval, "idleAckInterval is null");
    this.stop = requireNonNull(stop, "stop is null");
    this.streamed = new StreamedTransactions(maxStreamedTransactionBytes);
  }

  /**
   * Runs until stopped (returns) or until the connection, the protocol or the sink fails (throws).
   * A transaction received only in part is dropped: the server sends it again after a restart.
   */
  public void run() throws ReplicatorException {
    try {
      int emptyPolls = 0;
      while (!stop.isStopped()) {
        long polled = System.nanoTime();
        ByteBuffer buffer = readPending();
        if (buffer == null) {
          long waited = System.nanoTime() - polled;
          applyGroup();
          onIdle();
          Duration interval = emptyPolls++ < BUSY_POLLS ? BUSY_POLL_INTERVAL : POLL_INTERVAL;
          // pgjdbc's readPending waits for the socket itself, up to a millisecond (a timed read
          // when nothing is buffered): that wait counts towards the interval. While busy it is
          // the whole interval, and a second wait would only hold back the next message and
          // wake this thread twice per empty poll.
          if (waited < interval.toNanos()) {
            stop.await(interval.minusNanos(waited));
          }
          continue;
        }
        emptyPolls = 0;
        offset.received(Lsn.fromPgjdbc(stream.getLastReceiveLSN()));
        handle(decoder.decode(buffer));
      }
      // Stopping: what committed on the source and was received is applied, not received again.
      applyGroup();
    } finally {
      offset.inFlight(null);
    }
  }

  private void handle(PgOutputMessage message) throws ReplicatorException {
    switch (message) {
      case BeginMessage begin -> begin(begin);
      case CommitMessage commit -> commit(commit);
      case RelationMessage relation -> relations.onRelation(relation);
      case InsertMessage insert -> {
        TransactionBuffer buffer = inTransaction("insert");
        RelationMapper.Mapping mapping = mappingIfApplied(buffer, insert.relationId());
        if (mapping != null) {
          buffer.add(row(mapping.insert(insert.newTuple())));
        }
      }
      case UpdateMessage update -> {
        TransactionBuffer buffer = inTransaction("update");
        RelationMapper.Mapping mapping = mappingIfApplied(buffer, update.relationId());
        if (mapping != null) {
          buffer.add(row(mapping.update(update)));
        }
      }
      case DeleteMessage delete -> {
        TransactionBuffer buffer = inTransaction("delete");
        RelationMapper.Mapping mapping = mappingIfApplied(buffer, delete.relationId());
        if (mapping != null) {
          buffer.add(row(mapping.delete(delete)));
        }
      }
      case TruncateMessage truncate -> {
        TransactionBuffer buffer = inTransaction("truncate");
        List<TableId> truncated = new ArrayList<>();
        for (int relationId : truncate.relationIds()) {
          RelationMapper.Mapping mapping = mappingIfApplied(buffer, relationId);
          if (mapping != null) {
            truncated.add(mapping.table());
          }
        }
        if (!truncated.isEmpty()) {
          buffer.add(new ChangeBatch.Truncate(truncated));
        }
      }
      case TypeMessage type -> log.debug("Source type {}", type);
      case OriginMessage origin -> log.debug("Transaction from origin {}", origin);
      case LogicalDecodingMessage decodingMessage -> message(decodingMessage);
      case StreamStartMessage start -> {
        if (transaction != null) {
          throw violation("Stream Start inside transaction " + transaction.begin().xid());
        }
        streamed.start(start);
      }
      case StreamStopMessage ignored -> streamed.stop();
      case StreamedMessage inStream -> streamed.add(inStream);
      case StreamAbortMessage abort -> streamed.abort(abort);
      case StreamCommitMessage commit -> streamCommit(commit);
    }
  }

  /**
   * A {@code pg_logical_emit_message} message goes to the store: a transactional one with its
   * transaction, a non-transactional one (sent as soon as it is decoded, after every transaction
   * that committed before it) with the next batch, whose position then covers it.
   */
  private void message(LogicalDecodingMessage message) throws ReplicatorException {
    ChangeBatch.Message change =
        new ChangeBatch.Message(
            message.prefix(), message.content(), message.lsn().value(), message.transactional());
    if (message.transactional()) {
      TransactionBuffer buffer = inTransaction("transactional message");
      if (!buffer.alreadyApplied()) {
        buffer.add(change);
      }
      return;
    }
    // Never skipped by position: the store keeps the latest per prefix idempotently, and a
    // position reported by a keepalive may pass a message the server has not flushed and sent yet.
    if (group.isEmpty()) {
      groupStartedNanos = System.nanoTime();
    }
    group.add(change);
    groupEnd = Lsn.max(groupEnd, Lsn.max(message.lsn(), offset.stored()));
  }

  /**
   * The mapping of a change's relation, or null when the change is not applied: its transaction is
   * applied already, or its table's copy holds it (see {@link TableStates}). A table with no copy
   * is copied first.
   */
  private RelationMapper.Mapping mappingIfApplied(TransactionBuffer buffer, int relationId)
      throws ReplicatorException {
    if (buffer.alreadyApplied()) {
      return null;
    }
    RelationMapper.Mapping mapping = relations.mapping(relationId, shapeListener);
    boolean applies =
        tables.applies(
            mapping.table(), buffer.begin().finalLsn(), this::applyGroup, this::keepAlive);
    return applies ? mapping : null;
  }

  /**
   * During a long table copy nothing is read from the stream: the position already acknowledged is
   * reported again every second, well within wal_sender_timeout, so the server keeps the session.
   */
  private void keepAlive() throws ReplicatorException {
    long now = System.nanoTime();
    if (now - lastKeepAliveNanos < KEEP_ALIVE_INTERVAL.toNanos()) {
      return;
    }
    lastKeepAliveNanos = now;
    try {
      stream.forceUpdateStatus();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("report the position to the source during a copy", e);
    }
  }

  /**
   * A streamed transaction committed: its messages, held since its stream blocks, go through the
   * same path as a transaction sent whole at commit (pgoutput protocol version 1), between a Begin
   * and a Commit made of the Stream Commit's positions.
   */
  private void streamCommit(StreamCommitMessage commit) throws ReplicatorException {
    if (transaction != null) {
      throw violation("Stream Commit inside transaction " + transaction.begin().xid());
    }
    List<PgOutputMessage> messages = streamed.commit(commit.xid());
    begin(new BeginMessage(commit.commitLsn(), commit.commitTime(), commit.xid()));
    for (PgOutputMessage message : messages) {
      handle(message);
    }
    commit(
        new CommitMessage(
            commit.flags(), commit.commitLsn(), commit.endLsn(), commit.commitTime()));
  }

  private void begin(BeginMessage begin) throws ReplicatorException {
    if (transaction != null) {
      throw violation(
          "Begin of transaction "
              + begin.xid()
              + " inside transaction "
              + transaction.begin().xid());
    }
    boolean alreadyApplied = begin.finalLsn().isBefore(offset.stored());
    transaction = new TransactionBuffer(begin, alreadyApplied);
    offset.inFlight(begin.commitTime());
  }

  private void commit(CommitMessage commit) throws ReplicatorException {
    TransactionBuffer buffer = inTransaction("commit");
    BeginMessage begin = buffer.begin();
    if (!commit.commitLsn().equals(begin.finalLsn())) {
      throw violation(
          "Commit at "
              + commit.commitLsn()
              + " does not match Begin of transaction "
              + begin.xid()
              + " with final LSN "
              + begin.finalLsn());
    }
    transaction = null;
    offset.inFlight(null);
    if (buffer.alreadyApplied()) {
      log.debug("Skipping transaction {} at {}: already applied", begin.xid(), commit.commitLsn());
    } else if (buffer.isEmpty()) {
      // Nothing for us (PostgreSQL before 15 sends empty transactions): acknowledged when idle.
      emptyTransactionsEnd = Lsn.max(emptyTransactionsEnd, commit.endLsn());
    } else {
      if (group.isEmpty()) {
        groupStartedNanos = System.nanoTime();
      }
      group.addAll(buffer.changes());
      groupTransactions.add(new ChangeBatch.Committed(group.size(), commit.commitLsn().value()));
      groupEnd = commit.endLsn();
      groupCommitTime = commit.commitTime();
      if (group.size() >= GROUP_MAX_CHANGES
          || System.nanoTime() - groupStartedNanos >= GROUP_MAX_AGE.toNanos()) {
        applyGroup();
      }
    }
  }

  /** Applies the committed transactions received so far, as one batch ending at the last one. */
  private void applyGroup() throws ReplicatorException {
    if (group.isEmpty()) {
      return;
    }
    store(
        List.copyOf(group),
        List.copyOf(groupTransactions),
        groupEnd,
        Optional.ofNullable(groupCommitTime));
    group.clear();
    groupTransactions.clear();
    groupCommitTime = null;
  }

  /**
   * Nothing is in flight: everything the server reported up to now is applied. Store that position
   * now and then (an empty batch), so that the slot advances on a quiet publication and does not
   * retain WAL without bound; acknowledge it only once stored.
   */
  private void onIdle() throws ReplicatorException {
    if (transaction != null || !group.isEmpty()) {
      return;
    }
    refreshPublication();
    Lsn position = Lsn.max(emptyTransactionsEnd, Lsn.fromPgjdbc(stream.getLastReceiveLSN()));
    offset.received(position);
    offset.caughtUp(position);
    long now = System.nanoTime();
    if (position.isAfter(offset.stored())
        && now - lastIdleStoreNanos >= idleAckInterval.toNanos()) {
      store(List.of(), List.of(), position, Optional.empty());
      lastIdleStoreNanos = now;
    }
  }

  /**
   * Now and then, the publication's tables: those added (and not changed since, else they are
   * copied already) are copied; those removed lose their stored position.
   */
  private void refreshPublication() throws ReplicatorException {
    long now = System.nanoTime();
    if (now - lastRefreshNanos < publicationRefreshInterval.toNanos()) {
      return;
    }
    lastRefreshNanos = now;
    Set<TableId> removed = tables.refresh(this::keepAlive);
    if (removed.isEmpty()) {
      return;
    }
    try {
      sink.apply(SourcePositions.forgetting(sourceName, removed));
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("forget the tables that left the publication", e);
    }
  }

  private void store(
      List<ChangeBatch.Change> changes,
      List<ChangeBatch.Committed> transactions,
      Lsn end,
      Optional<Instant> time)
      throws ReplicatorException {
    ChangeBatch batch =
        new ChangeBatch(
            changes, List.of(SourcePositions.streamOffset(sourceName, end)), transactions);
    try {
      try {
        sink.apply(batch);
      } catch (StoreException e) {
        // A value of an enum label added on the source since the store created the enum: the
        // batch was rolled back; add the labels and apply it again.
        if (e.code() != StoreErrorCode.INVALID_DATA || !relations.refreshEnumTables()) {
          throw e;
        }
        sink.apply(batch);
      }
    } catch (StoreException e) {
      throw ReplicatorException.fromStore("apply changes up to " + end, e);
    }
    offset.stored(end, time);
    offset.applied(changes.size());
    acknowledge(end);
  }

  /** Reports {@code lsn} as written, flushed and applied: the sink holds it durably. */
  private void acknowledge(Lsn lsn) throws ReplicatorException {
    stream.setFlushedLSN(lsn.toPgjdbc());
    stream.setAppliedLSN(lsn.toPgjdbc());
    try {
      stream.forceUpdateStatus();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("acknowledge " + lsn + " to the source", e);
    }
  }

  private ByteBuffer readPending() throws ReplicatorException {
    try {
      return stream.readPending();
    } catch (SQLException e) {
      throw ReplicatorException.fromSql("read the replication stream", e);
    }
  }

  private TransactionBuffer inTransaction(String what) throws ReplicatorException {
    if (transaction == null) {
      throw violation(what + " outside a transaction");
    }
    return transaction;
  }

  private static ChangeBatch.Row row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  private static ReplicatorException violation(String message) {
    return new ReplicatorException(ReplicatorErrorCode.PROTOCOL_VIOLATION, message);
  }
}
