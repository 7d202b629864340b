package io.pgmlfollower.featurestore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.offline.OfflineStoreConfig;
import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.OnlineStoreConfig;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ChangeSink;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The offline (embedded PostgreSQL) and online (RocksDB) stores behind one sink: a failure between
 * the two stores' commits leaves the online one behind, the source resumes from the lower position,
 * the offline store skips what it holds, and both end with the same rows.
 */
class TwoStoresIT {
  private static final TableId ITEMS = new TableId("public", "items");
  private static final TableSpec SPEC =
      new TableSpec(
          ITEMS,
          List.of(
              new ColumnSpec("id", "integer", 23, true), new ColumnSpec("v", "text", 25, false)),
          List.of("id"));

  private Path root;
  private OfflineStore offline;
  private OnlineStore online;

  @BeforeEach
  void open() throws Exception {
    root = TestFiles.traversableTempDirectory("two-stores-it-");
    offline =
        OfflineStore.open(
            new OfflineStoreConfig().storePath(root.resolve("store")).database("app").fsync(false));
    online = OnlineStore.open(new OnlineStoreConfig().path(root.resolve("online")));
  }

  @AfterEach
  void close() throws Exception {
    online.close();
    offline.close();
    TestFiles.deleteTree(root);
  }

  @Test
  void aFailureBetweenTheStoresIsRepairedByResumingFromTheLowerPosition() throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n2\ttwo\n3\tthree\n");
    assertThat(stores.offsets("src")).containsExactly(Map.entry("", 100L));

    // The offline store commits the batch, then the process "dies" before the online one does.
    ChangeBatch batch =
        new ChangeBatch(
            List.of(
                row(RowChange.delete(ITEMS, new String[] {"2", null})),
                row(RowChange.update(ITEMS, null, new String[] {"3", "three!"}, null)),
                row(RowChange.insert(ITEMS, new String[] {"4", "four"}))),
            List.of(new SourceOffset("src", "", 200)));
    TwoStores crashing = new TwoStores(offline, new FailsToApply(online));
    crashing.offsets("src");
    assertThatThrownBy(() -> crashing.apply(batch)).isInstanceOf(StoreException.class);
    assertThat(offline.offsets("src")).containsExactly(Map.entry("", 200L));
    assertThat(online.offsets("src")).containsExactly(Map.entry("", 100L));

    // Restart: the source resumes from the lower position and sends the batch again. Applied to
    // the offline store twice, its DELETE would find no row and fail as a divergence.
    TwoStores restarted = new TwoStores(offline, online);
    assertThat(restarted.offsets("src")).containsExactly(Map.entry("", 100L));
    restarted.apply(batch);

