package io.pgmlfollower.featurestore.online;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
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
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/** The RocksDB online store, on disk in a temporary directory. */
class OnlineStoreIT {
  private static final TableId USERS = new TableId("public", "users");
  private static final TableSpec USERS_SPEC =
      new TableSpec(
          USERS,
          List.of(
              new ColumnSpec("id", "bigint", 20, true),
              new ColumnSpec("name", "text", 25, false),
              new ColumnSpec("bio", "text", 25, false)),
          List.of("id"));
  private static final TableId EVENTS = new TableId("public", "events");
  private static final TableSpec EVENTS_SPEC =
      new TableSpec(EVENTS, List.of(new ColumnSpec("what", "text", 25, false)), List.of());

  @TempDir Path directory;
  private OnlineStore store;

  @BeforeEach
  void open() throws StoreException {
    store = OnlineStore.open(config());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private OnlineStoreConfig config() {
    return new OnlineStoreConfig().path(directory.resolve("online"));
  }

  @Test
  void snapshotThenChangesThenLookups() throws Exception {
    store.ensureTables(List.of(USERS_SPEC, EVENTS_SPEC));
    assertThat(store.tables()).containsExactly(USERS);
    try (SnapshotLoader loader = store.beginSnapshot("src")) {
      try (OutputStream copy = loader.copyIn(USERS_SPEC)) {
        copy.write("1\tada\tlong\\tbio\n2\tgrace\t\\N\n3\tlinus\tx\n".getBytes(UTF_8));
      }
      try (OutputStream copy = loader.copyIn(EVENTS_SPEC)) {
        copy.write("click\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("src", "", 100)));
    }
    assertThat(store.offsets("src")).containsExactly(Map.entry("", 100L));
    assertThat(store.get(USERS, List.of("1")))
        .contains(Map.of("id", "1", "name", "ada", "bio", "long\tbio"));

    BitSet bioUnchanged = new BitSet();
    bioUnchanged.set(2);
    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(USERS, values("4", "barbara", null))),
                // Unchanged TOAST value: kept from the stored row.
                row(RowChange.update(USERS, null, values("1", "ada l.", null), bioUnchanged)),
                // Key change: the old key is gone.
                row(
                    RowChange.update(
                        USERS, values("2", null, null), values("20", "grace", "h"), null)),
                row(RowChange.delete(USERS, values("3", null, null))),
                row(RowChange.insert(EVENTS, new String[] {"view"}))),
            List.of(new SourceOffset("src", "", 200))));

