package io.pgmlfollower.featurestore.offline;

import static io.pgmlfollower.featurestore.BenchmarkRows.SPEC;
import static io.pgmlfollower.featurestore.BenchmarkRows.row;

import io.pgmlfollower.featurestore.BenchmarkRows;
import io.pgmlfollower.featurestore.TestFiles;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The offline store's apply path against its real embedded PostgreSQL: batches of updates to random
 * rows of the same table as {@code OnlineStoreBenchmark}, each batch one local transaction with its
 * position, fsync on (the follower's default). rows/s = ops/s × batch size; compare with the online
 * store's figure from the same run ({@code bench/online} runs both). Not a test.
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class OfflineStoreBenchmark {
  @Param({"1000000"})
  public int rows;

  @Param({"1000"})
  public int batchRows;

  private Path directory;
  private OfflineStore store;
  private SplittableRandom random;
  private long position = 2;

  @Setup(Level.Trial)
  public void load() throws IOException, StoreException {
    directory = TestFiles.traversableTempDirectory("offline-store-bench-");
    store =
        OfflineStore.open(
            new OfflineStoreConfig().storePath(directory.resolve("store")).database("bench"));
    store.ensureTables(List.of(SPEC));
    try (SnapshotLoader loader = store.beginSnapshot("bench")) {
      try (OutputStream copy = loader.copyIn(SPEC)) {
        StringBuilder rowsText = new StringBuilder();
        for (int id = 0; id < rows; id++) {
          rowsText.append(String.join("\t", row(id, id * 0.5))).append('\n');
          if (rowsText.length() > 1 << 16) {
            copy.write(rowsText.toString().getBytes(StandardCharsets.UTF_8));
            rowsText.setLength(0);
          }
        }
        copy.write(rowsText.toString().getBytes(StandardCharsets.UTF_8));
      }
      loader.commit(List.of(new SourceOffset("bench", "", 1)));
    }
    random = new SplittableRandom(42);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException, StoreException {
    store.close();
    TestFiles.deleteTree(directory);
  }

  /** A batch of updates to random rows, one local transaction with its position. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void applyBatchOfUpdates() throws StoreException {
    store.apply(BenchmarkRows.updates(random, rows, batchRows, position++));
  }
}
