package io.pgmlfollower.featurestore.online;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * The online store's settings. Defaults and validation are pinned by {@code OnlineStoreConfigTest}.
 */
public final class OnlineStoreConfig {
  private Path path;
  private long blockCacheBytes = 64L << 20;
  private long writeBufferBytes = 32L << 20;
  private long rowCacheBytes = 64L << 20;
  private boolean sync = true;

  /** The RocksDB directory (the follower uses {@code store.path}/online). */
  public Path path() {
    return path;
  }

  public OnlineStoreConfig path(Path path) {
    this.path = requireNonNull(path, "path is null");
    return this;
  }

  public long blockCacheBytes() {
    return blockCacheBytes;
  }

  /** The LRU block cache shared by every table: most of the store's read memory. */
  public OnlineStoreConfig blockCacheBytes(long bytes) {
    if (bytes < 1 << 20) {
      throw new IllegalArgumentException("blockCacheBytes must be at least 1 MiB, not " + bytes);
    }
    this.blockCacheBytes = bytes;
    return this;
  }

  public long rowCacheBytes() {
    return rowCacheBytes;
  }

  /**
   * The heap kept for rows recently read by key (their stored bytes): a lookup that hits does not
   * touch RocksDB. 0 turns it off.
   */
  public OnlineStoreConfig rowCacheBytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("rowCacheBytes must be 0 (off) or more, not " + bytes);
    }
    this.rowCacheBytes = bytes;
    return this;
  }

  public long writeBufferBytes() {
    return writeBufferBytes;
  }

  /** The memtable size per table: the store's write memory is about this times the tables. */
  public OnlineStoreConfig writeBufferBytes(long bytes) {
    if (bytes < 1 << 20) {
      throw new IllegalArgumentException("writeBufferBytes must be at least 1 MiB, not " + bytes);
    }
    this.writeBufferBytes = bytes;
    return this;
  }

  public boolean sync() {
    return sync;
  }

  /**
   * Whether each applied batch syncs RocksDB's WAL before it returns (the default; needed before
   * the position may be acknowledged). Off only for tests and benchmarks that measure without it.
   */
  public OnlineStoreConfig sync(boolean sync) {
    this.sync = sync;
    return this;
  }

  OnlineStoreConfig validate() {
    if (path == null) {
      throw new IllegalArgumentException("the online store needs a path");
    }
    return this;
  }
}
