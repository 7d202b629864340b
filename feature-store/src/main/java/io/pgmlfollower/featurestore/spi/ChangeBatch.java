package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Changes that a store applies atomically, with the source offsets they complete: the rows of one
 * source transaction, or of several consecutive ones (group commit). Truncates apply in order with
 * the row changes: a {@link RowChange} list entry never follows a truncate of its table that came
 * later on the source.
 */
public record ChangeBatch(
    List<Change> changes, List<SourceOffset> offsets, List<Committed> transactions) {
  public ChangeBatch {
    changes = List.copyOf(requireNonNull(changes, "changes is null"));
    offsets = List.copyOf(requireNonNull(offsets, "offsets is null"));
    transactions = List.copyOf(requireNonNull(transactions, "transactions is null"));
    int previous = 0;
    for (Committed transaction : transactions) {
      if (transaction.end() < previous || transaction.end() > changes.size()) {
        throw new IllegalArgumentException(
            "transaction ends must ascend within the "
                + changes.size()
                + " changes: "
                + transactions);
      }
      previous = transaction.end();
    }
  }

  /** A batch without transaction boundaries (one transaction, or changes not from a stream). */
  public ChangeBatch(List<Change> changes, List<SourceOffset> offsets) {
    this(changes, offsets, List.of());
  }

  /**
   * Where a source transaction ends in {@link #changes}: the changes before index {@code end} (back
   * to the previous transaction's end) are those of a transaction whose commit record is at {@code
   * commitLsn}. Stores apply the batch whole and need not look at these; they let a store that
   * already holds part of a batch (a batch grouped differently after a restart, see {@code
   * TwoStores}) skip exactly the transactions it holds.
   */
  public record Committed(int end, long commitLsn) {}

  /** A row change, a truncate or a logical decoding message, in source order. */
  public sealed interface Change permits Row, Truncate, Message {}

  public record Row(RowChange change) implements Change {
    public Row {
      requireNonNull(change, "change is null");
    }
  }

  public record Truncate(List<TableId> tables) implements Change {
    public Truncate {
      tables = List.copyOf(requireNonNull(tables, "tables is null"));
    }
  }

  /**
   * A message an application wrote into the source's WAL with {@code
   * pg_logical_emit_message(transactional, prefix, content)}: markers, heartbeats, commands. A
   * transactional one comes with its transaction's changes; a non-transactional one alone.
   *
   * @param lsn the message's position on the source
   */
  public record Message(String prefix, byte[] content, long lsn, boolean transactional)
      implements Change {
    public Message {
      requireNonNull(prefix, "prefix is null");
      content = requireNonNull(content, "content is null").clone();
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Message that
          && prefix.equals(that.prefix)
          && java.util.Arrays.equals(content, that.content)
          && lsn == that.lsn
          && transactional == that.transactional;
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(prefix, java.util.Arrays.hashCode(content), lsn, transactional);
    }

    @Override
    public String toString() {
      return "Message[prefix=" + prefix + ", " + content.length + " bytes, lsn=" + lsn + "]";
    }
  }
}
