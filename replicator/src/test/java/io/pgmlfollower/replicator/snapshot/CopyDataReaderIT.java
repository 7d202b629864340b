package io.pgmlfollower.replicator.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.featurestore.spi.CopyFormat;
import io.pgmlfollower.featurestore.spi.TableSpec;
import io.pgmlfollower.replicator.StopSignal;
import io.pgmlfollower.replicator.connection.SourceCatalog;
import io.pgmlfollower.testing.PostgresFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/** {@link CopyDataReader} against a real PostgreSQL, next to pgjdbc's own CopyOut API. */
class CopyDataReaderIT {
  private static final String DATABASE = "copy_reader";

  private static PostgresFixture postgres;

  @BeforeAll
  static void start() throws SQLException {
    postgres = PostgresFixture.start();
    postgres.createDatabase(DATABASE);
    postgres.execute(
        DATABASE,
        "CREATE TABLE rows (id int PRIMARY KEY, label text, payload bytea)",
        // Small rows, empty and NULL values, and rows far larger than any buffer used below.
        "INSERT INTO rows SELECT g, 'row ' || g, CASE WHEN g % 7 = 0 THEN NULL"
            + " ELSE decode(md5(g::text), 'hex') END FROM generate_series(1, 5000) g",
        "INSERT INTO rows VALUES (6001, '', ''::bytea), (6002, NULL, NULL)",
        "INSERT INTO rows SELECT 7000 + g, repeat('x', 300000 * g), NULL"
            + " FROM generate_series(1, 2) g",
        """
        CREATE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
          IF i % 500 = 0 THEN
            RAISE NOTICE 'row %', i;
          END IF;
          RETURN i;
        END $$""",
        "CREATE PUBLICATION rows_pub FOR TABLE rows");
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void readsTheSameMessagesAsPgjdbcsApiStraightFromTheConnection() throws Exception {
    for (String format : List.of("", " (FORMAT binary)")) {
      String sql = "COPY (SELECT id, label, payload FROM rows ORDER BY id) TO STDOUT" + format;
      List<byte[]> expected = throughPgjdbc(sql);
      for (boolean direct : List.of(true, false)) {
        try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
          CopyDataReader reader = start(connection, sql, direct);
          // The shipped pgjdbc lets the reader past its CopyOut API: what the snapshot's speed
          // rests on (see the class's Javadoc).
          assertThat(reader.direct()).isEqualTo(direct);
          // A buffer that fills after a few rows and is too small for the large ones: the caller
          // is told so, and the message is read once there is room.
          assertThat(readAll(reader, 1024)).containsExactlyElementsOf(expected);
          assertThat(reader.isActive()).isFalse();
          assertThat(scalar(connection, "SELECT 41 + 1")).isEqualTo(42);
        }
      }
    }
  }

