package io.pgmlfollower.replicator.stream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.pgoutput.BeginMessage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The changes of the transaction being received. pgoutput v1 sends a transaction only once it
 * committed, so the buffer is applied whole at Commit, in one sink transaction with its offset.
 */
final class TransactionBuffer {
  private final BeginMessage begin;
  private final boolean alreadyApplied;
  private final List<ChangeBatch.Change> changes = new ArrayList<>();

  TransactionBuffer(BeginMessage begin, boolean alreadyApplied) {
    this.begin = requireNonNull(begin, "begin is null");
    this.alreadyApplied = alreadyApplied;
  }

  BeginMessage begin() {
    return begin;
  }

  /**
   * Whether the sink already holds this transaction: it committed before the stored offset. The
   * server itself skips those when streaming starts at the stored offset (ahead of an
   * acknowledgement lost in a crash); this check keeps exactly-once apply independent of that.
   */
  boolean alreadyApplied() {
    return alreadyApplied;
  }

  void add(ChangeBatch.Change change) {
    changes.add(requireNonNull(change, "change is null"));
  }

  boolean isEmpty() {
    return changes.isEmpty();
  }

  List<ChangeBatch.Change> changes() {
    return changes;
  }

  /**
   * Rewrites the buffered rows of a table whose shape changed in the middle of this transaction
   * (DDL and DML in one transaction), matching columns by name: a row change carries one value per
   * column of the spec the store holds when the batch is applied. A column the old shape lacked has
   * its missing value in an insert (null when it has none) and is left alone (unchanged) in an
   * update.
   */
  void remap(TableSpec before, TableSpec after) {
    int[] source = new int[after.columns().size()];
    for (int i = 0; i < source.length; i++) {
      source[i] = before.columnIndex(after.columns().get(i).name());
    }
    for (int i = 0; i < changes.size(); i++) {
      if (changes.get(i) instanceof ChangeBatch.Row(RowChange row)
          && row.table().equals(after.id())) {
        changes.set(i, new ChangeBatch.Row(remap(row, source, after)));
      }
    }
  }

  /**
   * A row inserted before a column was added has the column's missing value (as on the source); an
   * update leaves it unchanged.
   */
  private static RowChange remap(RowChange row, int[] source, TableSpec after) {
    String[] newValues = remap(row.newValues(), source);
    if (row.kind() == RowChange.Kind.INSERT && newValues != null) {
      for (int i = 0; i < source.length; i++) {
        if (source[i] < 0) {
          newValues[i] = after.columns().get(i).missingValue().orElse(null);
        }
      }
    }
    BitSet unchanged = null;
    if (row.kind() == RowChange.Kind.UPDATE) {
      unchanged = new BitSet(source.length);
      for (int i = 0; i < source.length; i++) {
        if (source[i] < 0 || row.isUnchanged(source[i])) {
          unchanged.set(i);
        }
      }
    }
    return new RowChange(
        row.kind(), row.table(), remap(row.oldValues(), source), newValues, unchanged);
  }

  private static String[] remap(String[] values, int[] source) {
    if (values == null) {
      return null;
    }
    String[] remapped = new String[source.length];
    for (int i = 0; i < source.length; i++) {
      remapped[i] = source[i] < 0 ? null : values[source[i]];
    }
    return remapped;
  }
}
