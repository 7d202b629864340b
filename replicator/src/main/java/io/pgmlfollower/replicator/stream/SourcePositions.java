package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a pgoutput source keeps in the store, as offset partitions written in the same local
 * transaction as the data they describe:
 *
 * <ul>
 *   <li>{@code ""}: the end LSN of the last transaction applied from the stream; streaming resumes
 *       there;
 *   <li>{@code table:"schema"."name"}: the LSN a table's copy is consistent with (the consistent
 *       point of the slot whose snapshot it was copied in). A streamed change to that table is
 *       applied only when its transaction committed at or after that LSN; earlier ones are in the
 *       copy already. This is PostgreSQL's own table synchronization rule ({@code
 *       should_apply_changes_for_rel}, src/backend/replication/logical/worker.c). {@code 0/0} marks
 *       a table that left the publication: its copy is stale, and it is copied again if it comes
 *       back.
 * </ul>
 */
public record SourcePositions(Optional<Lsn> stream, Map<TableId, Lsn> tables) {
  public static final String STREAM_PARTITION = "";
  private static final String TABLE_PREFIX = "table:";

  public SourcePositions {
    requireNonNull(stream, "stream is null");
    tables = Map.copyOf(requireNonNull(tables, "tables is null"));
  }

  /** Reads the partitions the store returned for this source. */
  public static SourcePositions parse(String source, Map<String, Long> offsets)
      throws ReplicatorException {
    Optional<Lsn> stream = Optional.empty();
    Map<TableId, Lsn> tables = new HashMap<>();
    for (Map.Entry<String, Long> offset : offsets.entrySet()) {
      String partition = offset.getKey();
      if (partition.equals(STREAM_PARTITION)) {
        stream = Optional.of(Lsn.of(offset.getValue()));
      } else if (partition.startsWith(TABLE_PREFIX)) {
        Optional<TableId> table = parseQuoted(partition.substring(TABLE_PREFIX.length()));
        if (table.isEmpty()) {
          throw unknownPartitions(source, offsets);
        }
        Lsn lsn = Lsn.of(offset.getValue());
        if (lsn.isValid()) {
          tables.put(table.get(), lsn);
        }
      } else {
        throw unknownPartitions(source, offsets);
      }
    }
    return new SourcePositions(stream, tables);
  }

  public static SourceOffset streamOffset(String source, Lsn end) {
    return new SourceOffset(source, STREAM_PARTITION, end.value());
  }

  /** The position of a table's copy; {@link Lsn#INVALID} marks it as no longer replicated. */
  public static SourceOffset tableOffset(String source, TableId table, Lsn copiedAt) {
    return new SourceOffset(source, TABLE_PREFIX + table.quoted(), copiedAt.value());
  }

  /**
   * An empty batch that marks the tables as no longer replicated ({@link Lsn#INVALID} positions):
   * stored for tables that left the publication, so that one added back is copied again rather than
   * taken as current (its changes meanwhile were not sent).
   */
  public static ChangeBatch forgetting(String source, Set<TableId> tables) {
    List<SourceOffset> forgotten = new ArrayList<>();
    for (TableId table : tables) {
      forgotten.add(tableOffset(source, table, Lsn.INVALID));
    }
    return new ChangeBatch(List.of(), forgotten);
  }

  /** The inverse of {@link TableId#quoted()}: {@code "a""b"."c"} is schema {@code a"b}, table c. */
  static Optional<TableId> parseQuoted(String quoted) {
    StringBuilder schema = new StringBuilder();
    int next = readIdentifier(quoted, 0, schema);
    if (next < 0 || next >= quoted.length() || quoted.charAt(next) != '.') {
      return Optional.empty();
    }
    StringBuilder name = new StringBuilder();
    if (readIdentifier(quoted, next + 1, name) != quoted.length()) {
      return Optional.empty();
    }
    return Optional.of(new TableId(schema.toString(), name.toString()));
  }

  /** Reads one double-quoted identifier at {@code from}; returns the index after it, or -1. */
  private static int readIdentifier(String text, int from, StringBuilder into) {
    if (from >= text.length() || text.charAt(from) != '"') {
      return -1;
    }
    int i = from + 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"') {
        if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
          into.append('"');
          i += 2;
          continue;
        }
        return i + 1;
      }
      into.append(c);
      i++;
    }
    return -1;
  }

  private static ReplicatorException unknownPartitions(String source, Map<String, Long> offsets) {
    return new ReplicatorException(
        ReplicatorErrorCode.STORE_REJECTED,
        "the store holds offsets "
            + offsets.keySet()
            + " for source "
            + source
            + ", which a pgoutput source does not write: is another kind of source configured"
            + " under this name?");
  }
}
