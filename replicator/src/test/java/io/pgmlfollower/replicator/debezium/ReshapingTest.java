package io.pgmlfollower.replicator.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReshapingTest {
  private static final TableId T = new TableId("public", "t");
  private static final TableId OTHER = new TableId("public", "other");
  // Old: id, a, b. New: b dropped, c added, a moved after c.
  private static final TableSpec OLD = spec("id", "a", "b");
  private static final TableSpec NEW = spec("id", "c", "a");

  @Test
  void rowsOfTheOldShapeAreCarriedByColumnName() {
    List<ChangeBatch.Change> changes =
        new ArrayList<>(
            List.of(
                row(RowChange.insert(T, new String[] {"1", "x", "y"})),
                row(RowChange.delete(T, new String[] {"2", null, null})),
                row(RowChange.update(T, null, new String[] {"3", "z", null}, bits(2))),
                row(RowChange.insert(OTHER, new String[] {"9", "o", "p"})),
                new ChangeBatch.Truncate(List.of(T))));
    Reshaping.carry(changes, OLD, NEW);

    RowChange insert = ((ChangeBatch.Row) changes.get(0)).change();
    assertThat(insert.kind()).isEqualTo(RowChange.Kind.INSERT);
    assertThat(insert.newValues()).containsExactly("1", null, "x");
    RowChange delete = ((ChangeBatch.Row) changes.get(1)).change();
    assertThat(delete.oldValues()).containsExactly("2", null, null);
    // The added column is kept as stored; the dropped column's unchanged mark goes with it.
    RowChange update = ((ChangeBatch.Row) changes.get(2)).change();
    assertThat(update.newValues()).containsExactly("3", null, "z");
    assertThat(update.unchanged()).isEqualTo(bits(1));
    // Other tables and truncates are left alone.
    assertThat(((ChangeBatch.Row) changes.get(3)).change().newValues())
        .containsExactly("9", "o", "p");
    assertThat(changes.get(4)).isInstanceOf(ChangeBatch.Truncate.class);
  }

  private static ChangeBatch.Change row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  private static BitSet bits(int... set) {
    BitSet bits = new BitSet();
    for (int bit : set) {
      bits.set(bit);
    }
    return bits;
  }

  private static TableSpec spec(String... columns) {
    List<ColumnSpec> specs = new ArrayList<>();
    for (String column : columns) {
      specs.add(new ColumnSpec(column, "text", 25, column.equals("id")));
    }
    return new TableSpec(T, specs, List.of("id"));
  }
}
