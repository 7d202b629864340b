package io.pgmlfollower.featurestore.offline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.TestFiles;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgres;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgresOptions;
import io.pgmlfollower.featurestore.spi.ChangeBatch;
import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.EnumType;
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
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OfflineStoreIT {
  private static final TableId USERS = new TableId("public", "users");
  private static final TableSpec USERS_SPEC =
      new TableSpec(
          USERS,
          List.of(
              new ColumnSpec("id", "integer", 23, true),
              new ColumnSpec("name", "text", 25, false),
              new ColumnSpec("score", "numeric(10,2)", 1700, false),
              new ColumnSpec("tags", "text[]", 1009, false),
              new ColumnSpec("created", "timestamp with time zone", 1184, false)),
          List.of("id"));
  private static final TableId EVENTS = new TableId("sales", "Events");
  private static final TableSpec EVENTS_SPEC =
      new TableSpec(
          EVENTS,
          List.of(
              new ColumnSpec("kind", "text", 25, false), new ColumnSpec("n", "integer", 23, false)),
          List.of());

  /** A key (id), a row identity other than the key (code), a value. */
  private static final List<ColumnSpec> CODED_COLUMNS =
      List.of(
          new ColumnSpec("id", "integer", 23, true),
          new ColumnSpec("code", "text", 25, true),
          new ColumnSpec("v", "text", 25, false));

  private static Path root;
  private static OfflineStore store;

  @BeforeAll
  static void open() throws Exception {
    root = TestFiles.traversableTempDirectory("offline-store-it-");
    store = OfflineStore.open(embeddedConfig(root.resolve("store")));
    store.ensureTables(List.of(USERS_SPEC, EVENTS_SPEC));
  }

  @AfterAll
  static void close() throws Exception {
    if (store != null) {
      store.close();
    }
    TestFiles.deleteTree(root);
  }

  static OfflineStoreConfig embeddedConfig(Path storePath) {
    return new OfflineStoreConfig().storePath(storePath).database("app").fsync(false);
  }

  @Test
  void tablesOfBuiltInTypesLoadFromBinaryCopyOthersFromText() throws Exception {
    TableId table = new TableId("public", "binary_load");
    TableSpec spec =
        new TableSpec(
            table,
            List.of(
                new ColumnSpec("id", "integer", 23, true),
                new ColumnSpec("x", "double precision", 701, false),
                new ColumnSpec("name", "text", 25, false)),
            List.of("id"));
    store.ensureTables(List.of(spec));
    java.nio.ByteBuffer copy = java.nio.ByteBuffer.allocate(128);
    copy.put(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0})
        .putInt(0)
        .putInt(0);
    copy.putShort((short) 3)
        .putInt(4)
        .putInt(7)
        .putInt(8)
        .putDouble(2.5)
        .putInt(3)
        .put("ada".getBytes(UTF_8));
    copy.putShort((short) 3).putInt(4).putInt(8).putInt(-1).putInt(0);
    copy.putShort((short) -1);
    try (SnapshotLoader loader = store.beginSnapshot("binary-load")) {
      // USERS_SPEC has a text[] column: an array's binary form names its element type's OID.
      assertThat(loader.formatFor(USERS_SPEC)).isEqualTo(CopyFormat.TEXT);
      assertThat(loader.formatFor(spec)).isEqualTo(CopyFormat.BINARY);
      try (OutputStream out = loader.copyIn(spec, CopyFormat.BINARY)) {
        out.write(copy.array(), 0, copy.position());
      }
      loader.commit(List.of(new SourceOffset("binary-load", "", 7)));
    }
    assertThat(rows("SELECT id, x, name FROM binary_load ORDER BY id"))
        .containsExactly("7|2.5|ada", "8|null|");
  }

  @Test
  void theEmbeddedServerBuildsSnapshotIndexesInParallelOnlyWhereCoresAreSpare() throws Exception {
    assertThat(OfflineServer.maintenanceWorkers(1)).isZero();
    assertThat(OfflineServer.maintenanceWorkers(2)).isZero();
    assertThat(OfflineServer.maintenanceWorkers(4)).isEqualTo(2);
    assertThat(rows("SHOW max_parallel_maintenance_workers"))
        .containsExactly(
            Integer.toString(
                OfflineServer.maintenanceWorkers(Runtime.getRuntime().availableProcessors())));
  }

  @Test
  void theEmbeddedServersBackendsAskMallocForHugePagesUnlessTheOperatorSetGlibcTunables()
      throws Exception {
    assertThat(OfflineServer.mallocEnvironment(Map.of()))
        .containsExactly(Map.entry("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1"));
    assertThat(
            OfflineServer.mallocEnvironment(
                Map.of("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0", "PATH", "/usr/bin")))
        .isEmpty();
    assertThat(
            OfflineServer.mallocEnvironment(Map.of("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")))
        .containsExactly(
            Map.entry("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
    // The running store's postmaster has it in its environment, and hands it to every backend.
    // (A backend's own /proc environ may be overwritten by its process title.)
    Path pidFile =
        root.resolve("store").resolve("offline").resolve("pgdata").resolve("postmaster.pid");
    String pid = java.nio.file.Files.readAllLines(pidFile).getFirst().strip();
    byte[] bytes = java.nio.file.Files.readAllBytes(Path.of("/proc", pid, "environ"));
    List<String> environment = List.of(new String(bytes, UTF_8).split("\0"));
    String expected =
        OfflineServer.mallocEnvironment(System.getenv())
            .getOrDefault("GLIBC_TUNABLES", System.getenv("GLIBC_TUNABLES"));
    assertThat(environment).contains("GLIBC_TUNABLES=" + expected);
  }

  @Test
  void tablesCreatedTogetherGetTheirTypesCommentsAndGuards() throws Exception {
    // Two new tables in a new schema, in one call: the types asked about once (numeric is seen
    // again in the second table), a type the store does not know stored as text, each column's
    // source attnum in its comment, and both read-only triggers on each table.
    TableId first = new TableId("shaped", "first");
    TableId second = new TableId("shaped", "second");
    store.ensureTables(
        List.of(
            new TableSpec(
                first,
                List.of(
                    new ColumnSpec("id", "integer", 23, true, Optional.empty(), 1),
                    new ColumnSpec(
                        "point", "public.no_such_type", 99999, false, Optional.empty(), 2),
                    new ColumnSpec("price", "numeric(10,2)", 1700, false, Optional.empty(), 4)),
                List.of("id")),
            new TableSpec(
                second,
                List.of(
                    new ColumnSpec("price", "numeric(10,2)", 1700, false, Optional.empty(), 1),
                    new ColumnSpec("points", "no_such_type[]", 99998, false, Optional.empty(), 3)),
                List.of())));
    assertThat(
            rows(
                "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
                    + " pg_catalog.col_description(a.attrelid, a.attnum)"
                    + " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
                    + " WHERE c.relnamespace = 'shaped'::regnamespace AND c.relkind = 'r'"
                    + " AND a.attnum > 0 ORDER BY c.relname, a.attnum"))
        .containsExactly(
            "first|id|integer|pgml-follower: source attnum 1",
            "first|point|text|pgml-follower: source attnum 2",
            "first|price|numeric(10,2)|pgml-follower: source attnum 4",
            "second|price|numeric(10,2)|pgml-follower: source attnum 1",
            "second|points|text|pgml-follower: source attnum 3");
    assertThat(
            rows(
                "SELECT tgrelid::regclass::text, count(*) FROM pg_catalog.pg_trigger"
                    + " WHERE tgrelid IN ('shaped.first'::regclass, 'shaped.second'::regclass)"
                    + " AND NOT tgisinternal GROUP BY 1 ORDER BY 1"))
        .containsExactly("shaped.first|2", "shaped.second|2");
  }

  @Test
  void snapshotThenStreamRoundTrip() throws Exception {
    TableId table = new TableId("public", "round_trip");
    TableSpec spec = new TableSpec(table, USERS_SPEC.columns(), List.of("id"));
    store.ensureTables(List.of(spec));
    assertThat(store.offsets("round-trip")).isEmpty();

    try (SnapshotLoader loader = store.beginSnapshot("round-trip")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("1\tada\t1.50\t{a,b}\t2024-01-01 10:00:00+00\n".getBytes(UTF_8));
        copy.write("2\tgrace\t\\N\t{}\t\\N\n".getBytes(UTF_8));
        copy.write("3\tlinus\t3\t\\N\t\\N\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("round-trip", "", 100)));
    }
    assertThat(store.offsets("round-trip")).containsExactly(Map.entry("", 100L));
    assertThat(rows("SELECT id, name, score, tags, created FROM round_trip ORDER BY id"))
        .containsExactly(
            "1|ada|1.50|{a,b}|2024-01-01 10:00:00+00",
            "2|grace|null|{}|null",
            "3|linus|3.00|null|null");

    BitSet scoreUnchanged = new BitSet();
    scoreUnchanged.set(2);
    store.apply(
        new ChangeBatch(
            List.of(
                row(
                    RowChange.insert(
                        table, values("4", "barbara", "4.25", "{x}", "2024-02-01 00:00:00+00"))),
                row(RowChange.insert(table, values("5", "ken", null, null, null))),
                row(
                    RowChange.update(
                        table, null, values("1", "ada l.", null, "{a}", null), scoreUnchanged)),
                row(
                    RowChange.update(
                        table,
                        values("2", null, null, null, null),
                        values("20", "grace h.", "2", "{}", null),
                        null)),
                row(RowChange.delete(table, values("3", null, null, null, null))),
                // A redelivered insert of an existing row is an upsert.
                row(RowChange.insert(table, values("5", "ken t.", "5", null, null)))),
            List.of(new SourceOffset("round-trip", "", 200))));

    assertThat(store.offsets("round-trip")).containsExactly(Map.entry("", 200L));
    assertThat(rows("SELECT id, name, score, tags, created FROM round_trip ORDER BY id"))
        .containsExactly(
            "1|ada l.|1.50|{a}|null",
            "4|barbara|4.25|{x}|2024-02-01 00:00:00+00",
            "5|ken t.|5.00|null|null",
            "20|grace h.|2.00|{}|null");

    store.apply(
        new ChangeBatch(
            List.of(
                new ChangeBatch.Truncate(List.of(table)),
                row(RowChange.insert(table, values("7", "after truncate", null, null, null)))),
            List.of(new SourceOffset("round-trip", "", 300))));
    assertThat(rows("SELECT id, name FROM round_trip ORDER BY id"))
        .containsExactly("7|after truncate");
  }

  /**
   * A batch of transactions that take turns over two tables is applied table by table (one JDBC
   * batch each), yet each table's changes keep their source order, and a truncate still splits what
   * came before it from what came after.
   */
  @Test
  void interleavedTablesKeepEachTablesOrderAndTruncatesStayBarriers() throws Exception {
    TableId a = new TableId("public", "interleaved_a");
    TableId b = new TableId("public", "interleaved_b");
    TableSpec specA = new TableSpec(a, USERS_SPEC.columns(), List.of("id"));
    TableSpec specB = new TableSpec(b, USERS_SPEC.columns(), List.of("id"));
    store.ensureTables(List.of(specA, specB));

    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(a, values("1", "a1", null, null, null))),
                row(RowChange.insert(b, values("1", "b1", null, null, null))),
                // The key of a's row moves, and a new row takes the old key: order matters.
                row(
                    RowChange.update(
                        a,
                        values("1", null, null, null, null),
                        values("2", "a1 moved", null, null, null),
                        null)),
                row(RowChange.update(b, null, values("1", "b1 changed", null, null, null), null)),
                row(RowChange.insert(a, values("1", "a1 again", null, null, null))),
                new ChangeBatch.Truncate(List.of(b)),
                row(RowChange.insert(b, values("7", "after truncate", null, null, null))),
                row(RowChange.delete(a, values("2", null, null, null, null)))),
            List.of(new SourceOffset("interleaved", "", 1))));

    assertThat(rows("SELECT id, name FROM interleaved_a ORDER BY id"))
        .containsExactly("1|a1 again");
    assertThat(rows("SELECT id, name FROM interleaved_b ORDER BY id"))
        .containsExactly("7|after truncate");
  }

  @Test
  void tablesWithoutPrimaryKeyChangeOneMatchingRow() throws Exception {
    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(EVENTS, values("click", "1"))),
                row(RowChange.insert(EVENTS, values("click", "1"))),
                row(RowChange.insert(EVENTS, values("view", null))),
                row(RowChange.delete(EVENTS, values("click", "1"))),
                row(RowChange.update(EVENTS, values("view", null), values("view", "2"), null))),
            List.of(new SourceOffset("no-pk", "", 1))));
    assertThat(rows("SELECT kind, n FROM sales.\"Events\" ORDER BY kind"))
        .containsExactly("click|1", "view|2");
  }

  @Test
  void anUpdateOrDeleteThatFindsNoRowFailsTheBatchAsDiverged() throws Exception {
    TableId table = new TableId("public", "diverged");
    TableSpec spec = new TableSpec(table, USERS_SPEC.columns().subList(0, 2), List.of("id"));
    store.ensureTables(List.of(spec));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1", "kept")))),
            List.of(new SourceOffset("diverged", "", 10))));

    for (RowChange missing :
        List.of(
            RowChange.delete(table, values("2", null)),
            RowChange.update(table, null, values("3", "nowhere"), null))) {
      assertThatThrownBy(
              () ->
                  store.apply(
                      new ChangeBatch(
                          List.of(
                              row(RowChange.insert(table, values("9", "rolled back"))),
                              row(missing)),
                          List.of(new SourceOffset("diverged", "", 20)))))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.code()).isEqualTo(StoreErrorCode.DIVERGED))
          .hasMessageContaining("public.diverged")
          .hasMessageContaining("snapshot this source again");
    }

    assertThat(rows("SELECT id, name FROM diverged ORDER BY id")).containsExactly("1|kept");
    assertThat(store.offsets("diverged")).containsExactly(Map.entry("", 10L));
  }

  @Test
  void aSnapshotSetsAsideAndRebuildsIndexesConstraintsAndGuardsAsTheyWere() throws Exception {
    TableSpec spec = ensureCoded(new TableId("public", "rebuilt"));
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      // A firing mode other than the default, kept across the rebuild too.
      statement.execute("ALTER TABLE public.rebuilt DISABLE TRIGGER pgml_follower_read_only");
    }
    String shape =
        "SELECT 'index ' || pg_get_indexdef(indexrelid) || ' ' || indisvalid FROM pg_index"
            + " WHERE indrelid = 'public.rebuilt'::regclass"
            + " UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)"
            + " FROM pg_constraint WHERE conrelid = 'public.rebuilt'::regclass"
            + " UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) || ' ' || tgenabled::text"
            + " FROM pg_trigger WHERE tgrelid = 'public.rebuilt'::regclass AND NOT tgisinternal"
            + " ORDER BY 1";
    List<String> before = rows(shape);
    assertThat(before)
        .hasSize(5)
        .anySatisfy(line -> assertThat(line).startsWith("constraint rebuilt_pkey PRIMARY KEY"))
        .anySatisfy(line -> assertThat(line).contains("rebuilt_row_identity").endsWith(" true"))
        .anySatisfy(line -> assertThat(line).contains("FOR EACH ROW").endsWith(" D"));
    try (SnapshotLoader loader = store.beginSnapshot("rebuilt")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("1\ta\tx\n2\tb\ty\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("rebuilt", "", 1)));
    }
    assertThat(rows(shape)).isEqualTo(before);
    assertThat(rows("SELECT id, code, v FROM rebuilt ORDER BY id"))
        .containsExactly("1|a|x", "2|b|y");
  }

  /**
   * A publication of many tables: created together (in batches of statements), then prepared for a
   * snapshot together (one TRUNCATE, one query for what to set aside), each with its own keys,
   * indexes and guards rebuilt as they were.
   */
  @Test
  void manyTablesAreCreatedAndPreparedTogetherAndRebuiltAsTheyWere() throws Exception {
    List<TableSpec> specs = seventyTables("many");
    store.ensureTables(specs);
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE many.t5 DISABLE TRIGGER pgml_follower_read_only");
      statement.execute("CREATE UNIQUE INDEX t8_v ON many.t8 (v)");
    }
    String shape =
        "SELECT c.relname || ' index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i"
            + " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'many'"
            + " UNION ALL SELECT c.relname || ' constraint ' || conname || ' '"
            + " || pg_get_constraintdef(k.oid) FROM pg_constraint k"
            + " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'many'"
            + " UNION ALL SELECT c.relname || ' trigger ' || pg_get_triggerdef(t.oid) || ' '"
            + " || tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'many' AND NOT t.tgisinternal"
            + " UNION ALL SELECT c.relname || ' comment ' || a.attname || ' '"
            + " || col_description(c.oid, a.attnum) FROM pg_attribute a"
            + " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'many' AND c.relkind = 'r' AND a.attnum > 0"
            + " UNION ALL SELECT c.relname || ' grant ' || array_to_string(c.relacl, ',')"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = 'many' AND c.relkind = 'r'"
            + " ORDER BY 1";
    List<String> before = rows(shape);
    // Per table: 3 comments, 2 guards, a grant; a key for 47 of them; an identity index for 23.
    assertThat(before).hasSize(70 * 6 + 47 + 47 + 23 + 1);
    assertThat(before)
        .contains(
            "t1 index CREATE INDEX t1_row_identity ON many.t1 USING btree (code)",
            "t8 index CREATE UNIQUE INDEX t8_v ON many.t8 USING btree (v)",
            "t2 comment code pgml-follower: source attnum 2")
        .anySatisfy(line -> assertThat(line).startsWith("t5 trigger").endsWith(" D"));
    try (SnapshotLoader loader = store.beginSnapshot("many")) {
      loader.prepare(specs);
      for (TableSpec spec : specs) {
        try (OutputStream copy = loader.copyIn(spec)) {
          copy.write(("1\ta\t" + spec.id().name() + "\n2\tb\ty\n").getBytes(UTF_8));
        }
      }
      loader.commit(List.of(new SourceOffset("many", "", 1)));
    }
    assertThat(rows(shape)).isEqualTo(before);
    assertThat(rows("SELECT id, code, v FROM many.t69 ORDER BY id"))
        .containsExactly("1|a|t69", "2|b|y");
    assertThat(rows("SELECT count(*) FROM many.t0")).containsExactly("2");
  }

  /**
   * A load that shapes its tables ({@code beginSnapshot(source, specs)}) creates the new ones in
   * its own transaction: no one sees them before the commit, a load that does not commit leaves
   * none behind, and once committed they are what {@code ensureTables} makes (keys, identity
   * indexes, guards, comments, grants). A table that existed is emptied and reloaded in the same
   * load.
   */
  @Test
  void tablesCreatedInTheLoadAreAsEnsureTablesMakesThemAndAFailedLoadLeavesNone() throws Exception {
    List<ColumnSpec> columns = SEVENTY_TABLES_COLUMNS;
    store.ensureTables(seventyTables("ensured"));
    TableSpec old = new TableSpec(new TableId("inload", "t_old"), columns, List.of("id"));
    // An enum the store has with one label; the load's new table uses a label added since.
    EnumType mood = new EnumType("inload", "mood", List.of("happy"));
    EnumType moodNow = new EnumType("inload", "mood", List.of("happy", "meh"));
    store.ensureTables(List.of(old, feelings(new TableId("inload", "moods_seen"), mood)));
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE INDEX t_old_v ON inload.t_old (v)");
    }
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(old.id(), values("9", "z", "before")))),
            List.of(new SourceOffset("inload", "", 1))));
    List<TableSpec> specs = new ArrayList<>(seventyTables("inload"));
    // t_old gains a column on the source: reshaped in the load.
    List<ColumnSpec> oldNow = new ArrayList<>(columns);
    oldNow.add(new ColumnSpec("added", "bigint", 20, false, Optional.empty(), 4, Optional.empty()));
    TableSpec reshaped = new TableSpec(old.id(), oldNow, List.of("id"));
    TableSpec moods = feelings(new TableId("inload", "moods"), moodNow);
    specs.add(reshaped);
    specs.add(moods);

    String visible = "SELECT count(*) FROM pg_class WHERE relnamespace = 'inload'::regnamespace";
    try (SnapshotLoader loader = store.beginSnapshot("inload", specs)) {
      try (OutputStream copy = loader.copyIn(specs.getFirst())) {
        copy.write("1\ta\tx\n".getBytes(UTF_8));
      }
      // Created, but only inside the load: others see t_old and its two indexes, moods_seen and
      // its key.
      assertThat(rows(visible)).containsExactly("5");
      // The load holds nothing of the schema or the enum (its new label committed before the
      // load): another table of them is shaped meanwhile.
      TableSpec beside = feelings(new TableId("inload", "beside"), moodNow);
      java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                try {
                  store.ensureTables(List.of(beside));
                } catch (StoreException e) {
                  throw new IllegalStateException(e);
                }
              })
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(rows(visible)).containsExactly("7");
    } // closed without commit: rolled back
    assertThat(rows(visible)).containsExactly("7");
    assertThat(rows("SELECT * FROM inload.t_old")).containsExactly("9|z|before");

    try (SnapshotLoader loader = store.beginSnapshot("inload", specs)) {
      for (TableSpec spec : specs) {
        try (OutputStream copy = loader.copyIn(spec)) {
          String data =
              spec == moods
                  ? "1\tmeh\t{happy,meh}\n"
                  : spec == reshaped
                      ? "1\ta\tt_old\t10\n2\tb\ty\t\\N\n"
                      : "1\ta\t" + spec.id().name() + "\n2\tb\ty\n";
          copy.write(data.getBytes(UTF_8));
        }
      }
      loader.commit(List.of(new SourceOffset("inload", "", 2)));
    }
    String shape =
        "SELECT c.relname || ' index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i"
            + " JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = ?::regnamespace"
            + " UNION ALL SELECT c.relname || ' constraint ' || conname || ' '"
            + " || pg_get_constraintdef(k.oid) FROM pg_constraint k"
            + " JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = ?::regnamespace"
            + " UNION ALL SELECT c.relname || ' trigger ' || pg_get_triggerdef(t.oid) || ' '"
            + " || tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            + " WHERE c.relnamespace = ?::regnamespace AND NOT t.tgisinternal"
            + " UNION ALL SELECT c.relname || ' column ' || a.attname || ' '"
            + " || format_type(a.atttypid, a.atttypmod) || ' not null ' || a.attnotnull || ' '"
            + " || coalesce(col_description(c.oid, a.attnum), '') FROM pg_attribute a"
            + " JOIN pg_class c ON c.oid = a.attrelid"
            + " WHERE c.relnamespace = ?::regnamespace AND c.relkind = 'r' AND a.attnum > 0"
            + " UNION ALL SELECT c.relname || ' grant ' || array_to_string(c.relacl, ',')"
            + " || ' owner ' || c.relowner::regrole::text FROM pg_class c"
            + " WHERE c.relnamespace = ?::regnamespace AND c.relkind = 'r'"
            + " ORDER BY 1";
    List<String> ensured = shapeOf(shape, "ensured");
    List<String> loaded = shapeOf(shape, "inload");
    assertThat(ensured).hasSize(70 * 6 + 47 + 47 + 23);
    assertThat(loaded.stream().filter(line -> line.matches("t[0-9]+ .*")).toList())
        .isEqualTo(ensured.stream().map(line -> line.replace(" ensured.", " inload.")).toList());
    assertThat(loaded)
        .contains(
            "t1 index CREATE INDEX t1_row_identity ON inload.t1 USING btree (code)",
            "t0 constraint t0_pkey PRIMARY KEY (id)",
            "t0 column id integer not null true pgml-follower: source attnum 1",
            "t0 column code text not null false pgml-follower: source attnum 2",
            "t_old index CREATE INDEX t_old_v ON inload.t_old USING btree (v)",
            "t_old column added bigint not null false pgml-follower: source attnum 4");
    assertThat(rows("SELECT id, now, history FROM inload.moods"))
        .containsExactly("1|meh|{happy,meh}");
    assertThat(rows("SELECT id, code, v FROM inload.t69 ORDER BY id"))
        .containsExactly("1|a|t69", "2|b|y");
    assertThat(rows("SELECT id, v, added FROM inload.t_old ORDER BY id"))
        .containsExactly("1|t_old|10", "2|y|null");
    // The store knows their shapes: changes apply to them by key.
    store.apply(
        new ChangeBatch(
            List.of(
                row(
                    RowChange.update(
                        specs.getFirst().id(), null, values("2", "b", "changed"), null))),
            List.of(new SourceOffset("inload", "", 3))));
    assertThat(rows("SELECT v FROM inload.t0 WHERE id = 2")).containsExactly("changed");
    try (Connection client = connectAsClient(store);
        Statement statement = client.createStatement()) {
      assertThatThrownBy(() -> statement.execute("DELETE FROM inload.t3"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
    }
  }

  /**
   * Long table names cut to the same 63-byte key name: a new table's key, added at the load's
   * commit, takes a name of its own, not the name of an existing table's key that the load set
   * aside and rebuilds by name.
   */
  @Test
  void aNewTablesKeyNeverTakesTheNameOfAKeyTheLoadRebuilds() throws Exception {
    String prefix = "k".repeat(60);
    TableSpec existing =
        new TableSpec(new TableId("longnames", prefix + "_a"), CODED_COLUMNS, List.of("id"));
    TableSpec added =
        new TableSpec(new TableId("longnames", prefix + "_b"), CODED_COLUMNS, List.of("id"));
    store.ensureTables(List.of(existing));
    try (SnapshotLoader loader = store.beginSnapshot("longnames", List.of(existing, added))) {
      for (TableSpec spec : List.of(existing, added)) {
        try (OutputStream copy = loader.copyIn(spec)) {
          copy.write("1\ta\tx\n".getBytes(UTF_8));
        }
      }
      loader.commit(List.of(new SourceOffset("longnames", "", 1)));
    }
    assertThat(
            rows(
                "SELECT c.relname = '"
                    + prefix
                    + "_a', k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
                    + " WHERE c.relnamespace = 'longnames'::regnamespace AND k.contype = 'p'"
                    + " ORDER BY 1 DESC"))
        .containsExactly("t|" + "k".repeat(58) + "_pkey", "f|" + "k".repeat(57) + "_pkey1");
  }

  private static final List<ColumnSpec> SEVENTY_TABLES_COLUMNS =
      List.of(
          new ColumnSpec("id", "integer", 23, true, Optional.empty(), 1, Optional.empty()),
          new ColumnSpec("code", "text", 25, true, Optional.empty(), 2, Optional.empty()),
          new ColumnSpec("v", "text", 25, false, Optional.empty(), 3, Optional.empty()));

  /**
   * 70 tables in the schema (past a batch of 64 creations): a third keyed by id, a third keyed by
   * id with the row identity code (an identity index), a third without a key.
   */
  private static List<TableSpec> seventyTables(String schema) {
    List<TableSpec> specs = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      TableId table = new TableId(schema, "t" + i);
      specs.add(
          switch (i % 3) {
            case 0 -> new TableSpec(table, SEVENTY_TABLES_COLUMNS, List.of("id"));
            case 1 -> new TableSpec(table, SEVENTY_TABLES_COLUMNS, List.of("id"), List.of("code"));
            default -> new TableSpec(table, SEVENTY_TABLES_COLUMNS, List.of());
          });
    }
    return specs;
  }

  private static List<String> shapeOf(String sql, String schema) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Connection connection = store.dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 1; i <= 5; i++) {
        statement.setString(i, schema);
      }
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
    }
    return lines;
  }

  /**
   * A column whose type is the row type of another table created in the same call gets that type,
   * as when the tables were created one by one, not {@code text} now and a rewrite at the next
   * start.
   */
  @Test
  void aColumnOfAnotherNewTablesRowTypeGetsThatType() throws Exception {
    TableSpec rows =
        new TableSpec(
            new TableId("public", "row_kind"),
            List.of(
                new ColumnSpec("id", "integer", 23, true), new ColumnSpec("v", "text", 25, false)),
            List.of("id"));
    TableSpec holder =
        new TableSpec(
            new TableId("public", "row_holder"),
            List.of(
                new ColumnSpec("id", "integer", 23, true),
                new ColumnSpec("r", "row_kind", 99999, false),
                new ColumnSpec("unknown", "no_such_type", 99998, false)),
            List.of("id"));
    String types =
        "SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute"
            + " WHERE attrelid = 'public.row_holder'::regclass AND attnum > 0 ORDER BY attnum";
    // 63 tables between them: row_kind is created with the first batch of 64, before row_holder.
    List<TableSpec> specs = new ArrayList<>(List.of(rows));
    for (int i = 0; i < 63; i++) {
      specs.add(new TableSpec(new TableId("fill", "f" + i), CODED_COLUMNS, List.of("id")));
    }
    specs.add(holder);
    store.ensureTables(specs);
    assertThat(rows(types)).containsExactly("id integer", "r row_kind", "unknown text");
    store.ensureTables(specs); // as at the next start: nothing to change
    assertThat(rows(types)).containsExactly("id integer", "r row_kind", "unknown text");
  }

  @Test
  void rowIdentityOtherThanThePrimaryKeyFindsRowsThroughAnIndex() throws Exception {
    TableId table = new TableId("public", "by_code");
    ensureCoded(table);
    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(table, values("1", "a", "x"))),
                row(RowChange.insert(table, values("2", "b", "y"))),
                // Old key tuples of REPLICA IDENTITY USING INDEX carry only the index's columns.
                row(
                    RowChange.update(
                        table, values(null, "a", null), values("1", "a2", "x2"), null)),
                row(RowChange.delete(table, values(null, "b", null)))),
            List.of(new SourceOffset("by-code", "", 1))));

    assertThat(rows("SELECT id, code, v FROM by_code")).containsExactly("1|a2|x2");
    assertThat(
            rows(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                    + " WHERE indrelid = 'public.by_code'::regclass AND NOT indisprimary"))
        .containsExactly("CREATE INDEX by_code_row_identity ON public.by_code USING btree (code)");

    // The identity becomes the primary key again: the extra index goes.
    store.ensureTables(List.of(new TableSpec(table, CODED_COLUMNS, List.of("id"))));
    assertThat(
            rows(
                "SELECT count(*) FROM pg_index"
                    + " WHERE indrelid = 'public.by_code'::regclass AND NOT indisprimary"))
        .containsExactly("0");
  }

  @Test
  void enumsAreCreatedAsEnumsBeforeTheirTableAndFollowNewLabels() throws Exception {
    TableId table = new TableId("moods", "Feelings");
    EnumType mood = new EnumType("moods", "Mood", List.of("sad", "ok", "it's \"great\""));
    TableSpec spec = feelings(table, mood);
    store.ensureTables(List.of(spec));
    store.ensureTables(List.of(spec)); // again: nothing to change
    store.apply(
        new ChangeBatch(
            List.of(
                row(RowChange.insert(table, values("1", "it's \"great\"", "{sad,ok}"))),
                row(RowChange.insert(table, values("2", "sad", null)))),
            List.of(new SourceOffset("moods", "", 1))));

    assertThat(
            rows(
                "SELECT a.attname, t.typtype, format_type(a.atttypid, a.atttypmod)"
                    + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                    + " WHERE a.attrelid = 'moods.\"Feelings\"'::regclass AND a.attnum > 1"
                    + " ORDER BY a.attnum"))
        .containsExactly("now|e|moods.\"Mood\"", "history|b|moods.\"Mood\"[]");
    // Ordered as the enum's labels, not alphabetically.
    assertThat(rows("SELECT id FROM moods.\"Feelings\" ORDER BY now")).containsExactly("2", "1");

    // ALTER TYPE ... ADD VALUE 'meh' BEFORE 'ok', then ADD VALUE 'ecstatic' on the source.
    EnumType more =
        new EnumType("moods", "Mood", List.of("sad", "meh", "ok", "it's \"great\"", "ecstatic"));
    store.ensureTables(List.of(feelings(table, more)));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("3", "meh", "{ecstatic}")))),
            List.of(new SourceOffset("moods", "", 2))));
    assertThat(rows("SELECT id FROM moods.\"Feelings\" ORDER BY now"))
        .containsExactly("2", "3", "1");
    assertThat(rows("SELECT enum_range(NULL::moods.\"Mood\")::text"))
        .containsExactly("{sad,meh,ok,\"it's \\\"great\\\"\",ecstatic}");
  }

  private static TableSpec feelings(TableId table, EnumType mood) {
    return new TableSpec(
        table,
        List.of(
            new ColumnSpec("id", "integer", 23, true),
            new ColumnSpec("now", mood.quoted(), 70_000, false, Optional.of(mood)),
            new ColumnSpec("history", mood.quoted() + "[]", 70_001, false, Optional.of(mood))),
        List.of("id"));
  }

  @Test
  void aFailingChangeLeavesNeitherRowsNorOffset() throws Exception {
    TableId table = new TableId("public", "atomic");
    TableSpec spec = new TableSpec(table, USERS_SPEC.columns(), List.of("id"));
    store.ensureTables(List.of(spec));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1", "kept", null, null, null)))),
            List.of(new SourceOffset("atomic", "", 10))));

    assertThatThrownBy(
            () ->
                store.apply(
                    new ChangeBatch(
                        List.of(
                            row(RowChange.insert(table, values("2", "lost", null, null, null))),
                            row(
                                RowChange.insert(
                                    table, values("not-a-number", "bad", null, null, null)))),
                        List.of(new SourceOffset("atomic", "", 20)))))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo(StoreErrorCode.INVALID_DATA);

    assertThat(store.offsets("atomic")).containsExactly(Map.entry("", 10L));
    assertThat(rows("SELECT id, name FROM atomic ORDER BY id")).containsExactly("1|kept");

    // The writer is usable after the failure.
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("3", "next", null, null, null)))),
            List.of(new SourceOffset("atomic", "", 30))));
    assertThat(store.offsets("atomic")).containsExactly(Map.entry("", 30L));
  }

  @Test
  void rowsQueuedBeforeAFailureAreNeverAppliedWithALaterBatch() throws Exception {
    TableId table = new TableId("public", "queued");
    TableSpec spec = new TableSpec(table, USERS_SPEC.columns(), List.of("id"));
    store.ensureTables(List.of(spec));
    TableId unknown = new TableId("public", "never_created");
    // The insert is queued in a JDBC batch; the change after it fails before the batch runs.
    assertThatThrownBy(
            () ->
                store.apply(
                    new ChangeBatch(
                        List.of(
                            row(RowChange.insert(table, values("1", "queued", null, null, null))),
                            row(RowChange.insert(unknown, values("1", "x", null, null, null)))),
                        List.of(new SourceOffset("queued", "", 10)))))
        .isInstanceOf(StoreException.class);
    for (int i = 0; i < 4; i++) {
      store.apply(
          new ChangeBatch(
              List.of(
                  row(
                      RowChange.insert(
                          table, values(String.valueOf(10 + i), "later", null, null, null)))),
              List.of(new SourceOffset("queued", "", 20 + i))));
    }
    assertThat(rows("SELECT id, name FROM queued ORDER BY id"))
        .containsExactly("10|later", "11|later", "12|later", "13|later");
  }

  @Test
  void sourceTablesInTheFollowersOwnSchemasAreRefused() {
    for (String schema : List.of("pgml", "pgml_follower")) {
      TableSpec spec =
          new TableSpec(new TableId(schema, "source_offsets"), USERS_SPEC.columns(), List.of("id"));
      assertThatThrownBy(() -> store.ensureTables(List.of(spec)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("reserved")
          .extracting(e -> ((StoreException) e).code())
          .isEqualTo(StoreErrorCode.SCHEMA_MISMATCH);
    }
  }

  @Test
  void aSnapshotClosedWithoutCommitChangesNothing() throws Exception {
    TableId table = new TableId("public", "snapshot_rollback");
    TableSpec spec =
        new TableSpec(table, List.of(new ColumnSpec("id", "integer", 23, true)), List.of("id"));
    store.ensureTables(List.of(spec));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1")))),
            List.of(new SourceOffset("rollback", "", 5))));

    try (SnapshotLoader loader = store.beginSnapshot("rollback")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("2\n3\n".getBytes(UTF_8));
      }
    }
    assertThat(rows("SELECT id FROM snapshot_rollback")).containsExactly("1");
    assertThat(store.offsets("rollback")).containsExactly(Map.entry("", 5L));
  }

  @Test
  void aSnapshotRebuildsTheKeysItDroppedForTheLoadOrLeavesThemAsTheyWere() throws Exception {
    TableId table = new TableId("public", "keyed_load");
    TableSpec spec =
        new TableSpec(table, List.of(new ColumnSpec("id", "integer", 23, true)), List.of("id"));
    store.ensureTables(List.of(spec));
    String keys =
        "SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text)"
            + " FROM pg_index WHERE indrelid = 'public.keyed_load'::regclass";
    List<String> before = rows(keys);

    try (SnapshotLoader loader = store.beginSnapshot("keyed")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("1\n2\n".getBytes(UTF_8));
      }
      // closed without commit
    }
    assertThat(rows(keys)).isEqualTo(before);

    try (SnapshotLoader loader = store.beginSnapshot("keyed")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("1\n2\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("keyed", "", 9)));
    }
    assertThat(rows(keys)).isEqualTo(before).first().asString().contains("UNIQUE").contains("(id)");
    // A duplicate in a snapshot fails the load when the key is rebuilt, and changes nothing.
    try (SnapshotLoader loader = store.beginSnapshot("keyed")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("5\n5\n".getBytes(UTF_8));
      }
      assertThatThrownBy(() -> loader.commit(List.of(new SourceOffset("keyed", "", 10))))
          .isInstanceOf(StoreException.class);
    }
    assertThat(rows("SELECT id FROM keyed_load ORDER BY id")).containsExactly("1", "2");
    assertThat(store.offsets("keyed")).containsExactly(Map.entry("", 9L));
  }

  @Test
  void ensureTablesFollowsTheSourceShape() throws Exception {
    TableId table = new TableId("public", "reshaped");
    store.ensureTables(
        List.of(
            new TableSpec(
                table,
                List.of(
                    new ColumnSpec("id", "integer", 23, true),
                    new ColumnSpec("code", "text", 25, false),
                    new ColumnSpec("dropped", "text", 25, false)),
                List.of("id"))));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1", "42", "x")))),
            List.of(new SourceOffset("reshape", "", 1))));

    TableSpec reshaped =
        new TableSpec(
            table,
            List.of(
                new ColumnSpec("id", "bigint", 20, true),
                new ColumnSpec("code", "integer", 23, false),
                new ColumnSpec("added", "character varying(10)", 1043, false),
                new ColumnSpec("mood", "mood_enum_only_on_source", 99999, false)),
            List.of("id", "code"));
    store.ensureTables(List.of(reshaped));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("2", "7", "new", "happy")))),
            List.of(new SourceOffset("reshape", "", 2))));

    assertThat(
            rows(
                "SELECT attname || ':' || format_type(atttypid, atttypmod) FROM pg_attribute"
                    + " WHERE attrelid = 'reshaped'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"))
        .containsExactly("id:bigint", "code:integer", "added:character varying(10)", "mood:text");
    assertThat(
            rows(
                "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i"
                    + " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)"
                    + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                    + " WHERE i.indrelid = 'reshaped'::regclass AND i.indisprimary"))
        .containsExactly("id,code");
    assertThat(rows("SELECT id, code, added, mood FROM reshaped ORDER BY id"))
        .containsExactly("1|42|null|null", "2|7|new|happy");
  }

  @Test
  void clientViewsSurviveRetypesAndOnlyAViewADroppedColumnBreaksIsSetAside() throws Exception {
    TableId table = new TableId("public", "viewed");
    ColumnSpec id = new ColumnSpec("id", "integer", 23, true);
    ColumnSpec amount = new ColumnSpec("amount", "integer", 23, false);
    ColumnSpec note = new ColumnSpec("note", "text", 25, false);
    store.ensureTables(List.of(new TableSpec(table, List.of(id, amount, note), List.of("id"))));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1", "20", "n")))),
            List.of(new SourceOffset("views", "", 1))));
    try (Connection client = connectAsClient(store);
        Statement statement = client.createStatement()) {
      // A view, a view over it, a security_invoker view with a grant, and one on the column that
      // will be dropped.
      statement.execute("CREATE VIEW doubled AS SELECT id, amount * 2 AS twice FROM viewed");
      statement.execute("CREATE VIEW doubled_big AS SELECT * FROM doubled WHERE twice > 10");
      statement.execute(
          "CREATE VIEW invoker WITH (security_invoker = true) AS SELECT id, amount FROM viewed");
      statement.execute("GRANT SELECT ON invoker TO PUBLIC");
      statement.execute("COMMENT ON VIEW doubled IS 'for training'");
      statement.execute("CREATE VIEW noted AS SELECT id, note FROM viewed");
    }

    // The source widens amount to bigint and drops note: PostgreSQL refuses both while views use
    // the columns; the follower applies them anyway.
    ColumnSpec widened = new ColumnSpec("amount", "bigint", 20, false);
    store.ensureTables(List.of(new TableSpec(table, List.of(id, widened), List.of("id"))));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("2", "5000000000")))),
            List.of(new SourceOffset("views", "", 2))));

    try (Connection client = connectAsClient(store);
        Statement statement = client.createStatement()) {
      assertThat(single(statement, "SELECT string_agg(twice::text, ',' ORDER BY id) FROM doubled"))
          .isEqualTo("40,10000000000");
      assertThat(single(statement, "SELECT count(*) FROM doubled_big")).isEqualTo("2");
      assertThat(single(statement, "SELECT max(amount) FROM invoker")).isEqualTo("5000000000");
      // Kept as they were: owner, options, grants, comment.
      assertThat(
              single(
                  statement,
                  "SELECT pg_get_userbyid(relowner) = current_user AND reloptions::text ="
                      + " '{security_invoker=true}' AND relacl::text LIKE '%=r/%' FROM pg_class"
                      + " WHERE oid = 'invoker'::regclass"))
          .isEqualTo("t");
      assertThat(single(statement, "SELECT obj_description('doubled'::regclass, 'pg_class')"))
          .isEqualTo("for training");
      assertThat(single(statement, "SELECT to_regclass('noted') IS NULL")).isEqualTo("t");
      assertThat(
              single(
                  statement,
                  "SELECT view_name || ': ' || definition FROM pgml_follower.broken_views"
                      + " WHERE view_name = 'noted'"))
          .startsWith("noted: CREATE VIEW \"public\".\"noted\" AS")
          .contains("note");
    }
  }

  @Test
  void clientRoleReadsAndCreatesViewsButWritesAreRefusedWith25006() throws Exception {
    TableId table = new TableId("public", "guarded");
    TableSpec spec =
        new TableSpec(
            table,
            List.of(
                new ColumnSpec("id", "integer", 23, true), new ColumnSpec("v", "text", 25, false)),
            List.of("id"));
    store.ensureTables(List.of(spec));
    store.apply(
        new ChangeBatch(
            List.of(row(RowChange.insert(table, values("1", "one")))),
            List.of(new SourceOffset("guard", "", 1))));
    // A snapshot drops the guard for its COPY (a BEFORE INSERT row trigger makes COPY insert row
    // by row) and creates it again, as it was, before its commit.
    String triggers =
        "SELECT pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger"
            + " WHERE tgrelid = 'guarded'::regclass AND NOT tgisinternal ORDER BY tgname";
    List<String> guards = rows(triggers);
    assertThat(guards).hasSize(2).allSatisfy(guard -> assertThat(guard).contains("refuse_write"));
    try (SnapshotLoader loader = store.beginSnapshot("guard")) {
      try (OutputStream copy = loader.copyIn(spec)) {
        copy.write("1\tone\n".getBytes(UTF_8));
      }
      loader.commit(List.of(new SourceOffset("guard", "", 2)));
    }
    assertThat(rows(triggers)).isEqualTo(guards);

    try (Connection client = connectAsClient(store);
        Statement statement = client.createStatement()) {
      assertThat(
              single(statement, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"))
          .isEqualTo("false");
      assertThat(single(statement, "SELECT v FROM guarded WHERE id = 1")).isEqualTo("one");
      for (String write :
          List.of(
              "INSERT INTO guarded VALUES (2, 'two')",
              "UPDATE guarded SET v = 'changed'",
              "DELETE FROM guarded",
              "TRUNCATE guarded")) {
        assertThatThrownBy(() -> statement.execute(write))
            .as(write)
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("25006");
                  assertThat(e.getMessage())
                      .contains(
                          "relation \"public.guarded\" is replicated from the source and read-only on the follower")
                      .contains("write to the source database");
                });
      }
      statement.execute("CREATE VIEW guarded_view AS SELECT id, upper(v) AS v FROM guarded");
      assertThat(single(statement, "SELECT v FROM guarded_view")).isEqualTo("ONE");
      // Readable (training snapshots record the position they match), never writable.
      statement.execute("SELECT * FROM pgml_follower.source_offsets");
      assertThatThrownBy(
              () -> statement.execute("UPDATE pgml_follower.source_offsets SET position = 0"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      assertThatThrownBy(() -> statement.execute("SET session_replication_role = replica"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
    }
    assertThat(rows("SELECT id, v FROM guarded")).containsExactly("1|one");
  }

  @Test
  void protectedRegistryTablesAreReadableAndRefuseClientWrites() throws Exception {
    TableId models = new TableId("pgml", "models_it");
    try (Connection owner = store.dataSource().getConnection();
        Statement statement = owner.createStatement()) {
      statement.execute("CREATE TABLE pgml.models_it (id int PRIMARY KEY, algorithm text)");
      store.protectTable(
          owner, models, "managed by pgml-follower", "use pgml.train or pgml.deploy");
    }
    try (Connection writer = store.writerConnection();
        Statement statement = writer.createStatement()) {
      statement.execute("INSERT INTO pgml.models_it VALUES (1, 'xgboost')");
      writer.commit();
    }
    try (Connection client = connectAsClient(store);
        Statement statement = client.createStatement()) {
      assertThat(single(statement, "SELECT algorithm FROM pgml.models_it")).isEqualTo("xgboost");
      assertThatThrownBy(() -> statement.execute("DELETE FROM pgml.models_it"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("25006");
                assertThat(e.getMessage())
                    .contains("relation \"pgml.models_it\" is managed by pgml-follower");
              });
      assertThatThrownBy(() -> statement.execute("CREATE TABLE pgml.mine (x int)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
    }
  }

  @Test
  void restartKeepsDataOffsetsAndClientPassword() throws Exception {
    Path storePath = root.resolve("restart");
    TableId table = new TableId("public", "kept");
    TableSpec spec =
        new TableSpec(table, List.of(new ColumnSpec("id", "integer", 23, true)), List.of("id"));
    String clientPassword;
    try (OfflineStore first = OfflineStore.open(embeddedConfig(storePath))) {
      clientPassword = first.clientRole().password();
      first.ensureTables(List.of(spec));
      first.apply(
          new ChangeBatch(
              List.of(row(RowChange.insert(table, values("1")))),
              List.of(new SourceOffset("src", "", 42), new SourceOffset("src", "topic-1", 7))));
    }
    try (OfflineStore second = OfflineStore.open(embeddedConfig(storePath))) {
      assertThat(second.clientRole().password()).isEqualTo(clientPassword);
      assertThat(second.offsets("src"))
          .containsExactly(Map.entry("", 42L), Map.entry("topic-1", 7L));
      second.ensureTables(List.of(spec));
      second.apply(
          new ChangeBatch(
              List.of(row(RowChange.insert(table, values("2")))),
              List.of(new SourceOffset("src", "", 43))));
      try (Connection connection = second.dataSource().getConnection();
          Statement statement = connection.createStatement()) {
        assertThat(single(statement, "SELECT string_agg(id::text, ',' ORDER BY id) FROM kept"))
            .isEqualTo("1,2");
      }
      try (Connection client = connectAsClient(second)) {
        assertThat(client.isValid(5)).isTrue();
      }
    }
  }

  @Test
  void externalModeUsesAServerItDoesNotOwn() throws Exception {
    try (EmbeddedPostgres external =
        EmbeddedPostgres.start(
            new EmbeddedPostgresOptions()
                .dataDirectory(root.resolve("external-data"))
                .serverSettings(Map.of("fsync", "off")))) {
      OfflineStoreConfig config =
          new OfflineStoreConfig()
              .mode(OfflineStoreConfig.Mode.EXTERNAL)
              .storePath(root.resolve("external-store"))
              .jdbcUrl(external.jdbcUrl("postgres"))
              .user(external.superuser())
              .password(external.superuserPassword())
              .database("shop")
              .clientRoleName("shop_client");
      TableId table = new TableId("public", "items");
      TableSpec spec =
          new TableSpec(
              table,
              List.of(
                  new ColumnSpec("id", "integer", 23, true),
                  new ColumnSpec("price", "numeric", 1700, false)),
              List.of("id"));
      try (OfflineStore externalStore = OfflineStore.open(config)) {
        assertThat(externalStore.port()).isEqualTo(external.port());
        assertThat(externalStore.database()).isEqualTo("shop");
        externalStore.ensureTables(List.of(spec));
        try (SnapshotLoader loader = externalStore.beginSnapshot("shop-source")) {
          try (OutputStream copy = loader.copyIn(spec)) {
            copy.write("1\t9.99\n2\tNaN\n".getBytes(UTF_8));
          }
          loader.commit(List.of(new SourceOffset("shop-source", "", 1000)));
        }
        externalStore.apply(
            new ChangeBatch(
                List.of(row(RowChange.update(table, null, values("1", "10.50"), null))),
                List.of(new SourceOffset("shop-source", "", 1001))));
        assertThat(externalStore.offsets("shop-source")).containsExactly(Map.entry("", 1001L));
      }
      assertThat(external.isRunning()).isTrue();
      try (Connection connection =
              DriverManager.getConnection(
                  external.jdbcUrl("shop"), external.superuser(), external.superuserPassword());
          Statement statement = connection.createStatement()) {
        assertThat(
                single(
                    statement, "SELECT string_agg(id || '=' || price, ',' ORDER BY id) FROM items"))
            .isEqualTo("1=10.50,2=NaN");
      }
    }
  }

  private static ChangeBatch.Row row(RowChange change) {
    return new ChangeBatch.Row(change);
  }

  private static String[] values(String... values) {
    return values;
  }

  private static Connection connectAsClient(OfflineStore store) throws SQLException {
    String url = "jdbc:postgresql://" + store.host() + ":" + store.port() + "/" + store.database();
    return DriverManager.getConnection(
        url, store.clientRole().name(), store.clientRole().password());
  }

  /** Creates a table of {@link #CODED_COLUMNS}: key id, row identity code. */
  private static TableSpec ensureCoded(TableId table) throws Exception {
    TableSpec spec = new TableSpec(table, CODED_COLUMNS, List.of("id"), List.of("code"));
    store.ensureTables(List.of(spec));
    return spec;
  }

  private static List<String> rows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection connection = store.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("SET TimeZone = 'UTC'");
      try (ResultSet rs = statement.executeQuery(sql)) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<String> values = new ArrayList<>();
          for (int i = 1; i <= columns; i++) {
            values.add(String.valueOf(rs.getString(i)));
          }
          rows.add(String.join("|", values));
        }
      }
    }
    return rows;
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
