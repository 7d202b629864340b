package io.pgmlfollower.featurestore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.featurestore.offline.OfflineStoreConfig;
import io.pgmlfollower.featurestore.online.OnlineStore;
import io.pgmlfollower.featurestore.online.OnlineStoreConfig;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
    // Mode 0755: under root the embedded server runs as another OS user.
    root =
        Files.createTempDirectory(
            "two-stores-it-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    offline =
        OfflineStore.open(
            new OfflineStoreConfig().storePath(root.resolve("store")).database("app").fsync(false));
    online = OnlineStore.open(new OnlineStoreConfig().path(root.resolve("online")));
  }

  @AfterEach
  void close() throws Exception {
    online.close();
    offline.close();
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aFailureBetweenTheStoresIsRepairedByResumingFromTheLowerPosition() throws Exception {
    TwoStores stores = new TwoStores(offline, online);
    stores.ensureTables(List.of(SPEC));
    try (SnapshotLoader loader = stores.beginSnapshot("src")) {
      try (OutputStream copy = loader.copyIn(SPEC)) {
        copy.write("1\tone\n2\ttwo\n3\tthree\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("src", "", 100)));
    }
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
    List<String> onlineRows = new ArrayList<>();
    for (String id : List.of("1", "2", "3", "4")) {
      online.get(ITEMS, List.of(id)).ifPresent(r -> onlineRows.add(r.get("id") + "=" + r.get("v")));
    }
    assertThat(onlineRows).isEqualTo(offlineRows);
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
    FailsToApply(OnlineStore store) {
      super(store);
    }

    @Override
    public void apply(ChangeBatch batch) throws StoreException {
      throw new StoreException(StoreErrorCode.STORE_UNAVAILABLE, "simulated crash");
    }
  }
}
