package io.pgmlfollower.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoreSpaceGuardTest {
  private static final long MIB = 1 << 20;
  private static final TableId TABLE = new TableId("public", "t");
  private static final TableSpec SPEC =
      new TableSpec(TABLE, List.of(new ColumnSpec("id", "bigint", 20, true)), List.of("id"));
  private static final ChangeBatch BATCH =
      new ChangeBatch(
          List.of(new ChangeBatch.Row(RowChange.insert(TABLE, new String[] {"1"}))),
          List.of(new SourceOffset("src", "", 42)));
  private static final ChangeBatch POSITION_ONLY =
      new ChangeBatch(List.of(), List.of(new SourceOffset("src", "", 43)));

  private final List<ChangeBatch> applied = new ArrayList<>();
  private final List<TableId> copies = new ArrayList<>();
  private final AtomicLong free = new AtomicLong(1024 * MIB);
  private final StoreSpaceGuard guard =
      new StoreSpaceGuard(new Recording(), Path.of("/var/lib/pgml"), free::get, 256 * MIB);

  @Test
  void aBatchIsRefusedUnappliedWhileTheVolumeIsUnderTheMinimumAndGoesThroughOnceSpaceIsBack()
      throws Exception {
    guard.apply(BATCH);
    assertThat(applied).hasSize(1);

    free.set(100 * MIB);
    assertThatThrownBy(() -> guard.apply(BATCH))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "cannot apply changes: store.path /var/lib/pgml has 100 MiB free, under"
                + " store.min-free-mb (256); free space or grow the volume")
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.DISK_FULL);
    assertThatThrownBy(() -> guard.beginSnapshot("src"))
        .hasMessageStartingWith(
            "cannot copy a snapshot: store.path /var/lib/pgml has 100 MiB free");
    assertThatThrownBy(() -> guard.ensureTables(List.of(SPEC)))
        .hasMessageStartingWith("cannot change the tables' shapes");
    assertThat(applied).as("nothing reached the stores").hasSize(1);
    assertThat(guard.paused()).isTrue();
    // A batch that only moves the position writes one row: an idle source's slot still advances.
    guard.apply(POSITION_ONLY);
    assertThat(applied).hasSize(2);

    free.set(300 * MIB);
    guard.apply(BATCH);
    assertThat(applied).hasSize(3);
    assertThat(guard.paused()).isFalse();
  }

  @Test
  void eachTableOfASnapshotIsCheckedAndTheLoadersFormatKept() throws Exception {
    SnapshotLoader loader = guard.beginSnapshot("src");
    assertThat(loader.formatFor(SPEC)).isEqualTo(CopyFormat.BINARY);
    loader.copyIn(SPEC, CopyFormat.BINARY).close();
    free.set(10 * MIB);
    assertThatThrownBy(() -> loader.copyIn(SPEC, CopyFormat.BINARY))
        .hasMessageStartingWith("cannot copy public.t: store.path /var/lib/pgml has 10 MiB free")
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.DISK_FULL);
    assertThat(copies).containsExactly(TABLE);
  }

  @Test
  void zeroTurnsTheGuardOff() throws Exception {
    StoreSpaceGuard off = new StoreSpaceGuard(new Recording(), Path.of("/x"), () -> 0, 0);
    off.apply(BATCH);
    assertThat(applied).hasSize(1);
    assertThatThrownBy(() -> new StoreSpaceGuard(new Recording(), Path.of("/x"), () -> 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnreadableVolumeIsAnUnavailableStore() {
    StoreSpaceGuard unreadable =
        new StoreSpaceGuard(
            new Recording(),
            Path.of("/gone"),
            () -> {
              throw new java.io.IOException("no such file");
            },
            MIB);
    assertThatThrownBy(() -> unreadable.apply(BATCH))
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.STORE_UNAVAILABLE);
  }

  private final class Recording implements ChangeSink {
    @Override
    public Map<String, Long> offsets(String source) {
      return Map.of();
    }

    @Override
    public Map<String, SourceOffset> positions(String source) {
      return Map.of();
    }

    @Override
    public void ensureTables(List<TableSpec> tables) {}

    @Override
    public SnapshotLoader beginSnapshot(String source) {
      return new SnapshotLoader() {
        @Override
        public CopyFormat formatFor(TableSpec table) {
          return CopyFormat.BINARY;
        }

        @Override
        public OutputStream copyIn(TableSpec table, CopyFormat format) {
          copies.add(table.id());
          return OutputStream.nullOutputStream();
        }

        @Override
        public void commit(List<SourceOffset> offsets) {}

        @Override
        public void close() {}
      };
    }

    @Override
    public void apply(ChangeBatch batch) {
      applied.add(batch);
    }
  }
}
