package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.testing.PostgresFixture;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;

/**
 * The server between real clients (pgjdbc, psql) and a real upstream PostgreSQL, with a handler
 * that answers {@code test.*} statements locally.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PgWireServerIT {
  private static final String DATABASE = "app";
  private static final String USER = "analyst";
  private static final String PASSWORD = "s3cret-pw";
  private static final String SESSION_ROLE = "follower_session";
  private static final String SESSION_ROLE_PASSWORD = "session-role-pw";
  private static final int MAX_MESSAGE_SIZE = 1024 * 1024;

  private PostgresFixture postgres;
  private Vertx vertx;
  private PgWireServer server;
  private int port;
  private PgWireServer trustingServer;
  private int trustingPort;

  @BeforeAll
  void start() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.createDatabase(DATABASE);
    postgres.execute(
        DATABASE,
        "CREATE TABLE t (id int PRIMARY KEY, x float8, label text)",
        "INSERT INTO t SELECT i, i * 0.5, 'row ' || i FROM generate_series(1, 42) i",
        "CREATE ROLE " + SESSION_ROLE + " LOGIN PASSWORD '" + SESSION_ROLE_PASSWORD + "'",
        "GRANT SELECT ON t TO " + SESSION_ROLE);
    vertx = Vertx.vertx();
    server =
        new PgWireServer(
            vertx,
            new PgWireOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setAuthMethod(AuthMethod.SCRAM_SHA_256)
                .setUsers(Map.of(USER, PASSWORD))
                .setMaxMessageSize(MAX_MESSAGE_SIZE)
                .setUpstream(
                    new UpstreamOptions()
                        .setHost(postgres.host())
                        .setPort(postgres.port())
                        .setUser(SESSION_ROLE)
                        .setPassword(SESSION_ROLE_PASSWORD)),
            session -> new TestSessionHandler());
    port = server.start();
    // A second endpoint, trusting, for the raw-protocol tests.
    trustingServer = newTrustingServer(options -> options);
    trustingPort = trustingServer.start();
  }

  @AfterAll
  void stop() {
    if (trustingServer != null) {
      trustingServer.close();
    }
    if (server != null) {
      server.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  private String url(String parameters) {
    // socketTimeout only keeps a broken server from hanging the build.
    return "jdbc:postgresql://127.0.0.1:"
        + port
        + "/"
        + DATABASE
        + "?socketTimeout=120&"
        + parameters;
  }

  private Connection connect(String parameters) throws SQLException {
    return DriverManager.getConnection(url(parameters), USER, PASSWORD);
  }

  private Connection connect() throws SQLException {
    return connect("");
  }

  /**
   * A rewritten statement ({@code test.halve}, see TestSessionHandler): the upstream runs the
   * rewritten text, the server answers the rewritten column in batches of at most {@link
   * io.pgmlfollower.pgwire.session.RowRewriter}'s size, and every client mode sees the column under
   * its own name and type with every other column, order and limit PostgreSQL's.
   */
  @Test
  void rewrittenColumnsAreComputedInBatchesInEveryProtocolMode() throws SQLException {
    String sql =
        "SELECT g, test.halve(g) FROM generate_series(1, 3000) g WHERE g % 3 <> 0 ORDER BY g DESC";
    for (String mode :
        List.of(
            "preferQueryMode=extended",
            "preferQueryMode=simple",
            "prepareThreshold=1&binaryTransfer=true")) {
      TestSessionHandler.halveBatches.clear();
      try (Connection connection = connect(mode);
          PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int run = 0; run < 3; run++) { // a named, described statement from the second on
          List<Integer> seen = new java.util.ArrayList<>();
          try (ResultSet rs = statement.executeQuery()) {
            assertThat(rs.getMetaData().getColumnName(2)).isEqualTo("halve");
            assertThat(rs.getMetaData().getColumnType(2)).isEqualTo(java.sql.Types.REAL);
            while (rs.next()) {
              int g = rs.getInt(1);
              seen.add(g);
              assertThat(rs.getFloat(2)).as("%s, row %d", mode, g).isEqualTo(g / 2.0f);
            }
          }
          assertThat(seen).hasSize(2000).startsWith(2999, 2998, 2996).endsWith(2, 1);
        }
      }
      int rows = TestSessionHandler.halveBatches.stream().mapToInt(Integer::intValue).sum();
      assertThat(rows).as(mode).isEqualTo(3 * 2000);
      assertThat(TestSessionHandler.halveBatches)
          .as(mode)
          .allSatisfy(batch -> assertThat(batch).isBetween(1, 1024))
          .hasSizeLessThan(3 * 2000 / 10); // batches, not rows one by one
    }
  }

  /**
   * A rewrite ordered by its own column with a limit: the upstream sends every row unordered, the
   * server keeps the best and sends them sorted, also in slices of a fetch size (the portal's rest
   * held by the server between Executes).
   */
  @Test
  void aSortedRewriteKeepsTheBestRowsInOrderWhateverTheFetchSize() throws SQLException {
    String sql =
        "SELECT g, test.halve(g) FROM generate_series(1, 3000) g WHERE g % 3 <> 0"
            + " ORDER BY halve DESC LIMIT 7";
    List<Integer> expected = List.of(2999, 2998, 2996, 2995, 2993, 2992, 2990);
    for (String mode :
        List.of(
            "preferQueryMode=extended",
            "preferQueryMode=simple",
            "prepareThreshold=1&binaryTransfer=true")) {
      for (int fetchSize : new int[] {0, 3}) {
        try (Connection connection = connect(mode);
            PreparedStatement statement = connection.prepareStatement(sql)) {
          connection.setAutoCommit(fetchSize == 0); // a fetch size needs a transaction
          statement.setFetchSize(fetchSize);
          List<Integer> seen = new java.util.ArrayList<>();
          try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              seen.add(rs.getInt(1));
              assertThat(rs.getFloat(2)).isEqualTo(rs.getInt(1) / 2.0f);
            }
          }
          assertThat(seen).as("%s, fetch size %d", mode, fetchSize).isEqualTo(expected);
          // The session goes on.
          try (Statement next = connection.createStatement();
              ResultSet rs = next.executeQuery("SELECT 42")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(42);
          }
          if (fetchSize > 0) {
            connection.commit();
          }
        }
      }
    }
  }

  @Test
  void aRewrittenBatchThatFailsEndsItsStatementLikeAnUpstreamError() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      assertThatThrownBy(
              () ->
                  statement.executeQuery(
                      "SELECT test.halve(g - 1500) FROM generate_series(1, 3000) g"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"));
      // The session goes on; in a transaction block the failure aborts the block.
      try (ResultSet rs = statement.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
      connection.setAutoCommit(false);
      statement.execute("CREATE TEMP TABLE kept (x int)");
      assertThatThrownBy(
              () -> statement.executeQuery("SELECT test.halve(-g) FROM generate_series(1, 5) g"))
          .isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> statement.executeQuery("SELECT 1"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
      connection.rollback();
      connection.setAutoCommit(true);
      // NULL in, NULL out; a fetch size suspends the portal between batches.
      connection.setAutoCommit(false);
      statement.setFetchSize(100);
      int rows = 0;
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT g, test.halve(CASE WHEN g = 7 THEN NULL ELSE g END)"
                  + " FROM generate_series(1, 1500) g")) {
        while (rs.next()) {
          rows++;
          float half = rs.getFloat(2);
          boolean isNull = rs.wasNull();
          if (rs.getInt(1) == 7) {
            assertThat(isNull).isTrue();
          } else {
            assertThat(half).isEqualTo(rs.getInt(1) / 2.0f);
          }
        }
      }
      assertThat(rows).isEqualTo(1500);
      connection.commit();
    }
  }

  @Test
  void scramLoginRunsSessionsAsTheUpstreamRole() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT current_user, current_database()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(SESSION_ROLE);
      assertThat(rs.getString(2)).isEqualTo(DATABASE);
      DatabaseMetaData metaData = connection.getMetaData();
      assertThat(metaData.getDatabaseProductVersion()).startsWith("17.");
    }
  }

  @Test
  void wrongPasswordIsRefusedWith28P01() {
    assertThatThrownBy(() -> DriverManager.getConnection(url(""), USER, "wrong"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password authentication failed for user \"" + USER + "\"")
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
  }

  @Test
  void unknownUserGetsTheSameAnswerAsAWrongPassword() {
    assertThatThrownBy(() -> DriverManager.getConnection(url(""), "nobody", PASSWORD))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password authentication failed for user \"nobody\"")
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
  }

  @Test
  void missingDatabaseIsReportedAsTheUpstreamReportsIt() {
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/nosuchdb", USER, PASSWORD))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("nosuchdb")
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("3D000");
  }

  @Test
  void forwardedQueriesAndCatalogMetadataWork() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(42);
      }
      try (ResultSet tables = connection.getMetaData().getTables(null, "public", "t", null)) {
        assertThat(tables.next()).isTrue();
        assertThat(tables.getString("TABLE_NAME")).isEqualTo("t");
      }
      try (ResultSet columns = connection.getMetaData().getColumns(null, "public", "t", null)) {
        List<String> names = new ArrayList<>();
        while (columns.next()) {
          names.add(columns.getString("COLUMN_NAME"));
        }
        assertThat(names).containsExactly("id", "x", "label");
      }
    }
  }

  @Test
  void forwardedRowsLargerThanThePreAuthenticationCapPassWhole() throws SQLException {
    // A 64 KiB cap guards the endpoint from unauthenticated clients; the offline store's replies
    // are not bound by it (a model file read from pgml.files is a few hundred KiB).
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT repeat('x', 300000), 7")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).hasSize(300_000);
      assertThat(rs.getInt(2)).isEqualTo(7);
    }
  }

  @Test
  void simpleQueryMixesLocalAndForwardedStatements() throws SQLException {
    try (Connection connection = connect("preferQueryMode=simple");
        Statement statement = connection.createStatement()) {
      assertThat(
              statement.execute("SELECT test.version(); SELECT count(*) FROM t; SELECT 'a;b' AS s"))
          .isTrue();
      try (ResultSet rs = statement.getResultSet()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("version")).isEqualTo("test-1.0");
      }
      assertThat(statement.getMoreResults()).isTrue();
      try (ResultSet rs = statement.getResultSet()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(42);
      }
      assertThat(statement.getMoreResults()).isTrue();
      try (ResultSet rs = statement.getResultSet()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("s")).isEqualTo("a;b");
      }
      assertThat(statement.getMoreResults()).isFalse();
    }
  }

  @Test
  void thousandsOfLocalStatementsInOneQueryRunWithoutExhaustingTheStack() throws SQLException {
    // Each completes synchronously; the session must run them iteratively, not recursively.
    int count = 20_000;
    String sql = "SELECT 1; " + "SELECT test.version(); ".repeat(count);
    try (Connection connection = connect("preferQueryMode=simple");
        Statement statement = connection.createStatement()) {
      assertThat(statement.execute(sql)).isTrue();
      int results = 1;
      while (statement.getMoreResults()) {
        results++;
      }
      assertThat(results).isEqualTo(count + 1);
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test
  void aLocalErrorAbortsTheTransactionBlockAsPostgresWould() throws SQLException {
    for (String mode : List.of("preferQueryMode=extended", "preferQueryMode=simple")) {
      try (Connection connection = connect(mode);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TEMP TABLE tx_probe (x int)");
        connection.setAutoCommit(false);
        statement.execute("INSERT INTO tx_probe VALUES (1)");
        assertThatThrownBy(() -> statement.executeQuery("SELECT test.fail()"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"));
        // Forwarded statements now meet the aborted block...
        assertThatThrownBy(() -> statement.executeQuery("SELECT 1"))
            .as(mode)
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
        // ...and COMMIT cannot keep the insert made before the error.
        connection.commit();
        connection.setAutoCommit(true);
        try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM tx_probe")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).as(mode).isZero();
        }
      }
    }
  }

  @Test
  void simpleQueryStopsAtTheFirstFailingStatement() throws SQLException {
    try (Connection connection = connect("preferQueryMode=simple");
        Statement statement = connection.createStatement()) {
      assertThatThrownBy(() -> statement.execute("SELECT test.fail(); SELECT test.version()"))
          .isInstanceOf(PSQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("22023");
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("test-1.0");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 5})
  void preparedLocalStatementsWorkUnnamedAndNamed(int prepareThreshold) throws SQLException {
    try (Connection connection =
            connect("prepareThreshold=" + prepareThreshold + "&binaryTransfer=true");
        PreparedStatement add = connection.prepareStatement("SELECT test.add(?, ?)");
        PreparedStatement count =
            connection.prepareStatement("SELECT count(*) FROM t WHERE id <= ?")) {
      for (int i = 0; i < 8; i++) {
        add.setLong(1, i);
        add.setLong(2, 1000);
        try (ResultSet rs = add.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(1000L + i);
          assertThat(rs.next()).isFalse();
        }
        count.setInt(1, i);
        try (ResultSet rs = count.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(i);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"binaryTransfer=true", "binaryTransfer=false"})
  void float8ArraysBindAndComeBack(String transfer) throws SQLException {
    try (Connection connection = connect("prepareThreshold=1&" + transfer);
        PreparedStatement echo = connection.prepareStatement("SELECT test.echo(?)");
        PreparedStatement sum = connection.prepareStatement("SELECT test.sum(?)")) {
      for (int i = 0; i < 3; i++) {
        Array array = connection.createArrayOf("float8", new Double[] {1.5, -0.1, 1e300});
        echo.setArray(1, array);
        try (ResultSet rs = echo.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat((Double[]) rs.getArray(1).getArray()).containsExactly(1.5, -0.1, 1e300);
        }
        // double[] bound where the statement declares real[]: converted, as PostgreSQL casts.
        sum.setObject(1, new double[] {1.25, 2.5, 0.25});
        try (ResultSet rs = sum.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getDouble(1)).isEqualTo(4.0);
        }
      }
    }
  }

  @Test
  void localErrorIsReportedAndTheSessionGoesOn() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      assertThatThrownBy(() -> statement.executeQuery("SELECT test.fail()"))
          .isInstanceOfSatisfying(
              PSQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("22023");
                assertThat(e.getServerErrorMessage().getMessage())
                    .isEqualTo("test.fail() always fails");
                assertThat(e.getServerErrorMessage().getHint()).isEqualTo("Call something else.");
              });
      assertThatThrownBy(() -> statement.executeQuery("SELECT test.nope()"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("42883");
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(42);
      }
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("test-1.0");
      }
    }
  }

  @Test
  void failedTransactionStatePassesThrough() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
      assertThatThrownBy(() -> statement.executeQuery("SELECT 1/0"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("22012");
      assertThatThrownBy(() -> statement.executeQuery("SELECT count(*) FROM t"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("25P02");
      assertThatThrownBy(() -> statement.executeQuery("SELECT test.version()"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("25P02");
      connection.rollback();
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(42);
      }
      connection.commit();
    }
  }

  @Test
  void pipelinedMixOfLocalAndForwardedStatementsKeepsItsOrder() throws SQLException {
    // pgjdbc sends the statements of one execute() as Parse/Bind/Describe/Execute each, one Sync.
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      assertThat(
              statement.execute(
                  "SELECT test.version(); SELECT id FROM t WHERE id = 7; SELECT test.version();"
                      + " SELECT label FROM t WHERE id = 8"))
          .isTrue();
      List<String> values = new ArrayList<>();
      do {
        try (ResultSet rs = statement.getResultSet()) {
          while (rs.next()) {
            values.add(rs.getString(1));
          }
        }
      } while (statement.getMoreResults());
      assertThat(values).containsExactly("test-1.0", "7", "test-1.0", "row 8");
    }
  }

  @Test
  void localErrorInAPipelineSkipsTheRestUntilSync() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TEMP TABLE audit (v text)");
      assertThatThrownBy(
              () -> statement.execute("SELECT test.fail(); INSERT INTO audit VALUES ('ran')"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("22023");
      assertThatThrownBy(() -> statement.execute("SELECT 1/0; SELECT test.version()"))
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("22012");
      try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM audit")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isZero();
      }
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test
  void parameterMetadataOfALocalStatementComesFromTheHandler() throws SQLException {
    try (Connection connection = connect();
        PreparedStatement add = connection.prepareStatement("SELECT test.add(?, ?)")) {
      assertThat(add.getParameterMetaData().getParameterCount()).isEqualTo(2);
      assertThat(add.getParameterMetaData().getParameterTypeName(1)).isEqualTo("int8");
      assertThat(add.getMetaData().getColumnName(1)).isEqualTo("add");
      assertThat(add.getMetaData().getColumnTypeName(1)).isEqualTo("int8");
    }
  }

  @Test
  void largeLocalResultsStreamWhole() throws SQLException {
    try (Connection connection = connect("binaryTransfer=false");
        PreparedStatement series = connection.prepareStatement("SELECT test.series(?)")) {
      series.setInt(1, 200_000);
      long sum = 0;
      int rows = 0;
      try (ResultSet rs = series.executeQuery()) {
        while (rs.next()) {
          sum += rs.getInt(1);
          rows++;
        }
      }
      assertThat(rows).isEqualTo(200_000);
      assertThat(sum).isEqualTo(200_000L * 200_001 / 2);
    }
  }

  @Test
  void batchMixesForwardedAndLocalStatements() throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TEMP TABLE log (v text)");
      statement.addBatch("INSERT INTO log VALUES ('a')");
      statement.addBatch("INSERT INTO log VALUES ('b')");
      statement.addBatch("INSERT INTO log VALUES ('c')");
      assertThat(statement.executeBatch()).containsExactly(1, 1, 1);
      try (ResultSet rs = statement.executeQuery("SELECT string_agg(v, ',' ORDER BY v) FROM log")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("a,b,c");
      }
    }
  }

  @Test
  void fetchSizeCursorsSuspendLocalPortals() throws SQLException {
    try (Connection connection = connect();
        PreparedStatement series = connection.prepareStatement("SELECT test.series(?)")) {
      connection.setAutoCommit(false);
      series.setFetchSize(10);
      series.setInt(1, 25);
      int sum = 0;
      int rows = 0;
      try (ResultSet rs = series.executeQuery()) {
        while (rs.next()) {
          sum += rs.getInt(1);
          rows++;
        }
      }
      assertThat(rows).isEqualTo(25);
      assertThat(sum).isEqualTo(25 * 26 / 2);
      connection.commit();
    }
  }

  @Test
  void cancelStopsARunningLocalStatement() throws Exception {
    TestSessionHandler.waitingForCancel = new CountDownLatch(1);
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      CompletableFuture<Void> running = executeAsync(statement, "SELECT test.wait_for_cancel()");
      TestSessionHandler.waitingForCancel.await();
      statement.cancel();
      assertThatThrownBy(running::get)
          .isInstanceOf(ExecutionException.class)
          .rootCause()
          .isInstanceOf(PSQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("57014");
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test
  void protocol32SessionsGetA32ByteCancelKeyThatCancels() throws Exception {
    List<RawClient.Message> startup = new ArrayList<>();
    TestSessionHandler.waitingForCancel = new CountDownLatch(1);
    try (RawClient client = RawClient.connect(trustingPort, USER, DATABASE, 196610, startup)) {
      assertThat(startup).extracting(RawClient.Message::type).doesNotContain('v');
      RawClient.Message keyData =
          startup.stream().filter(m -> m.type() == 'K').findFirst().orElseThrow();
      assertThat(keyData.payload()).hasSize(4 + 32);
      ByteBuffer key = ByteBuffer.wrap(keyData.payload());
      int processId = key.getInt();
      byte[] secret = new byte[32];
      key.get(secret);

      client.send(RawClient.query("SELECT test.wait_for_cancel()"));
      TestSessionHandler.waitingForCancel.await();
      // A wrong key of the right length is ignored; the right one cancels.
      byte[] wrong = secret.clone();
      wrong[31] ^= 1;
      sendCancel(trustingPort, processId, wrong);
      sendCancel(trustingPort, processId, secret);
      RawClient.Message error;
      do {
        error = client.readMessage(); // RowDescription may come first
      } while (error.type() == 'T');
      assertThat(error.type()).isEqualTo('E');
      assertThat(new String(error.payload(), StandardCharsets.UTF_8)).contains("57014");
      assertThat(client.readTypesUntilReady()).endsWith("Z");
    }
  }

  /**
   * A trusting endpoint in front of the test PostgreSQL with the given settings (port 0, the
   * session role upstream, {@link TestSessionHandler}); the caller closes it.
   */
  private PgWireServer newTrustingServer(java.util.function.UnaryOperator<PgWireOptions> settings) {
    return TestEndpoint.server(vertx, postgres, SESSION_ROLE, SESSION_ROLE_PASSWORD, settings);
  }

  /** Runs the query on another thread; the future fails with its SQLException. */
  private static CompletableFuture<Void> executeAsync(Statement statement, String sql) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            statement.executeQuery(sql);
          } catch (SQLException e) {
            throw new RuntimeException(e);
          }
        });
  }

  private static void sendCancel(int port, int processId, byte[] secret) throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(
              ByteBuffer.allocate(12 + secret.length)
                  .putInt(12 + secret.length)
                  .putInt(80877102)
                  .putInt(processId)
                  .put(secret)
                  .array());
      socket.getOutputStream().flush();
      // The server closes the connection once it has handled the request.
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void idleSessionsAreClosedWith57P05AndBusyOrActiveOnesAreNot() throws Exception {
    PgWireServer idleServer =
        newTrustingServer(
            options -> options.setIdleSessionTimeout(java.time.Duration.ofSeconds(1)));
    int idlePort = idleServer.start();
    try (RawClient idle = RawClient.connect(idlePort, USER, DATABASE);
        RawClient active = RawClient.connect(idlePort, USER, DATABASE)) {
      // The active client runs a query every 300 ms for 2.4 s: never idle for a whole second.
      for (int i = 0; i < 8; i++) {
        Thread.sleep(300);
        active.send(RawClient.query("SELECT 1"));
        assertThat(active.readTypesUntilReady()).endsWith("Z");
      }
      // By now the idle one was told why, and closed.
      RawClient.Message fatal = idle.readMessage();
      assertThat(fatal.type()).isEqualTo('E');
      String fields = new String(fatal.payload(), StandardCharsets.UTF_8);
      assertThat(fields).contains("FATAL", "57P05", "idle-session timeout");
      assertThatThrownBy(idle::readMessage).isInstanceOf(IOException.class);
      // A statement that runs longer than the timeout is not idleness.
      TestSessionHandler.waitingForCancel = new CountDownLatch(1);
      try (Connection connection =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + idlePort + "/" + DATABASE, USER, "");
          Statement statement = connection.createStatement()) {
        CompletableFuture<Void> running = executeAsync(statement, "SELECT test.wait_for_cancel()");
        TestSessionHandler.waitingForCancel.await();
        Thread.sleep(2_000);
        statement.cancel();
        assertThatThrownBy(running::get)
            .rootCause()
            .extracting(e -> ((SQLException) e).getSQLState())
            .isEqualTo("57014"); // cancelled by us, not closed for idleness
      }
    } finally {
      idleServer.close();
    }
  }

  @Test
  void statementsRunningPastTheStatementTimeoutAreCancelledLocalAndForwarded() throws Exception {
    PgWireServer timed =
        newTrustingServer(options -> options.setStatementTimeout(java.time.Duration.ofMillis(500)));
    int timedPort = timed.start();
    try (Connection connection =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + timedPort + "/" + DATABASE, USER, "");
        Statement statement = connection.createStatement()) {
      TestSessionHandler.waitingForCancel = new CountDownLatch(1);
      // A local statement that never ends by itself...
      assertThatThrownBy(() -> statement.executeQuery("SELECT test.wait_for_cancel()"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("57014");
                assertThat(e.getMessage()).contains("due to statement timeout");
              });
      // ...and a forwarded one, cancelled by the offline store with the setting passed on.
      assertThatThrownBy(() -> statement.executeQuery("SELECT pg_sleep(30)"))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("57014");
                assertThat(e.getMessage()).contains("statement timeout");
              });
      // Quick statements are untouched, and the session goes on.
      try (ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
      try (ResultSet rs = statement.executeQuery("SHOW statement_timeout")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("500ms");
      }
    } finally {
      timed.close();
    }
  }

  @Test
  void cancelReachesAForwardedStatement() throws Exception {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      int backendPid;
      try (ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        backendPid = rs.getInt(1);
      }
      CompletableFuture<Void> running = executeAsync(statement, "SELECT pg_sleep(600)");
      waitUntilSleeping(backendPid);
      statement.cancel();
      assertThatThrownBy(running::get)
          .isInstanceOf(ExecutionException.class)
          .rootCause()
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("57014");
    }
  }

  /** Polls pg_stat_activity (as the superuser, directly) until the backend runs pg_sleep. */
  private void waitUntilSleeping(int backendPid) throws SQLException, InterruptedException {
    try (Connection admin = postgres.connectAsSuperuser(DATABASE);
        PreparedStatement activity =
            admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND query LIKE '%pg_sleep%'"
                    + " AND state = 'active'")) {
      activity.setInt(1, backendPid);
      while (true) {
        try (ResultSet rs = activity.executeQuery()) {
          rs.next();
          if (rs.getInt(1) == 1) {
            return;
          }
        }
        Thread.sleep(20);
      }
    }
  }

  @Test
  void psqlRunsLocalAndForwardedStatementsAndDescribesTables()
      throws IOException, InterruptedException {
    String output = psql("-c", "SELECT test.version(); SELECT count(*) AS n FROM t");
    assertThat(output).contains("test-1.0").contains("42");
    String describe = psql("-c", "\\d t");
    assertThat(describe)
        .contains("Table \"public.t\"")
        .contains("double precision")
        .contains("t_pkey");
  }

  private String psql(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "/usr/bin/psql",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(port),
            "-U",
            USER,
            "-d",
            DATABASE));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", PASSWORD);
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("psql exit status; output:%n%s", output).isZero();
    return output;
  }

  @Test
  void deallocateForgetsLocalStatementsToo() throws Exception {
    try (RawClient raw = RawClient.connect(trustingPort, USER, DATABASE)) {
      raw.send(RawClient.parse("s1", "SELECT test.version()"));
      raw.send(RawClient.sync());
      assertThat(raw.readTypesUntilReady()).isEqualTo("1Z");
      raw.send(RawClient.query("DEALLOCATE s1"));
      raw.readTypesUntilReady();
      raw.send(RawClient.parse("s1", "SELECT test.version()"));
      raw.send(RawClient.sync());
      assertThat(raw.readTypesUntilReady()).isEqualTo("1Z");
      raw.send(RawClient.query("DEALLOCATE ALL"));
      raw.readTypesUntilReady();
      raw.send(RawClient.parse("s1", "SELECT count(*) FROM t"));
      raw.send(RawClient.sync());
      assertThat(raw.readTypesUntilReady()).isEqualTo("1Z");
    }
  }

  @Test
  void malformedMessagesCloseOnlyTheirConnection() throws Exception {
    {
      // An unknown message type, then a Bind whose parameter length runs past its end.
      byte[] unknownType = {'y', 0, 0, 0, 4};
      byte[] overlongBind = {'B', 0, 0, 0, 14, 0, 0, 0, 0, 0, 1, 0, 0, 0x10, 0};
      for (byte[] garbage : List.of(unknownType, overlongBind)) {
        try (RawClient raw = RawClient.connect(trustingPort, USER, DATABASE)) {
          raw.send(garbage);
          Map<Character, String> error = raw.readError();
          assertThat(error).containsEntry('S', "FATAL").containsEntry('C', "08P01");
          assertThat(raw.atEndOfStream()).isTrue();
        }
      }
      try (Connection connection = connect();
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT test.version()")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @Test
  void maxMessageSizeClosesOnlyTheOffendingConnection() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", PASSWORD);
    try (Connection healthy = DriverManager.getConnection(url(""), properties);
        Connection offending = DriverManager.getConnection(url(""), properties);
        Statement statement = offending.createStatement()) {
      String huge = "x".repeat(MAX_MESSAGE_SIZE + 10);
      assertThatThrownBy(() -> statement.executeQuery("SELECT '" + huge + "'"))
          .isInstanceOf(SQLException.class);
      assertThat(offending.isValid(5)).isFalse();
      try (Statement ok = healthy.createStatement();
          ResultSet rs = ok.executeQuery("SELECT count(*) FROM t")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }
}
