package io.pgmlfollower.serving;

import io.pgmlfollower.testing.PostgresFixture;
import io.pgmlfollower.testing.SourceRole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The bundled Wisconsin breast-cancer data set (569 rows) as a source table. */
record BreastCancer(List<String> columns, List<double[]> rows) {
  static final String TABLE = "public.breast_cancer";

  static BreastCancer load() {
    try (InputStream in = BreastCancer.class.getResourceAsStream("/datasets/breast_cancer.csv");
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      List<String> columns = Arrays.asList(reader.readLine().split(","));
      List<double[]> rows =
          reader
              .lines()
              .map(l -> Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray())
              .toList();
      return new BreastCancer(columns, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A source holding this data set in {@code database} behind the publication {@code pgml_pub}, and
   * a follower process of it (the endpoint user of {@link FollowerIT}) in a new work directory
   * named after {@code name}, started and ready.
   */
  FollowerProcess startFollower(PostgresFixture source, String database, String name)
      throws Exception {
    source.createDatabase(database);
    try (Connection connection = source.connectAsSuperuser(database)) {
      createTable(connection);
      insert(connection, rows);
    }
    SourceRole role = source.createReplicationSource(database, "pgml_pub", List.of(TABLE));
    Path work =
        Files.createTempDirectory(
            name,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    FollowerProcess follower =
        FollowerProcess.forSource(work, role, "pgml_slot", FollowerIT.USER, FollowerIT.PASSWORD);
    follower.start();
    follower.awaitReady(Duration.ofSeconds(120));
    return follower;
  }

  void createTable(Connection connection) throws SQLException {
    String definition =
        columns.stream()
            .map(
                c ->
                    switch (c) {
                      case "id" -> "id integer PRIMARY KEY";
                      case "target" -> "target integer NOT NULL";
                      default -> c + " double precision NOT NULL";
                    })
            .collect(Collectors.joining(", "));
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE " + TABLE + " (" + definition + ")");
    }
  }

  void insert(Connection connection, List<double[]> selected) throws SQLException {
    String placeholders = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    try (PreparedStatement insert =
        connection.prepareStatement("INSERT INTO " + TABLE + " VALUES (" + placeholders + ")")) {
      for (double[] row : selected) {
        for (int i = 0; i < row.length; i++) {
          if (columns.get(i).equals("id") || columns.get(i).equals("target")) {
            insert.setInt(i + 1, (int) row[i]);
          } else {
            insert.setDouble(i + 1, row[i]);
          }
        }
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** The non-target columns of a row, in table order: what pgml.predict takes. */
  double[] features(double[] row) {
    return Arrays.copyOf(row, row.length - 1);
  }

  int label(double[] row) {
    return (int) row[row.length - 1];
  }

  static List<double[]> where(List<double[]> rows, java.util.function.Predicate<double[]> test) {
    List<double[]> selected = new ArrayList<>();
    for (double[] row : rows) {
      if (test.test(row)) {
        selected.add(row);
      }
    }
    return selected;
  }
}
