package io.pgmlfollower.replicator.debezium;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offsets, kept by the stores rather than by Debezium.
 *
 * <p>The follower stores each applied transaction's connector offset in the stores, in the same
 * local transaction as its rows (the {@code resume} of the source's position). Debezium Embedded
 * reads its offsets from an {@code offset.storage} class it instantiates itself, so that class is
 * handed them through a file: before the engine starts, the follower writes what the stores hold
 * into {@code offset.storage.file.filename} ({@link #handOff}); this store reads it once and keeps
 * whatever Debezium flushes in memory only. The file is rewritten from the stores at every start,
 * so what the stores hold is the only truth, and Debezium never resumes past what they hold.
 *
 * <p>The stored form is what Kafka Connect's offset storage writer keeps: the key {@code [<engine
 * name>, <source partition>]} and the offset, each as schemaless JSON, one per line ({@link
 * #encode}).
 */
public final class StoredOffsets extends MemoryOffsetBackingStore {
  private static final JsonConverter JSON = schemalessJson();

  public StoredOffsets() {}

  @Override
  public void configure(WorkerConfig config) {
    super.configure(config);
    Object file = config.originals().get("offset.storage.file.filename");
    if (file == null) {
      return;
    }
    Path path = Path.of(file.toString());
    try {
      if (Files.exists(path)) {
        String[] lines = Files.readString(path, UTF_8).split("\n", 2);
        if (lines.length == 2) {
          data.put(
              ByteBuffer.wrap(lines[0].getBytes(UTF_8)), ByteBuffer.wrap(lines[1].getBytes(UTF_8)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Debezium offsets handed over in " + path, e);
    }
  }

  /** Debezium flushes only to memory: the stores hold the offsets that count. */
  @Override
  protected void save() {}

  @Override
  public Set<Map<String, Object>> connectorPartitions(String connectorName) {
    return Set.of();
  }

  /** A record's source offset as stored: key line, then offset line. */
  static String encode(String engineName, Map<String, ?> partition, Map<String, ?> offset) {
    byte[] key = JSON.fromConnectData(engineName, null, Arrays.asList(engineName, partition));
    byte[] value = JSON.fromConnectData(engineName, null, offset);
    return new String(key, UTF_8) + "\n" + new String(value, UTF_8);
  }

  /**
   * Writes what the stores hold for Debezium to read at start; an empty file when they hold nothing
   * (Debezium then snapshots).
   */
  static void handOff(Path file, String stored) throws IOException {
    Files.createDirectories(file.getParent());
    Path scratch = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(scratch, stored == null ? "" : stored, UTF_8);
    Files.move(
        scratch,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static JsonConverter schemalessJson() {
    JsonConverter converter = new JsonConverter();
    converter.configure(Map.of("schemas.enable", "false"), false);
    return converter;
  }
}
