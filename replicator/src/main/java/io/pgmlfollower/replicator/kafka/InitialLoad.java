package io.pgmlfollower.replicator.kafka;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.debezium.ChangeEvents;
import io.pgmlfollower.replicator.debezium.CopyTextWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * The first load of a Kafka source whose stores hold nothing of it, at COPY speed: each partition's
 * leading run of snapshot reads ({@code op = r}, Debezium's initial snapshot) is written as COPY
 * text to a spill file per table, and once every partition's run has ended (at its first other
 * event, or at the end offset it had when first assigned) the files go into the stores' atomic
 * loader, committed with each partition's offset where its run ended. Streaming then starts from
 * those offsets, record by record.
 *
 * <p>Nothing is stored before the commit: a crash, a rebalance or a load the stores refuse (the
 * same key read twice, when Debezium's own snapshot was restarted) leaves them as they were, and
 * the source then applies the topics record by record from their beginning.
 */
final class InitialLoad implements AutoCloseable {
  /** One decoded record. */
  record Read(long offset, String op, ChangeEvents.Decoded decoded) {}

  private final Path directory;
  private final ChangeSink sink;
  private final String source;
  private final Map<TableId, TableSpec> specs = new LinkedHashMap<>();
  private final Map<TableId, CopyTextWriter> files = new LinkedHashMap<>();
  private final Map<TopicPartition, Long> ended = new LinkedHashMap<>();
  private long rows;

  InitialLoad(Path directory, ChangeSink sink, String source) {
    this.directory = requireNonNull(directory, "directory is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.source = requireNonNull(source, "source is null");
    deleteFiles();
  }

  boolean hasEnded(TopicPartition partition) {
    return ended.containsKey(partition);
  }

  /** Ends a partition's leading run at {@code offset}: streaming starts there. */
  void end(TopicPartition partition, long offset) {
    ended.put(partition, offset);
  }

  Map<TopicPartition, Long> ended() {
    return ended;
  }

  long rows() {
    return rows;
  }

  /**
   * Takes the partition's records while they continue its leading run of snapshot reads.
   *
   * @return how many were taken: fewer than given when the run ended at the next one
   */
  int take(List<Read> reads) throws IOException {
    for (int i = 0; i < reads.size(); i++) {
      Read read = reads.get(i);
      if (!"r".equals(read.op())
          || read.decoded() == null
          || !(read.decoded().change() instanceof ChangeBatch.Row row)) {
        return i;
      }
      TableSpec spec = read.decoded().spec();
      TableSpec known = specs.putIfAbsent(spec.id(), spec);
      if (known != null && !known.equals(spec)) {
        specs.put(spec.id(), known);
        return i; // reshaped mid-snapshot: the rest applies record by record
      }
      CopyTextWriter file = files.get(spec.id());
      if (file == null) {
        Files.createDirectories(directory);
        file =
            new CopyTextWriter(
                new BufferedOutputStream(
                    Files.newOutputStream(directory.resolve(files.size() + ".copy")), 1 << 16));
        files.put(spec.id(), file);
      }
      file.write(row.change().newValues());
      rows++;
    }
    return reads.size();
  }

  /** Loads the spilled rows into the stores and stores each partition's offset, in one step. */
  void commit(java.util.function.Function<TopicPartition, String> partitionKey)
      throws StoreException, IOException {
    List<Path> paths = new ArrayList<>();
    int index = 0;
    for (CopyTextWriter file : files.values()) {
      file.close();
      paths.add(directory.resolve(index++ + ".copy"));
    }
    sink.ensureTables(List.copyOf(specs.values()));
    List<SourceOffset> offsets = new ArrayList<>();
    for (Map.Entry<TopicPartition, Long> end : ended.entrySet()) {
      offsets.add(new SourceOffset(source, partitionKey.apply(end.getKey()), end.getValue()));
    }
    try (SnapshotLoader loader = sink.beginSnapshot(source)) {
      int i = 0;
      for (TableId table : files.keySet()) {
        try (InputStream in = Files.newInputStream(paths.get(i++));
            OutputStream out = loader.copyIn(specs.get(table), CopyFormat.TEXT)) {
          in.transferTo(out);
        }
      }
      loader.commit(offsets);
    }
  }

  @Override
  public void close() {
    for (CopyTextWriter file : files.values()) {
      try {
        file.close();
      } catch (IOException e) {
        // Deleted below.
      }
    }
    files.clear();
    deleteFiles();
  }

  private void deleteFiles() {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the spill files in " + directory, e);
    }
  }
}
