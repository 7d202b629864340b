package io.pgmlfollower.serving.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo answers the queries it prints, and cleans up after itself. */
class DemoIT {
  @Test
  void demoAnswersTheQueriesItPrints() throws Exception {
    java.nio.file.Path directory;
    try (Demo demo = Demo.start(0)) {
      String instructions = demo.instructions();
      assertThat(instructions).contains("psql -h 127.0.0.1 -p " + demo.endpointPort());
      List<String> queries = demo.exampleQueries();
      assertThat(queries).hasSize(3).allSatisfy(q -> assertThat(instructions).contains(q));
      try (Connection connection = demo.connect();
          Statement statement = connection.createStatement()) {
        try (ResultSet rs = statement.executeQuery(queries.get(0))) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(569);
        }
        try (ResultSet rs = statement.executeQuery(queries.get(1))) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("algorithm")).isEqualTo("linear");
          assertThat(rs.getDouble("accuracy")).isGreaterThan(0.9);
        }
        try (ResultSet rs = statement.executeQuery(queries.get(2))) {
          assertThat(rs.next()).isTrue();
          assertThat(Math.round(rs.getFloat(1))).isEqualTo(demo.exampleLabel());
        }
      }
      directory = demo.directory();
    }
    assertThat(directory).doesNotExist();
  }
}