    assertThat(restarted.offsets("src")).containsExactly(Map.entry("", 200L));
    List<String> offlineRows = offlineRows();
    assertThat(offlineRows).containsExactly("1=one", "3=three!", "4=four");
    assertThat(onlineRows("1", "2", "3", "4")).isEqualTo(offlineRows);
  }

  @Test
  void theResumeDataOfTheStoreBehindIsWhatTheSourceResumesFrom() throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n");
    stores.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(ITEMS, new String[] {"2", "two"}))),
            List.of(new SourceOffset("src", "", 150, "offset at 150 \u00e9"))));
    // Each store keeps the resume data with its position, in the same local transaction.
    assertThat(offline.positions("src").get("").resume()).isEqualTo("offset at 150 \u00e9");
    assertThat(online.positions("src").get("").resume()).isEqualTo("offset at 150 \u00e9");

    // The online store misses the next batch: the source must resume from its position and data.
    TwoStores crashing = new TwoStores(offline, new FailsToApply(online));
    crashing.offsets("src");
    assertThatThrownBy(
            () ->
                crashing.apply(
                    new ChangeBatch(
                        List.of(row(RowChange.insert(ITEMS, new String[] {"3", "three"}))),
                        List.of(new SourceOffset("src", "", 200, "offset at 200")))))
        .isInstanceOf(StoreException.class);
    TwoStores restarted = new TwoStores(offline, online);
    assertThat(restarted.positions("src"))
        .containsExactly(Map.entry("", new SourceOffset("src", "", 150, "offset at 150 \u00e9")));
    // Positions without resume data read back without it.
    stores.apply(new ChangeBatch(List.of(), List.of(new SourceOffset("src", "", 300))));
    assertThat(restarted.positions("src").get("").resume()).isNull();
  }

  @Test
  void aBatchGroupedAnewAfterARestartAppliesOnlyTheTransactionsEachStoreLacks() throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n2\ttwo\n3\tthree\n");
    // Transaction A (commit record at 150, ends at 160) reached the offline store only.
    List<ChangeBatch.Change> a =
        List.of(
            row(RowChange.delete(ITEMS, new String[] {"2", null})),
            row(RowChange.insert(ITEMS, new String[] {"4", "four"})));
    TwoStores crashing = new TwoStores(offline, new FailsToApply(online));
    crashing.offsets("src");
    assertThatThrownBy(
            () ->
                crashing.apply(
                    new ChangeBatch(
                        a,
                        List.of(new SourceOffset("src", "", 160)),
                        List.of(new ChangeBatch.Committed(2, 150)))))
        .isInstanceOf(StoreException.class);

    // After the restart the source resends A from the lower position, grouped with B (commit at
    // 250, ends at 260) into one batch: the offline store must apply B only (A's DELETE again would
    // find no row), the online store both.
    List<ChangeBatch.Change> ab = new ArrayList<>(a);
    ab.add(new ChangeBatch.Message("marker", new byte[] {1}, 155, false));
    ab.add(row(RowChange.delete(ITEMS, new String[] {"4", null})));
    ab.add(row(RowChange.update(ITEMS, null, new String[] {"3", "three!"}, null)));
    TwoStores restarted = new TwoStores(offline, online);
    assertThat(restarted.offsets("src")).containsExactly(Map.entry("", 100L));
    restarted.apply(
        new ChangeBatch(
            ab,
            List.of(new SourceOffset("src", "", 260)),
            List.of(new ChangeBatch.Committed(2, 150), new ChangeBatch.Committed(5, 250))));

    assertThat(restarted.offsets("src")).containsExactly(Map.entry("", 260L));
    List<String> offlineRows = offlineRows();
    assertThat(offlineRows).containsExactly("1=one", "3=three!");
    assertThat(onlineRows("1", "2", "3", "4")).isEqualTo(offlineRows);
  }

  @Test
  void whenTheOfflineStoreFailsTheOnlineOneMayBeAheadAndTheRestartRepairsIt() throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n2\ttwo\n");
    ChangeBatch batch =
        new ChangeBatch(
            List.of(
                row(RowChange.delete(ITEMS, new String[] {"1", null})),
                row(RowChange.insert(ITEMS, new String[] {"3", "three"}))),
            List.of(new SourceOffset("src", "", 200)),
            List.of(new ChangeBatch.Committed(2, 190)));
    // The stores apply side by side: the offline one fails, the online one commits.
    TwoStores crashing = new TwoStores(new FailsToApply(offline), online);
    crashing.offsets("src");
    assertThatThrownBy(() -> crashing.apply(batch))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("simulated crash");
    assertThat(offline.offsets("src")).containsExactly(Map.entry("", 100L));
    assertThat(online.offsets("src")).containsExactly(Map.entry("", 200L));

    TwoStores restarted = new TwoStores(offline, online);
    assertThat(restarted.offsets("src")).containsExactly(Map.entry("", 100L));
    restarted.apply(batch);

    assertThat(offline.offsets("src")).containsExactly(Map.entry("", 200L));
    List<String> offlineRows = offlineRows();
    assertThat(offlineRows).containsExactly("2=two", "3=three");
    assertThat(onlineRows("1", "2", "3")).isEqualTo(offlineRows);
  }

  @Test
  void onlyTransactionsCommittedBeforeThePositionAreCut() {
    ChangeBatch.Change one = row(RowChange.insert(ITEMS, new String[] {"1", "a"}));
    ChangeBatch.Change two = row(RowChange.insert(ITEMS, new String[] {"2", "b"}));
    ChangeBatch.Change message = new ChangeBatch.Message("m", new byte[0], 15, false);
    ChangeBatch.Change three = row(RowChange.insert(ITEMS, new String[] {"3", "c"}));
    ChangeBatch batch =
        new ChangeBatch(
            List.of(one, two, message, three),
            List.of(new SourceOffset("src", "", 40)),
            List.of(
                new ChangeBatch.Committed(1, 10),
                new ChangeBatch.Committed(2, 20),
                new ChangeBatch.Committed(4, 30)));

    assertThat(TwoStores.withoutTransactionsBefore(batch, 10)).isSameAs(batch);
    ChangeBatch cut = TwoStores.withoutTransactionsBefore(batch, 21);
    assertThat(cut.changes()).containsExactly(message, three);
    assertThat(cut.transactions()).containsExactly(new ChangeBatch.Committed(2, 30));
    assertThat(cut.offsets()).isEqualTo(batch.offsets());
    assertThat(TwoStores.withoutTransactionsBefore(batch, 11).changes())
        .containsExactly(two, message, three);
  }

  /** The initial snapshot of {@code rows} (COPY text) into both stores, at position 100. */
  /**
   * The same repair per Kafka partition: each record's change is marked with its offset, and a
   * store that holds the partition up to an offset skips the records before it.
   */
  @Test
  void aKafkaPartitionReplayedFromTheLowerOffsetAppliesOnlyTheRecordsEachStoreLacks()
      throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    stores.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(ITEMS, new String[] {"1", "one"})),
                row(RowChange.insert(ITEMS, new String[] {"2", "two"}))),
            List.of(new SourceOffset("k", "app.public.items/0", 2)),
            List.of(new ChangeBatch.Committed(1, 0), new ChangeBatch.Committed(2, 1))));
    // Records 2 and 3 reached the offline store only.
    List<ChangeBatch.Change> first =
        List.of(
            row(RowChange.delete(ITEMS, new String[] {"2", null})),
            row(RowChange.insert(ITEMS, new String[] {"3", "three"})));
    TwoStores crashing = new TwoStores(offline, new FailsToApply(online));
    crashing.offsets("k");
    assertThatThrownBy(
            () ->
                crashing.apply(
                    new ChangeBatch(
                        first,
                        List.of(new SourceOffset("k", "app.public.items/0", 4)),
                        List.of(new ChangeBatch.Committed(1, 2), new ChangeBatch.Committed(2, 3)))))
        .isInstanceOf(StoreException.class);

    // The consumer seeks to the lower offset (2) and polls records 2 to 5 as one batch: the
    // offline store applies 4 and 5 only (the DELETE of 2 again would find no row).
    TwoStores restarted = new TwoStores(offline, online);
    assertThat(restarted.offsets("k")).containsExactly(Map.entry("app.public.items/0", 2L));
    List<ChangeBatch.Change> all = new ArrayList<>(first);
    all.add(row(RowChange.delete(ITEMS, new String[] {"3", null})));
    all.add(row(RowChange.insert(ITEMS, new String[] {"1", "one!"})));
    restarted.apply(
        new ChangeBatch(
            all,
            List.of(new SourceOffset("k", "app.public.items/0", 6)),
            List.of(
                new ChangeBatch.Committed(1, 2),
                new ChangeBatch.Committed(2, 3),
                new ChangeBatch.Committed(3, 4),
                new ChangeBatch.Committed(4, 5))));

    assertThat(restarted.offsets("k")).containsExactly(Map.entry("app.public.items/0", 6L));
    assertThat(offlineRows()).containsExactly("1=one!");
    assertThat(onlineRows("1", "2", "3")).containsExactly("1=one!");
  }

  private static void snapshot(TwoStores stores, String rows) throws Exception {
    try (SnapshotLoader loader = stores.beginSnapshot("src")) {
      try (OutputStream copy = loader.copyIn(SPEC)) {
        copy.write(rows.getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("src", "", 100)));
    }
  }

  /** The online store's rows with these ids, as "id=v", in the order given. */
  private List<String> onlineRows(String... ids) throws Exception {
    List<String> rows = new ArrayList<>();
    for (String id : ids) {
      online.get(ITEMS, List.of(id)).ifPresent(r -> rows.add(r.get("id") + "=" + r.get("v")));
    }
    return rows;
  }

  private List<String> offlineRows() throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = offline.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT id || '=' || v FROM items ORDER BY id")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static ChangeBatch.Row row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  /** The real online store, except that applying a batch fails before it writes anything. */
  private static final class FailsToApply extends ForwardingChangeSink {
    FailsToApply(ChangeSink store) {
      super(store);
    }

    @Override
    public void apply(ChangeBatch batch) throws StoreException {
      throw new StoreException(StoreErrorCode.STORE_UNAVAILABLE, "simulated crash");
    }
  }
}
