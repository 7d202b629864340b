package io.pgmlfollower.featurestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StoreSpaceGuardTest {
  private static final long MIB = 1 << 20;
  private static final ChangeBatch BATCH =
      new ChangeBatch(List.of(), List.of(new SourceOffset("src", "", 42)));

  private final List<ChangeBatch> applied = new ArrayList<>();
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
    assertThat(applied).as("nothing reached the stores").hasSize(1);
    assertThat(guard.paused()).isTrue();

    free.set(300 * MIB);
    guard.apply(BATCH);
    assertThat(applied).hasSize(2);
    assertThat(guard.paused()).isFalse();
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
      throw new UnsupportedOperationException("not in this test");
    }

    @Override
    public void apply(ChangeBatch batch) {
      applied.add(batch);
    }
  }
}
