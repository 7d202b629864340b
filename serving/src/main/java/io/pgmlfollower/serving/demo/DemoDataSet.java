package io.pgmlfollower.serving.demo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * The bundled Breast Cancer Wisconsin data set (569 rows, CC BY 4.0; see datasets/README.md) as the
 * demo's source table {@code public.breast_cancer}.
 */
final class DemoDataSet {
  static final String TABLE = "public.breast_cancer";
  private static final String RESOURCE = "/datasets/breast_cancer.csv";

  private final List<String> lines;

  private DemoDataSet(List<String> lines) {
    this.lines = lines;
  }

  static DemoDataSet load() {
    try (InputStream in = DemoDataSet.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("data set " + RESOURCE + " is missing from the jar");
      }
      return new DemoDataSet(
          new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int rows() {
    return lines.size() - 1;
  }

  /** Creates the table and loads every row with COPY. */
  void createAndLoad(Connection connection) throws SQLException {
    String columns =
        Arrays.stream(lines.getFirst().split(","))
            .map(
                column ->
                    switch (column) {
                      case "id" -> "id integer PRIMARY KEY";
                      case "target" -> "target integer NOT NULL";
                      default -> column + " double precision NOT NULL";
                    })
            .collect(Collectors.joining(", "));
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE " + TABLE + " (" + columns + ")");
    }
    byte[] csv = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    try {
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn(
              "COPY " + TABLE + " FROM STDIN WITH (FORMAT csv, HEADER true)",
              new ByteArrayInputStream(csv));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A row's non-target columns in table order, as pgml.predict takes them. */
  String featuresOfRow(int row) {
    String line = lines.get(row);
    return line.substring(0, line.lastIndexOf(','));
  }

  int labelOfRow(int row) {
    String line = lines.get(row);
    return Integer.parseInt(line.substring(line.lastIndexOf(',') + 1));
  }
}
