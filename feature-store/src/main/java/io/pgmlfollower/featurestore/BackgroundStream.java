package io.pgmlfollower.featurestore;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes to a target stream on a thread of its own, so that a slow consumer (the online store
 * parsing and indexing every snapshot row) runs next to the caller's (the offline store's COPY)
 * instead of after it. Bytes are gathered into blocks of {@code BLOCK_BYTES} and handed over
 * through a queue of {@code QUEUE_BLOCKS}: memory stays bounded, and the caller waits when the
 * consumer falls behind. Written blocks come back for the caller to fill again: a long copy
 * allocates a handful of blocks, not one per 256 KiB (each a zeroed array in pages the kernel
 * zeroes too the first time the heap reaches them).
 *
 * <p>The consumer's failure reaches the caller at its next write or at {@link #close}, which also
 * waits until every byte has been written and the target closed: after {@code close} returns the
 * target holds everything, exactly as if it had been written directly.
 */
final class BackgroundStream extends OutputStream {
  private static final int BLOCK_BYTES = 256 * 1024;
  private static final int QUEUE_BLOCKS = 8;
  private static final byte[] END = new byte[0];

  private final OutputStream target;
  private final BlockingQueue<Block> blocks = new ArrayBlockingQueue<>(QUEUE_BLOCKS);

  /**
   * Blocks the writer is done with. Room for every block there can be (the queue's, the one being
   * filled and the one being written), so that handing one back never fails and drops it.
   */
  private final BlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(QUEUE_BLOCKS + 2);

  private final Thread worker;
  private volatile IOException failure;
  private byte[] block = new byte[BLOCK_BYTES];
  private int blocksAllocated = 1;
  private int length;
  private boolean closed;

  /** A block handed over: its bytes and how many of them are used (the last block is short). */
  private record Block(byte[] bytes, int length) {}

  BackgroundStream(OutputStream target, String threadName) {
    this.target = requireNonNull(target, "target is null");
    this.worker = Thread.ofPlatform().name(threadName).daemon().start(this::drain);
  }

  /**
   * Writes every block until the end mark, then closes the target. After a failure it keeps taking
   * (and dropping) blocks, so that the caller never waits on a full queue.
   */
  private void drain() {
    try {
      while (true) {
        Block next = blocks.take();
        if (next.bytes() == END) {
          break;
        }
        if (failure == null) {
          try {
            target.write(next.bytes(), 0, next.length());
          } catch (IOException | RuntimeException e) {
            fail(e);
          }
          spare.offer(next.bytes()); // the target copies what it keeps of a write
        }
      }
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("the background writer was stopped"));
    }
    try {
      target.close();
    } catch (IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void fail(Exception e) {
    if (failure == null) {
      failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    } else if (failure != e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Stops the writer without writing what is queued (the caller gave up on the stream) and waits
   * until it closed the target.
   */
  void abandon() {
    closed = true;
    if (!worker.isAlive()) {
      return;
    }
    // Also after a close() that an interrupt cut short: the writer may still be using the target,
    // which the caller frees next. So wait for it whatever happens, and keep the interrupt.
    worker.interrupt();
    boolean interrupted = false;
    while (worker.isAlive()) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int count) throws IOException {
    checkOpen();
    while (count > 0) {
      int n = Math.min(count, block.length - length);
      System.arraycopy(bytes, offset, block, length, n);
      length += n;
      offset += n;
      count -= n;
      if (length == block.length) {
        handOver();
      }
    }
  }

  private void handOver() throws IOException {
    put(new Block(block, length));
    byte[] next = spare.poll();
    if (next == null) {
      next = new byte[BLOCK_BYTES];
      blocksAllocated++;
    }
    block = next;
    length = 0;
  }

  /** Blocks allocated so far: at most the queue's, plus the one filled and the one written. */
  int blocksAllocated() {
    return blocksAllocated;
  }

  private void put(Block b) throws IOException {
    try {
      while (!blocks.offer(b, 100, TimeUnit.MILLISECONDS)) {
        if (!worker.isAlive()) {
          throw new IOException("the background writer stopped", failure);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while handing bytes to the background writer");
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Hands over what is left, waits for the writer to finish and closes the target. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (length > 0 && failure == null) {
        handOver();
      }
      put(new Block(END, 0));
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the background writer");
    } finally {
      closed = true;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (failure != null) {
      throw failure;
    }
  }
}
