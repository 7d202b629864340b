package io.pgmlfollower.featurestore.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A store that sources write to. Implementations are thread-safe for one writer per source. */
public interface ChangeSink {
  /**
   * The offsets this store durably holds for a source, by partition; empty when it holds nothing of
   * that source yet (the source must snapshot).
   */
  Map<String, Long> offsets(String source) throws StoreException;

  /**
   * The offsets with what the source stored beside them to resume ({@link SourceOffset#resume}), by
   * partition. A store that keeps no resume data answers its {@link #offsets} without it.
   */
  default Map<String, SourceOffset> positions(String source) throws StoreException {
    Map<String, SourceOffset> positions = new LinkedHashMap<>();
    for (Map.Entry<String, Long> offset : offsets(source).entrySet()) {
      positions.put(offset.getKey(), new SourceOffset(source, offset.getKey(), offset.getValue()));
    }
    return positions;
  }

  /**
   * Creates the tables that do not exist yet, and brings existing ones to the given shape (columns
   * added, dropped or retyped as on the source).
   */
  void ensureTables(List<TableSpec> tables) throws StoreException;

  /** Starts an atomic initial load for a source. */
  SnapshotLoader beginSnapshot(String source) throws StoreException;

  /**
   * Starts an atomic load of these tables, shaped as given and announced ({@link
   * SnapshotLoader#prepare}): by default {@link #ensureTables}, then {@link #beginSnapshot(String)}
   * and {@code prepare}. A store may do better, e.g. create the tables that do not exist yet inside
   * the load itself, where a new table needs no emptying and no one sees it before the commit.
   */
  default SnapshotLoader beginSnapshot(String source, List<TableSpec> tables)
      throws StoreException {
    ensureTables(tables);
    SnapshotLoader loader = beginSnapshot(source);
    try {
      loader.prepare(tables);
      return loader;
    } catch (StoreException | RuntimeException e) {
      try {
        loader.close();
      } catch (StoreException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * Applies the batch and stores its offsets in one durable local transaction. When this returns,
   * the data survives a crash of the follower and of the store process; only then may the source
   * acknowledge the offsets upstream.
   */
  void apply(ChangeBatch batch) throws StoreException;
}
