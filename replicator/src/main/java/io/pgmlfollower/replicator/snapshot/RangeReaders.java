package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.SourceConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one table as block ranges ({@code ctid >= '(a,0)' AND ctid < '(b,0)'}, a TID range scan
 * since PostgreSQL 14) over several source connections that all import the same exported snapshot,
 * so together they see exactly the rows one connection would. Their rows are handed, in chunks of
 * whole rows, to the one thread that writes the table into the store: COPY text rows can go in any
 * order, and the store still loads the table in one local transaction.
 *
 * <p>Memory is bounded by the queue: {@code QUEUE_CHUNKS} chunks of about {@code CHUNK_BYTES}. The
 * writer hands each chunk back once written ({@link #recycle}) and the readers fill it again: a
 * table's copy then allocates a few dozen chunks, not one per 256 KiB copied (each new one a zeroed
 * array, in pages the kernel zeroes too the first time the heap reaches them).
 */
final class RangeReaders implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RangeReaders.class);
  private static final int CHUNK_BYTES = 256 * 1024;
  private static final int QUEUE_CHUNKS = 32;

  /** Whole rows of COPY text; {@code rows == -1} marks a reader's end. */
  record Chunk(byte[] data, int length, int rows) {
    static final Chunk END = new Chunk(new byte[0], 0, -1);
  }

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);

  /** Chunk buffers written out and handed back ({@link #recycle}), for the readers to fill. */
  private final BlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(QUEUE_CHUNKS);

  private final List<Thread> threads = new ArrayList<>();
  private final List<Connection> connections = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private int running;

  /**
   * Starts one reader per range on its own connection.
   *
   * @param selects one {@code COPY (SELECT ... WHERE ctid range) TO STDOUT} per range
   */
  RangeReaders(
      SourceConnections sources,
      String snapshotName,
      TableSpec spec,
      CopyFormat format,
      List<String> selects)
      throws ReplicatorException {
    requireNonNull(sources, "sources is null");
    requireNonNull(snapshotName, "snapshotName is null");
    try {
      for (String ignored : selects) {
        Connection connection = sources.openNormal();
        connections.add(connection);
        SnapshotCopy.importSnapshot(connection, snapshotName);
      }
    } catch (ReplicatorException e) {
      close();
      throw e;
    }
    for (int i = 0; i < selects.size(); i++) {
      Connection connection = connections.get(i);
      String select = selects.get(i);
      threads.add(
          Thread.ofPlatform()
              .name("copy-" + spec.id() + "-" + i)
              .daemon()
              .start(() -> read(connection, select, format == CopyFormat.BINARY)));
      running++;
    }
  }

  /**
   * Reads one range's COPY into chunks of whole rows. Of a binary COPY only the rows are kept: the
   * header on the first message and the end marker are the joined file's, written by its writer.
   */
  private void read(Connection connection, String select, boolean binary) {
    try {
      CopyDataReader reader = CopyDataReader.start(connection, select);
      byte[] buffer = buffer(0);
      int length = 0;
      int rows = 0;
      boolean first = binary;
      int size;
      while ((size = reader.next(buffer, length)) != CopyDataReader.END) {
        if (size < 0) { // the chunk is full: the row goes into the next one
          put(new Chunk(buffer, length, rows));
          buffer = buffer(-size);
          length = 0;
          rows = 0;
          continue;
        }
        if (first) {
          int header = BinaryCopy.headerLength(buffer, length, size);
          System.arraycopy(buffer, length + header, buffer, length, size - header);
          size -= header;
          first = false;
        }
        if (size == 0 || (binary && BinaryCopy.isEnd(buffer, length, size))) {
          continue;
        }
        length += size;
        rows++;
      }
      if (rows > 0) {
        put(new Chunk(buffer, length, rows));
      }
      put(Chunk.END);
    } catch (SQLException e) {
      if (!closed.get()) {
        offer(ReplicatorException.fromSql("copy a block range: " + select, e));
      }
    } catch (ReplicatorException e) {
      offer(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A spare chunk buffer when {@code size} fits one, else a new buffer (a row over 256 KiB). */
  private byte[] buffer(int size) {
    if (size <= CHUNK_BYTES) {
      byte[] buffer = spare.poll();
      if (buffer != null) {
        return buffer;
      }
    }
    return new byte[Math.max(CHUNK_BYTES, size)];
  }

  /**
   * Hands a chunk from {@link #next} back once its bytes were written (the caller keeps no
   * reference to them), for a reader to fill again.
   */
  void recycle(Chunk chunk) {
    if (chunk.data().length == CHUNK_BYTES) {
      spare.offer(chunk.data()); // full (every reader already holds one): left to the GC
    }
  }

  private void put(Object item) throws InterruptedException {
    while (!closed.get()) {
      if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        return;
      }
    }
  }

  private void offer(ReplicatorException failure) {
    try {
      put(failure);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The next chunk, or null once every reader finished; throws a reader's failure. */
  Chunk next() throws ReplicatorException {
    while (running > 0) {
      Object item;
      try {
        item = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ReplicatorException(ReplicatorErrorCode.INTERNAL, "interrupted while copying");
      }
      if (item == null) {
        continue;
      }
      if (item instanceof ReplicatorException failure) {
        throw failure;
      }
      Chunk chunk = (Chunk) item;
      if (chunk.rows() < 0) {
        running--;
        continue;
      }
      return chunk;
    }
    return null;
  }

  /** Stops the readers (closing their connections ends their COPY) and waits for them. */
  @Override
  public void close() {
    closed.set(true);
    for (Connection connection : connections) {
      try {
        connection.close();
      } catch (SQLException e) {
        // At the end or after a failure already reported: nothing depends on this connection.
        log.debug("Closing a range reader's connection failed", e);
      }
    }
    for (Thread thread : threads) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
