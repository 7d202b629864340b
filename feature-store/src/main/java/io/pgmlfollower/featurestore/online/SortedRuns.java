package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot table's rows written as sorted SST files ({@link SstFileWriter}) for RocksDB to ingest
 * whole, instead of memtable inserts that a flush then writes out a second time (see <a
 * href="https://github.com/facebook/rocksdb/wiki/Creating-and-Ingesting-SST-files">Creating and
 * Ingesting SST files</a>). An SST file takes its keys in increasing order only. A COPY sends rows
 * in the source's physical order, which for a table filled in key order (a serial or identity key,
 * most tables) is key order within each block range; ranges read side by side interleave their
 * chunks. So a row goes to the run whose last key is the greatest one below its own (patience
 * sorting), a new run opens when there is none, up to {@link #MAX_RUNS}; a row that fits no run
 * then is refused, and the caller writes it to the memtable. Runs overlap each other only as much
 * as the rows did: RocksDB ingests overlapping files into level 0, others straight into the level
 * they fit.
 *
 * <p>A run's file is cut at {@link #FILE_BYTES} (keys go on increasing in the next one): files of
 * the usual compaction size rather than one the size of the table, which a later compaction would
 * have to rewrite whole.
 *
 * <p>Not thread-safe: one table's loading thread owns it.
 */
final class SortedRuns implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SortedRuns.class);
  static final int MAX_RUNS = 8;

  /** Uncompressed bytes (keys and values) per file. */
  static final long FILE_BYTES = 128L << 20;

  private final Options options;
  private final EnvOptions env = new EnvOptions();
  private final Path directory;
  private final String prefix;
  private final long fileBytes;
  private final List<Run> runs = new ArrayList<>();
  private final List<Path> finished = new ArrayList<>();
  private ByteBuffer key = ByteBuffer.allocateDirect(256);
  private ByteBuffer value = ByteBuffer.allocateDirect(64 << 10);
  private int files;
  private long rows;
  private boolean closed;

  /**
   * @param options the table's column family options (comparator, table format, compression)
   * @param directory where the files are written (created when missing)
   * @param prefix the files' name prefix, unique among the loads writing to {@code directory}
   */
  SortedRuns(Options options, Path directory, String prefix) {
    this(options, directory, prefix, FILE_BYTES);
  }

  SortedRuns(Options options, Path directory, String prefix, long fileBytes) {
    this.options = requireNonNull(options, "options is null");
    this.directory = requireNonNull(directory, "directory is null");
    this.prefix = requireNonNull(prefix, "prefix is null");
    this.fileBytes = fileBytes;
  }

  /**
   * Appends a row to a run.
   *
   * @return false when the row fits no run (its key is below every run's last key and no run can
   *     open): nothing was written
   */
  boolean put(byte[] keyBytes, int keyLength, byte[] valueBytes, int valueLength)
      throws RocksDBException {
    Run best = null;
    for (Run run : runs) {
      if (run.below(keyBytes, keyLength)
          && (best == null || best.below(run.last, run.lastLength))) {
        best = run;
      }
    }
    if (best == null) {
      if (runs.size() == MAX_RUNS) {
        return false;
      }
      best = new Run();
      runs.add(best);
    }
    best.append(keyBytes, keyLength, valueBytes, valueLength);
    rows++;
    return true;
  }

  /** Rows written to the files. */
  long rows() {
    return rows;
  }

  /** Finishes every run: the files to ingest, none empty. */
  List<Path> finish() throws RocksDBException {
    for (Run run : runs) {
      run.finish();
    }
    runs.clear();
    return List.copyOf(finished);
  }

  /**
   * Closes what is open and deletes every file that was not ingested (moved away). Idempotent; a
   * file that cannot be deleted is logged and left (the store deletes leftovers when it opens).
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Run run : runs) {
      if (run.writer != null) {
        run.writer.close();
      }
    }
    runs.clear();
    finished.clear();
    for (int i = 0; i < files; i++) {
      try {
        Files.deleteIfExists(file(i));
      } catch (IOException e) {
        log.warn("Cannot delete snapshot file {}: {}", file(i), e.toString());
      }
    }
    env.close();
  }

  private Path file(int number) {
    return directory.resolve(prefix + "-" + number + ".sst");
  }

  /** One increasing sequence of keys, in files of about {@code fileBytes}. */
  private final class Run {
    private SstFileWriter writer;
    private Path path;
    private byte[] last = new byte[64];
    private int lastLength = -1;
    private long bytes;

    /** Whether {@code candidate} sorts after this run's last key (byte order, RocksDB's). */
    boolean below(byte[] candidate, int length) {
      return lastLength < 0
          || Arrays.compareUnsigned(last, 0, lastLength, candidate, 0, length) < 0;
    }

    void append(byte[] keyBytes, int keyLength, byte[] valueBytes, int valueLength)
        throws RocksDBException {
      if (writer == null) {
        open();
      }
      // Direct buffers: RocksDB reads them in place, with no array copied in and back per row.
      if (key.capacity() < keyLength) {
        key = ByteBuffer.allocateDirect(keyLength * 2);
      }
      if (value.capacity() < valueLength) {
        value = ByteBuffer.allocateDirect(valueLength * 2);
      }
      key.clear();
      key.put(keyBytes, 0, keyLength).flip();
      value.clear();
      value.put(valueBytes, 0, valueLength).flip();
      writer.put(key, value);
      if (last.length < keyLength) {
        last = new byte[keyLength * 2];
      }
      System.arraycopy(keyBytes, 0, last, 0, keyLength);
      lastLength = keyLength;
      bytes += keyLength + valueLength;
      if (bytes >= fileBytes) {
        finish();
      }
    }

    private void open() throws RocksDBException {
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new RocksDBException("cannot create " + directory + ": " + e.getMessage());
      }
      path = file(files++);
      writer = new SstFileWriter(env, options);
      writer.open(path.toString());
    }

    void finish() throws RocksDBException {
      if (writer != null) {
        try {
          writer.finish();
          finished.add(path);
        } finally {
          writer.close();
          writer = null;
          bytes = 0;
        }
      }
    }
  }
}
