package io.pgmlfollower.featurestore;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
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
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.ForwardingChangeSink;
import io.pgmlfollower.featurestore.spi.RowChange;
import io.pgmlfollower.featurestore.spi.SnapshotLoader;
import io.pgmlfollower.featurestore.spi.SourceOffset;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import io.pgmlfollower.featurestore.spi.TableExporter;
import io.pgmlfollower.featurestore.spi.TableId;
import io.pgmlfollower.featurestore.spi.TableSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void theOnlineStoreLoadsFromTheOfflineOneBehindTheSnapshotAndIsServedOnceLoaded()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream exported = new ByteArrayOutputStream();
    TwoStores stores =
        new TwoStores(
            offline, online, new HeldExport(offline, release, exported, new AtomicInteger()));
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n2\ttwo\n", 100);

    // The snapshot committed with the offline store alone; the online store's table is announced
    // as loading, so that lookups by key go to the offline store.
    assertThat(offline.offsets("src")).containsExactly(Map.entry("", 100L));
    assertThat(online.spec(ITEMS)).as("not served while it loads").isEmpty();
    assertThat(online.tablesLoading()).isOne();

    // The next batch reaches the offline store at once, the online one behind its load.
    ChangeBatch batch =
        new ChangeBatch(
            List.of(
                row(RowChange.update(ITEMS, null, new String[] {"2", "two!"}, null)),
                row(RowChange.insert(ITEMS, new String[] {"3", "three"}))),
            List.of(new SourceOffset("src", "", 200)));
    ExecutorService source = Executors.newFixedThreadPool(2);
    try {
      Future<?> applied =
          source.submit(
              () -> {
                stores.apply(batch);
                return null;
              });
      awaitTrue(() -> offlineRows().contains("2=two!"));
      assertThat(applied).as("waits for the online store's load").isNotDone();
      // A source resuming now (after a network error, say) would read the positions: they wait
      // for the load, which commits the online store's, instead of answering "nothing held".
      Future<Map<String, Long>> positions = source.submit(() -> stores.offsets("src"));
      Thread.sleep(100);
      assertThat(positions).isNotDone();
      release.countDown();
      applied.get(30, TimeUnit.SECONDS);
      assertThat(positions.get(30, TimeUnit.SECONDS).get("")).isIn(100L, 200L);
    } finally {
      source.shutdownNow();
      stores.close();
    }

    // The export was pinned at the snapshot's commit: the batch the offline store applied before
    // the copy ran is not in it (applied twice, the insert would be harmless, the update not seen).
    String copied = exported.toString(ISO_8859_1);
    assertThat(copied).contains("one", "two").doesNotContain("two!", "three");
    assertThat(online.tablesLoading()).isZero();
    assertThat(online.spec(ITEMS)).isPresent();
    assertThat(stores.offsets("src")).containsExactly(Map.entry("", 200L));
    assertThat(online.offsets("src")).containsExactly(Map.entry("", 200L));
    assertBothHold("1=one", "2=two!", "3=three");
  }

  @Test
  void aTableTheOnlineStoreFailedToCreateIsNotCoveredByTheSnapshotsPositions() throws Exception {
    TwoStores stores = new TwoStores(offline, new FailsToShape(online), offline);
    try {
      // Behind the offline store the online store's shapes change in its queue: the failure
      // surfaces later, and the snapshot's load must not commit positions over it.
      stores.ensureTables(List.of(SPEC));
      snapshot(stores, "1\tone\n", 100);
      assertThatThrownBy(
              () ->
                  stores.apply(
                      new ChangeBatch(
                          List.of(row(RowChange.insert(ITEMS, new String[] {"2", "two"}))),
                          List.of(new SourceOffset("src", "", 200)))))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("loads again what it lacks")
          .hasMessageContaining("simulated failure to create a table");
      assertThat(online.offsets("src")).isEmpty();
      assertThat(stores.offsets("src")).as("the source snapshots again").isEmpty();
    } finally {
      stores.close();
    }
  }

  @Test
  void aColumnRetypedDuringTheLoadBehindWaitsForIt() throws Exception {
    TableSpec narrow = spec("counts", "integer:23 integer:23");
    TableSpec wide = spec("counts", "integer:23 bigint:20");
    TableId counts = narrow.id();
    CountDownLatch release = new CountDownLatch(1);
    TwoStores stores = loadingBehind(release);
    ExecutorService source = Executors.newSingleThreadExecutor();
    try {
      stores.ensureTables(List.of(narrow));
      load(stores, Map.of(narrow, "1\t10\n2\t20\n"), 100);
      // The retype rewrites the offline table: done under the load's older view, the load would
      // see the table empty. So it waits for the load.
      Future<?> retyped =
          source.submit(
              () -> {
                stores.ensureTables(List.of(wide));
                return null;
              });
      Thread.sleep(200);
      assertThat(retyped).isNotDone();
      assertThat(offlineType(counts, "c1")).isEqualTo("integer");
      release.countDown();
      retyped.get(30, TimeUnit.SECONDS);
      assertThat(offlineType(counts, "c1")).isEqualTo("bigint");
      assertThat(online.get(counts, List.of("1"))).contains(Map.of("c0", "1", "c1", "10"));
      assertThat(online.get(counts, List.of("2"))).contains(Map.of("c0", "2", "c1", "20"));
      assertThat(online.spec(counts)).map(s -> s.columns().get(1).typeName()).contains("bigint");
    } finally {
      source.shutdownNow();
      stores.close();
    }
  }

  @Test
  void stoppingDuringTheLoadBehindKeepsTheSourcesLastBatchFromTheOnlineStore() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    TwoStores stores = loadingBehind(release);
    ExecutorService source = Executors.newSingleThreadExecutor();
    try {
      stores.ensureTables(List.of(SPEC));
      snapshot(stores, "1\tone\n", 100);
      Future<?> applied =
          source.submit(
              () -> {
                stores.apply(
                    new ChangeBatch(
                        List.of(row(RowChange.insert(ITEMS, new String[] {"2", "two"}))),
                        List.of(new SourceOffset("src", "", 200))));
                return null;
              });
      awaitTrue(() -> offlineRows().contains("2=two"));
      // The follower stops: the load ends at its next row, and the batch waiting behind it fails
      // instead of reaching an online store that lacks the snapshot.
      stores.stopLoads();
      release.countDown();
      assertThatThrownBy(() -> applied.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StoreException.class)
          .hasMessageContaining("loads again what it lacks");
      assertThat(online.offsets("src")).isEmpty();
      assertThat(stores.offsets("src")).as("the next start snapshots again").isEmpty();
    } finally {
      source.shutdownNow();
      stores.close();
    }
  }

  /** Both stores, the online one loading behind the offline one, its copies held until release. */
  private TwoStores loadingBehind(CountDownLatch release) {
    return new TwoStores(
        offline,
        online,
        new HeldExport(offline, release, new ByteArrayOutputStream(), new AtomicInteger()));
  }

  private String offlineType(TableId table, String column) throws Exception {
    try (Connection connection = offline.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                    + table.quoted()
                    + "'::regclass AND attname = '"
                    + column
                    + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void aLoadBehindThatFailsIsReportedAndTheSourceLoadsAgain() throws Exception {
    TwoStores stores =
        new TwoStores(
            offline,
            online,
            new HeldExport(offline, null, new ByteArrayOutputStream(), new AtomicInteger(1)));
    try {
      failedLoadIsReportedAndLoadedAgain(stores);
    } finally {
      stores.close();
    }
  }

  private void failedLoadIsReportedAndLoadedAgain(TwoStores stores) throws Exception {
    stores.ensureTables(List.of(SPEC));
    snapshot(stores, "1\tone\n2\ttwo\n", 100);

    // The failure reaches the source with the next task of the online store, which is not run:
    // the online store holds no position, so the source snapshots again.
    ChangeBatch batch =
        new ChangeBatch(
            List.of(row(RowChange.insert(ITEMS, new String[] {"3", "three"}))),
            List.of(new SourceOffset("src", "", 200)));
    assertThatThrownBy(() -> stores.apply(batch))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreErrorCode.STORE_UNAVAILABLE))
        .hasMessageContaining("loads again what it lacks")
        .hasMessageContaining("simulated failure of the online store's load");
    assertThat(offline.offsets("src")).containsExactly(Map.entry("", 200L));
    assertThat(online.offsets("src")).isEmpty();
    assertThat(stores.offsets("src")).as("where the source resumes: nothing held").isEmpty();
    assertThat(online.spec(ITEMS)).as("its half-loaded table is not served").isEmpty();

    // Reported once: the snapshot taken again loads both.
    snapshot(stores, "1\tone\n2\ttwo\n3\tthree\n", 300);
    awaitTrue(() -> online.offsets("src").equals(Map.of("", 300L)));
    assertThat(online.spec(ITEMS)).isPresent();
    assertBothHold("1=one", "2=two", "3=three");
  }

  @Test
  void anOnlineStoreCopiedFromTheOfflineOneHoldsWhatACopyFromTheSourceGives() throws Exception {
    // Two tables: every column with a binary conversion in the online store (copied back in
    // binary), and one with types it reads as text only (copied back as text, where the session's
    // settings decide how values print).
    TableSpec binary =
        spec(
            "binary_types",
            "int4:23 int2:21 int8:20 bool:16 float4:700 float8:701 numeric:1700 text:25"
                + " bytea:17 date:1082 timestamp:1114 jsonb:3802 json:114 uuid:2950 varchar:1043");
    TableSpec text =
        spec(
            "text_types",
            "int4:23 timestamptz:1184 interval:1186 time:1083 timetz:1266 float8:701 bytea:17"
                + " int4[]:1007 text[]:1009 numeric:1700");
    List<String> binaryValues =
        List.of(
            "1::int4, '-32768'::int2, '-9223372036854775808'::int8, true, '1.17549435e-38'::float4,"
                + " '2.2250738585072014e-308'::float8, 'NaN'::numeric, E'tab\\there \u00fc \\\\N',"
                + " '\\x00ff5c0a'::bytea, '0044-03-15 BC'::date,"
                + " '294276-12-31 23:59:59.999999'::timestamp, '{\"b\": 1, \"a\": [1, 2.50]}'::jsonb,"
                + " '{\"b\": 1,  \"a\": 2}'::json, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,"
                + " 'abc'::varchar",
            "2, 0, 0, false, '-Infinity', '0.1', '-12345678901234567890.123456789', '', ''::bytea,"
                + " '2024-02-29', '2024-03-10 02:30:00.5', 'null', '[]', NULL, NULL");
    List<String> textValues =
        List.of(
            "1, '2024-03-10 02:30:00.123456+05:45'::timestamptz, '-1 days -02:03:04.5'::interval,"
                + " '24:00:00'::time, '23:59:59.999999+14:59'::timetz, '0.1'::float8,"
                + " '\\x5c00'::bytea, '{1,NULL,3}'::int4[],"
                + " '{\"a\\\"b\",NULL,\"with,comma\",\"\"}'::text[], '1.50'::numeric",
            "2, '-infinity', '1 year 2 mons 3 days 04:05:06', '00:00', '00:00+00', '1e300',"
                + " NULL, '{}', '{}', NULL");
    // What the source would send: its COPY text, printed under the settings its snapshot
    // connections set.
    String binaryRows = sourceCopy(binary, binaryValues);
    String textRows = sourceCopy(text, textValues);
    // The offline database's own defaults would print the same values otherwise: the export sets
    // its session as the source's connections do.
    try (Connection connection = offline.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "DO $$ BEGIN EXECUTE format('ALTER DATABASE %1$I SET IntervalStyle = sql_standard;"
              + " ALTER DATABASE %1$I SET extra_float_digits = 0;"
              + " ALTER DATABASE %1$I SET bytea_output = escape', current_database()); END $$");
    }

    try (OnlineStore fromSource =
        OnlineStore.open(new OnlineStoreConfig().path(root.resolve("from-source")))) {
      TwoStores side = new TwoStores(offline, fromSource);
      side.ensureTables(List.of(binary, text));
      load(side, Map.of(binary, binaryRows, text, textRows), 100);

      TwoStores behind = new TwoStores(offline, online, offline);
      behind.ensureTables(List.of(binary, text));
      load(behind, Map.of(binary, binaryRows, text, textRows), 100);
      awaitTrue(() -> online.tablesLoading() == 0);

      for (TableSpec spec : List.of(binary, text)) {
        for (String id : List.of("1", "2")) {
          Map<String, String> expected = fromSource.get(spec.id(), List.of(id)).orElseThrow();
          assertThat(online.get(spec.id(), List.of(id)))
              .as("%s row %s", spec.id(), id)
              .contains(expected);
        }
      }
      behind.close();
      side.close();
    }
  }

  /** Both stores hold exactly these rows of ids 1 to 3, as "id=v". */
  private void assertBothHold(String... rows) throws Exception {
    assertThat(onlineRows("1", "2", "3")).isEqualTo(offlineRows()).containsExactly(rows);
  }

  /** A table keyed by its first column, named c0, c1, ... with "type:oid" columns. */
  private static TableSpec spec(String name, String columns) {
    List<ColumnSpec> specs = new ArrayList<>();
    String[] typed = columns.split(" ");
    for (int i = 0; i < typed.length; i++) {
      String[] parts = typed[i].split(":");
      specs.add(new ColumnSpec("c" + i, parts[0], Integer.parseInt(parts[1]), i == 0));
    }
    return new TableSpec(new TableId("public", name), specs, List.of("c0"));
  }

  /** The rows' COPY text as a source prints it (pgjdbc's session plus the follower's options). */
  private String sourceCopy(TableSpec spec, List<String> rows) throws Exception {
    StringBuilder select = new StringBuilder();
    for (String row : rows) {
      select.append(select.isEmpty() ? "" : " UNION ALL ").append("SELECT ").append(row);
    }
    try (Connection connection = offline.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "SET IntervalStyle = postgres; SET extra_float_digits = 3; SET bytea_output = hex");
      java.io.StringWriter out = new java.io.StringWriter();
      connection
          .unwrap(org.postgresql.PGConnection.class)
          .getCopyAPI()
          .copyOut("COPY (" + select + ") TO STDOUT", out);
      return out.toString();
    }
  }

  private static void load(TwoStores stores, Map<TableSpec, String> rows, long position)
      throws Exception {
    try (SnapshotLoader loader = stores.beginSnapshot("src")) {
      for (Map.Entry<TableSpec, String> table : rows.entrySet()) {
        try (OutputStream copy = loader.copyIn(table.getKey())) {
          copy.write(table.getValue().getBytes(UTF_8));
        }
      }
      loader.commit(List.of(new SourceOffset("src", "", position)));
    }
  }

  /** The initial snapshot of {@code rows} (COPY text) into both stores, at position 100. */
  private static void snapshot(TwoStores stores, String rows) throws Exception {
    snapshot(stores, rows, 100);
  }

  private static void snapshot(TwoStores stores, String rows, long position) throws Exception {
    try (SnapshotLoader loader = stores.beginSnapshot("src")) {
      try (OutputStream copy = loader.copyIn(SPEC)) {
        copy.write(rows.getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("src", "", position)));
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!check.holds()) {
      assertThat(System.nanoTime()).as("waited 30 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /**
   * The offline store's real export, whose copy waits for {@code release} (when given), keeps what
   * it sent in {@code sent}, and, while {@code failures} is positive, fails the receiving end of a
   * copy after its first row (pgjdbc then cancels the COPY on the server).
   */
  private record HeldExport(
      OfflineStore store,
      CountDownLatch release,
      ByteArrayOutputStream sent,
      AtomicInteger failures)
      implements TableExporter {
    @Override
    public TableExport exportTables() throws StoreException {
      TableExport export = store.exportTables();
      return new TableExport() {
        @Override
        public void pin() throws StoreException {
          export.pin();
        }

        @Override
        public void copyOut(TableSpec table, CopyFormat format, OutputStream out)
            throws StoreException {
          try {
            if (release != null && !release.await(30, TimeUnit.SECONDS)) {
              throw new StoreException(StoreErrorCode.INTERNAL, "never released");
            }
          } catch (InterruptedException e) {
            throw new StoreException(StoreErrorCode.INTERNAL, "interrupted", e);
          }
          boolean failing = failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
          export.copyOut(
              table,
              format,
              new OutputStream() {
                private int writes;

                @Override
                public void write(int b) throws IOException {
                  write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                  if (failing && ++writes > 1) {
                    throw new IOException("simulated failure of the online store's load");
                  }
                  sent.write(bytes, offset, length);
                  out.write(bytes, offset, length);
                }
              });
        }

        @Override
        public long rowsCopied() {
          return export.rowsCopied();
        }

        @Override
        public void close() throws StoreException {
          export.close();
        }
      };
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

  /** The real online store, except that creating or reshaping tables fails. */
  private static final class FailsToShape extends ForwardingChangeSink {
    FailsToShape(ChangeSink store) {
      super(store);
    }

    @Override
    public void ensureTables(List<TableSpec> tables) throws StoreException {
      throw new StoreException(
          StoreErrorCode.STORE_UNAVAILABLE, "simulated failure to create a table");
    }
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
