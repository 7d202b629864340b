package io.pgmlfollower.featurestore.online;

import static io.pgmlfollower.featurestore.BenchmarkRows.SPEC;
import static io.pgmlfollower.featurestore.BenchmarkRows.TABLE;
import static io.pgmlfollower.featurestore.BenchmarkRows.row;

import io.pgmlfollower.featurestore.BenchmarkRows;
import io.pgmlfollower.featurestore.TestFiles;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The online store's hot paths, in process: a lookup by primary key (the {@code
 * pgml.predict_by_key} path; SampleTime gives p50/p99), and applying batches of row changes with
 * the synced WAL (rows/s = ops/s × batch size). Run with {@code bench/online}; figures in
 * docs/benchmarks.md. Not a test: no assertion, no timing goal in CI.
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class OnlineStoreBenchmark {
  @Param({"1000000"})
  public int rows;

  @Param({"1000"})
  public int batchRows;

  /** The block cache (the follower's default is 64 MiB). */
  @Param({"64"})
  public int blockCacheMb;

  /**
   * The heap row cache (the follower's default is 64 MiB): 0 measures RocksDB's own lookup; 64
   * holds part of a million rows, so random keys mix hits and misses.
   */
  @Param({"0", "64"})
  public int rowCacheMb;

  private Path directory;
  private OnlineStore store;
  private SplittableRandom random;
  private long position = 1;

  @Setup(Level.Trial)
  public void load() throws IOException, StoreException {
    directory = Files.createTempDirectory("online-store-bench-");
    store =
        OnlineStore.open(
            new OnlineStoreConfig()
                .path(directory)
                .blockCacheBytes((long) blockCacheMb << 20)
                .rowCacheBytes((long) rowCacheMb << 20));
    store.ensureTables(List.of(SPEC));
    for (int from = 0; from < rows; from += 10_000) {
      List<ChangeBatch.Change> changes = new ArrayList<>();
      for (int id = from; id < Math.min(rows, from + 10_000); id++) {
        changes.add(new ChangeBatch.Row(RowChange.insert(TABLE, row(id, id * 0.5))));
      }
      store.apply(new ChangeBatch(changes, List.of(new SourceOffset("bench", "", position++))));
    }
    random = new SplittableRandom(42);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    TestFiles.deleteTree(directory);
  }

  /** One lookup of a random existing key. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Optional<Map<String, String>> getByKey() throws StoreException {
    return store.get(TABLE, List.of(Long.toString(random.nextInt(rows))));
  }

  /** A batch of updates to random rows, durable (synced WAL) with its position. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void applyBatchOfUpdates() throws StoreException {
    store.apply(BenchmarkRows.updates(random, rows, batchRows, position++));
  }
}
