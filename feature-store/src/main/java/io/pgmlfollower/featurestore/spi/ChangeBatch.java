package io.pgmlfollower.featurestore.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Changes that a store applies atomically, with the source offsets they complete: the rows of one
 * source transaction, or of several consecutive ones (group commit). Truncates apply in order with
 * the row changes: a {@link RowChange} list entry never follows a truncate of its table that came
 * later on the source.
 */
public record ChangeBatch(List<Change> changes, List<SourceOffset> offsets) {
  public ChangeBatch {
    changes = List.copyOf(requireNonNull(changes, "changes is null"));
    offsets = List.copyOf(requireNonNull(offsets, "offsets is null"));
  }

  /** A row change or a truncate, in source order. */
  public sealed interface Change permits Row, Truncate {}

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
}
