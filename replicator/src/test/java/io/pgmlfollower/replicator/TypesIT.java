package io.pgmlfollower.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.offline.OfflineStore;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every type issue 3 lists round-trips exactly, and the snapshot (COPY) and the stream (pgoutput)
 * give identical values. The source database defaults to a non-UTC TimeZone and to
 * IntervalStyle=sql_standard, and rows are written from sessions in other zones, so that any
 * session-dependent text form would show as a difference.
 */
class TypesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** Column name, source type: every type of issue 3. */
  private static final List<List<String>> COLUMNS =
      List.of(
          List.of("i2", "int2"),
          List.of("i4", "int4"),
          List.of("i8", "int8"),
          List.of("n", "numeric"),
          List.of("n102", "numeric(10,2)"),
          List.of("f4", "float4"),
          List.of("f8", "float8"),
          List.of("t", "text"),
          List.of("vc", "varchar(5)"),
          List.of("c", "char(5)"),
          List.of("b", "bool"),
          List.of("by", "bytea"),
          List.of("d", "date"),
          List.of("tm", "time"),
          List.of("ttz", "timetz"),
          List.of("ts", "timestamp"),
          List.of("tstz", "timestamptz"),
          List.of("tstz3", "timestamptz(3)"),
          List.of("iv", "interval"),
          List.of("u", "uuid"),
          List.of("j", "json"),
          List.of("jb", "jsonb"),
          List.of("ai", "int[]"),
          List.of("at", "text[]"),
          List.of("a2", "int[][]"),
          List.of("mood", "\"Odd Schema\".\"Mood\""),
          List.of("moods", "\"Odd Schema\".\"Mood\"[]"),
          List.of("color", "color"),
          List.of("pos", "posint"),
          List.of("st", "short_text"),
          List.of("md", "mood_domain"),
          List.of("sts", "short_text[]"));

  /** The columns of built-in types, whose binary form is the same on the source and the store. */
  private static final String BUILTIN =
      COLUMNS.stream()
          .map(c -> c.get(0))
          .filter(
              c ->
                  List.of(
                          "i2", "i4", "i8", "n", "n102", "f4", "f8", "t", "vc", "c", "b", "by", "d",
                          "tm", "ttz", "ts", "tstz", "tstz3", "iv", "u", "j", "jb")
                      .contains(c))
          .collect(Collectors.joining(", "));

  /** SQL literals, one per column of {@link #COLUMNS}: extremes and special values. */
  private static final List<List<String>> ROWS =
      List.of(
          List.of(
              "-32768",
              "-2147483648",
              "-9223372036854775808",
              "'12345678901234567890.123456789012345678901234567890'",
              "'-99999999.99'",
              "'1.17549435e-38'",
              "'2.2250738585072014e-308'",
              "E'tab\\there\\nnew line \\\\ backslash \"quote\" ''single'' \u00fc \uD83D\uDE80 \\\\N'",
              "'abcde'",
              "'ab'",
              "true",
              "'\\x00ff5c0a0d09'::bytea",
              "'0044-03-15 BC'",
              "'24:00:00'",
              "'23:59:59.999999+14:59'",
              "'294276-12-31 23:59:59.999999'",
              "'2024-03-10 02:30:00'",
              "'2024-01-01 12:00:00.123456'",
              "'-1 days -02:03:04.5'",
              "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
              "'{\"b\": 1,  \"a\": [1, 2.50], \"a\": \"dup\"}'",
              "'{\"b\": 1, \"a\": [1, 2.50], \"n\": null, \"u\": \"\\u00fc\"}'",
              "'{1,NULL,3}'",
              "'{\"a\\\"b\",\"NULL\",NULL,\"with,comma\",\"{brace}\",\" sp \",\"\",\"back\\\\\\\\slash\"}'",
              "'{{1,2},{3,NULL}}'",
              "'it''s \"great\"'",
              "'{sad,\"it''s \\\"great\\\"\"}'",
              "'green'",
              "1",
              "'ten chars!'",
              "'ok'",
              "'{a,NULL,\"\"}'"),
          List.of(
              "0",
              "0",
              "9223372036854775807",
              "'NaN'",
              "'0.10'",
              "'NaN'",
              "'-0'",
              "''",
              "''",
              "''",
              "false",
              "''::bytea",
              "'infinity'",
              "'00:00:00'",
              "'00:00:00-15:59'",
              "'infinity'",
              "'-infinity'",
              "'1999-12-31 23:59:59.9995+00'",
              "'1 year 2 mons -3 days 04:05:06.789'",
              "'00000000-0000-0000-0000-000000000000'",
              "'null'",
              "'\"str\"'",
              "'[0:1]={7,8}'",
              "'{}'",
              "'{{{1}},{{2}}}'",
              "'sad'",
              "'{}'",
              "'red'",
              "2147483647",
              "''",
              "'sad'",
              "'{}'"),
          List.of(
              "1",
              "1",
              "1",
              "'Infinity'",
              "'0'",
              "'Infinity'",
              "'-Infinity'",
              "'NULL'",
              "' x  '",
              "'  y'",
              "true",
              "'\\\\x'::bytea",
              "'2000-02-29'",
              "'12:34:56.789012'",
              "'12:00:00+05:45'",
              "'1970-01-01 00:00:00'",
              "'2000-01-01 00:00:00+05:45'",
              "'2024-06-30 23:59:60'",
              "'-178000000 years'",
              "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'",
              "'[1e400, 0.1000, \"\\\\t\"]'",
              "'{\"k\": 1e3, \"z\": 0.1000}'",
              "'{-2147483648,2147483647}'",
              "'{\"\\\\\\\\N\",\"}\",\"'' \"}'",
              "'{{NULL,NULL}}'",
              "'ok'",
              "'{NULL}'",
              "'green'",
              "42",
              "' '",
              "'it''s \"great\"'",
              "'{NULL}'"),
          List.of(
              "-1",
              "-1",
              "-1",
              "'-Infinity'",
              "'-0.01'",
              "'-0'",
              "'1e-320'",
              "'0.1'",
              "'\u00fc\u00fc\u00fc\u00fc\u00fc'",
              "'\u00e9'",
              "false",
              "decode(repeat('00ff', 3000), 'hex')",
              "'1999-01-08'",
              "'00:00:00.000001'",
              "'24:00:00-00:00'",
              "'4713-01-01 00:00:00 BC'",
              "'0001-01-01 00:00:00+00 BC'",
              "'epoch'",
              "'P1Y2M3DT4H5M6.5S'",
              "'{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}'",
              "'{}'",
              "'[]'",
              "'{}'",
              "'{NULL}'",
              "'{}'",
              "'sad'",
              "'{ok,ok}'",
              "'red'",
              "7",
              "'\u00fc'",
              "'sad'",
              "'{\"a b\"}'"),
          // All NULL.
          List.of(
              "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
              "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
              "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL",
              "NULL", "NULL"));

  private static PostgresFixture postgres;

  @TempDir Path storePath;

  private String sourceDatabase;
  private String slot;
  private SourceRole role;
  private OfflineStore store;
  private PgOutputSource source;

  @BeforeAll
  static void startPostgres() {
    postgres = PostgresFixture.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void createSourceAndStore() throws Exception {
    int n = COUNTER.incrementAndGet();
    sourceDatabase = "types" + n;
    slot = "types_slot_" + n;
    postgres.createDatabase(sourceDatabase);
    String columns =
        COLUMNS.stream().map(c -> c.get(0) + " " + c.get(1)).collect(Collectors.joining(", "));
    postgres.execute(
        sourceDatabase,
        "ALTER DATABASE " + sourceDatabase + " SET TimeZone = 'America/St_Johns'",
        "ALTER DATABASE " + sourceDatabase + " SET IntervalStyle = 'sql_standard'",
        "ALTER DATABASE " + sourceDatabase + " SET extra_float_digits = -15",
        "ALTER DATABASE " + sourceDatabase + " SET bytea_output = 'escape'",
        "CREATE SCHEMA \"Odd Schema\"",
        "CREATE TYPE \"Odd Schema\".\"Mood\" AS ENUM ('sad', 'ok', 'it''s \"great\"')",
        "CREATE TYPE color AS ENUM ('red', 'green')",
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
        "CREATE DOMAIN short_text AS varchar(10)",
        "CREATE DOMAIN mood_domain AS \"Odd Schema\".\"Mood\"",
        "CREATE TABLE typed (id int PRIMARY KEY, " + columns + ")",
        // No key: updates and deletes find their row by every old value, of every type.
        "CREATE TABLE typed_full (id int, " + columns + ")",
        "ALTER TABLE typed_full REPLICA IDENTITY FULL");
    insertRows(0, "Asia/Kathmandu");
    // Rows the stream fills by UPDATE.
    postgres.execute(
        sourceDatabase, "INSERT INTO typed (id) SELECT 2000 + g FROM generate_series(1, 5) g");
    // Built-in types only: the snapshot copies this table as binary COPY, the others as text.
    postgres.execute(
        sourceDatabase,
        "CREATE TABLE typed_builtin AS SELECT id, " + BUILTIN + " FROM typed",
        "ALTER TABLE typed_builtin ADD PRIMARY KEY (id)");
    role =
        postgres.createReplicationSource(
            sourceDatabase, "pub", List.of("typed", "typed_full", "typed_builtin"));
    store = TestSources.open(postgres, storePath, "types" + n);
  }

  @AfterEach
  void closeAll() throws Exception {
    if (source != null) {
      source.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void everyTypeRoundTripsAndSnapshotAndStreamAgree() throws Exception {
    source = start();
    source.awaitSnapshot(WAIT);
    assertTablesMatchSource();

    // Streamed: the same literals as an insert, the snapshot rows copied by INSERT and by UPDATE.
    insertRows(1000, "Asia/Kathmandu");
    String names = COLUMNS.stream().map(c -> c.get(0)).collect(Collectors.joining(", "));
    String sourceNames =
        COLUMNS.stream().map(c -> "s." + c.get(0)).collect(Collectors.joining(", "));
    execute(
        "Pacific/Chatham",
        "INSERT INTO typed SELECT id + 3000, " + names + " FROM typed WHERE id < 1000",
        "UPDATE typed t SET ("
            + names
            + ") = ("
            + sourceNames
            + ") FROM typed s WHERE s.id < 1000 AND t.id = s.id + 2000",
        // Twice: duplicate rows, of which updates and deletes change exactly one.
        "INSERT INTO typed_full SELECT * FROM typed WHERE id < 1000",
        "INSERT INTO typed_full SELECT * FROM typed WHERE id < 1000",
        "UPDATE typed_full SET id = id + 500"
            + " WHERE ctid IN (SELECT min(ctid) FROM typed_full GROUP BY id)",
        "DELETE FROM typed_full WHERE id < 500 AND ctid IN"
            + " (SELECT min(ctid) FROM typed_full WHERE id < 500 GROUP BY id)",
        "UPDATE typed_full SET t = 'updated' WHERE id IN (501, 502)",
        "INSERT INTO typed_builtin SELECT id + 3000, " + BUILTIN + " FROM typed WHERE id < 1000");
    awaitSourceApplied();

    assertTablesMatchSource();
    for (int offset : List.of(1000, 2000, 3000)) {
      assertThat(
              storeRows(
                  "SELECT r::text FROM typed r WHERE id > "
                      + offset
                      + " AND id < "
                      + (offset + 1000)
                      + " ORDER BY id"))
          .as("rows streamed at id + %d equal the snapshot's", offset)
          .isEqualTo(
              storeRows(
                  "SELECT r::text FROM (SELECT id + "
                      + offset
                      + " AS id, "
                      + names
                      + " FROM typed WHERE id < 1000) r ORDER BY id"));
    }
    assertThat(
            storeRows(
                "SELECT r::text FROM (SELECT id - 3000 AS id, "
                    + BUILTIN
                    + " FROM typed_builtin WHERE id > 3000) r ORDER BY id"))
        .as("rows streamed into typed_builtin equal its binary snapshot's")
        .isEqualTo(
            storeRows(
                "SELECT r::text FROM (SELECT id, "
                    + BUILTIN
                    + " FROM typed_builtin WHERE id < 1000) r ORDER BY id"));
    assertThat(storeRows("SELECT count(*) FROM typed_full"))
        .containsExactly(String.valueOf(ROWS.size()));
    assertStoreTypes();
  }

  @Test
  void enumLabelAddedOnTheSourceReachesTheStore() throws Exception {
    source = start();
    source.awaitSnapshot(WAIT);

    execute("UTC", "INSERT INTO typed (id, color) VALUES (5000, 'red')");
    awaitSourceApplied();
    // ADD VALUE changes no table: pgoutput sends no new Relation message for typed, so the store
    // first hears of 'blue' when it refuses the value.
    execute(
        "UTC",
        "ALTER TYPE color ADD VALUE 'blue' BEFORE 'green'",
        "INSERT INTO typed (id, color) VALUES (5001, 'blue')");
    awaitSourceApplied();

    assertTablesMatchSource();
    assertThat(storeRows("SELECT enum_range(NULL::public.color)::text"))
        .containsExactly("{red,blue,green}");
  }

  /** Enums are enums (same schema, name and labels); domains are their base types. */
  private void assertStoreTypes() throws SQLException {
    String query =
        "SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)"
            + " || ' ' || t.typtype::text FROM pg_catalog.pg_attribute a"
            + " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
            + " WHERE a.attrelid = 'public.typed'::regclass AND a.attname IN"
            + " ('mood', 'moods', 'color', 'pos', 'st', 'md', 'sts', 'n102', 'tstz3')"
            + " ORDER BY a.attnum";
    assertThat(storeRows(query))
        .containsExactly(
            "n102 numeric(10,2) b",
            "tstz3 timestamp(3) with time zone b",
            "mood \"Odd Schema\".\"Mood\" e",
            "moods \"Odd Schema\".\"Mood\"[] b",
            "color color e",
            "pos integer b",
            "st character varying(10) b",
            "md \"Odd Schema\".\"Mood\" e",
            "sts character varying(10)[] b");
    assertThat(storeRows("SELECT enum_range(NULL::\"Odd Schema\".\"Mood\")::text"))
        .containsExactly("{sad,ok,\"it's \\\"great\\\"\"}");
  }

  private void insertRows(int idOffset, String timeZone) throws SQLException {
    List<String> statements = new ArrayList<>();
    for (int i = 0; i < ROWS.size(); i++) {
      List<String> row = ROWS.get(i);
      assertThat(row).hasSameSizeAs(COLUMNS);
      statements.add(
          "INSERT INTO typed VALUES (" + (idOffset + i + 1) + ", " + String.join(", ", row) + ")");
    }
    execute(timeZone, statements.toArray(String[]::new));
  }

  private void assertTablesMatchSource() throws SQLException {
    for (String query :
        List.of(
            "SELECT r::text FROM typed r ORDER BY id",
            "SELECT r::text FROM typed_full r ORDER BY 1",
            "SELECT r::text FROM typed_builtin r ORDER BY id")) {
      List<String> expected;
      try (Connection connection = postgres.connectAsSuperuser(sourceDatabase)) {
        expected = rows(connection, query);
      }
      assertThat(storeRows(query)).as(query).isEqualTo(expected);
    }
  }

  private PgOutputSource start() {
    PgOutputSource started = new PgOutputSource(TestSources.config("types", role, slot), store);
    started.start();
    return started;
  }

  private void awaitSourceApplied() throws Exception {
    Lsn written;
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      written = Lsn.parse(rs.getString(1));
    }
    assertThat(source.awaitApplied(written, WAIT))
        .as("applied %s within %s: %s", written, WAIT, source.status())
        .isTrue();
  }

  /** Runs the statements on the source in one session with that TimeZone. */
  private void execute(String timeZone, String... sql) throws SQLException {
    try (Connection connection = postgres.connectAsSuperuser(sourceDatabase);
        Statement statement = connection.createStatement()) {
      statement.execute("SET TimeZone = '" + timeZone + "'");
      for (String s : sql) {
        statement.execute(s);
      }
    }
  }

  private List<String> storeRows(String query) throws SQLException {
    try (Connection connection = store.dataSource().getConnection()) {
      return rows(connection, query);
    }
  }

  /** Each row's text, read with the same session settings on the source and the store. */
  private static List<String> rows(Connection connection, String query) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3;"
              + " SET bytea_output = 'hex'; SET DateStyle = 'ISO, MDY'");
      try (ResultSet rs = statement.executeQuery(query)) {
        while (rs.next()) {
          rows.add(rs.getString(1));
        }
      }
    }
    return rows;
  }
}
