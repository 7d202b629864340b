package io.pgmlfollower.featurestore;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses changes while the volume of {@code store.path} has less than {@code store.min-free-mb}
 * free, so that the stores never run out of space mid-write: the embedded PostgreSQL PANICs when
 * its WAL cannot be written, and RocksDB turns read-only. A refused batch is not applied and its
 * position not acknowledged; the pgoutput source retries it with backoff from the stored position
 * ({@link StoreErrorCode#DISK_FULL} is retryable), so replication resumes by itself once space is
 * freed or the volume grown, and the source's slot keeps the WAL in between (watch its retained
 * WAL: docs/operations.md). Checked before every batch with changes (one that only moves the
 * position writes a row and goes through, so an idle source's slot still advances), every change of
 * the tables' shapes (a retype rewrites a table) and every table a snapshot copies: one {@code
 * statvfs} each, far below the cost of what follows. What runs after a check passed (the batch
 * itself, RocksDB's memtable flushes and compactions, a large table's copy) eats into the reserve:
 * size it to cover them.
 */
public final class StoreSpaceGuard extends ForwardingChangeSink {
  private static final Logger log = LoggerFactory.getLogger(StoreSpaceGuard.class);

  /** Free bytes on the volume of a path: {@link #ofVolume} in production, a stub in tests. */
  @FunctionalInterface
  public interface FreeSpace {
    long bytes() throws IOException;

    /** The volume is looked up once (it parses the mount table); each call is one statvfs. */
    static FreeSpace ofVolume(Path path) throws IOException {
      FileStore volume = Files.getFileStore(requireNonNull(path, "path is null"));
      return volume::getUsableSpace;
    }
  }

  private final Path path;
  private final FreeSpace freeSpace;
  private final long minFreeBytes;
  private volatile boolean paused;

  /**
   * @param path {@code store.path}, named in the errors
   * @param minFreeBytes 0 turns the guard off (every call goes through)
   */
  public StoreSpaceGuard(ChangeSink delegate, Path path, FreeSpace freeSpace, long minFreeBytes) {
    super(delegate);
    this.path = requireNonNull(path, "path is null");
    this.freeSpace = requireNonNull(freeSpace, "freeSpace is null");
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("minFreeBytes must be 0 or more, not " + minFreeBytes);
    }
    this.minFreeBytes = minFreeBytes;
  }

  @Override
  public void apply(ChangeBatch batch) throws StoreException {
    if (!batch.changes().isEmpty()) {
      check("apply changes");
    }
    super.apply(batch);
  }

  @Override
  public void ensureTables(List<TableSpec> tables) throws StoreException {
    check("change the tables' shapes");
    super.ensureTables(tables);
  }

  @Override
  public SnapshotLoader beginSnapshot(String source) throws StoreException {
    check("copy a snapshot");
    return guarded(super.beginSnapshot(source));
  }

  @Override
  public SnapshotLoader beginSnapshot(String source, List<TableSpec> tables) throws StoreException {
    check("copy a snapshot");
    return guarded(super.beginSnapshot(source, tables));
  }

  /** The loader, with the space checked before each table's copy. */
  private SnapshotLoader guarded(SnapshotLoader loader) {
    return new SnapshotLoader() {
      @Override
      public CopyFormat formatFor(TableSpec table) {
        return loader.formatFor(table);
      }

      @Override
      public void prepare(List<TableSpec> tables) throws StoreException {
        loader.prepare(tables);
      }

      @Override
      public OutputStream copyIn(TableSpec table, CopyFormat format) throws StoreException {
        check("copy " + table.id());
        return loader.copyIn(table, format);
      }

      @Override
      public void commit(List<SourceOffset> offsets) throws StoreException {
        loader.commit(offsets);
      }

      @Override
      public void close() throws StoreException {
        loader.close();
      }
    };
  }

  /** Whether the last check found too little space (the replication is paused). */
  public boolean paused() {
    return paused;
  }

  private void check(String action) throws StoreException {
    if (minFreeBytes == 0) {
      return;
    }
    long free;
    try {
      free = freeSpace.bytes();
    } catch (IOException e) {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE, "cannot read the free space of " + path, e);
    }
    if (free < minFreeBytes) {
      if (!paused) {
        paused = true;
        log.error(
            "store.path {} has {} MiB free, under store.min-free-mb ({}): replication paused, nothing"
                + " acknowledged past the stored position; it resumes by itself once space is"
                + " freed or the volume grown",
            path,
            free >> 20,
            minFreeBytes >> 20);
      }
      throw new StoreException(
          StoreErrorCode.DISK_FULL,
          "cannot %s: store.path %s has %d MiB free, under store.min-free-mb (%d); free space or grow the volume"
              .formatted(action, path, free >> 20, minFreeBytes >> 20));
    }
    if (paused) {
      paused = false;
      log.info(
          "store.path {} has {} MiB free again (store.min-free-mb {}): replication resumes",
          path,
          free >> 20,
          minFreeBytes >> 20);
    }
  }
}
