package io.pgmlfollower.replicator.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TableCopyTest {
  private static final TableSpec SPEC =
      new TableSpec(
          new TableId("public", "T"),
          List.of(
              new ColumnSpec("id", "integer", 23, true, Optional.empty()),
              new ColumnSpec("v", "text", 25, false, Optional.empty())),
          List.of("id"));

  @Test
  void smallTablesAreReadWhole() {
    assertThat(TableCopy.rangeSelects(SPEC, CopyFormat.TEXT, 7000, 4, 4096))
        .containsExactly("COPY (SELECT \"id\", \"v\" FROM ONLY \"public\".\"T\") TO STDOUT");
  }

  @Test
  void largeTablesSplitIntoContiguousRangesTheLastOneOpenEnded() {
    assertThat(TableCopy.rangeSelects(SPEC, CopyFormat.BINARY, 10_000, 3, 1000))
        .containsExactly(
            "COPY (SELECT \"id\", \"v\" FROM ONLY \"public\".\"T\" WHERE ctid >= '(0,0)'::tid"
                + " AND ctid < '(3333,0)'::tid) TO STDOUT (FORMAT binary)",
            "COPY (SELECT \"id\", \"v\" FROM ONLY \"public\".\"T\" WHERE ctid >= '(3333,0)'::tid"
                + " AND ctid < '(6666,0)'::tid) TO STDOUT (FORMAT binary)",
            "COPY (SELECT \"id\", \"v\" FROM ONLY \"public\".\"T\" WHERE ctid >= '(6666,0)'::tid)"
                + " TO STDOUT (FORMAT binary)");
  }

  @Test
  void rangesNeverGetSmallerThanTheMinimum() {
    assertThat(TableCopy.rangeSelects(SPEC, CopyFormat.TEXT, 2500, 8, 1000)).hasSize(2);
  }
}
