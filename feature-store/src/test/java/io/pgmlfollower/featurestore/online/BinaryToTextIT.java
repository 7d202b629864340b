package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.TestFiles;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgres;
import io.pgmlfollower.featurestore.embedded.EmbeddedPostgresOptions;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Every {@link BinaryToText} conversion against the server's own output: the same rows copied as
 * binary (through {@link CopyBinaryRows}, in chunks of every size) and as text (through {@link
 * CopyTextRows}) must give the same values, byte for byte, over edge cases and thousands of random
 * values per type. A snapshot copied in binary thus fills the online store with exactly what a text
 * copy or the stream would have.
 */
class BinaryToTextIT {
  private static Path root;
  private static EmbeddedPostgres postgres;
  private static Connection connection;

  @BeforeAll
  static void start() throws Exception {
    root = TestFiles.traversableTempDirectory("binary-to-text-it-");
    postgres =
        EmbeddedPostgres.start(
            new EmbeddedPostgresOptions()
                .dataDirectory(root.resolve("data"))
                .serverSettings(Map.of("fsync", "off")));
    connection =
        DriverManager.getConnection(
            postgres.jdbcUrl("postgres"), postgres.superuser(), postgres.superuserPassword());
  }

  @AfterAll
  static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    TestFiles.deleteTree(root);
  }

  @Test
  void everyTypeConvertsToTheTextTheServerPrints() throws Exception {
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE every_type (b bool, i2 int2, i4 int4, i8 int8, t text, v varchar(20),"
              + " c char(5), n name, j json, jb jsonb, f4 float4, f8 float8, num numeric,"
              + " num_scaled numeric(12,4), d date, ts timestamp, ts3 timestamp(3), u uuid,"
              + " bytes bytea)");
      statement.execute(
          "INSERT INTO every_type VALUES"
              + " (true, -32768, -2147483648, -9223372036854775808, 'tab\there \\ back', 'é ü',"
              + "  'ab', 'a name', '{\"a\": [1, 2.50]}', '{\"b\": 1, \"a\": [true, null]}',"
              + "  'NaN', 'Infinity', 'NaN', 0, '-infinity', 'infinity', '2000-01-01 00:00:00.001',"
              + "  '00000000-0000-0000-0000-000000000000', '')"
              + ",(false, 32767, 2147483647, 9223372036854775807, '', '', '', '', 'null', '[]',"
              + "  '-Infinity', '-0', 'Infinity', -12345678.9876, 'infinity', '-infinity', NULL,"
              + "  'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\x00ff10')"
              + ",(NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, '-Infinity', 0.0001,"
              + "  '4713-01-01 BC', '4713-01-01 00:00:00 BC', '0044-03-15 12:00:00.5 BC',"
              + "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', NULL)"
              + ",(true, 1, 1, 1, 'x', 'x', 'x', 'x', '1', '1', 1e6, 1e15, 0.000000001,"
              + "  99999999.9999, '0001-01-01', '1999-12-31 23:59:59.999999', '1970-01-01',"
              + "  NULL, '\\x')"
              + ",(true, -1, -1, -1, 'x', 'x', 'x', 'x', '1', '1', 123456, 123456789012345,"
              + "  '1e-300', -0.0001, '5874897-12-31', '294276-12-31 23:59:59.999999',"
              + "  '2024-02-29 01:02:03', NULL, NULL)"
              + ",(true, -1, -1, -1, 'x', 'x', 'x', 'x', '1', '1', 1e-5, 1e-5, '-0.00',"
              + "  '-0', '1999-01-08', '1999-01-08 04:05:06', '1999-01-08 04:05:06.789',"
              + "  NULL, NULL)");
      // Random values, many per type: floats from random bit patterns, numerics of random scale,
      // dates and timestamps over the whole range.
      statement.execute(
          "INSERT INTO every_type (i4, i8, f4, f8, num, num_scaled, d, ts, u, bytes)"
              + " SELECT (random() * 4e9 - 2e9)::int4, (random() * 1e18)::int8,"
              + " random()::float4 * 10 ^ (random() * 60 - 30)::int,"
              + " (random() - 0.5) * 10 ^ (random() * 600 - 300)::int,"
              + " round(((random() - 0.5) * 10 ^ (random() * 40 - 20)::int)::numeric,"
              + "       (random() * 30)::int),"
              + " round((random() * 1e8)::numeric, 4),"
              + " '2000-01-01'::date + (random() * 4e6 - 2e6)::int,"
              + " '2000-01-01'::timestamp + (random() * 1e11 - 5e10) * interval '1 second'"
              + "   + (random() * 1e6)::int * interval '1 microsecond',"
              + " gen_random_uuid(), decode(md5(i::text), 'hex')"
              + " FROM generate_series(1, 5000) i");
    }
    List<String[]> text = textRows("every_type");
    byte[] binary = copy("every_type", "binary");
    List<BinaryToText> types =
        Stream.of(
                "BOOL",
                "INT2",
                "INT4",
                "INT8",
                "TEXT",
                "VARCHAR",
                "BPCHAR",
                "NAME",
                "JSON",
                "JSONB",
                "FLOAT4",
                "FLOAT8",
                "NUMERIC",
                "NUMERIC",
                "DATE",
                "TIMESTAMP",
                "TIMESTAMP",
                "UUID",
                "BYTEA")
            .map(BinaryToText::valueOf)
            .toList();
    assertThat(text).hasSize(5006);
    for (int chunk : new int[] {1, 7, 4096, binary.length}) {
      List<String[]> converted = new ArrayList<>();
      CopyBinaryRows parser = new CopyBinaryRows(types, row -> converted.add(row.toStrings()));
      for (int at = 0; at < binary.length; at += chunk) {
        parser.write(binary, at, Math.min(chunk, binary.length - at));
      }
      assertThat(parser.partial()).isFalse();
      assertThat(converted).hasSameSizeAs(text);
      for (int i = 0; i < text.size(); i++) {
        for (int c = 0; c < types.size(); c++) {
          assertThat(converted.get(i)[c])
              .as("row %d column %d (%s) in chunks of %d", i, c, types.get(c), chunk)
              .isEqualTo(text.get(i)[c]);
        }
      }
    }
  }

  @Test
  void randomFloatBitPatternsPrintAsTheServerPrintsThem() throws Exception {
    // Bit patterns rather than random() values: every exponent, subnormals included.
    Random random = new Random(20261122);
    StringBuilder doubles = new StringBuilder();
    StringBuilder floats = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      double d = Double.longBitsToDouble(random.nextLong());
      float f = Float.intBitsToFloat(random.nextInt());
      if (Double.isNaN(d) || Float.isNaN(f)) {
        continue;
      }
      doubles.append(Double.toHexString(d)).append('\n');
      floats.append(Float.toHexString(f)).append('\n');
    }
    double[][] extremes = {
      {Double.MAX_VALUE, Float.MAX_VALUE},
      {-Double.MAX_VALUE, -Float.MAX_VALUE},
      {Double.MIN_VALUE, Float.MIN_VALUE},
      {Double.MIN_NORMAL, Float.MIN_NORMAL},
      {0x1p53, 0x1p24},
      {-108339296, -108339296}
    };
    for (double[] extreme : extremes) {
      doubles.append(Double.toHexString(extreme[0])).append('\n');
      floats.append(Float.toHexString((float) extreme[1])).append('\n');
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE float_bits (f8 float8, f4 float4)");
    }
    // Hex floats are not PostgreSQL input: send the exact values as binary, read them back both
    // ways.
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    copy.writeBytes(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
    copy.writeBytes(new byte[8]);
    String[] d = doubles.toString().split("\n");
    String[] f = floats.toString().split("\n");
    java.nio.ByteBuffer row = java.nio.ByteBuffer.allocate(2 + 4 + 8 + 4 + 4);
    for (int i = 0; i < d.length; i++) {
      row.clear();
      row.putShort((short) 2)
          .putInt(8)
          .putDouble(Double.parseDouble(d[i]))
          .putInt(4)
          .putFloat(Float.parseFloat(f[i]));
      copy.writeBytes(row.array());
    }
    copy.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF});
    connection
        .unwrap(PGConnection.class)
        .getCopyAPI()
        .copyIn(
            "COPY float_bits FROM STDIN (FORMAT binary)",
            new java.io.ByteArrayInputStream(copy.toByteArray()));
    List<String[]> text = textRows("float_bits");
    byte[] binary = copy("float_bits", "binary");
    List<String[]> converted = new ArrayList<>();
    CopyBinaryRows parser =
        new CopyBinaryRows(
            List.of(BinaryToText.FLOAT8, BinaryToText.FLOAT4), r -> converted.add(r.toStrings()));
    parser.write(binary, 0, binary.length);
    assertThat(converted).hasSize(d.length);
    for (int i = 0; i < text.size(); i++) {
      assertThat(converted.get(i)).as("row %d", i).isEqualTo(text.get(i));
    }
  }

  private static byte[] copy(String table, String format) throws SQLException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyOut("COPY " + table + " TO STDOUT (FORMAT " + format + ")", out);
    } catch (java.io.IOException e) {
      throw new SQLException(e);
    }
    return out.toByteArray();
  }

  private static List<String[]> textRows(String table) throws SQLException, StoreException {
    byte[] text = copy(table, "text");
    List<String[]> rows = new ArrayList<>();
    int columns;
    try (Statement statement = connection.createStatement();
        var rs =
            statement.executeQuery(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = '"
                    + table
                    + "'::regclass AND attnum > 0")) {
      rs.next();
      columns = rs.getInt(1);
    }
    CopyTextRows parser = new CopyTextRows(columns, row -> rows.add(row.toStrings()));
    parser.write(text, 0, text.length);
    return rows;
  }
}
