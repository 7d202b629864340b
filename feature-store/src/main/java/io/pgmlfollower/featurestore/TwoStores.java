package io.pgmlfollower.featurestore;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableExporter;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline and the online store as one sink. Each keeps its own positions, written atomically
 * with its own data; a batch goes to both at once, so a crash can leave either one behind the
 * other. Sources resume from the lower position of the two ({@link #offsets}: per partition, the
 * minimum; a partition one store lacks is lacking) and each store skips what it already holds: a
 * batch whose stream position it holds, or the batch's first transactions that it holds (see {@link
 * #withoutTransactionsBefore}). The two therefore hold the same changes once the source caught up
 * again: they never diverge.
 */
public final class TwoStores implements ChangeSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TwoStores.class);

  /** The offset partition of a source's stream position (see the replicator's positions). */
  private static final String STREAM = "";

  private final ChangeSink first;
  private final ChangeSink second;
  private final Map<String, Long> firstHeld = new HashMap<>();
  private final Map<String, Long> secondHeld = new HashMap<>();

  /**
   * Everything the second store does, one task at a time, in order: batches (see {@link #apply}),
   * table shapes, and its snapshot loads when they follow the first store's ({@link LoadsBehind}).
   */
  private final ExecutorService secondWriter =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("second-store-apply").daemon().unstarted(runnable));

  /** Where the second store's snapshots are copied from; null when both load from the source. */
  private final TableExporter firstTables;

  /**
   * Why the last snapshot load behind the first store failed, until the next task of the second
   * store reports it (see {@link #secondTask}).
   */
  private volatile StoreException failedBehind;

  private volatile boolean stopping;

  /** Snapshot loads behind the first store queued or running. */
  private final AtomicInteger loadsBehind = new AtomicInteger();

  /**
   * Both stores load a snapshot from the source's COPY, side by side; it commits when both hold it.
   *
   * @param first written first: the offline store, the system of record
   * @param second written second: the online store
   */
  public TwoStores(ChangeSink first, ChangeSink second) {
    this(first, second, null);
  }

  /**
   * The second store loads each snapshot from the first once the first committed it, on the second
   * store's own thread: the snapshot commits (and the source goes on) as soon as the first store
   * holds it, and the second store's batches wait behind its load.
   *
   * @param firstTables the first store's tables, read back
   */
  public TwoStores(ChangeSink first, ChangeSink second, TableExporter firstTables) {
    this.first = requireNonNull(first, "first is null");
    this.second = requireNonNull(second, "second is null");
    this.firstTables = firstTables;
  }

  @Override
  public Map<String, Long> offsets(String source) throws StoreException {
    return positionsOf(positions(source));
  }

  /**
   * Per partition, the position of the store that is behind, with its resume data: the source
   * resumes from there, and the store ahead skips what it holds (see {@link #offsets}).
   */
  @Override
  public Map<String, SourceOffset> positions(String source) throws StoreException {
    // A snapshot load behind the first store commits the second's positions when it ends: read
    // before that, the second store would seem to lack the snapshot, and the source would load
    // everything again while the load still runs.
    awaitLoadsBehind();
    Map<String, SourceOffset> a = first.positions(source);
    Map<String, SourceOffset> b = second.positions(source);
    Map<String, SourceOffset> lower = new LinkedHashMap<>();
    for (Map.Entry<String, SourceOffset> offset : a.entrySet()) {
      SourceOffset other = b.get(offset.getKey());
      if (other != null) {
        lower.put(
            offset.getKey(),
            Long.compareUnsigned(other.position(), offset.getValue().position()) < 0
                ? other
                : offset.getValue());
      }
    }
    synchronized (this) {
      remember(firstHeld, source, positionsOf(a));
      remember(secondHeld, source, positionsOf(b));
    }
    return lower;
  }

  private static Map<String, Long> positionsOf(Map<String, SourceOffset> offsets) {
    Map<String, Long> positions = new LinkedHashMap<>();
    offsets.forEach((partition, offset) -> positions.put(partition, offset.position()));
    return positions;
  }

  private static void remember(Map<String, Long> held, String source, Map<String, Long> offsets) {
    held.keySet().removeIf(key -> key.startsWith(source + PARTITION_SEPARATOR));
    for (Map.Entry<String, Long> offset : offsets.entrySet()) {
      held.put(key(source, offset.getKey()), offset.getValue());
    }
  }

  /** Held positions are kept per source and partition (a slot's stream, a Kafka partition). */
  private static final char PARTITION_SEPARATOR = '\u0000';

  private static String key(String source, String partition) {
    return source + PARTITION_SEPARATOR + partition;
  }

  /**
   * Side by side: the first store's catalog round trips, the second's column families. The second's
   * goes through its queue, behind a snapshot it may still be loading.
   */
  @Override
  public void ensureTables(List<TableSpec> tables) throws StoreException {
    shapeBoth(
        tables,
        () -> {
          first.ensureTables(tables);
          return null;
        });
  }

  /**
   * The first store's load of the tables, shaping them as it goes ({@link
   * ChangeSink#beginSnapshot(String, List)}), while the second store shapes them as {@link
   * #ensureTables} has it do; both loaders then take the tables as announced.
   */
  @Override
  public SnapshotLoader beginSnapshot(String source, List<TableSpec> tables) throws StoreException {
    SnapshotLoader a = shapeBoth(tables, () -> first.beginSnapshot(source, tables));
    SnapshotLoader b = null;
    try {
      b = second.beginSnapshot(source);
      if (firstTables == null) {
        b.prepare(tables); // side by side: the second loads the same tables (TwoLoaders.prepare)
      }
    } catch (StoreException | RuntimeException e) {
      for (SnapshotLoader opened : b == null ? List.of(a) : List.of(b, a)) {
        try {
          opened.close();
        } catch (StoreException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
      }
      throw e;
    }
    return firstTables == null ? new TwoLoaders(a, b) : new LoadsBehind(a, b);
  }

  /** The first store's part of a shape change: {@code ensureTables}, or a load that shapes. */
  @FunctionalInterface
  private interface FirstStoreShaping<T> {
    T run() throws StoreException;
  }

  /**
   * Shapes the tables in both stores: the first by {@code firstPart}, the second by its {@code
   * ensureTables}. A result of the first part that is a loader is closed when the second fails.
   */
  private <T> T shapeBoth(List<TableSpec> tables, FirstStoreShaping<T> firstPart)
      throws StoreException {
    // Not while a load behind reads the first store's tables: an ALTER that rewrites a table (a
    // retyped column) would show it empty to the load's older snapshot (an MVCC caveat of table
    // rewrites), and any ALTER would queue readers of the table behind the load's lock.
    awaitLoadsBehind();
    if (firstTables != null) {
      // The second store loads behind the first: nothing of its own is needed until a snapshot's
      // first part commits, so its column families are created in its queue, in order, and the
      // source goes on meanwhile. A failure is reported like a failed load (secondTask).
      secondWriter.execute(() -> runBehind(() -> second.ensureTables(tables)));
      return firstPart.run();
    }
    Future<Void> other = secondTask(() -> second.ensureTables(tables));
    T result = null;
    StoreException failure = null;
    try {
      result = firstPart.run();
    } catch (StoreException e) {
      failure = e;
    }
    failure = awaitSecond(other, failure);
    if (failure != null) {
      if (result instanceof SnapshotLoader loader) {
        try {
          loader.close();
        } catch (StoreException | RuntimeException closing) {
          failure.addSuppressed(closing);
        }
      }
      throw failure;
    }
    return result;
  }

  @Override
  public SnapshotLoader beginSnapshot(String source) throws StoreException {
    SnapshotLoader a = first.beginSnapshot(source);
    SnapshotLoader b;
    try {
      b = second.beginSnapshot(source);
    } catch (StoreException | RuntimeException e) {
      try {
        a.close();
      } catch (StoreException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return firstTables == null ? new TwoLoaders(a, b) : new LoadsBehind(a, b);
  }

  /** Waits until no snapshot load behind the first store is queued or running. */
  private void awaitLoadsBehind() {
    if (loadsBehind.get() == 0) {
      return;
    }
    try {
      awaitUninterruptibly(secondWriter.submit(() -> null));
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // a no-op cannot fail
    } catch (RejectedExecutionException e) {
      // Closed: nothing more runs on the second store's thread.
    }
  }

  /** Work for the second store, queued behind what it has to do first. */
  @FunctionalInterface
  private interface SecondStoreWork {
    void run() throws StoreException;
  }

  /**
   * Runs work of the second store that the source does not wait for (on its queue), keeping its
   * failure for {@link #secondTask} to report. Skipped after a failure not reported yet: the source
   * resumes from the second store's position then, and the work is done again.
   *
   * @return whether the work ran (whatever its outcome)
   */
  private boolean runBehind(SecondStoreWork work) {
    if (failedBehind != null) {
      return false;
    }
    try {
      work.run();
    } catch (StoreException e) {
      failedBehind = e;
      if (stopping) {
        log.info(
            "Online store: stopped with the follower ({}); done again at the next start",
            e.getMessage());
      } else {
        log.error(
            "Online store: {} (the offline store serves its tables meanwhile; the source loads"
                + " again what the online store lacks)",
            e.getMessage(),
            e);
      }
    } catch (RuntimeException e) {
      failedBehind =
          new StoreException(StoreErrorCode.INTERNAL, "the online store failed: " + e, e);
      log.error("Online store: failed behind the offline store", e);
    }
    return true;
  }

  /**
   * Queues work for the second store. Work behind the first store that failed (a snapshot load, a
   * shape change) fails the next task instead, once, without running it: the second store lacks
   * what the failed work was to give it, so the source must resume from the second store's
   * positions (and load again what it lacks) before the second store takes anything newer. Once the
   * failure reached the source, the source reads the positions anew.
   */
  private Future<Void> secondTask(SecondStoreWork work) {
    return secondWriter.submit(
        () -> {
          StoreException failed = failedBehind;
          if (failed != null) {
            failedBehind = null;
            throw new StoreException(
                failed.code(),
                "the online store failed behind the offline one, so the source resumes from the"
                    + " online store's position and loads again what it lacks: "
                    + failed.getMessage(),
                failed);
          }
          work.run();
          return null;
        });
  }

  /**
   * Applies the batch to both stores at once, the second on a thread of its own: each store's
   * commit waits on its own durable write (an fsync each), and side by side a batch costs the
   * slower of the two instead of their sum. Either store may therefore end up ahead after a crash;
   * both cases are repaired the same way (the source resumes from the lower position and each store
   * cuts what it holds). Returns once both are done; a failure of either is thrown (the other's, if
   * any, suppressed in it).
   */
  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    Future<Void> other = secondTask(() -> applyTo(second, secondHeld, batch));
    StoreException failure = null;
    try {
      applyTo(first, firstHeld, batch);
    } catch (StoreException e) {
      failure = e;
    }
    failure = awaitSecond(other, failure);
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Waits for the second store's part and returns the failure to throw: the first store's, with the
   * second's suppressed in it, or the second's alone.
   */
  private static StoreException awaitSecond(Future<Void> second, StoreException failure) {
    try {
      awaitUninterruptibly(second);
      return failure;
    } catch (ExecutionException e) {
      StoreException secondFailure =
          e.getCause() instanceof StoreException store
              ? store
              : new StoreException(
                  StoreErrorCode.INTERNAL,
                  "the second store failed: " + e.getCause(),
                  e.getCause());
      if (failure == null) {
        return secondFailure;
      }
      failure.addSuppressed(secondFailure);
      return failure;
    }
  }

  /**
   * Waits for the second store even when interrupted (the interrupt is kept): returning while it
   * still writes would let the next batch overtake this one.
   */
  private static void awaitUninterruptibly(Future<?> future) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          future.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Applies what the store does not hold yet: nothing when it holds the batch's stream position
   * already (a resent batch), the batch without its first transactions when the store holds those
   * (after a restart the source resumes from the lower position of the two stores and groups
   * transactions anew, so a batch can straddle the position of the store that was ahead).
   */
  private void applyTo(ChangeSink store, Map<String, Long> held, ChangeBatch batch)
      throws StoreException {
    SourceOffset stream = streamOffset(batch);
    ChangeBatch toApply = batch;
    if (stream != null) {
      Long holds;
      synchronized (this) {
        holds = held.get(key(stream.source(), stream.partition()));
      }
      if (holds != null && Long.compareUnsigned(holds, stream.position()) >= 0) {
        return;
      }
      if (holds != null) {
        toApply = withoutTransactionsBefore(batch, holds);
      }
    }
    store.apply(toApply);
    if (stream != null) {
      synchronized (this) {
        held.put(key(stream.source(), stream.partition()), stream.position());
      }
    }
  }

  /**
   * The batch without the transactions that committed before {@code position} (the rule the source
   * applies when it resumes: a transaction whose commit record starts before the stored position is
   * applied). Non-transactional logical messages among them are kept: the store keeps the latest
   * per prefix, so applying one again changes nothing, and a position can pass such a message
   * before the server sent it.
   */
  static ChangeBatch withoutTransactionsBefore(ChangeBatch batch, long position) {
    int cut = 0;
    int firstKept = 0;
    for (int i = 0; i < batch.transactions().size(); i++) {
      if (Long.compareUnsigned(batch.transactions().get(i).commitLsn(), position) < 0) {
        cut = batch.transactions().get(i).end();
        firstKept = i + 1;
      }
    }
    if (cut == 0) {
      return batch;
    }
    List<ChangeBatch.Change> kept = new ArrayList<>();
    for (ChangeBatch.Change change : batch.changes().subList(0, cut)) {
      if (change instanceof ChangeBatch.Message message && !message.transactional()) {
        kept.add(change);
      }
    }
    int shift = cut - kept.size();
    kept.addAll(batch.changes().subList(cut, batch.changes().size()));
    List<ChangeBatch.Committed> transactions = new ArrayList<>();
    for (ChangeBatch.Committed transaction :
        batch.transactions().subList(firstKept, batch.transactions().size())) {
      transactions.add(
          new ChangeBatch.Committed(transaction.end() - shift, transaction.commitLsn()));
    }
    return new ChangeBatch(kept, batch.offsets(), transactions);
  }

  /**
   * The position a batch completes: its slot stream's, or the only one of a batch whose changes are
   * marked with their positions (a Kafka partition's: the Kafka source applies one partition per
   * batch). Null otherwise: such a batch (a table's copy position forgotten, say) is applied to
   * both stores as it is.
   */
  private static SourceOffset streamOffset(ChangeBatch batch) {
    for (SourceOffset offset : batch.offsets()) {
      if (offset.partition().equals(STREAM)) {
        return offset;
      }
    }
    return batch.offsets().size() == 1 && !batch.transactions().isEmpty()
        ? batch.offsets().getFirst()
        : null;
  }

  /**
   * Both loaders: rows go to both, the second one's on a thread of its own (the two loads run side
   * by side), and the first commits first.
   */
  private final class TwoLoaders implements SnapshotLoader {
    private final SnapshotLoader a;
    private final SnapshotLoader b;
    private BackgroundStream background;

    TwoLoaders(SnapshotLoader a, SnapshotLoader b) {
      this.a = a;
      this.b = b;
    }

    /** Binary only when both take it: the same bytes go to both. */
    @Override
    public CopyFormat formatFor(TableSpec table) {
      return a.formatFor(table) == CopyFormat.BINARY && b.formatFor(table) == CopyFormat.BINARY
          ? CopyFormat.BINARY
          : CopyFormat.TEXT;
    }

    @Override
    public void prepare(List<TableSpec> tables) throws StoreException {
      a.prepare(tables);
      b.prepare(tables);
    }

    @Override
    public OutputStream copyIn(TableSpec table, CopyFormat format) throws StoreException {
      OutputStream toFirst = a.copyIn(table, format);
      background = new BackgroundStream(b.copyIn(table, format), "snapshot-load-" + table.id());
      return new Tee(toFirst, background);
    }

    @Override
    public void commit(List<SourceOffset> offsets) throws StoreException {
      // Side by side, as batches are: the offline store builds its keys and syncs its files while
      // the online one flushes its tables. Should one fail, the other holding the snapshot's
      // positions alone is harmless: the lower position of the two is none, so it is copied again.
      Future<Void> other =
          secondWriter.submit(
              () -> {
                b.commit(offsets);
                return null;
              });
      StoreException failure = null;
      try {
        a.commit(offsets);
      } catch (StoreException e) {
        failure = e;
      }
      failure = awaitSecond(other, failure);
      if (failure != null) {
        throw failure;
      }
      synchronized (TwoStores.this) {
        for (SourceOffset offset : offsets) {
          firstHeld.put(key(offset.source(), offset.partition()), offset.position());
          secondHeld.put(key(offset.source(), offset.partition()), offset.position());
        }
      }
    }

    @Override
    public void close() throws StoreException {
      if (background != null) {
        background.abandon(); // a no-op once the table's stream was closed
      }
      try {
        a.close();
      } finally {
        b.close();
      }
    }
  }

  /**
   * The first store loads from the source; the second, once the first committed, from the first
   * store's tables read back at that point ({@link TableExporter}), on its own thread. The snapshot
   * commits when the first store holds it: the first store serves it while the second loads (the
   * second's tables are announced with {@link SnapshotLoader#willLoad}, so that readers go to the
   * first meanwhile), and the second's batches queue behind its load, in order. The export is
   * pinned before the commit returns, so it holds exactly the snapshot, whatever the first store
   * applies next; the second commits the same positions.
   */
  private final class LoadsBehind implements SnapshotLoader {
    private final SnapshotLoader a;
    private final SnapshotLoader b;
    private final List<TableSpec> tables = new ArrayList<>();

    /** The export's connection, opened while the first store loads: off the commit's path. */
    private final CompletableFuture<TableExporter.TableExport> opening;

    private boolean handedOver;

    LoadsBehind(SnapshotLoader a, SnapshotLoader b) {
      this.a = a;
      this.b = b;
      this.opening =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return firstTables.exportTables();
                } catch (StoreException e) {
                  throw new CompletionException(e);
                }
              },
              task -> Thread.ofPlatform().name("offline-export-open").daemon().start(task));
    }

    /** The source's rows go to the first store alone. */
    @Override
    public CopyFormat formatFor(TableSpec table) {
      return a.formatFor(table);
    }

    /** Only the first store's part: the second one loads after it commits. */
    @Override
    public void prepare(List<TableSpec> tables) throws StoreException {
      a.prepare(tables);
    }

    @Override
    public OutputStream copyIn(TableSpec table, CopyFormat format) throws StoreException {
      tables.add(table);
      return a.copyIn(table, format);
    }

    @Override
    public void commit(List<SourceOffset> offsets) throws StoreException {
      a.commit(offsets);
      synchronized (TwoStores.this) {
        for (SourceOffset offset : offsets) {
          firstHeld.put(key(offset.source(), offset.partition()), offset.position());
        }
      }
      TableExporter.TableExport export = opened();
      try {
        // Pinned here, before the source applies anything newer to the first store.
        export.pin();
      } catch (StoreException e) {
        closeQuietly(export, e);
        throw e;
      }
      List<TableSpec> loaded = List.copyOf(tables);
      // From here the second store's rows of these tables are older than the first store's: reads
      // go to the first store until the load commits. (Until the first store committed, the second
      // one's rows were as good as its: both stood at the same position.)
      for (TableSpec table : loaded) {
        b.willLoad(table);
      }
      loadsBehind.incrementAndGet();
      try {
        secondWriter.execute(
            () -> {
              try {
                loadBehind(b, export, loaded, offsets);
              } finally {
                loadsBehind.decrementAndGet();
              }
            });
      } catch (RejectedExecutionException e) {
        loadsBehind.decrementAndGet();
        closeQuietly(export, e);
        throw new StoreException(
            StoreErrorCode.STORE_UNAVAILABLE,
            "the stores are closing: the snapshot is loaded again at the next start",
            e);
      }
      handedOver = true;
    }

    private TableExporter.TableExport opened() throws StoreException {
      try {
        return opening.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof StoreException store
            ? store
            : new StoreException(
                StoreErrorCode.INTERNAL, "cannot open the export: " + e.getCause(), e.getCause());
      }
    }

    @Override
    public void close() throws StoreException {
      try {
        a.close();
      } finally {
        if (!handedOver) {
          try {
            b.close();
          } finally {
            // Once opened, whenever that is.
            opening.thenAccept(export -> closeQuietly(export, null));
          }
        }
      }
    }
  }

  private static void closeQuietly(TableExporter.TableExport export, Exception cause) {
    try {
      export.close();
    } catch (StoreException e) {
      if (cause != null) {
        cause.addSuppressed(e);
      } else {
        log.debug("Cannot close an unused export", e);
      }
    }
  }

  /**
   * The second store's copy of a committed snapshot, on its own thread. A failure is kept for the
   * next task of the second store to report ({@link #secondTask}); the tables stay announced as
   * loading, so readers keep going to the first store.
   */
  private void loadBehind(
      SnapshotLoader loader,
      TableExporter.TableExport export,
      List<TableSpec> tables,
      List<SourceOffset> offsets) {
    boolean ran =
        runBehind(
            () -> {
              try (loader;
                  export) {
                copyBehind(loader, export, tables, offsets);
              }
            });
    if (!ran) {
      // Skipped after an earlier failure of the second store, not reported yet: nothing is
      // committed on top of it, and the source loads again after the report.
      try (loader;
          export) {
        log.info("Online store: the snapshot copy is skipped after an earlier failure");
      } catch (StoreException e) {
        log.debug("Cannot discard the skipped snapshot copy", e);
      }
    }
  }

  private void copyBehind(
      SnapshotLoader loader,
      TableExporter.TableExport export,
      List<TableSpec> tables,
      List<SourceOffset> offsets)
      throws StoreException {
    long started = System.nanoTime();
    long rows = 0;
    for (TableSpec table : tables) {
      CopyFormat format = loader.formatFor(table);
      // Reading the rows back and loading them run side by side, as in a load from the source.
      BackgroundStream into =
          new BackgroundStream(loader.copyIn(table, format), "online-load-" + table.id());
      try {
        export.copyOut(table, format, new UnlessStopping(into));
        into.close(); // finishes the table
      } catch (IOException e) {
        into.abandon(); // the loader's close then discards what the table got
        throw new StoreException(
            StoreErrorCode.STORE_UNAVAILABLE,
            "cannot load " + table.id() + " into the online store: " + e.getMessage(),
            e);
      } catch (StoreException | RuntimeException e) {
        into.abandon();
        throw e;
      }
      rows += export.rowsCopied();
    }
    loader.commit(offsets);
    synchronized (this) {
      for (SourceOffset offset : offsets) {
        secondHeld.put(key(offset.source(), offset.partition()), offset.position());
      }
    }
    log.info(
        "Online store: {} table(s), {} rows, copied from the offline store in {} ms",
        tables.size(),
        rows,
        (System.nanoTime() - started) / 1_000_000);
  }

  /** Ends a copy behind the first store at its next write once the stores are being closed. */
  private final class UnlessStopping extends OutputStream {
    private final OutputStream out;

    UnlessStopping(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int value) throws IOException {
      check();
      out.write(value);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      check();
      out.write(bytes, offset, length);
    }

    private void check() throws IOException {
      if (stopping) {
        throw new IOException("the follower is stopping");
      }
    }
  }

  /**
   * Ends a snapshot copy behind the first store at its next row, without waiting: called before the
   * source stops, whose last batch may be queued behind that copy. The second store then refuses
   * its next task (the copy failed), so that batch does not reach it.
   */
  public void stopLoads() {
    stopping = true;
  }

  /**
   * Stops the second store's work: a snapshot copy behind the first store ends at its next row (its
   * tables stay unloaded and the source loads them again after the restart); queued batches are
   * still applied. Call once the source stopped, before closing the stores.
   */
  @Override
  public void close() {
    stopping = true;
    secondWriter.shutdown();
    try {
      if (!secondWriter.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("The online store's queued work did not end within 60 s; closing without it");
        secondWriter.shutdownNow();
      }
    } catch (InterruptedException e) {
      secondWriter.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int value) throws IOException {
      a.write(value);
      b.write(value);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      a.write(bytes, offset, length);
      b.write(bytes, offset, length);
    }

    @Override
    public void close() throws IOException {
      try {
        a.close();
      } finally {
        b.close();
      }
    }
  }
}