  @Test
  void tableCopyHandsTheStoreTheSourcesWholeBinaryFileWithRowsLargerThanItsChunks()
      throws Exception {
    try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
      TableSpec spec = new SourceCatalog(connection).publishedTableSpecs("rows_pub").getFirst();
      List<byte[]> messages = throughPgjdbc(TableCopy.copySql(spec, false, CopyFormat.BINARY));
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      messages.forEach(expected::writeBytes);

      SnapshotProgress progress = new SnapshotProgress();
      ByteArrayOutputStream copied = new ByteArrayOutputStream();
      long bytes =
          new TableCopy(connection, new StopSignal(), Optional.empty())
              .copy(spec, CopyFormat.BINARY, copied, progress.entry(spec.id()), KeepAlive.NONE);

      // Two rows of 300 and 600 KB, beyond the 128 KiB it gathers rows in.
      assertThat(copied.toByteArray()).isEqualTo(expected.toByteArray());
      assertThat(bytes).isEqualTo(expected.size());
      assertThat(progress.entry(spec.id()).rows()).isEqualTo(5004);
    }
  }

  @Test
  void aRowAfterANoticeThatDoesNotFitWaitsForRoomAsAnyOther() throws Exception {
    // After a notice, pgjdbc's readFromCopy goes on to the next row and returns it: the reader
    // keeps it until the caller has room.
    String sql =
        "COPY (SELECT noisy(g), repeat('y', 3000) FROM generate_series(1, 2000) g) TO STDOUT";
    List<byte[]> expected = throughPgjdbc(sql);
    for (boolean direct : List.of(true, false)) {
      try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
        assertThat(readAll(start(connection, sql, direct), 4096))
            .containsExactlyElementsOf(expected);
      }
    }
  }

  @Test
  void noticesBetweenRowsAreLeftToPgjdbcAndNoRowIsLost() throws Exception {
    try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
      CopyDataReader reader =
          CopyDataReader.start(
              connection, "COPY (SELECT noisy(g) FROM generate_series(1, 2000) g) TO STDOUT");
      List<byte[]> rows = readAll(reader, 1 << 16);
      assertThat(rows).hasSize(2000);
      for (int i = 0; i < rows.size(); i++) {
        assertThat(new String(rows.get(i), StandardCharsets.UTF_8)).isEqualTo((i + 1) + "\n");
      }
      List<String> notices = new ArrayList<>();
      for (SQLWarning w = connection.getWarnings(); w != null; w = w.getNextWarning()) {
        notices.add(w.getMessage());
      }
      assertThat(notices).containsExactly("row 500", "row 1000", "row 1500", "row 2000");
    }
  }

  @Test
  void anErrorMidCopyCarriesItsSqlstateAndLeavesTheConnectionUsable() throws Exception {
    try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
      CopyDataReader reader =
          CopyDataReader.start(
              connection,
              "COPY (SELECT CASE WHEN g = 3000 THEN 1 / (g - g) ELSE g END"
                  + " FROM generate_series(1, 5000) g) TO STDOUT");
      List<byte[]> rows = new ArrayList<>();
      // A small buffer: the rows read before the error are handed on as it fills.
      assertThatThrownBy(() -> readInto(reader, 1024, rows))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22012"));
      assertThat(rows).hasSizeBetween(1, 2999);
      for (int i = 0; i < rows.size(); i++) {
        assertThat(new String(rows.get(i), StandardCharsets.UTF_8)).isEqualTo((i + 1) + "\n");
      }
      assertThat(scalar(connection, "SELECT 41 + 1")).isEqualTo(42);
    }
  }

  @Test
  void aBackendTerminatedMidCopyFailsTheRead() throws Exception {
    try (Connection connection = postgres.connectAsSuperuser(DATABASE);
        Connection admin = postgres.connectAsSuperuser(DATABASE)) {
      int pid = scalar(connection, "SELECT pg_backend_pid()");
      CopyDataReader reader =
          CopyDataReader.start(
              connection, "COPY (SELECT g FROM generate_series(1, 100000000) g) TO STDOUT");
      byte[] buffer = new byte[1 << 16];
      assertThat(reader.next(buffer, 0)).isPositive();
      assertThat(scalar(admin, "SELECT pg_terminate_backend(" + pid + ")::int")).isEqualTo(1);
      assertThatThrownBy(
              () -> {
                while (reader.next(buffer, 0) != CopyDataReader.END) {
                  // drain what was sent before the termination
                }
              })
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isIn("57P01", "08006"));
    }
  }

  private static CopyDataReader start(Connection connection, String sql, boolean direct)
      throws SQLException {
    return direct
        ? CopyDataReader.start(connection, sql)
        : CopyDataReader.startThroughApi(connection, sql);
  }

  /** Every message of the COPY, as pgjdbc's own API reads them. */
  private static List<byte[]> throughPgjdbc(String sql) throws SQLException {
    List<byte[]> messages = new ArrayList<>();
    try (Connection connection = postgres.connectAsSuperuser(DATABASE)) {
      CopyOut copyOut = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
      byte[] message;
      while ((message = copyOut.readFromCopy()) != null) {
        messages.add(message);
      }
    }
    return messages;
  }

  private static List<byte[]> readAll(CopyDataReader reader, int bufferSize) throws Exception {
    List<byte[]> rows = new ArrayList<>();
    readInto(reader, bufferSize, rows);
    return rows;
  }

  /**
   * Reads every message, each into a buffer of {@code bufferSize} bytes after the previous ones.
   */
  private static void readInto(CopyDataReader reader, int bufferSize, List<byte[]> rows)
      throws SQLException {
    byte[] buffer = new byte[bufferSize];
    int used = 0;
    List<int[]> spans = new ArrayList<>();
    int length;
    while ((length = reader.next(buffer, used)) != CopyDataReader.END) {
      if (length < 0) {
        flush(buffer, spans, rows);
        used = 0;
        if (-length > buffer.length) {
          buffer = new byte[-length];
        }
        continue;
      }
      spans.add(new int[] {used, length});
      used += length;
    }
    flush(buffer, spans, rows);
  }

  private static void flush(byte[] buffer, List<int[]> spans, List<byte[]> rows) {
    for (int[] span : spans) {
      ByteArrayOutputStream row = new ByteArrayOutputStream();
      row.write(buffer, span[0], span[1]);
      rows.add(row.toByteArray());
    }
    spans.clear();
  }

  private static int scalar(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