    assertThat(store.offsets("src")).containsExactly(Map.entry("", 200L));
    assertThat(store.get(USERS, List.of("1")).orElseThrow())
        .containsEntry("name", "ada l.")
        .containsEntry("bio", "long\tbio");
    assertThat(store.get(USERS, List.of("2"))).isEmpty();
    assertThat(store.get(USERS, List.of("20")).orElseThrow()).containsEntry("bio", "h");
    assertThat(store.get(USERS, List.of("3"))).isEmpty();
    assertThat(store.get(USERS, List.of("4")).orElseThrow()).containsEntry("bio", null);

    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(USERS, values("5", "in the batch", null))),
                new ChangeBatch.Truncate(List.of(USERS)),
                row(RowChange.insert(USERS, values("6", "after truncate", null)))),
            List.of(new SourceOffset("src", "", 300))));
    assertThat(store.get(USERS, List.of("1"))).isEmpty();
    assertThat(store.get(USERS, List.of("5"))).isEmpty();
    assertThat(store.get(USERS, List.of("6"))).isPresent();
    assertThatThrownBy(() -> store.get(EVENTS, List.of("click")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not in the online store");
  }

  @Test
  void aBatchThatFailsLeavesNeitherRowsNorPosition() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, values("1", "kept", null)))),
            List.of(new SourceOffset("src", "", 10))));

    assertThatThrownBy(
            () ->
                store.apply(
                    new ChangeBatch(
                        List.of(
                            row(RowChange.insert(USERS, values("2", "lost", null))),
                            row(RowChange.update(USERS, null, values("9", "nowhere", null), null))),
                        List.of(new SourceOffset("src", "", 20)))))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.DIVERGED);

    assertThat(store.get(USERS, List.of("2"))).isEmpty();
    assertThat(store.offsets("src")).containsExactly(Map.entry("", 10L));
  }

  @Test
  void reopenedStoreKeepsRowsPositionsAndShapesAcrossSchemaVersions() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, values("1", "old shape", "b")))),
            List.of(new SourceOffset("src", "", 10))));
    TableSpec widened =
        new TableSpec(
            USERS,
            List.of(
                new ColumnSpec("id", "bigint", 20, true),
                new ColumnSpec("name", "text", 25, false),
                new ColumnSpec("score", "double precision", 701, false)),
            List.of("id"));
    store.ensureTables(List.of(widened));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, new String[] {"2", "new shape", "0.5"}))),
            List.of(new SourceOffset("src", "", 20))));
    store.close();

    store = OnlineStore.open(config());

    assertThat(store.spec(USERS)).map(s -> s.columns().size()).contains(3);
    assertThat(store.offsets("src")).containsExactly(Map.entry("", 20L));
    Map<String, String> old = store.get(USERS, List.of("1")).orElseThrow();
    assertThat(old).containsEntry("name", "old shape").containsEntry("score", null);
    assertThat(old).doesNotContainKey("bio");
    assertThat(store.get(USERS, List.of("2")).orElseThrow()).containsEntry("score", "0.5");
    assertThat(store.estimatedRows(USERS)).isPositive();
    assertThat(store.diskBytes()).isPositive();
  }

  @Test
  void tablesCreatedAndReshapedInOneCallKeepTheirOwnRowsAcrossAReopen() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    TableId orders = new TableId("public", "orders");
    TableSpec ordersSpec =
        new TableSpec(
            orders,
            List.of(
                new ColumnSpec("id", "bigint", 20, true),
                new ColumnSpec("total", "text", 25, false)),
            List.of("id"));
    TableSpec items =
        new TableSpec(
            new TableId("public", "items"),
            List.of(new ColumnSpec("sku", "text", 25, true)),
            List.of("sku"));
    TableSpec narrowed =
        new TableSpec(
            USERS,
            List.of(
                new ColumnSpec("id", "bigint", 20, true),
                new ColumnSpec("name", "text", 25, false)),
            List.of("id"));
    // Two tables created, one reshaped, one without a key: one call.
    store.ensureTables(List.of(ordersSpec, narrowed, EVENTS_SPEC, items));
    assertThat(store.tables()).containsExactlyInAnyOrder(USERS, orders, items.id());
    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(USERS, new String[] {"1", "ada"})),
                row(RowChange.insert(orders, new String[] {"1", "9.50"})),
                row(RowChange.insert(items.id(), new String[] {"a-1"}))),
            List.of(new SourceOffset("src", "", 10))));
    store.close();

    store = OnlineStore.open(config());

    assertThat(store.spec(USERS)).map(s -> s.columns().size()).contains(2);
    assertThat(store.get(USERS, List.of("1"))).contains(Map.of("id", "1", "name", "ada"));
    assertThat(store.get(orders, List.of("1"))).contains(Map.of("id", "1", "total", "9.50"));
    assertThat(store.get(items.id(), List.of("a-1"))).contains(Map.of("sku", "a-1"));
    assertThat(store.countRows(orders)).isOne();
  }

  @Test
  void aTableCreatedButNeverDescribedBeforeACrashIsCreatedAgain() throws Exception {
    store.close();
    // What a kill between creating a table's column family and writing its shape leaves behind.
    try (DBOptions options = new DBOptions();
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions()) {
      List<ColumnFamilyDescriptor> existing =
          List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      try (RocksDB db =
          RocksDB.open(options, directory.resolve("online").toString(), existing, handles)) {
        db.createColumnFamily(
                new ColumnFamilyDescriptor("public\u0000users".getBytes(UTF_8), familyOptions))
            .close();
        handles.forEach(ColumnFamilyHandle::close);
      }
    }
    store = OnlineStore.open(config());
    assertThat(store.tables()).isEmpty();

    store.ensureTables(List.of(USERS_SPEC));
    try (SnapshotLoader loader = store.beginSnapshot("src")) {
      try (OutputStream copy = loader.copyIn(USERS_SPEC)) {
        copy.write("1\tada\tbio\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("src", "", 100)));
    }
    assertThat(store.get(USERS, List.of("1")))
        .contains(Map.of("id", "1", "name", "ada", "bio", "bio"));
  }

  @Test
  void lookupWithTheWrongKeyArityIsAnError() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    assertThatThrownBy(() -> store.get(USERS, List.of("1", "2")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("primary key of 1 columns");
    assertThat(store.get(USERS, List.of("404"))).isEqualTo(Optional.empty());
  }

  /**
   * Rows in key order go to SST files that RocksDB ingests; rows too far out of order (more
   * interleaved sequences than {@link SortedRuns#MAX_RUNS}) go through write batches. Either way
   * every row is there after the commit and after a reopen, a second snapshot replaces the first
   * whole, and no file is left behind.
   */
  @Test
  void aSnapshotOfRowsInAndOutOfKeyOrderIsLoadedWhole() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    int sequences = SortedRuns.MAX_RUNS + 4; // the last ones fit no run
    int perSequence = 3_000;
    for (int round = 0; round < 2; round++) {
      try (SnapshotLoader loader = store.beginSnapshot("src")) {
        try (OutputStream copy = loader.copyIn(USERS_SPEC)) {
          // Interleaved like block ranges read side by side, each sequence in key order; the
          // sequences start from the highest, so each new one sorts below every run so far.
          StringBuilder chunk = new StringBuilder();
          for (int i = 0; i < perSequence; i++) {
            for (int sequence = sequences - 1; sequence >= 0; sequence--) {
              long id = (long) sequence * 1_000_000 + i;
              chunk.append(id).append("\tname ").append(id).append('\t').append(round).append('\n');
            }
            if (chunk.length() > 60_000) {
              copy.write(chunk.toString().getBytes(UTF_8));
              chunk.setLength(0);
            }
          }
          copy.write(chunk.toString().getBytes(UTF_8));
        }
        if (round == 0) {
          // The first snapshot holds one more row, which the second must remove.
          try (OutputStream copy = loader.copyIn(USERS_SPEC)) {
            copy.write("42424242\tonly in the first\t0\n".getBytes(UTF_8));
          }
        }
        loader.commit(List.of(new SourceOffset("src", "", 100 + round)));
      }
      assertThat(directory.resolve("online").resolve("snapshot-load"))
          .satisfiesAnyOf(
              path -> assertThat(path).doesNotExist(), path -> assertThat(path).isEmptyDirectory());
    }
    store.close();
    store = OnlineStore.open(config());
    assertThat(store.offsets("src")).containsExactly(Map.entry("", 101L));
    assertThat(store.get(USERS, List.of("42424242"))).isEmpty();
    for (int sequence = 0; sequence < sequences; sequence++) {
      for (int i : new int[] {0, 1, perSequence / 2, perSequence - 1}) {
        long id = (long) sequence * 1_000_000 + i;
        assertThat(store.get(USERS, List.of(Long.toString(id))))
            .as("row %d", id)
            .contains(Map.of("id", Long.toString(id), "name", "name " + id, "bio", "1"));
      }
      assertThat(
              store.get(USERS, List.of(Long.toString((long) sequence * 1_000_000 + perSequence))))
          .isEmpty();
    }
    // The stream applies over ingested rows: an unchanged TOAST value comes from the stored row.
    BitSet bioUnchanged = new BitSet();
    bioUnchanged.set(2);
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.update(USERS, null, values("7", "renamed", null), bioUnchanged))),
            List.of(new SourceOffset("src", "", 200))));
    assertThat(store.get(USERS, List.of("7")))
        .contains(Map.of("id", "7", "name", "renamed", "bio", "1"));
  }

  /**
   * Rows written before a column was added read its missing value (the source's default for older
   * rows); rows written since keep theirs, NULL included; and the shape survives a reopen.
   */
  @Test
  void rowsOlderThanAColumnReadItsMissingValue() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, values("1", "old", "b")))),
            List.of(new SourceOffset("src", "", 10))));
    List<ColumnSpec> columns = new java.util.ArrayList<>(USERS_SPEC.columns());
    columns.add(
        new ColumnSpec(
            "tier", "text", 25, false, Optional.empty(), 4, Optional.of("gold\u0001\tx")));
    TableSpec withTier = new TableSpec(USERS, columns, List.of("id"));
    store.ensureTables(List.of(withTier));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, new String[] {"2", "new", "b", null}))),
            List.of(new SourceOffset("src", "", 20))));

    for (int pass = 0; pass < 2; pass++) {
      assertThat(store.get(USERS, List.of("1")).orElseThrow())
          .containsEntry("tier", "gold\u0001\tx");
      assertThat(store.get(USERS, List.of("2")).orElseThrow()).containsEntry("tier", null);
      store.close();
      store = OnlineStore.open(config());
    }
    // The same spec again is no new version (the missing value is kept with the shape).
    store.ensureTables(List.of(withTier));
    assertThat(store.get(USERS, List.of("1")).orElseThrow()).containsEntry("tier", "gold\u0001\tx");
    // A rewrite on the source forgets it (attmissingval cleared): the rows here still need it.
    List<ColumnSpec> rewritten = new java.util.ArrayList<>(USERS_SPEC.columns());
    rewritten.add(new ColumnSpec("tier", "text", 25, false, Optional.empty(), 4));
    rewritten.add(new ColumnSpec("extra", "int", 23, false));
    store.ensureTables(List.of(new TableSpec(USERS, rewritten, List.of("id"))));
    assertThat(store.get(USERS, List.of("1")).orElseThrow())
        .containsEntry("tier", "gold\u0001\tx")
        .containsEntry("extra", null);
  }

  /**
   * The row cache never answers a row older than the position the writer published after {@code
   * apply} returned (what {@code pgml.predict_by_key_with_lsn} reports), while readers race the
   * writer: hits, misses that read RocksDB while a batch replaces the row, and puts of what they
   * read.
   */
  @Test
  void cachedRowsAreNeverOlderThanThePublishedPosition() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(USERS, values("1", "0", null)))),
            List.of(new SourceOffset("src", "", 0))));
    java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.ConcurrentLinkedQueue<String> stale =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<Thread> readers = new java.util.ArrayList<>();
    for (int r = 0; r < 2; r++) {
      readers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!done.get()) {
                      long position = published.get();
                      try {
                        long seen =
                            Long.parseLong(
                                store.get(USERS, List.of("1")).orElseThrow().get("name"));
                        if (seen < position) {
                          stale.add("read " + seen + " after position " + position);
                        }
                        reads.incrementAndGet();
                      } catch (Throwable e) {
                        stale.add(e.toString());
                      }
                    }
                  }));
    }
    int batches = 3000;
    for (int i = 1; i <= batches; i++) {
      store.apply(
          new ChangeBatch(
              List.of(
                  row(RowChange.update(USERS, null, values("1", Integer.toString(i), null), null))),
              List.of(new SourceOffset("src", "", i))));
      published.set(i);
    }
    done.set(true);
    for (Thread reader : readers) {
      reader.join();
    }
    assertThat(stale).isEmpty();
    assertThat(reads.get()).isGreaterThan(batches);
    assertThat(store.get(USERS, List.of("1")).orElseThrow()).containsEntry("name", "" + batches);
  }

  /** A load given up before its commit leaves no file behind (and no position). */
  @Test
  void anAbandonedSnapshotLeavesNoFiles() throws Exception {
    store.ensureTables(List.of(USERS_SPEC));
    try (SnapshotLoader loader = store.beginSnapshot("src")) {
      OutputStream copy = loader.copyIn(USERS_SPEC);
      copy.write("1\ta\tb\n2\tc\td\n".getBytes(UTF_8));
      // neither closed nor committed
    }
    assertThat(store.offsets("src")).isEmpty();
    assertThat(directory.resolve("online").resolve("snapshot-load"))
        .satisfiesAnyOf(
            path -> assertThat(path).doesNotExist(), path -> assertThat(path).isEmptyDirectory());
  }

  private static ChangeBatch.Row row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  private static String[] values(String... values) {
    return values;
  }
}
