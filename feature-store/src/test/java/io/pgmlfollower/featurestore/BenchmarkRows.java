package io.pgmlfollower.featurestore;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The feature table both stores' benchmarks use, and the batches they apply to it. */
public final class BenchmarkRows {
  public static final TableId TABLE = new TableId("public", "features");
  public static final TableSpec SPEC =
      new TableSpec(
          TABLE,
          List.of(
              new ColumnSpec("id", "bigint", 20, true),
              new ColumnSpec("f1", "double precision", 701, false),
              new ColumnSpec("f2", "double precision", 701, false),
              new ColumnSpec("f3", "integer", 23, false),
              new ColumnSpec("label", "text", 25, false)),
          List.of("id"));

  private BenchmarkRows() {}

  /** Row {@code id} in text form, with feature value {@code f}. */
  public static String[] row(long id, double f) {
    return new String[] {
      Long.toString(id),
      Double.toString(f),
      Double.toString(-f),
      Long.toString(id % 97),
      "label " + id
    };
  }

  /** {@code batchRows} updates of random rows among {@code rows}, with the given position. */
  public static ChangeBatch updates(
      SplittableRandom random, int rows, int batchRows, long position) {
    List<ChangeBatch.Change> changes = new ArrayList<>(batchRows);
    for (int i = 0; i < batchRows; i++) {
      int id = random.nextInt(rows);
      changes.add(
          new ChangeBatch.Row(RowChange.update(TABLE, null, row(id, random.nextDouble()), null)));
    }
    return new ChangeBatch(changes, List.of(new SourceOffset("bench", "", position)));
  }
}
