package io.pgmlfollower.replicator.debezium;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.BitSet;
import java.util.List;

/**
 * Carries row changes of a table's old shape to its new one, by column name: a column the new shape
 * added is NULL in a new row and left as stored in an updated one; a dropped column's value goes; a
 * retyped column keeps its text (the store reads it as the new type). This lets a source
 * transaction that spans an {@code ALTER TABLE} be applied whole, in one store transaction, after
 * the table was reshaped.
 */
final class Reshaping {
  private Reshaping() {}

  /** Replaces, in place, the changes of {@code from}'s table with their {@code to} form. */
  static void carry(List<ChangeBatch.Change> changes, TableSpec from, TableSpec to) {
    for (int i = 0; i < changes.size(); i++) {
      if (changes.get(i) instanceof ChangeBatch.Row row && row.change().table().equals(from.id())) {
        changes.set(i, new ChangeBatch.Row(carry(row.change(), from, to)));
      }
    }
  }

  static RowChange carry(RowChange change, TableSpec from, TableSpec to) {
    int columns = to.columns().size();
    int[] source = new int[columns];
    for (int i = 0; i < columns; i++) {
      source[i] = from.columnIndex(to.columns().get(i).name());
    }
    String[] oldValues = change.oldValues() == null ? null : pick(change.oldValues(), source);
    String[] newValues = change.newValues() == null ? null : pick(change.newValues(), source);
    BitSet unchanged = null;
    if (change.kind() == RowChange.Kind.UPDATE) {
      unchanged = new BitSet();
      for (int i = 0; i < columns; i++) {
        boolean added = source[i] < 0;
        if (added || (change.unchanged() != null && change.unchanged().get(source[i]))) {
          unchanged.set(i);
        }
      }
      if (unchanged.isEmpty()) {
        unchanged = null;
      }
    }
    return new RowChange(change.kind(), change.table(), oldValues, newValues, unchanged);
  }

  private static String[] pick(String[] values, int[] source) {
    String[] picked = new String[source.length];
    for (int i = 0; i < source.length; i++) {
      picked[i] = source[i] < 0 ? null : values[source[i]];
    }
    return picked;
  }
}
